"""Records in Parquet files, read column-wise: only the model fields' and text fields' leaf columns (and
the date fields, sources/records/dates.py), batch by batch.

The schema says which (possibly nested) fields name a model; those leaf columns are read in record batches,
and the models are counted with Arrow compute (group by value: distinct records, first record, and the
days the records say they were generated on), so no record becomes a Python object. The text fields
(fields.TEXT_FIELDS) of records that name no model go through the content-fingerprint engine a column at a
time, as in the record gate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tos_check.fingerprints import FingerprintSet
from tos_check.lineage.model import Location
from tos_check.policy.model import Role
from tos_check.sources.records.columns import Leaf, leaf_values, model_leaves, string_leaves
from tos_check.sources.records.dates import DATE_FIELDS, EPOCH, UNKNOWN, day_numbers
from tos_check.sources.records.fields import model_name, text_role
from tos_check.sources.records.tally import Tally

BATCH_ROWS = 65_536
"""The most rows in a batch: enough for Arrow's kernels to amortise their per-call cost."""
BATCH_BYTES = 16 << 20
"""About how much uncompressed data a batch holds: a chat dataset's rows run to kilobytes, so a fixed row
count would hold hundreds of megabytes at once (2.4 GB peak on a 600 MB file, measured). 16 MiB rather than
32: reading is as fast, and the gate's peak on a 601 MB file fell from about 600 to 460 MiB (Arrow's
allocator keeps freed blocks for reuse, so fewer bytes a batch is less memory held)."""


def open_parquet(path: Path) -> pq.ParquetFile:
    """A Parquet file for reading batch after batch. Without pre-buffering: pyarrow keeps pre-buffered row
    groups until the reader closes, so memory grew with the file (400 MiB to 1 GB over 60 MB to 600 MB,
    measured); without it, memory follows the batch. Column chunks are read through a 1 MiB buffer, not
    whole: the gate's peak on 601 MB went from 648 to 590 MiB (row groups of 20,000 chat records)."""
    return pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)


def batch_rows(parquet: pq.ParquetFile, columns: Collection[str] | None = None) -> int:
    """Rows per batch so that a batch of `columns` (Parquet column paths; None: all) holds about BATCH_BYTES,
    from the sizes the file's metadata records, at most BATCH_ROWS."""
    meta = parquet.metadata
    if meta.num_rows == 0:
        return BATCH_ROWS
    size = 0
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for column in range(row_group.num_columns):
            chunk = row_group.column(column)
            if columns is None or chunk.path_in_schema in columns:
                size += chunk.total_uncompressed_size
    per_row: int = max(1, size // int(meta.num_rows))
    return max(1, min(BATCH_ROWS, BATCH_BYTES // per_row))


def read_parquet(parquet: pq.ParquetFile, tally: Tally) -> None:
    leaves = _leaves(parquet, model_leaves(parquet.schema_arrow))
    texts = _leaves(parquet, string_leaves(parquet.schema_arrow, text_role, speakers=True))
    rows = parquet.metadata.num_rows
    if not leaves and not texts:
        tally.records = rows
        return
    speakers = [parquet.schema.column(leaf.speaker_index).path for _, leaf in texts if leaf.speaker_index is not None]
    schema = parquet.schema_arrow
    dates = [n for n in DATE_FIELDS if schema.names.count(n) == 1 and not pa.types.is_nested(schema.field(n).type)]
    columns = list(dict.fromkeys([*(column for column, _ in [*leaves, *texts]), *speakers, *(dates if leaves else [])]))
    offset = 0
    for batch in parquet.iter_batches(batch_size=batch_rows(parquet, set(columns)), columns=columns):
        named = _count(batch, [leaf for _, leaf in leaves], offset, tally)
        _fingerprint(batch, [leaf for _, leaf in texts], named, offset, tally)
        offset += batch.num_rows
    tally.records = offset


def _leaves(parquet: pq.ParquetFile, found: tuple[list[Leaf], int]) -> list[tuple[str, Leaf]]:
    """(Parquet column path, leaf) of each leaf found. Arrow leaves come in Parquet's depth-first order."""
    leaves, count = found
    if count != len(parquet.schema):
        return []  # an unexpected layout: better no column than the wrong one
    return [(parquet.schema.column(leaf.index).path, leaf) for leaf in leaves]


def _fingerprint(batch: pa.RecordBatch, leaves: list[Leaf], named: pa.Array, offset: int, tally: Tally) -> None:
    """Fingerprints in the text of the batch's records that name no model (`named` holds the others)."""
    if not leaves:
        return
    matcher = FingerprintSet.installed()
    parts: list[tuple[pa.Array, pa.Array]] = []
    for leaf in leaves:
        values, rows = leaf_values(batch, leaf, offset)
        unnamed = pc.invert(pc.is_in(rows, value_set=named))
        values, rows = values.filter(unnamed), rows.filter(unnamed)
        if len(values):
            ids = matcher.first_match(values)
            found = pc.is_valid(ids)
            parts.append((ids.filter(found), rows.filter(found)))
    if not parts:
        return
    ids = pa.chunked_array([p[0] for p in parts], pa.string()).combine_chunks()
    if len(ids) == 0:
        return
    encoded = pc.dictionary_encode(ids)
    models = pa.array([matcher.fingerprints[i].model for i in encoded.dictionary.to_pylist()], pa.string())
    table = pa.table(
        {
            "model": models.take(encoded.indices),
            "id": ids,
            "row": pa.chunked_array([p[1] for p in parts], pa.int64()).combine_chunks(),
        }
    )
    ids_of: dict[str, set[str]] = {}
    pairs = table.group_by(["model", "id"]).aggregate([])
    for model, fingerprint_id in zip(pairs["model"].to_pylist(), pairs["id"].to_pylist(), strict=True):
        ids_of.setdefault(model, set()).add(fingerprint_id)
    counts = table.group_by("model").aggregate([("row", "count_distinct"), ("row", "min")])
    for model, records, first in zip(
        counts["model"].to_pylist(),
        counts["row_count_distinct"].to_pylist(),
        counts["row_min"].to_pylist(),
        strict=True,
    ):
        tally.add_fingerprints(model, ids_of[model], first, Location(path=tally.path, record=first), records)


def _day(number: int | None) -> dt.date | None:
    return None if number is None else EPOCH + dt.timedelta(days=number)


def _count(batch: pa.RecordBatch, leaves: list[Leaf], offset: int, tally: Tally) -> pa.Array:
    """Count the models the batch's records name; returns the rows that name one (a value that is a name)."""
    by_role: dict[Role, list[tuple[pa.Array, pa.Array, int]]] = {}
    named: list[pa.Array] = []
    for index, leaf in enumerate(leaves):
        values, rows = leaf_values(batch, leaf, offset)
        by_role.setdefault(leaf.role, []).append((values, rows, index))
        if len(values):
            encoded = pc.dictionary_encode(values)
            is_name = pa.array([model_name(v) is not None for v in encoded.dictionary.to_pylist()], pa.bool_())
            named.append(rows.filter(is_name.take(encoded.indices)))
    days = day_numbers(batch)
    for role, parts in by_role.items():
        table = pa.table(
            {
                "model": pa.chunked_array([p[0] for p in parts], pa.large_string()),
                "row": pa.chunked_array([p[1] for p in parts], pa.int64()),
                "leaf": pa.chunked_array([pa.repeat(p[2], len(p[0])).cast(pa.int64()) for p in parts], pa.int64()),
            }
        )
        if table.num_rows == 0:
            continue
        if days is not None:
            day = days[table["row"].to_numpy() - offset]
            table = table.append_column("day", pa.array(day, pa.int64(), mask=day == UNKNOWN))
        else:
            table = table.append_column("day", pa.nulls(table.num_rows, pa.int64()))
        undated = pc.CountOptions(mode="only_null")
        counts = table.group_by("model").aggregate(
            [("row", "count_distinct"), ("row", "min"), ("day", "min"), ("day", "max"), ("day", "count", undated)]
        )
        firsts = table.group_by(["model", "leaf"]).aggregate([("row", "min")])
        first_leaf: dict[str, tuple[int, int]] = {}
        for name, leaf_index, row in zip(
            firsts["model"].to_pylist(), firsts["leaf"].to_pylist(), firsts["row_min"].to_pylist(), strict=True
        ):
            first_leaf[name] = min(first_leaf.get(name, (row, leaf_index)), (row, leaf_index))
        for raw, records, first, earliest, latest, nulls in zip(
            counts["model"].to_pylist(),
            counts["row_count_distinct"].to_pylist(),
            counts["row_min"].to_pylist(),
            counts["day_min"].to_pylist(),
            counts["day_max"].to_pylist(),
            counts["day_count"].to_pylist(),
            strict=True,
        ):
            name = model_name(raw)
            if name is None:
                continue
            seen = tally.seen.get((name, role))
            if seen is not None:
                seen.records += records
            else:
                leaf = leaves[first_leaf[raw][1]]
                seen = tally.add_first(name, role, leaf.field, Location(path=tally.path, record=first), records)
            if seen is not None:
                seen.dated(_day(earliest), _day(latest), nulls > 0)
    return pa.concat_arrays(named) if named else pa.array([], pa.int64())
