"""Which columns of an Arrow schema name a model, and their values with the record each sits in.

Shared by the Parquet reader of the records source and by the record gate, so a scan and a gate read
the same fields of the same data. A leaf is a string column reached through structs and lists
(`completions[].model`, `messages[].metadata.model`); only field names decide (fields.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tos_check.policy.model import Role
from tos_check.sources.records.fields import PERSON_SPEAKERS, SPEAKER_FIELDS, role_of_field


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
    speaker: str | None = None
    """A text leaf in a chat turn: the turn's speaker field (`role`, `from`); turns of a person are left out."""
    speaker_index: int | None = None
    """The speaker field's leaf number (as `index`)."""

    @property
    def flat(self) -> bool:
        """In no list: one value (or null) per record."""
        return None not in self.steps


class UnreadableShape(ValueError):
    """Data whose schema the model and text fields cannot be read from: not read rather than read half."""


class AmbiguousField(UnreadableShape):
    """A field a model or a text is read from, or a struct on the way to one, shares its name with a field
    beside it: which of them holds the value is left open (as for a JSON object's repeated key)."""


class TooDeep(UnreadableShape):
    """Fields nested more than MAX_NESTING levels deep: Arrow walks types recursively in C++ (hashing a schema
    nested 8,000 levels crashed the process), and so do these functions in Python."""


MAX_NESTING = 64
"""Struct and list levels a schema may have; records are searched only six deep (fields.MAX_DEPTH)."""


def check_nesting(schema: pa.Schema) -> None:
    """Raises TooDeep for a schema nested more than MAX_NESTING levels; walks it without recursion, so it is
    safe to ask before anything else touches the schema."""
    stack = [(field.type, 1) for field in schema]
    while stack:
        kind, depth = stack.pop()
        if depth > MAX_NESTING:
            raise TooDeep(f"fields nested more than {MAX_NESTING} levels deep; such data is not read")
        if pa.types.is_struct(kind):
            stack.extend((kind.field(i).type, depth + 1) for i in range(kind.num_fields))
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            stack.append((kind.value_type, depth + 1))
        elif pa.types.is_map(kind):
            stack.extend([(kind.key_type, depth + 1), (kind.item_type, depth + 1)])


def string_leaves(
    schema: pa.Schema, role_of: Callable[[str], Role | None], speakers: bool = False
) -> tuple[list[Leaf], int]:
    """The string leaves whose field (or the field of a list holding them) `role_of` gives a role, and the
    number of leaves in the schema. With `speakers`, a leaf beside a speaker field (a chat turn's `role`)
    says so, so that a person's turns can be left out. Raises AmbiguousField for such a leaf reached through
    a name two fields share, TooDeep for a schema nested too deep to walk."""
    check_nesting(schema)
    found: list[Leaf] = []
    counter = [0]
    speaker: tuple[str, int] | None = None
    twice: list[str] = []

    def visit(kind: pa.DataType, steps: tuple[str | None, ...], shown: str, role: Role | None, shared: bool) -> None:
        nonlocal speaker
        if pa.types.is_struct(kind):
            outer, speaker = speaker, _speaker_of(kind, counter[0]) if speakers else None
            repeated = _repeated(kind.field(i).name for i in range(kind.num_fields))
            for i in range(kind.num_fields):
                child = kind.field(i)
                name = child.name
                visit(child.type, (*steps, name), f"{shown}.{name}", role_of(name), shared or name in repeated)
            speaker = outer
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            visit(kind.value_type, (*steps, None), f"{shown}[]", role, shared)
        elif pa.types.is_map(kind):
            counter[0] += 2
        else:
            if role is not None and is_text(kind):
                if shared:
                    twice.append(shown)
                name, index = speaker if speaker is not None and speaker[0] != steps[-1] else (None, None)
                found.append(Leaf(steps, shown, role, counter[0], name, index))
            counter[0] += 1

    repeated = _repeated(schema.names)
    for top in schema:
        visit(top.type, (top.name,), top.name, role_of(top.name), top.name in repeated)
    if twice:
        raise AmbiguousField(
            f"{', '.join(dict.fromkeys(twice))}: a field on the way shares its name with another beside it, and "
            "which of them holds the value is left open; rename one"
        )
    return found, counter[0]


def _repeated(names: Iterable[str]) -> set[str]:
    return {name for name, count in Counter(names).items() if count > 1}


def _speaker_of(kind: pa.DataType, first: int) -> tuple[str, int] | None:
    """A struct's speaker field (a text field named as in SPEAKER_FIELDS) and its leaf number, when it has
    one; `first` is the number of the struct's first leaf."""
    index = first
    for i in range(kind.num_fields):
        child = kind.field(i)
        if child.name.lower() in SPEAKER_FIELDS and is_text(child.type):
            if child.name in _repeated(kind.field(j).name for j in range(kind.num_fields)):
                return None  # two of them: whose turn it is is left open, so none is left out
            return child.name, index
        index += _leaf_count(child.type)
    return None


def _leaf_count(kind: pa.DataType) -> int:
    if pa.types.is_struct(kind):
        return sum(_leaf_count(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _leaf_count(kind.value_type)
    return 2 if pa.types.is_map(kind) else 1


def model_leaves(schema: pa.Schema) -> tuple[list[Leaf], int]:
    return string_leaves(schema, role_of_field)


def is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def leaf_column(batch: pa.RecordBatch | pa.Table, leaf: Leaf) -> tuple[pa.Array, np.ndarray | None]:
    """The leaf's values, null where a record has none (or a person wrote it, for a leaf with a speaker
    field), and for a leaf in lists the number of the record each value is in (int64, in order); None for a
    flat leaf, whose values are one per record."""
    column = batch.column(leaf.steps[0])
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks > 1:  # each chunk apart: combining would copy the whole column (a chat's text)
            parts = [_leaf_of(chunk, leaf) for chunk in column.chunks]
            values = pa.concat_arrays([v for v, _ in parts])
            if leaf.flat:
                return values, None
            starts = np.cumsum([0] + [len(chunk) for chunk in column.chunks[:-1]])
            return values, np.concatenate([r + start for (_, r), start in zip(parts, starts, strict=True)])
        column = column.combine_chunks()
    return _leaf_of(column, leaf)


def _leaf_of(values: pa.Array, leaf: Leaf) -> tuple[pa.Array, np.ndarray | None]:
    rows: np.ndarray | None = None
    parent = values
    for step in leaf.steps[1:]:
        if step is None:
            parents = _parents(values)
            values = pc.list_flatten(values)
            rows = parents if rows is None else rows[parents]
        else:
            parent, values = values, _field(values, step)
    values = _decoded(values)
    if leaf.speaker is not None:
        person = _by_a_person(_field(parent, leaf.speaker))
        values = pc.if_else(person, pa.scalar(None, values.type), values)
    return values, rows


def leaf_values(batch: pa.RecordBatch | pa.Table, leaf: Leaf, offset: int = 0) -> tuple[pa.Array, pa.Array]:
    """The leaf's non-null values (as large_string), each with the number of the record it is in (from
    `offset`)."""
    values, rows = leaf_column(batch, leaf)
    numbers = np.arange(offset, offset + batch.num_rows, dtype=np.int64) if rows is None else rows + offset
    valid = values.is_valid()
    kept = numbers[valid.to_numpy(zero_copy_only=False)]
    return values.filter(valid).cast(pa.large_string()), pa.array(kept, pa.int64())


def _parents(lists: pa.Array) -> np.ndarray:
    """For each value `list_flatten` gives, the number of the list it is in. In numpy from the offsets:
    Arrow's list_parent_indices, and a filter of them where a list is null, cost more a batch. A null list
    may still span values, which flatten drops: it counts as empty."""
    if pa.types.is_fixed_size_list(lists.type):
        lengths = np.full(len(lists), lists.type.list_size, np.int64)
    else:
        lengths = np.diff(lists.offsets.to_numpy())
    if lists.null_count:
        lengths[~lists.is_valid().to_numpy(zero_copy_only=False)] = 0
    found: np.ndarray = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    return found


def _field(values: pa.Array, name: str) -> pa.Array:
    """A struct's child, null where the struct is (the child alone may hold anything under a null struct);
    the child as it is when no struct is null, which costs nothing."""
    return values.field(name) if values.null_count == 0 and values.offset == 0 else pc.struct_field(values, name)


def _decoded(values: pa.Array) -> pa.Array:
    return values.cast(values.type.value_type) if pa.types.is_dictionary(values.type) else values


def _by_a_person(speakers: pa.Array) -> pa.Array:
    """True where a turn's speaker is a person (PERSON_SPEAKERS, any case), false elsewhere and for null."""
    speakers = _decoded(speakers)
    return pc.fill_null(pc.is_in(pc.utf8_lower(speakers), value_set=_PERSONS), False)


_PERSONS = pa.array(sorted(PERSON_SPEAKERS), pa.string())
