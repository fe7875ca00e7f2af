"""Per-record data: JSON Lines, JSON arrays of records, CSV/TSV and Parquet files whose records name models.

A records file is a dataset artifact (id: its path below the scanned folder); each model named in a record
field (`generator`, `model_id`, `completions[].model` …) becomes one `generated_by` per (model, role), with
the number of records naming it and the first of them as evidence (kind `record`). Files are streamed, so
their size does not matter. docs/sources-records.md lists the fields and decisions.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from tos_check.encodings import BINARY, bom_reading_codec, is_binary, undecodable, utf8_stream
from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import SourceResult
from tos_check.problems import Problem
from tos_check.sources.interface import Source
from tos_check.sources.records.tally import Tally
from tos_check.sources.records.text import (
    GZIP_ERRORS,
    decoded_lines,
    open_jsonl,
    read_delimited,
    read_json_array,
    read_jsonl,
)
from tos_check.walk import ScanFile

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
DELIMITED = {".csv": ",", ".tsv": "\t"}
JSON_PROBE = 512
"""Bytes read to decide whether a `.json` file is an array (records) rather than an object (configuration)."""


class RecordsSource:
    name = "records"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name.lower()
        if name.endswith((*JSONL_SUFFIXES, *PARQUET_SUFFIXES, *DELIMITED)):
            return True
        if name.endswith(".json"):
            return _opens_array(file)
        return False

    def read(self, file: ScanFile) -> SourceResult:
        tally = Tally(file)
        name = file.path.name.lower()
        try:
            if name.endswith(PARQUET_SUFFIXES):
                _read_parquet(file, tally)
            else:
                _read_text(file, name, tally)
        except IsADirectoryError:
            tally.problems.append(Problem(file.display, None, "is a directory, expected a records file"))
        except PermissionError:
            tally.problems.append(Problem(file.display, None, "permission denied: cannot read the file"))
        except OSError as exc:
            tally.problems.append(Problem(file.display, None, f"cannot read the file: {exc.strerror or exc}"))
        return tally.result()


def _opens_array(file: ScanFile) -> bool:
    """Whether the first character that is not white space is `[`, from the first bytes only.

    A `.json` that cannot be opened, or holds binary bytes, is claimed too: no other source will read it,
    and `read` reports why it is not a records file, so it is never skipped in silence.
    """
    if file.head is None:
        return True
    head = file.head[:JSON_PROBE]
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"[" or undecodable(head) is not None


def _read_text(file: ScanFile, name: str, tally: Tally) -> None:
    gzipped = name.endswith(".gz")
    encoding = None if gzipped else file.encoding
    if not gzipped and encoding is None and is_binary(file.head or b""):
        tally.problems.append(Problem(file.display, None, f"{BINARY}; nothing read"))
        return
    with file.path.open("rb") as raw:
        if name.endswith(".json"):
            _read_array(file, raw, tally, encoding)
            return
        stream = raw if encoding is None else utf8_stream(raw, encoding)
        try:
            if name.endswith(JSONL_SUFFIXES):
                read_jsonl(open_jsonl(name, stream), tally)
            else:
                delimiter = DELIMITED[name[name.rfind(".") :]]
                read_delimited(decoded_lines(stream, tally), tally, delimiter)
        except GZIP_ERRORS as exc:
            message = f"not a readable gzip file ({exc}); records before the damage were read"
            tally.problems.append(Problem(file.display, None, message))
        except UnicodeDecodeError as exc:
            tally.problems.append(_undecodable(file, encoding, exc))


def _read_array(file: ScanFile, raw: BinaryIO, tally: Tally, encoding: str | None) -> None:
    text = io.TextIOWrapper(raw, encoding=bom_reading_codec(encoding), newline="")
    try:
        read_json_array(text, tally)
    except UnicodeDecodeError as exc:
        tally.problems.append(_undecodable(file, encoding, exc))
    finally:
        text.detach()


def _undecodable(file: ScanFile, encoding: str | None, exc: UnicodeDecodeError) -> Problem:
    if encoding is None:
        message = f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}); save the file as UTF-8"
    else:
        message = f"not valid {encoding}, which its byte-order mark announces; records before it were read"
    return Problem(file.display, None, message)


def _read_parquet(file: ScanFile, tally: Tally) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]

    from tos_check.sources.records.columns import UnreadableShape
    from tos_check.sources.records.parquet import open_parquet, read_parquet

    try:
        with open_parquet(file.path) as parquet:
            read_parquet(parquet, tally)
    except UnreadableShape as exc:
        tally.problems.append(Problem(file.display, None, f"not read: {exc}"))
    except (pa.ArrowException, ValueError) as exc:
        tally.problems.append(Problem(file.display, None, f"not a readable Parquet file: {exc}"))


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(RecordsSource())
