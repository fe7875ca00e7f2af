"""The gate on Ray Data (`pip install 'tos-check[ray]'`), on one machine or a cluster.

`gate_dataset` adds the decision columns with `map_batches` over pyarrow batches. The work is done by a
pool of actors (`ActorPoolStrategy`), each building its gate once, in its constructor, from the
`Gate.from_config` settings given here; every batch it is handed after that reuses the gate and its
verdicts. `split_dataset` gives the passed records (as they were) and the quarantined ones (with the
decision columns), filtering on the action column.

The settings are checked in the caller's process first (a bad use file or policy fails there, with its
path and line) and the date is fixed there (`as_of`, default today), so that every worker judges by the
same day. Paths in the settings (`use`, `config`, `policies`) are read by each worker, relative to its
working folder: locally the driver's; on a cluster, ship them with `runtime_env={"working_dir": ...}`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

try:
    import ray.data
except ImportError as exc:  # pragma: no cover - the extra is installed in the suite's environment
    raise ImportError("tos_check.gate.adapters.ray_data needs Ray Data: pip install 'tos-check[ray]'") from exc

from tos_check.gate.adapters import ACTION, DECISION_COLUMNS, PASS, QUARANTINE, build
from tos_check.gate.decide import Gate

__all__ = ["GateCallable", "gate_dataset", "split_dataset"]

Concurrency = int | tuple[int, int] | None
"""Actors: n (a pool of n), (min, max) (an autoscaling pool), None (from 1 up to what the cluster holds)."""


class GateCallable:
    """The callable class `map_batches` runs in each actor: the gate is built once, here, per worker."""

    def __init__(self, **config: Any) -> None:
        self.gate = Gate.from_config(**config)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.gate.annotate(batch)


def gate_dataset(
    ds: ray.data.Dataset,
    *,
    batch_size: int | None = None,
    concurrency: Concurrency = None,
    num_cpus: float | None = None,
    gate_class: type[GateCallable] = GateCallable,
    **config: Any,
) -> ray.data.Dataset:
    """Every record of `ds` with the decision columns added (`_tos_check_action`: pass or quarantine, and
    the reason, model, identity, rule, effect and fingerprint behind it). Lazy, as every Ray Data transform.

    `batch_size` None hands each actor whole blocks (fastest: the gate's cost per batch is per distinct
    model string); `num_cpus` is reserved per actor (Ray's default: 1); `gate_class` may be a subclass of
    GateCallable (to log or count, say); `config` is `Gate.from_config`'s keyword arguments.

    Leave CPUs to the read: a fixed pool whose actors hold every CPU (`concurrency=2` on a two-CPU Ray)
    starves the tasks reading the input, and the dataset never finishes; give them fewer (`num_cpus=0.5`),
    or let the pool autoscale."""
    _, settings = build(config)
    remote_args: dict[str, Any] = {} if num_cpus is None else {"num_cpus": num_cpus}
    return ds.map_batches(
        gate_class,
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=_actor_pool(concurrency),
        fn_constructor_kwargs=settings,
        **remote_args,
    )


def split_dataset(
    ds: ray.data.Dataset,
    *,
    batch_size: int | None = None,
    concurrency: Concurrency = None,
    num_cpus: float | None = None,
    gate_class: type[GateCallable] = GateCallable,
    materialize: bool = False,
    **config: Any,
) -> tuple[ray.data.Dataset, ray.data.Dataset]:
    """(passed records as they were, quarantined records with the decision columns).

    Both halves come from one `gate_dataset`, but Ray Data is lazy: consuming both runs the gate (and the
    read) once per half, unless `materialize=True`, which runs it once and keeps the annotated records in
    the object store (spilled to disk when it fills) until both halves are consumed."""
    annotated = gate_dataset(
        ds, batch_size=batch_size, concurrency=concurrency, num_cpus=num_cpus, gate_class=gate_class, **config
    )
    if materialize:
        annotated = annotated.materialize()
    passed = _where(annotated, PASS).drop_columns(list(DECISION_COLUMNS))
    return passed, _where(annotated, QUARANTINE)


def _actor_pool(concurrency: Concurrency) -> ray.data.ActorPoolStrategy:
    if concurrency is None:
        return ray.data.ActorPoolStrategy(min_size=1, max_size=None)
    if isinstance(concurrency, int):
        return ray.data.ActorPoolStrategy(size=concurrency)
    low, high = concurrency
    return ray.data.ActorPoolStrategy(min_size=low, max_size=high)


def _where(annotated: ray.data.Dataset, action: str, expressions: bool = True) -> ray.data.Dataset:
    """The records whose action is `action`: an Arrow expression where this Ray has them (Ray Data
    evaluates it on the batches, and can push it down), else a vectorized filter in map_batches."""
    if expressions:
        try:
            from ray.data.expressions import col
        except ImportError:
            pass
        else:
            return annotated.filter(expr=col(ACTION) == action)
    return annotated.map_batches(partial(_rows_with, action=action), batch_format="pyarrow")


def _rows_with(batch: pa.Table, action: str) -> pa.Table:
    return batch.filter(pc.equal(batch[ACTION], action))
