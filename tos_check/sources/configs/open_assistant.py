"""Open-Assistant `model_training` configs: many named configs in one file, combined on the command line.

`trainer_sft.py --configs defaults llama-30b sft-8-datasets` merges sections; which sections are combined
is not in the file, so each section is read as a run of its own (`<file>#<section>`): its `datasets` and
`datasets_extra` are trained on, its `model_name` is the model it starts from. A dataset item is a name
(`- alpaca`) or a one-key mapping of a name to its options (`- oasst_export: {lang: ..., ...}`); names are
emitted as written (the known-datasets catalog knows `oasst_export`, `alpaca`, `vicuna`, `dolly15k` ...).
The options add other names: `hf_dataset_name` (`OpenAssistant/oasst1`) and the Hub id in a `source_url`
(`https://huggingface.co/datasets/laion/OIG/...` -> `laion/OIG`).
"""

from __future__ import annotations

from typing import Any

from tos_check.lineage.model import SourceResult
from tos_check.loader import Document, Loc
from tos_check.sources.configs.run import RunReader, hub_id_of_url, name_of, shape

SECTION_KEYS = ("datasets", "datasets_extra", "model_name")


def recognises(data: dict[str, Any]) -> bool:
    sections = [v for v in data.values() if v is not None]
    return (
        bool(sections)
        and all(isinstance(v, dict) for v in sections)
        and any(isinstance(v.get(key), list) for v in sections for key in ("datasets", "datasets_extra"))
    )


def read(doc: Document, folder: str, config_id: str) -> SourceResult:
    result = SourceResult()
    for section, body in doc.data.items():
        if not isinstance(body, dict) or not any(key in body for key in SECTION_KEYS):
            continue
        run = RunReader.for_config(doc, folder, config_id, (str(section),))
        run.run_paths = ()  # sections are fragments: several write to one folder, which would join them
        for name, loc in run.names_at((section, "model_name"), "a model name"):
            run.base_model(name, loc)
        for key in ("datasets", "datasets_extra"):
            _datasets(run, body.get(key), (section, key))
        result.extend(run.finish())
    # A dataset several sections use is one artifact, named where it first appears; each section keeps its edge.
    first: dict[str, int] = {}
    for index, artifact in enumerate(result.artifacts):
        first.setdefault(artifact.id, index)
    result.artifacts = [a for i, a in enumerate(result.artifacts) if first[a.id] == i]
    return result


def _datasets(run: RunReader, value: Any, loc: Loc) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        run.problem(loc, f"{loc[-1]}: expected a list of dataset names, found {shape(value)}")
        return
    for index, item in enumerate(value):
        item_loc: Loc = (*loc, index)
        if isinstance(item, dict):
            if len(item) != 1:
                run.problem(item_loc, f"{loc[-1]}: expected one dataset name with its options, found {len(item)} keys")
                continue
            ((name, options),) = item.items()
            run.dataset(str(name), (*item_loc, name), names=_other_names(options))
            continue
        name = name_of(item)
        if name is None:
            run.problem(item_loc, f"{loc[-1]}: expected a dataset name, found {shape(item)}")
            continue
        run.dataset(name, item_loc)


def _other_names(options: Any) -> tuple[str, ...]:
    if not isinstance(options, dict):
        return ()
    names = [name_of(options.get("hf_dataset_name"))]
    url = name_of(options.get("source_url"))
    names.append(hub_id_of_url(url) if url else None)
    return tuple(n for n in names if n)
