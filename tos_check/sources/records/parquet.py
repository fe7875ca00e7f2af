"""Records in Parquet files, read column-wise: only the model fields' leaf columns, batch by batch.

The schema says which (possibly nested) fields name a model; only those leaf columns are read (a
`completions[].model` column without the completions' text), in record batches, and the models are counted
with Arrow compute (group by value: distinct records and first record), so no record becomes a Python object.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tos_check.lineage.model import Location
from tos_check.policy.model import Role
from tos_check.sources.records.fields import model_name, role_of_field
from tos_check.sources.records.tally import Tally

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class _Leaf:
    column: str
    """The Parquet column path to read (`completions.list.element.model`)."""
    steps: tuple[str | None, ...]
    """How to reach the values from the top-level column: a field name into a struct, None into a list."""
    field: str
    """The field as evidence shows it: `completions[].model`."""
    role: Role


def read_parquet(parquet: pq.ParquetFile, tally: Tally) -> None:
    leaves = _model_leaves(parquet)
    rows = parquet.metadata.num_rows
    if not leaves:
        tally.records = rows
        return
    offset = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[leaf.column for leaf in leaves]):
        _count(batch, leaves, offset, tally)
        offset += batch.num_rows
    tally.records = offset


def _model_leaves(parquet: pq.ParquetFile) -> list[_Leaf]:
    """Leaf columns whose field names a model. Arrow leaves come in the same depth-first order as Parquet's."""
    found: list[tuple[int, tuple[str | None, ...], str, Role]] = []
    counter = [0]

    def visit(kind: pa.DataType, steps: tuple[str | None, ...], shown: str, role: Role | None) -> None:
        if pa.types.is_struct(kind):
            for i in range(kind.num_fields):
                child = kind.field(i)
                visit(child.type, (*steps, child.name), f"{shown}.{child.name}", role_of_field(child.name))
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            visit(kind.value_type, (*steps, None), f"{shown}[]", role)
        elif pa.types.is_map(kind):
            counter[0] += 2
        else:
            if role is not None and _is_text(kind):
                found.append((counter[0], steps, shown, role))
            counter[0] += 1

    for top in parquet.schema_arrow:
        visit(top.type, (top.name,), top.name, role_of_field(top.name))
    if counter[0] != len(parquet.schema):
        return []  # an unexpected layout: better no column than the wrong one
    return [_Leaf(parquet.schema.column(i).path, steps, shown, role) for i, steps, shown, role in found]


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _count(batch: pa.RecordBatch, leaves: list[_Leaf], offset: int, tally: Tally) -> None:
    by_role: dict[Role, list[tuple[pa.Array, pa.Array, int]]] = {}
    for index, leaf in enumerate(leaves):
        values, rows = _values(batch, leaf, offset)
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


def _values(batch: pa.RecordBatch, leaf: _Leaf, offset: int) -> tuple[pa.Array, pa.Array]:
    """The leaf's non-null values, each with the index of the record it is in."""
    values: pa.Array = batch.column(leaf.steps[0])
    rows: pa.Array = pa.array(range(offset, offset + batch.num_rows), pa.int64())
    for step in leaf.steps[1:]:
        if step is None:
            parents = pc.list_parent_indices(values)
            values = pc.list_flatten(values)
            rows = rows.take(parents)
        else:
            values = pc.struct_field(values, step)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    valid = pc.is_valid(values)
    return values.filter(valid).cast(pa.large_string()), rows.filter(valid)
