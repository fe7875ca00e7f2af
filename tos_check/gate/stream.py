"""Files through the gate: JSONL (optionally gzip or zstd) and Parquet in, the same out, in bounded memory.

Every record read ends in exactly one sink, and the summary proves it per input (`read == passed +
quarantined`). A line that cannot be a record (invalid JSON, a truncated last line, bytes that are not
UTF-8, a JSON value that is not an object) goes to the quarantine as it was, with the reason and its line
number. Blank lines are not records: they are counted, never written. Sinks are written under temporary
names and renamed only when every input has been read, so an interrupted or failed run leaves nothing under
the final names; the gate never writes into its inputs.

JSONL is read in chunks of whole lines. A chunk Arrow reads in one go (the usual case) is decided
column-wise and its lines are copied to the sinks as they were, byte for byte; a chunk Arrow cannot read, or
must not be given (see `_objects_only`), is read line by line: a bad line, a mixed schema, a line that is
not one object (two records, part of a record spread over lines, `null`).
"""

from __future__ import annotations

import base64
import io
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.json as pa_json  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tos_check.atomic import commit, discard, temporary_path
from tos_check.gate.decide import DECISION_SCHEMA, PREFIX, QUARANTINE, Decision, Gate
from tos_check.gate.readahead import read_ahead
from tos_check.problems import InputError, Problem
from tos_check.sources.records.columns import UnreadableShape, check_nesting
from tos_check.sources.records.parquet import batch_rows, open_parquet

Format = Literal["jsonl", "parquet"]
CHUNK_BYTES = 8 << 20
"""JSONL is read this much at a time (then cut at the last newline): memory stays flat whatever the size.
Measured on a 1.5 GB file: 8 MiB chunks 10.6 s, 16 or 32 MiB 12.5 s (Arrow's JSON reader and the copies
slow down on larger chunks more than the fewer decisions save)."""
_MAX_BLOCK = (1 << 31) - 1
RECORD_KEY = "_tos_check"
"""In a quarantined JSONL record: the decision, the input file and the line."""
COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass
class FileSummary:
    path: str
    read: int = 0
    passed: int = 0
    quarantined: int = 0
    unreadable: int = 0
    blank_lines: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "read": self.read,
            "passed": self.passed,
            "quarantined": self.quarantined,
            "unreadable": self.unreadable,
            "blank_lines": self.blank_lines,
            "reasons": dict(sorted(self.reasons.items())),
            "balanced": self.read == self.passed + self.quarantined,
        }


def file_format(path: Path) -> tuple[Format, str | None] | None:
    """(format, compression) from the name: data.jsonl, data.jsonl.gz, data.jsonl.zst, data.parquet."""
    name = path.name.lower()
    compression = None
    for suffix, codec in COMPRESSION.items():
        if name.endswith(suffix):
            compression, name = codec, name[: -len(suffix)]
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl", compression
    if name.endswith(".parquet") and compression is None:
        return "parquet", None
    return None


class _Sink:
    """One output: written to a temporary file, committed (renamed) only when the whole run succeeded."""

    def __init__(self, path: Path, quarantine: bool) -> None:
        kind = file_format(path)
        assert kind is not None
        self.path, (self.format, self.compression) = path, kind
        self.quarantine = quarantine
        self.tmp = temporary_path(path)
        self._stream: Any = None
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def lines(self, lines: Iterator[bytes] | list[bytes]) -> None:
        """Lines without their newline, written in one call: no Python work per line."""
        if self._stream is None:
            self._stream = pa.output_stream(self.tmp, compression=self.compression)
        data = b"\n".join(lines)
        if data:
            self._stream.write(data)  # not data + newline: that would copy the chunk again
            self._stream.write(b"\n")

    def table(self, table: pa.Table) -> None:
        if self.format == "jsonl":
            self.lines(_json_bytes(row) for row in table.to_pylist())
            return
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self.tmp, table.schema)
        self._parquet.write_table(table.cast(self._schema) if table.schema != self._schema else table)

    def empty_schema(self, schema: pa.Schema) -> None:
        """The schema an empty Parquet sink gets: a file with no rows is still a valid file of that shape."""
        if self.format == "parquet" and self._parquet is None:
            self.table(schema.empty_table())

    def finish(self) -> None:
        if self.format == "jsonl" and self._stream is None:
            self.lines([])
        if self._stream is not None:
            self._stream.close()
        if self._parquet is not None:
            self._parquet.close()

    def abort(self) -> None:
        try:
            if self._stream is not None:
                self._stream.close()
            if self._parquet is not None:
                self._parquet.close()
        finally:
            discard(self.tmp)


@dataclass
class GateRun:
    gate: Gate
    passed: _Sink
    held: _Sink
    summaries: list[FileSummary] = field(default_factory=list)
    _prefixes: dict[tuple[int, str], bytes] = field(default_factory=dict, init=False, repr=False)
    """Each verdict's decision serialised, per input file: for the run, not per chunk (most chunks meet the
    same few hundred verdicts)."""

    # --- JSONL -----------------------------------------------------------------------------------------

    def jsonl(self, path: Path, compression: str | None) -> None:
        summary = self._summary(path)
        line = 1
        with pa.input_stream(path, compression=compression) as stream, read_ahead(_parsed(stream)) as chunks:
            for lines, table in chunks:
                line = self._jsonl_chunk(lines, table, line, summary)

    def _jsonl_chunk(self, lines: list[bytes], table: pa.Table | None, first_line: int, summary: FileSummary) -> int:
        """`table` is Arrow's reading of the chunk's `lines` (None if not to be used): its rows are the lines
        that are not blank one for one when there are as many (`_objects_only`)."""
        blank = [i for i, x in enumerate(lines) if not x or x.isspace()]
        records = [x for x in lines if x and not x.isspace()] if blank else lines
        if table is not None and table.num_rows == len(records):
            numbers = _line_numbers(len(lines), blank, first_line)
            ids = self.gate.verdict_ids(table)
            held = self.gate.held(ids)
            where = pc.indices_nonzero(held).to_pylist()
            if not where:
                self.passed.lines(records)
            else:
                self.passed.lines(itertools.compress(records, pc.invert(held).to_pylist()))
                held_ids = ids.take(where).to_pylist()
                keyed = _keyed(table, where)
                held_lines = self._held_lines(records, where, numbers, held_ids, keyed, summary)
                self.held.lines([held_lines])
            summary.read += len(records)
            summary.quarantined += len(where)
            summary.passed += len(records) - len(where)
            summary.blank_lines += len(blank)
        else:
            self._jsonl_lines(lines, first_line, summary)
        return first_line + len(lines)

    def _held_lines(
        self,
        lines: list[bytes],
        where: list[int],
        numbers: list[int] | range,
        ids: list[int],
        keyed: list[bool] | None,
        summary: FileSummary,
    ) -> bytes:
        """The held lines of a chunk with their decisions, one after the other: each verdict's decision
        serialised once, and spliced into each line it holds with the line number (a record is not parsed and
        written again). One join of every line's pieces: the record's bytes are copied once."""
        verdicts = self.gate.verdicts
        parts: list[bytes | memoryview] = []
        for n, (index, verdict) in enumerate(zip(where, ids, strict=True)):
            prefix = self._prefixes.get((verdict, summary.path))
            if prefix is None:
                if len(self._prefixes) >= _PREFIXES:
                    self._prefixes.clear()
                prefix = _decision_prefix(Decision.of(verdicts[verdict]), summary.path)
                self._prefixes[verdict, summary.path] = prefix
            raw = lines[index]
            number = numbers[index]
            parts += _held_line(raw, prefix, number, keyed is not None and (keyed[n] or _holds_key(raw, number == 1)))
            parts.append(b"\n")
            summary.reasons[verdicts[verdict].rule or "quarantine"] += 1
        parts.pop()  # the sink ends the block with its newline
        return b"".join(parts)

    def _jsonl_lines(self, lines: list[bytes], first_line: int, summary: FileSummary) -> None:
        """Line by line, for a chunk Arrow could not read whole: every line is a record, a blank, or a
        line that cannot be a record (quarantined as it was)."""
        good: list[tuple[int, dict[str, Any]]] = []
        unreadable: dict[int, str] = {}
        for index, raw in enumerate(lines):
            if not raw.strip():
                summary.blank_lines += 1
                continue
            record, why = _parse(raw, first_line + index == 1)
            if record is None:
                unreadable[index] = why
            else:
                good.append((index, record))
        decided = dict(zip((i for i, _ in good), self.gate.decide_records([r for _, r in good]), strict=True))
        records = dict(good)
        for index, raw in enumerate(lines):  # in line order, so each sink keeps the input's order
            number = first_line + index
            if index in unreadable:
                why = unreadable[index]
                self.held.lines([_unreadable_line(raw, why, summary.path, number)])
                summary.unreadable += 1
                summary.reasons[f"unreadable: {why.split(':')[0]}"] += 1
            elif index in decided:
                decision = decided[index]
                if decision.action != QUARANTINE:
                    self.passed.lines([raw])
                    summary.passed += 1
                    summary.read += 1
                    continue
                prefix = _decision_prefix(decision, summary.path)
                self.held.lines([b"".join(_held_line(raw, prefix, number, RECORD_KEY in records[index]))])
                summary.reasons[decision.rule or "quarantine"] += 1
            else:
                continue
            summary.read += 1
            summary.quarantined += 1

    # --- Parquet ---------------------------------------------------------------------------------------

    def parquet(self, path: Path) -> None:
        summary = self._summary(path)
        source = open_parquet(path)
        self.passed.empty_schema(source.schema_arrow)
        offset = 0
        with read_ahead(source.iter_batches(batch_size=batch_rows(source))) as batches:
            for batch in batches:
                offset = self._parquet_batch(batch, offset, summary)
        if self.held.format == "parquet":
            decided = self.gate.annotate(source.schema_arrow.empty_table())
            extra = [pa.field(f"{PREFIX}source", pa.string()), pa.field(f"{PREFIX}record", pa.int64())]
            self.held.empty_schema(pa.schema([*decided.schema, *extra]))

    def _parquet_batch(self, batch: pa.RecordBatch, offset: int, summary: FileSummary) -> int:
        table = pa.Table.from_batches([batch])
        ids = self.gate.verdict_ids(table)
        mask = self.gate.held(ids)
        passing = table.filter(pc.invert(mask))
        self.passed.table(passing)
        held: int = table.num_rows - passing.num_rows
        del passing  # its copy of the rows is freed before the held rows are copied
        if held:
            annotated = table.filter(mask)
            for name, column in zip(DECISION_SCHEMA.names, self.gate.decisions(ids.filter(mask)).columns, strict=True):
                annotated = annotated.append_column(name, column)
            rows = pc.add(pc.indices_nonzero(mask).cast(pa.int64()), offset)
            annotated = annotated.append_column(f"{PREFIX}source", pa.repeat(summary.path, held).cast(pa.string()))
            annotated = annotated.append_column(f"{PREFIX}record", rows)
            self.held.table(annotated)
            for rule, count in Counter(annotated[f"{PREFIX}rule"].to_pylist()).items():
                summary.reasons[rule or "quarantine"] += count
        summary.read += table.num_rows
        summary.passed += table.num_rows - held
        summary.quarantined += held
        return offset + len(table)

    def _summary(self, path: Path) -> FileSummary:
        summary = FileSummary(str(path))
        self.summaries.append(summary)
        return summary


def _line_numbers(count: int, blank: list[int], first_line: int) -> list[int] | range:
    """The line number of each record line of a chunk of `count` lines whose first is `first_line`, the lines
    at the indices `blank` left out."""
    if not blank:
        return range(first_line, first_line + count)
    skipped = set(blank)
    return [first_line + i for i in range(count) if i not in skipped]


def whole_lines(stream: Any, size: int | None = None) -> Iterator[bytes]:
    """The stream in chunks of about `size` bytes (default CHUNK_BYTES) cut after a newline; the last one
    as the stream ends, newline or not. A line longer than a chunk makes a longer chunk."""
    size = size or CHUNK_BYTES
    rest = b""
    while True:
        data = stream.read(size)
        if not data:
            break
        data = rest + data if rest else data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        yield data[: cut + 1]
    if rest:
        yield rest


def _parsed(stream: Any) -> Iterator[tuple[list[bytes], pa.Table | None]]:
    """Each chunk of whole lines as its lines (without their newlines), with its table, or None where Arrow
    cannot read the chunk in one go or must not be asked to. Split here, on the reading thread: splitting an
    8 MiB chunk copies it (about 6 ms)."""
    for chunk in whole_lines(stream):
        lines = chunk.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        yield lines, _read_lines(chunk, lines)


def _read_lines(chunk: bytes, lines: list[bytes]) -> pa.Table | None:
    """None for a chunk whose lines are not all objects (`_objects_only`); for a chunk that is not UTF-8
    (Arrow's reader would take its bytes into strings as they are, and the lines that are not must go to the
    quarantine; the check costs about 0.6 ms an 8 MiB chunk); and for a table Arrow reads wrong: pyarrow
    26 leaves a list that starts with nulls shorter than its offsets say (apache/arrow#51305), which its
    cheap structural check (12 us a chunk) finds; and for one nested too deep (`check_nesting`)."""
    if not _objects_only(lines):
        return None
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        # the chunk as one block: a field whose type differs between blocks of one read crashes pyarrow 26's
        # reader (a list in one, a string in a later one); within a block the conflict raises, as it should
        whole = pa_json.ReadOptions(block_size=min(len(chunk) + 1, _MAX_BLOCK))
        table = pa_json.read_json(io.BytesIO(chunk), read_options=whole)
        check_nesting(table.schema)  # before anything walks the types in C++
        table.validate()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, UnreadableShape):
        return None
    return table


def _objects_only(lines: list[bytes]) -> bool:
    """Whether every line that is not blank starts with '{' and ends with '}' (JSON's spaces aside). Then
    Arrow's rows are those lines one for one exactly when there are as many: a JSON string holds no newline
    (Arrow refuses one), so an object still open at the end of such a line would need the next line to start
    with ',', '}' or ']'; each line thus holds whole values, at least one, and a line of two records makes
    more rows than lines. Without this check, a record spread over lines could make up for a line of two
    records in the count, and decisions would land on the wrong lines; and it keeps from Arrow's reader a
    chunk it crashes the process on (one that starts with `null`: apache/arrow#47409). About 0.4 ms an
    8 MiB chunk, on the reading thread."""
    for line in lines:
        if line[:1] != b"{" or line[-1:] != b"}":
            bare = line.strip(_SPACE)
            if bare and (bare[:1] != b"{" or bare[-1:] != b"}"):
                return False
    return True


def _parse(raw: bytes, first: bool) -> tuple[dict[str, Any] | None, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8: byte {exc.start + 1} of the line"
    if first:
        text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        return None, f"repeated key: {exc.key!r} twice in one object (JSON leaves open which value counts)"
    except json.JSONDecodeError as exc:
        return (
            None,
            f"invalid JSON: {exc.msg} (column {exc.colno}){'; truncated?' if exc.pos >= len(text.rstrip()) else ''}",
        )
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    if not isinstance(value, dict):
        return None, f"not a record: a JSON {type(value).__name__}, not an object"
    return value, ""


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object of the line, refused when a key repeats: Python's reader keeps the last value, Arrow's refuses
    the line, others keep the first, so `{"model": "gpt-4", "model": "human"}` could name a model the gate
    never judges. Such a line is quarantined as it was, with the key named."""
    found = dict(pairs)
    if len(found) < len(pairs):
        raise _RepeatedKey(next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1))
    return found


_LINE_MARK = 0
_KEY = json.dumps(RECORD_KEY).encode()
_SPACE = b" \t\r\n"
"""JSON's whitespace (a byte value is `in` it too)."""
_OPEN, _CLOSE = ord("{"), ord("}")


def _decision_prefix(decision: Decision, source: str) -> bytes:
    """The decision, the input file and `"line": ` as a JSON object left open: each held record adds its line
    number and the closing brace."""
    fields = {k: v for k, v in vars(decision).items() if v is not None}
    return _json_bytes({**fields, "source": source, "line": _LINE_MARK}).removesuffix(b"%d}" % _LINE_MARK)


def _keyed(table: pa.Table, rows: list[int]) -> list[bool] | None:
    """For these rows, whether the record holds RECORD_KEY at its top level with a value; None when no record
    of the table has the key at all (the usual case: nothing to look at a line at a time)."""
    if RECORD_KEY not in table.column_names:
        return None
    found: list[bool] = table[RECORD_KEY].is_valid().take(pa.array(rows, pa.int64())).to_pylist()
    return found


def _holds_key(raw: bytes, first: bool) -> bool:
    """Whether a line Arrow read as having no RECORD_KEY has it after all (Arrow reads a key with a null
    value as no key, and the key may be spelled with escapes): asked only in a chunk where some record has
    the key, so parsing the line costs nothing the usual data pays."""
    record, _ = _parse(raw, first)
    return record is not None and RECORD_KEY in record


_PREFIXES = 4096
"""Serialised decisions a run remembers; past this (a model field of free text) it starts again."""


def _held_line(raw: bytes, prefix: bytes, line: int, keyed: bool) -> tuple[bytes | memoryview, ...]:
    """The record (a JSON object on one line) with its decision added under RECORD_KEY, in pieces to join.
    Spliced before the closing brace, so the record's own bytes stay as they were. A record that may hold the
    key already (`keyed`: the parsed record has it at the top level) is parsed and written again, its old
    value replaced, as a JSON reader would read a repeated key."""
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    end = len(raw)
    while end > start and raw[end - 1] in _SPACE:
        end -= 1
    if end > start and raw[end - 1] == _CLOSE and not keyed:
        cut = end - 1
        while cut > start and raw[cut - 1] in _SPACE:
            cut -= 1
        separator = b"" if raw[cut - 1] == _OPEN else b", "
        # a view, not a copy, of the record's bytes: copying them is most of the work on long chats
        return memoryview(raw)[start:cut], separator, _KEY, b": ", prefix, b"%d}}" % line
    decision = prefix + b"%d}" % line
    value = json.loads(raw[start:end].decode("utf-8"))
    value[RECORD_KEY] = json.loads(decision)
    return (_json_bytes(value),)


def _unreadable_line(raw: bytes, why: str, source: str, line: int) -> bytes:
    """The line as it was, in a record of its own: as text where it is UTF-8, else base64 of its bytes."""
    info = {"action": QUARANTINE, "reason": f"unreadable line: {why}", "source": source, "line": line}
    try:
        kept: dict[str, Any] = {"raw": raw.decode("utf-8")}
    except UnicodeDecodeError:
        kept = {"raw_base64": base64.b64encode(raw).decode("ascii")}
    return _json_bytes({RECORD_KEY: {**info, **kept}})


def _json_bytes(value: Any) -> bytes:
    """`value` as JSON in UTF-8, with `\\u` escapes instead where a string holds a lone surrogate (Python's
    reader makes one of the escape `\\ud800`), which UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(value, default=str).encode()


def check_paths(inputs: list[Path], pass_path: Path, quarantine_path: Path) -> list[Problem]:
    """Before anything is read: formats known, sinks apart from each other and from every input."""
    problems = []
    for path in [*inputs, pass_path, quarantine_path]:
        if file_format(path) is None:
            problems.append(
                Problem(str(path), None, "unknown format: name it .jsonl, .ndjson (optionally .gz or .zst) or .parquet")
            )
    if problems:
        return problems
    for path in inputs:
        if not path.is_file():
            problems.append(Problem(str(path), None, "no such file" if not path.exists() else "not a file"))
    resolved_inputs = {p.resolve() for p in inputs if p.exists()}
    for sink in (pass_path, quarantine_path):
        if sink.resolve() in resolved_inputs:
            problems.append(Problem(str(sink), None, "is an input: the gate never writes into the data it reads"))
        if not sink.parent.is_dir():
            problems.append(Problem(str(sink), None, f"its folder {str(sink.parent)!r} does not exist"))
    if pass_path.resolve() == quarantine_path.resolve():
        problems.append(Problem(str(pass_path), None, "the pass and quarantine sinks must be different files"))
    kinds = {path: file_format(path) for path in [*inputs, pass_path, quarantine_path]}
    jsonl_in = any(kinds[p] is not None and kinds[p][0] == "jsonl" for p in inputs)  # type: ignore[index]
    parquet_out = any(kinds[s] is not None and kinds[s][0] == "parquet" for s in (pass_path, quarantine_path))  # type: ignore[index]
    if jsonl_in and parquet_out:
        problems.append(
            Problem(
                str(pass_path),
                None,
                "JSONL input needs JSONL sinks (lines are copied as they were); Parquet sinks take Parquet input",
            )
        )
    return problems


def run(gate: Gate, inputs: list[Path], pass_path: Path, quarantine_path: Path) -> list[FileSummary]:
    """Raises InputError (nothing committed) when an input cannot be read through; KeyboardInterrupt and
    any other failure also leave nothing under the final names."""
    problems = check_paths(inputs, pass_path, quarantine_path)
    if problems:
        raise InputError(problems)
    passed, held = _Sink(pass_path, False), _Sink(quarantine_path, True)
    job = GateRun(gate, passed, held)
    try:
        for path in inputs:
            kind, compression = file_format(path)  # type: ignore[misc]
            try:
                if kind == "jsonl":
                    job.jsonl(path, compression)
                else:
                    job.parquet(path)
            except (OSError, pa.ArrowException, UnreadableShape) as exc:
                raise InputError(
                    [Problem(str(path), None, f"cannot be read through: {exc}; nothing was written")]
                ) from None
        passed.finish()
        held.finish()
        commit(passed.tmp, passed.path)
        commit(held.tmp, held.path)
    except BaseException:
        passed.abort()
        held.abort()
        raise
    return job.summaries
