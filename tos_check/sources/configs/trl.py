"""TRL and transformers arguments, open-instruct and alignment-handbook recipes (Magpie's DPO recipes too).

Datasets: `dataset_mixer` (a mapping id -> weight, or a list), `dataset_mixer_list` (flat
`[id, weight, id, weight, ...]`), `dataset_mixture: {datasets: [{id: ...}]}` (alignment-handbook),
`dataset_name` (TRL's ScriptArguments), `train_file` (a local file). The `*_eval_*` mixers are only
evaluated on: named in the graph, not judged. The model started from is `model_name_or_path`.
"""

from __future__ import annotations

from typing import Any

from tos_check.loader import Loc
from tos_check.sources.configs.run import RunReader, name_of, shape

TRAIN_KEYS = ("dataset_mixer", "dataset_mixer_list", "dataset_mixture", "dataset_name", "train_file")
EVAL_KEYS = ("dataset_mixer_eval", "dataset_mixer_eval_list", "validation_file")
RUN_KEYS = frozenset({"output_dir", "hub_model_id", "learning_rate", "num_train_epochs", "per_device_train_batch_size"})


def recognises(data: dict[str, Any]) -> bool:
    if any(key in data for key in TRAIN_KEYS):
        return True
    return "model_name_or_path" in data and bool(RUN_KEYS & data.keys())


def read(run: RunReader, data: dict[str, Any]) -> None:
    for name, loc in run.names_at(("model_name_or_path",), "a model name"):
        run.base_model(name, loc)
    for key in (*TRAIN_KEYS, *EVAL_KEYS):
        if data.get(key) is None:
            continue
        trained_on = key in TRAIN_KEYS
        if key == "dataset_mixture":
            _mixture(run, data[key], trained_on)
        elif key.endswith("_list"):
            _flat_list(run, data[key], key, trained_on)
        elif key.startswith("dataset_mixer"):
            _mixer(run, data[key], key, trained_on)
        else:
            for name, loc in run.names_at((key,), "a dataset name"):
                run.dataset(name, loc, trained_on=trained_on)


def _mixer(run: RunReader, value: Any, key: str, trained_on: bool) -> None:
    """open-instruct's `dataset_mixer`: `{id: weight}`; a list is read like `dataset_mixer_list`."""
    if isinstance(value, list):
        _flat_list(run, value, key, trained_on)
        return
    if not isinstance(value, dict):
        run.problem((key,), f"{key}: expected a mapping of dataset -> weight, found {shape(value)}")
        return
    for name, weight in value.items():
        loc: Loc = (key, name)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            run.problem(loc, f"{key}: the weight of {name} should be a number (a fraction or a count)")
        run.dataset(str(name), loc, trained_on=trained_on)


def _flat_list(run: RunReader, value: Any, key: str, trained_on: bool) -> None:
    """`[id, weight, id, weight]`, or a plain list of ids: weights are the numbers, datasets the rest."""
    if not isinstance(value, list):
        run.problem((key,), f"{key}: expected a list like [dataset, weight, dataset, weight], found {shape(value)}")
        return
    for index, item in enumerate(value):
        if isinstance(item, int | float) and not isinstance(item, bool):
            continue
        if isinstance(item, str) and _is_number(item):
            continue  # open-instruct reads weights given as strings ("1.0") too
        name = name_of(item)
        if name is None:
            run.problem((key, index), f"{key}: expected a dataset name or a weight, found {shape(item)}")
            continue
        run.dataset(name, (key, index), trained_on=trained_on)


def _mixture(run: RunReader, value: Any, trained_on: bool) -> None:
    """alignment-handbook: `dataset_mixture: {datasets: [{id, config, split, columns, weight}]}`."""
    datasets = value.get("datasets") if isinstance(value, dict) else None
    if not isinstance(datasets, list):
        found = shape(value) if not isinstance(value, dict) else f"datasets: {shape(datasets)}"
        run.problem(("dataset_mixture",), f"dataset_mixture: expected datasets: [{{id: ...}}, ...], found {found}")
        return
    for index, item in enumerate(datasets):
        loc: Loc = ("dataset_mixture", "datasets", index)
        name = name_of(item.get("id")) if isinstance(item, dict) else name_of(item)
        if name is None:
            run.problem(loc, "dataset_mixture.datasets: each entry needs an `id` (the Hub id or path of a dataset)")
            continue
        run.dataset(name, (*loc, "id") if isinstance(item, dict) else loc, trained_on=trained_on)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
