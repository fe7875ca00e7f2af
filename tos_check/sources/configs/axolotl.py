"""axolotl YAML (also Magpie's recipes): `base_model`, `datasets:` of `{path, type, ...}`, `hub_model_id`.

`path` is a Hugging Face id or a local file or folder; `name` is the Hub configuration (a subset), not the
dataset. `rl: dpo|kto|...` runs read the same `datasets:`. `pretraining_dataset` is trained on too;
`test_datasets` are only evaluated on, so they are named in the graph but not judged.
"""

from __future__ import annotations

from typing import Any

from tos_check.loader import Loc
from tos_check.sources.configs.run import RunReader, name_of, shape

AXOLOTL_KEYS = frozenset(
    {
        "base_model",
        "base_model_config",
        "sequence_len",
        "micro_batch_size",
        "adapter",
        "rl",
        "dataset_prepared_path",
        "pretraining_dataset",
        "sample_packing",
        "lora_r",
    }
)
"""Keys only axolotl configs have; with a `datasets:` list they say which tool this is."""


def recognises(data: dict[str, Any]) -> bool:
    if "pretraining_dataset" in data:
        return True
    datasets = data.get("datasets")
    if not isinstance(datasets, list):
        return "base_model" in data and "datasets" in data
    has_paths = any(isinstance(item, dict) and "path" in item for item in datasets)
    return has_paths or bool(AXOLOTL_KEYS & data.keys())


def read(run: RunReader, data: dict[str, Any]) -> None:
    for name, loc in run.names_at(("base_model",), "a model name"):
        run.base_model(name, loc)
    _datasets(run, data, "datasets", trained_on=True)
    _datasets(run, data, "pretraining_dataset", trained_on=True)
    _datasets(run, data, "test_datasets", trained_on=False)


def _datasets(run: RunReader, data: dict[str, Any], key: str, *, trained_on: bool) -> None:
    value = data.get(key)
    if value is None:
        return
    items: list[tuple[Any, Loc]]
    if isinstance(value, str | dict):
        items = [(value, (key,))]
    elif isinstance(value, list):
        items = [(item, (key, i)) for i, item in enumerate(value)]
    else:
        run.problem((key,), f"{key}: expected a list of {{path: ...}} entries, found {shape(value)}")
        return
    for item, loc in items:
        if item is None:
            continue
        if isinstance(item, dict):
            name = name_of(item.get("path"))
            if name is None:
                found = "no path" if item.get("path") is None else shape(item["path"])
                run.problem(loc, f"{key}: each entry needs a `path` (a Hub id or a local file), found {found}")
                continue
            run.dataset(name, (*loc, "path"), trained_on=trained_on)
            continue
        name = name_of(item) if isinstance(item, str) else None
        if name is None:
            run.problem(loc, f"{key}: expected a dataset (a Hub id, a path, or {{path: ...}}), found {shape(item)}")
            continue
        run.dataset(name, loc, trained_on=trained_on)
