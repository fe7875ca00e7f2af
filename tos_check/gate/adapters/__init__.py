"""The gate inside data pipelines: one module per engine, each an optional extra.

- `hf_datasets`: Hugging Face `datasets` (`pip install 'tos-check[datasets]'`): a batched `filter` that keeps
  the records that pass, a batched `map` that adds the decision columns, and `split`.
- `ray_data`: Ray Data (`pip install 'tos-check[ray]'`): `map_batches` over pyarrow batches with the gate
  built once per worker, and `split_dataset`.

Both take the gate's settings as `Gate.from_config` keyword arguments (`use`, `config`, `policies`,
`quarantine_on`, `quarantine_undecided`, `as_of`, `fingerprints`), so that every process builds its own gate
from the same settings, and both add the columns of `DECISION_SCHEMA` (decide.py). Neither module is
imported here: each imports its engine, which may not be installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tos_check.gate.decide import DECISION_SCHEMA, PASS, PREFIX, QUARANTINE, Gate

ACTION = f"{PREFIX}action"
DECISION_COLUMNS: tuple[str, ...] = tuple(DECISION_SCHEMA.names)

__all__ = ["ACTION", "DECISION_COLUMNS", "PASS", "QUARANTINE", "build"]


def build(config: Mapping[str, Any]) -> tuple[Gate, dict[str, Any]]:
    """The gate of these `Gate.from_config` settings, and the settings other processes build it from again.

    Built here first, so that a bad use file or policy fails in the caller's process with its path and line
    (InputError), not inside a worker. The date is fixed now (`as_of`, default today): workers started
    after midnight judge by the same day's terms as the others."""
    settings = dict(config)
    if settings.get("as_of") is None:
        settings["as_of"] = dt.date.today()
    return Gate.from_config(**settings), settings
