"""Which columns of an Arrow schema name a model, and their values with the record each sits in.

Shared by the Parquet reader of the records source and by the record gate, so a scan and a gate read
the same fields of the same data. A leaf is a string column reached through structs and lists
(`completions[].model`, `messages[].metadata.model`); only field names decide (fields.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tos_check.policy.model import Role
from tos_check.sources.records.fields import role_of_field


@dataclass(frozen=True)
class Leaf:
    steps: tuple[str | None, ...]
    """How to reach the values from the top-level column: a field name into a struct, None into a list."""
    field: str
    """The field as evidence shows it: `completions[].model`."""
    role: Role
    index: int
    """Its number among all leaves, depth first, a map counting as two (key and value), as Parquet numbers
    its columns."""

    @property
    def flat(self) -> bool:
        """In no list: one value (or null) per record."""
        return None not in self.steps


def string_leaves(schema: pa.Schema, role_of: Callable[[str], Role | None]) -> tuple[list[Leaf], int]:
    """The string leaves whose field (or the field of a list holding them) `role_of` gives a role, and the
    number of leaves in the schema."""
    found: list[Leaf] = []
    counter = [0]

    def visit(kind: pa.DataType, steps: tuple[str | None, ...], shown: str, role: Role | None) -> None:
        if pa.types.is_struct(kind):
            for i in range(kind.num_fields):
                child = kind.field(i)
                visit(child.type, (*steps, child.name), f"{shown}.{child.name}", role_of(child.name))
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            visit(kind.value_type, (*steps, None), f"{shown}[]", role)
        elif pa.types.is_map(kind):
            counter[0] += 2
        else:
            if role is not None and is_text(kind):
                found.append(Leaf(steps, shown, role, counter[0]))
            counter[0] += 1

    for top in schema:
        visit(top.type, (top.name,), top.name, role_of(top.name))
    return found, counter[0]


def model_leaves(schema: pa.Schema) -> tuple[list[Leaf], int]:
    return string_leaves(schema, role_of_field)


def is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def row_numbers(start: int, count: int) -> pa.Array:
    """start, start+1, … as int64, computed by Arrow (no Python int per row)."""
    if count == 0:
        return pa.array([], pa.int64())
    return pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), count)), 1 - start)


def flat_values(batch: pa.RecordBatch | pa.Table, leaf: Leaf) -> pa.Array:
    """The values of a flat leaf, one per record in order, null where the record has none."""
    values = batch.column(leaf.steps[0])
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    for step in leaf.steps[1:]:
        values = pc.struct_field(values, step)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


def leaf_values(batch: pa.RecordBatch | pa.Table, leaf: Leaf, offset: int = 0) -> tuple[pa.Array, pa.Array]:
    """The leaf's non-null values, each with the number of the record it is in (from `offset`)."""
    values = batch.column(leaf.steps[0])
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    rows: pa.Array = row_numbers(offset, batch.num_rows)
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
