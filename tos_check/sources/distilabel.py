"""distilabel `pipeline.yaml`: the LLM each step calls, and what the step makes it write.

distilabel serialises a pipeline as `pipeline: {name, steps: [{step: {name, llm: {model, type_info}, type_info},
name}], connections}`. Each step that calls an LLM makes the pipeline's output dataset `generated_by` that
model, in the role the step's task class says (TextGeneration: responses, SelfInstruct: prompts,
UltraFeedback: judgments …), with the line of the model key. docs/sources-records.md describes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import Document, Loc, parse_yaml, read_text
from tos_check.policy.model import Role
from tos_check.problems import InputError, Problem
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile

PIPELINE_NAMES = frozenset({"pipeline.yaml", "pipeline.yml"})
PEEK_BYTES = 1024
METADATA_CONFIDENCE = 0.9
"""The pipeline's own serialisation names the model each step called; only the run itself is not proven."""

_TOP_PIPELINE = re.compile(rb"^pipeline[ \t]*:", re.MULTILINE)
_STEPS = re.compile(rb"^[ \t]+steps[ \t]*:", re.MULTILINE)

MODEL_KEYS = ("model", "model_id", "model_name", "model_path", "tokenizer_id", "endpoint_name")
"""Where an LLM's serialisation names its model, strongest first (InferenceEndpointsLLM may name only an
endpoint or a tokenizer; LlamaCppLLM a GGUF file)."""

STEP_MODEL_CLASSES = frozenset({"PairRM", "RewardModelScore"})
"""Steps that run a model themselves, named by the step's own `model` key, without an `llm`."""

_ROLE_RULES: tuple[tuple[re.Pattern[str], tuple[Role, ...]], ...] = (
    (re.compile(r"Magpie|Genstruct"), ("prompts", "responses")),
    (re.compile(r"PairRM|Rank|Preference"), ("preferences",)),
    (
        re.compile(
            r"UltraFeedback|Prometheus|Judge|Scor|Rating|Rater|Critique|Critic|Label|Reward|Feedback|Checker|Verif|"
            r"Eval(?!Instruct|Complexity|Quality)|Backtranslation|Completer"
        ),
        ("judgments",),
    ),
    (re.compile(r"EvolQuality|CLAIR|Rewrit|Paraphras|Translat|Revis"), ("rewrites",)),
    (re.compile(r"SelfInstruct|EvolInstruct|EvolComplexity|Instruction|Question|Quer|Prompt"), ("prompts",)),
)
"""Task class name → roles of its LLM's outputs; first match wins, anything else writes `responses`."""


def roles_of_task(task: str, step: dict[str, Any]) -> tuple[Role, ...]:
    for pattern, roles in _ROLE_RULES:
        if pattern.search(task):
            if roles == ("prompts", "responses") and step.get("only_instruction") is True:
                return ("prompts",)
            return roles
    return ("responses",)


class DistilabelSource:
    name = "distilabel"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name.lower()
        if name in PIPELINE_NAMES:
            return True
        if not name.endswith((".yaml", ".yml")):
            return False
        head = (file.head or b"")[:PEEK_BYTES]
        return _TOP_PIPELINE.search(head) is not None and _STEPS.search(head) is not None

    def read(self, file: ScanFile) -> SourceResult:
        try:
            doc = parse_yaml(read_text(file.path, file.display), file.display)
        except InputError as exc:
            return SourceResult(problems=exc.problems)
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("pipeline"), dict):
            return SourceResult()  # another tool's pipeline.yaml
        return _Pipeline(doc, file).read(data["pipeline"])


class _Pipeline:
    def __init__(self, doc: Document, file: ScanFile) -> None:
        self.doc = doc
        self.file = file
        self.problems: list[Problem] = []
        self.unnamed: list[Evidence] = []

    def line(self, *loc: str | int) -> int | None:
        return self.doc.line_of(loc)

    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.doc.path, self.doc.line_of(loc), message))

    def read(self, pipeline: dict[str, Any]) -> SourceResult:
        steps = pipeline.get("steps")
        if not isinstance(steps, list):
            if "steps" in pipeline:
                self.problem(("pipeline", "steps"), "pipeline.steps should be a list of steps")
            return SourceResult(problems=self.problems)
        generations: list[GeneratedBy] = []
        for i, item in enumerate(steps):
            step = item.get("step") if isinstance(item, dict) else None
            if not isinstance(step, dict):
                self.problem(("pipeline", "steps", i), "each item of pipeline.steps should be a mapping with `step:`")
                continue
            generations.extend(self.step(step, ("pipeline", "steps", i, "step")))
        name = pipeline.get("name")
        ident = name.strip() if isinstance(name, str) and name.strip() else self.file.relative or self.file.display
        paths = (self.file.display, self.file.folder) if self.file.folder else (self.file.display,)
        artifact = Artifact(
            id=ident,
            kind="dataset",
            paths=paths,
            location=Location(path=self.doc.path, line=self.line("pipeline", "name") or self.line("pipeline")),
            generated_by=tuple(generations),
            machine_generated=self.unnamed[0] if self.unnamed else None,
        )
        return SourceResult(artifacts=[artifact], problems=self.problems)

    def step(self, step: dict[str, Any], loc: Loc) -> Iterator[GeneratedBy]:
        task = _class_name(step.get("type_info")) or "?"
        step_name = step.get("name") if isinstance(step.get("name"), str) else f"#{loc[2]}"
        roles = roles_of_task(task, step)
        llms = list(_llms(step, loc))
        if not llms and task in STEP_MODEL_CLASSES and isinstance(step.get("model"), str):
            llms = [(step, loc, task)]
        for llm, llm_loc, llm_class in llms:
            found = _model_of(llm)
            if found is None:
                # Model-written for sure, by an unknown model: the evaluator reports it as unknown-generator.
                keys = ", ".join(MODEL_KEYS)
                detail = f"step {step_name!r} calls {llm_class} without naming a model (none of {keys})"
                where = Location(path=self.doc.path, line=self.doc.line_of(llm_loc))
                self.unnamed.append(Evidence(kind="metadata", detail=detail, location=where, confidence=1.0))
                continue
            key, model = found
            where = Location(path=self.doc.path, line=self.doc.line_of((*llm_loc, key)))
            via = _host(llm.get("base_url"))
            detail = f"step {step_name!r} ({task}) calls {llm_class} {key}: {model}" + (f" via {via}" if via else "")
            for role in roles:
                evidence = Evidence(kind="metadata", detail=detail, location=where, confidence=METADATA_CONFIDENCE)
                yield GeneratedBy(model=model, role=role, evidence=evidence)


def _class_name(type_info: Any) -> str | None:
    if isinstance(type_info, dict) and isinstance(type_info.get("name"), str):
        return str(type_info["name"])
    return None


def _is_llm(node: dict[str, Any]) -> str | None:
    """The class name when the mapping is a serialised LLM (type_info in a distilabel LLM module, or *LLM)."""
    info = node.get("type_info")
    name = _class_name(info)
    if name is None:
        return None
    module = info.get("module") if isinstance(info, dict) else None
    in_llm_module = isinstance(module, str) and (".llms" in module or ".models" in module)
    return name if in_llm_module or name.endswith(("LLM", "LLMs")) else None


def _llms(node: dict[str, Any], loc: Loc, depth: int = 0) -> Iterator[tuple[dict[str, Any], Loc, str]]:
    """The LLMs a step calls, nested ones included (MixtureOfAgentsLLM's aggregator and proposers)."""
    for key, value in node.items():
        if key in ("type_info", "runtime_parameters_info") or depth > 4:
            continue
        children = [(value, (*loc, key))] if isinstance(value, dict) else []
        if isinstance(value, list):
            children = [(item, (*loc, key, j)) for j, item in enumerate(value) if isinstance(item, dict)]
        for child, child_loc in children:
            name = _is_llm(child)
            inner = list(_llms(child, child_loc, depth + 1))
            if name is not None and not inner:
                yield child, child_loc, name
            yield from inner


def _model_of(llm: dict[str, Any]) -> tuple[str, str] | None:
    for key in MODEL_KEYS:
        value = llm.get(key)
        if isinstance(value, str) and value.strip():
            return key, value.strip()
    return None


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    parts = urlsplit(url.strip())
    return parts.netloc or url.strip()


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(DistilabelSource())
