"""Training configs: which datasets a run trains on, the model it starts from, the model it becomes.

One module per tool: `axolotl` (and Magpie's recipes), `trl` (TRL / transformers arguments, open-instruct,
alignment-handbook), `llama_factory` (run YAML and the `dataset_info.json` registry), `open_assistant`
(many named configs in one file). `parse` decides cheaply which files to read and reads them with the
project's loader; `run` turns what a tool module found into artifacts and edges, each with its line.
docs/sources-configs.md lists every key.
"""

from __future__ import annotations

from collections.abc import Callable

from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import SourceResult
from tos_check.loader import Document, Loc
from tos_check.problems import InputError, Problem
from tos_check.sources.configs import axolotl, llama_factory, open_assistant, parse, trl
from tos_check.sources.configs.run import RunReader
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile

READ_KEYS = frozenset(
    {
        "base_model",
        "datasets",
        "datasets_extra",
        "pretraining_dataset",
        "test_datasets",
        "dataset",
        "eval_dataset",
        "model_name",
        "model_name_or_path",
        "hub_model_id",
        "output_dir",
        *trl.TRAIN_KEYS,
        *trl.EVAL_KEYS,
    }
)
"""Keys this source reads: a repeated one changes what the run trains on, so the repeat is a problem."""


class TrainingConfigSource:
    name = "training-configs"

    def claims(self, file: ScanFile) -> bool:
        return parse.claims(file.path, file.relative or file.display, file.head)

    def read(self, file: ScanFile) -> SourceResult:
        try:
            doc, repeats = parse.load(file.path, file.display)
        except InputError as exc:
            return SourceResult(problems=exc.problems)
        result = _read(doc, file)
        result.problems.extend(_repeat_problems(doc, repeats))
        result.problems.sort(key=lambda p: (p.line or 0, p.message))
        return result


def _read(doc: Document, file: ScanFile) -> SourceResult:
    data = doc.data
    if file.path.name.lower() == parse.REGISTRY_NAME:
        return llama_factory.read_registry(doc, file.folder) if llama_factory.is_registry(data) else SourceResult()
    if not isinstance(data, dict):
        return SourceResult()  # claimed on a peek, but not a mapping of keys: not a training config
    config_id = file.relative or file.display
    for tool in (llama_factory, axolotl, trl):
        if tool.recognises(data):
            run = RunReader.for_config(doc, file.folder, config_id)
            tool.read(run, data)
            return run.finish(always=True)
    if open_assistant.recognises(data):
        return open_assistant.read(doc, file.folder, config_id)
    return SourceResult()


def _repeat_problems(doc: Document, repeats: list[tuple[Loc, int]]) -> list[Problem]:
    problems = []
    for loc, line in repeats:
        key = loc[-1]
        if key in READ_KEYS:
            problems.append(
                Problem(
                    doc.path,
                    line,
                    f"duplicate key {key!r}: the training tool uses this last one and ignores the earlier; "
                    "remove one so the config says which data is used",
                )
            )
    return problems


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(TrainingConfigSource())
