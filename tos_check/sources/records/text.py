"""Records in text files: JSON Lines (plain or gzipped), a JSON array of objects, CSV and TSV.

Every reader streams: a line, a row or one array item at a time, so memory stays bounded by the largest
record, whatever the size of the file. What cannot be read is a problem with its line, and reading goes on
where the format allows (JSON Lines, CSV); inside a JSON array there is no next record to resync on, so a
syntax error ends the file there.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from typing import IO, cast

from tos_check.encodings import is_binary
from tos_check.problems import Problem
from tos_check.sources.records.dates import DATE_FIELDS
from tos_check.sources.records.fields import role_of_field
from tos_check.sources.records.tally import Tally

MAX_RECORD_BYTES = 64 * 1024 * 1024
"""One record (a JSON line, an array item) larger than this is skipped with a problem, so memory stays bounded."""

CHUNK = 1024 * 1024


def read_jsonl(handle: IO[bytes], tally: Tally) -> None:
    loads = json.loads
    record_fn = tally.record
    line = 0
    while not tally.stopped:
        raw = handle.readline(MAX_RECORD_BYTES)
        if not raw:
            return
        line += 1
        if len(raw) == MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            _skip_rest_of_line(handle)
            tally.bad_record(line, f"line longer than {MAX_RECORD_BYTES // 1_048_576} MiB; skipped")
            continue
        try:
            record = loads(raw)
        except UnicodeDecodeError:
            tally.bad_record(line, "not valid UTF-8; save the file as UTF-8 (line skipped)")
            continue
        except ValueError as exc:
            if raw.isspace():
                continue
            tally.bad_record(line, _json_error(exc, raw, handle))
            continue
        except RecursionError:
            tally.bad_record(line, "invalid JSON: nested too deeply (line skipped)")
            continue
        if type(record) is dict:
            record_fn(record, line)
        else:
            tally.bad_record(line, f"a JSON {_json_type(record)}, not an object: each line should be one record")


def _skip_rest_of_line(handle: IO[bytes]) -> None:
    while True:
        part = handle.readline(CHUNK)
        if not part or part.endswith(b"\n"):
            return


def _json_error(exc: ValueError, raw: bytes, handle: IO[bytes]) -> str:
    if not raw.endswith(b"\n") and not handle.read(1):
        return "truncated last line (no closing newline, JSON incomplete): was the file cut off while written?"
    if is_binary(raw):
        return "binary content (NUL bytes), not a JSON line"
    what = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
    return f"invalid JSON: {what} (line skipped)"


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "number" if not isinstance(value, bool) else "boolean"


def open_jsonl(path_name: str, handle: IO[bytes]) -> IO[bytes]:
    if path_name.endswith(".gz"):
        return cast(IO[bytes], gzip.GzipFile(fileobj=handle, mode="rb"))
    return handle


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


_WS = re.compile(r"[ \t\r\n]*")


class _Buffer:
    """Text read so far from a JSON array, with the line number of any position in it."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.eof = False
        self._line = 1
        self._line_pos = 0

    def fill(self) -> bool:
        """Read more (at least as much again as is buffered, so a long record costs linear time)."""
        if self.eof:
            return False
        chunk = self.handle.read(max(CHUNK, len(self.text) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self._line += self.text.count("\n", self._line_pos, self.pos)
        self.text = self.text[self.pos :] + chunk
        self._line_pos = self.pos = 0
        return True

    def line_at(self, pos: int) -> int:
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_space(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            match = _WS.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""


def read_json_array(handle: IO[str], tally: Tally) -> None:
    """Each item of a top-level JSON array is a record; the line of each model field is found in its text."""
    buf = _Buffer(handle)
    decoder = json.JSONDecoder()
    if buf.skip_space() != "[":
        tally.bad_record(buf.line_at(buf.pos), "expected a JSON array of records ('[' first)")
        return
    buf.pos += 1
    if buf.skip_space() == "]":
        return
    while not tally.stopped:
        start = buf.pos
        try:
            record, end = decoder.raw_decode(buf.text, start)
        except json.JSONDecodeError as exc:
            if _incomplete(exc, buf) and len(buf.text) - start < MAX_RECORD_BYTES and buf.fill():
                continue
            line = buf.line_at(min(exc.pos, len(buf.text)))
            incomplete = _incomplete(exc, buf)
            if incomplete and not buf.eof:
                tally.bad_record(line, f"a record larger than {MAX_RECORD_BYTES // 1_048_576} MiB; stopped reading")
            elif incomplete:
                tally.bad_record(line, "the JSON array ends early (file cut off?); records before it were read")
            else:
                tally.bad_record(line, f"invalid JSON: {exc.msg}; the rest of the array cannot be read")
            return
        except RecursionError:
            tally.bad_record(buf.line_at(start), "invalid JSON: nested too deeply; stopped reading")
            return
        line = buf.line_at(start)
        if not isinstance(record, dict):
            if tally.records == 0:
                tally.not_records = True  # a list of names or numbers (a config's constants), not records
                return
            tally.bad_record(line, f"item is a JSON {_json_type(record)}, not an object (record); skipped")
        else:
            tally.record(record, line, _FieldLines(buf.text, start, end, line))
        buf.pos = end
        following = buf.skip_space()
        if following == ",":
            buf.pos += 1
            buf.skip_space()
            continue
        if following == "]":
            return
        where = buf.line_at(buf.pos)
        if following == "":
            tally.bad_record(where, "the JSON array ends early (file cut off?); records before it were read")
        else:
            tally.bad_record(where, f"invalid JSON: expected ',' or ']' after a record, found {following!r}")
        return


class _FieldLines:
    """The line of a field in one array item: its key's first appearance in the item's text."""

    def __init__(self, text: str, start: int, end: int, line: int) -> None:
        self.text, self.start, self.end, self.line = text, start, end, line

    def __call__(self, key: str) -> int:
        pattern = re.compile('"' + re.escape(json.dumps(key)[1:-1]) + r'"\s*:')
        found = pattern.search(self.text, self.start, self.end)
        return self.line + (self.text.count("\n", self.start, found.start()) if found else 0)


def _incomplete(exc: json.JSONDecodeError, buf: _Buffer) -> bool:
    """Whether the error may only mean the record continues beyond what has been read so far."""
    if exc.msg.startswith("Unterminated string"):
        return True
    if buf.eof:
        return exc.pos >= len(buf.text.rstrip())
    return exc.pos >= len(buf.text) - 16


def read_delimited(lines: Iterator[str], tally: Tally, delimiter: str) -> None:
    """CSV or TSV with a header row; the model columns are found from the header."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)  # a stray or unclosed quote is reported
    kind = "TSV" if delimiter == "\t" else "CSV"
    header: list[str] | None = None
    columns: list[tuple[int, str]] = []
    last_line = 0
    while not tally.stopped:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            tally.bad_record(reader.line_num, f"invalid {kind} row: {exc} (row skipped)")
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if header is None:
            header = row
            columns = [
                (i, name) for i, name in enumerate(row) if role_of_field(name) is not None or name in DATE_FIELDS
            ]
            continue
        record = {name: row[i] for i, name in columns if i < len(row)}
        tally.record(record, line)


def decoded_lines(handle: IO[bytes], tally: Tally) -> Iterator[str]:
    """Lines of a UTF-8 file; a line that is not UTF-8 is reported once and read with replacement characters."""
    reported = False
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            if not reported:
                reported = True
                message = "not valid UTF-8 (read with replacement characters); save the file as UTF-8"
                tally.problems.append(Problem(tally.path, number, message))
            yield raw.decode("utf-8", errors="replace")
