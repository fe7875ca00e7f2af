"""The gate in Hugging Face `datasets` (`pip install 'tos-check[datasets]'`).

`filter_passing` keeps the records that pass (a batched `filter`), `annotate` adds the decision columns
(a batched `map`), `split` gives both halves. Each runs on Arrow batches: the dataset is read with the
`arrow` format, so the gate gets `pa.Table` batches straight from the dataset's memory-mapped Arrow data,
and the dataset comes back in the format it had. A `Dataset` and an `IterableDataset` (`streaming=True`)
are both taken.

The gate is given as a `Gate`, or as `Gate.from_config` keyword arguments (`use=`, `as_of=`, ...). With
keyword arguments and `num_proc > 1`, each process builds its own gate once, from the same settings: the
function `datasets` pickles carries the settings, not the gate.

No result is ever taken from `datasets`' cache: the policies, the declared use or the date may have changed
since, and a stale decision is worse than a second pass. Each call gets a fresh fingerprint (`datasets`
never hashes the gate) and recomputes. `filter_passing` keeps its result (a list of row numbers) in memory;
`annotate` writes its table where any `map` would (the dataset's cache folder; `keep_in_memory=True` or
`cache_file_name=` to choose), never into the dataset's own files.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

try:
    import datasets
except ImportError as exc:  # pragma: no cover - the extra is installed in the suite's environment
    raise ImportError(
        "tos_check.gate.adapters.hf_datasets needs the datasets package: pip install 'tos-check[datasets]'"
    ) from exc

from tos_check.gate.adapters import ACTION, DECISION_COLUMNS, PASS, QUARANTINE, build
from tos_check.gate.decide import Gate

__all__ = ["BATCH_SIZE", "annotate", "filter_passing", "split"]

BATCH_SIZE = 10_000
"""Rows per batch given to the gate: its cost per batch is per distinct model string, so larger is faster."""

AnyDataset = TypeVar("AnyDataset", datasets.Dataset, datasets.IterableDataset)


class _Gated:
    """What `datasets` calls. Picklable for `num_proc > 1`: built from settings, it pickles the settings and
    not the gate, and each process builds its gate once, on its first batch."""

    def __init__(self, gate: Gate, settings: dict[str, Any] | None) -> None:
        self._gate: Gate | None = gate
        self._settings = settings

    @property
    def gate(self) -> Gate:
        if self._gate is None:
            assert self._settings is not None
            self._gate = Gate.from_config(**self._settings)
        return self._gate

    def __getstate__(self) -> dict[str, Any]:
        return {"_gate": self._gate if self._settings is None else None, "_settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _Passing(_Gated):
    def __call__(self, batch: pa.Table) -> pa.ChunkedArray:
        return pc.equal(self.gate.decide(batch)[ACTION], PASS)


class _Annotating(_Gated):
    def __call__(self, batch: pa.Table) -> pa.Table:
        # plain strings: datasets before 2.20 has no feature type for Arrow's dictionary-encoded columns
        annotated = self.gate.annotate(batch)
        return annotated.cast(pa.schema([_plain(field) for field in annotated.schema]))


def _plain(field: pa.Field) -> pa.Field:
    """A decision column as plain strings (the record's own columns as they are)."""
    return field.with_type(field.type.value_type) if field.name in DECISION_COLUMNS[1:] else field


def _is_held(batch: pa.Table) -> pa.ChunkedArray:
    return pc.equal(batch[ACTION], QUARANTINE)


def _is_passed(batch: pa.Table) -> pa.ChunkedArray:
    return pc.equal(batch[ACTION], PASS)


def filter_passing(
    ds: AnyDataset,
    gate: Gate | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    num_proc: int | None = None,
    **config: Any,
) -> AnyDataset:
    """The records of `ds` that pass, as they were (no column added)."""
    function = _function(_Passing, gate, config)
    arrow = ds.with_format("arrow")
    if isinstance(arrow, datasets.IterableDataset):
        return _as_before(arrow.filter(function, batched=True, batch_size=batch_size), ds)
    kept = arrow.filter(
        function,
        with_indices=False,
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        keep_in_memory=True,
        load_from_cache_file=False,
        new_fingerprint=_fresh(),
        desc="tos-check gate: filter",
    )
    return _as_before(kept, ds)


def annotate(
    ds: AnyDataset,
    gate: Gate | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    num_proc: int | None = None,
    keep_in_memory: bool = False,
    cache_file_name: str | None = None,
    **config: Any,
) -> AnyDataset:
    """Every record of `ds`, in order, with the decision columns added: `_tos_check_action` (pass or
    quarantine) and the reason, model, identity, rule, effect and fingerprint behind it (null when nothing
    applies)."""
    function = _function(_Annotating, gate, config)
    arrow = ds.with_format("arrow")
    if isinstance(arrow, datasets.IterableDataset):
        return _as_before(arrow.map(function, batched=True, batch_size=batch_size), ds, DECISION_COLUMNS)
    annotated = arrow.map(
        function,
        with_indices=False,
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        keep_in_memory=keep_in_memory,
        cache_file_name=cache_file_name,
        load_from_cache_file=False,
        new_fingerprint=_fresh(),
        desc="tos-check gate: annotate",
    )
    return _as_before(annotated, ds, DECISION_COLUMNS)


def split(
    ds: AnyDataset,
    gate: Gate | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    num_proc: int | None = None,
    keep_in_memory: bool = False,
    cache_file_name: str | None = None,
    **config: Any,
) -> tuple[AnyDataset, AnyDataset]:
    """(passed records as they were, quarantined records with the decision columns): the gate runs once
    (`annotate`); the halves are two filters on its action column. For an IterableDataset each half is its
    own stream, so iterating both runs the gate twice."""
    annotated = annotate(
        ds.with_format("arrow"),
        gate,
        batch_size=batch_size,
        num_proc=num_proc,
        keep_in_memory=keep_in_memory,
        cache_file_name=cache_file_name,
        **config,
    )
    passed = _where(annotated, _is_passed, batch_size, num_proc).remove_columns(list(DECISION_COLUMNS))
    held = _where(annotated, _is_held, batch_size, num_proc)
    return _as_before(passed, ds), _as_before(held, ds, DECISION_COLUMNS)


def _where(annotated: AnyDataset, keep: Any, batch_size: int, num_proc: int | None) -> AnyDataset:
    if isinstance(annotated, datasets.IterableDataset):
        return annotated.filter(keep, batched=True, batch_size=batch_size)
    return annotated.filter(
        keep,
        batched=True,
        batch_size=batch_size,
        num_proc=num_proc,
        keep_in_memory=True,
        load_from_cache_file=False,
        new_fingerprint=_fresh(),
        desc="tos-check gate: split",
    )


def _function(kind: type[_Gated], gate: Gate | None, config: dict[str, Any]) -> _Gated:
    if gate is not None:
        if config:
            raise TypeError(f"give a Gate or Gate.from_config settings, not both (got {sorted(config)})")
        return kind(gate, None)
    return kind(*build(config))


def _fresh() -> str:
    """A fingerprint no cache file has: the result is computed, never loaded from an earlier run."""
    return f"tos-check-{uuid.uuid4().hex}"


def _as_before(out: AnyDataset, ds: AnyDataset, added: tuple[str, ...] = ()) -> AnyDataset:
    """`out` in the format `ds` had (the arrow format was only for the gate); a format limited to some
    columns shows the added columns too."""
    if isinstance(out, datasets.IterableDataset):
        formatting = getattr(ds, "_formatting", None)  # IterableDataset has no public accessor for its format
        return out.with_format(getattr(formatting, "format_type", None))
    assert isinstance(ds, datasets.Dataset)
    fmt = ds.format
    shown: list[str] | None = fmt["columns"]
    columns = None if shown is None else shown + [n for n in added if n not in shown and n in out.column_names]
    return out.with_format(
        fmt["type"], columns=columns, output_all_columns=fmt["output_all_columns"], **fmt["format_kwargs"]
    )
