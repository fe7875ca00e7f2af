"""LLaMA-Factory: run YAML (`model_name_or_path`, `dataset: a, b`) and the `dataset_info.json` registry.

A run names datasets by their registry name. Those names are emitted as written; the registry, when the scan
holds one, gives the same names an artifact with the Hub ids in `names`, so the lineage graph joins them and
looks the Hub ids up in the known-datasets catalog. Without a scanned registry, the catalog knows
LLaMA-Factory's built-in names (`alpaca_gpt4_en`). The registry alone trains nothing: its entries are named
(external), not in use.
"""

from __future__ import annotations

import posixpath
from typing import Any

from tos_check.lineage.model import Artifact, Location, SourceResult
from tos_check.loader import Document
from tos_check.problems import Problem
from tos_check.sources.configs.run import RunReader, name_of, shape

REGISTRY_KEYS = ("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "file_name", "cloud_file_name")
"""Where an entry's data lives: the Hugging Face, ModelScope and Modelers hubs, a script or a local file."""
HUB_KEYS = ("hf_hub_url", "ms_hub_url", "om_hub_url")
RUN_KEYS = frozenset({"stage", "finetuning_type", "template", "dataset_dir", "cutoff_len"})


def recognises(data: dict[str, Any]) -> bool:
    return "dataset" in data and ("model_name_or_path" in data or bool(RUN_KEYS & data.keys()))


def read(run: RunReader, data: dict[str, Any]) -> None:
    for name, loc in run.names_at(("model_name_or_path",), "a model name"):
        run.base_model(name, loc)
    for key, trained_on in (("dataset", True), ("eval_dataset", False)):
        for text, loc in run.names_at((key,), "dataset names (a, b or a list)"):
            for name in (part.strip() for part in text.split(",")):
                if name:
                    run.dataset(name, loc, trained_on=trained_on)


def is_registry(data: Any) -> bool:
    """A name -> entry mapping whose entries say where data lives (and not a `datasets` library info file)."""
    if not isinstance(data, dict) or not data:
        return False
    entries = [v for v in data.values() if isinstance(v, dict)]
    return bool(entries) and any(key in entry for entry in entries for key in REGISTRY_KEYS)


def read_registry(doc: Document, folder: str) -> SourceResult:
    result = SourceResult()
    for name, entry in doc.data.items():
        where = Location(path=doc.path, line=doc.line_of((name,)))
        if not isinstance(entry, dict):
            result.problems.append(
                Problem(
                    doc.path,
                    where.line,
                    f"{name}: expected an entry {{hf_hub_url | file_name: ...}}, found {shape(entry)}",
                )
            )
            continue
        names: list[str] = []
        for key in HUB_KEYS:
            hub = name_of(entry.get(key))
            if hub is not None:
                names.append(hub)
            elif entry.get(key) is not None:
                result.problems.append(
                    Problem(
                        doc.path,
                        doc.line_of((name, key)),
                        f"{name}.{key}: expected a Hub id, found {shape(entry[key])}",
                    )
                )
        paths = []
        for key in ("file_name", "script_url"):
            file_name = name_of(entry.get(key))
            if file_name is not None:
                paths.append(posixpath.normpath(posixpath.join(folder, file_name)) if folder else file_name)
        result.artifacts.append(
            Artifact(
                id=str(name),
                kind="dataset",
                names=tuple(n for n in dict.fromkeys(names) if n != name),
                paths=tuple(paths),
                location=where,
                external=True,
            )
        )
    return result
