"""Records in Parquet files, read column-wise: only the model fields' leaf columns, batch by batch.

The schema says which (possibly nested) fields name a model; only those leaf columns are read (a
`completions[].model` column without the completions' text), in record batches, and the models are counted
with Arrow compute (group by value: distinct records and first record), so no record becomes a Python object.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tos_check.lineage.model import Location
from tos_check.policy.model import Role
from tos_check.sources.records.columns import Leaf, leaf_values, model_leaves
from tos_check.sources.records.fields import model_name
from tos_check.sources.records.tally import Tally

BATCH_ROWS = 65_536


def read_parquet(parquet: pq.ParquetFile, tally: Tally) -> None:
    leaves = _model_leaves(parquet)
    rows = parquet.metadata.num_rows
    if not leaves:
        tally.records = rows
        return
    offset = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[column for column, _ in leaves]):
        _count(batch, [leaf for _, leaf in leaves], offset, tally)
        offset += batch.num_rows
    tally.records = offset


def _model_leaves(parquet: pq.ParquetFile) -> list[tuple[str, Leaf]]:
    """(Parquet column path, leaf) of each model field. Arrow leaves come in Parquet's depth-first order."""
    leaves, count = model_leaves(parquet.schema_arrow)
    if count != len(parquet.schema):
        return []  # an unexpected layout: better no column than the wrong one
    return [(parquet.schema.column(leaf.index).path, leaf) for leaf in leaves]


def _count(batch: pa.RecordBatch, leaves: list[Leaf], offset: int, tally: Tally) -> None:
    by_role: dict[Role, list[tuple[pa.Array, pa.Array, int]]] = {}
    for index, leaf in enumerate(leaves):
        values, rows = leaf_values(batch, leaf, offset)
        by_role.setdefault(leaf.role, []).append((values, rows, index))
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
        counts = table.group_by("model").aggregate([("row", "count_distinct"), ("row", "min")])
        firsts = table.group_by(["model", "leaf"]).aggregate([("row", "min")])
        first_leaf: dict[str, tuple[int, int]] = {}
        for name, leaf_index, row in zip(
            firsts["model"].to_pylist(), firsts["leaf"].to_pylist(), firsts["row_min"].to_pylist(), strict=True
        ):
            first_leaf[name] = min(first_leaf.get(name, (row, leaf_index)), (row, leaf_index))
        for raw, records, first in zip(
            counts["model"].to_pylist(),
            counts["row_count_distinct"].to_pylist(),
            counts["row_min"].to_pylist(),
            strict=True,
        ):
            name = model_name(raw)
            if name is None:
                continue
            seen = tally.seen.get((name, role))
            if seen is not None:
                seen.records += records
                continue
            leaf = leaves[first_leaf[raw][1]]
            tally.add_first(name, role, leaf.field, Location(path=tally.path, record=first), records)
