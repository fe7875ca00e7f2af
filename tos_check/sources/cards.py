"""Hugging Face dataset and model cards: the YAML front matter of a README.md and the prose under it.

What a card declares (licence, source datasets, base models, training datasets, machine-generated text)
becomes an artifact and edges, each with the line it came from; what its prose says about models writing
the data becomes `generated_by` evidence through the prose detector. docs/sources.md lists every field.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from tos_check.detect.prose import MentionFinder, ProseFinding, front_matter_end, opens_front_matter
from tos_check.encodings import is_binary
from tos_check.hookspecs import hookimpl
from tos_check.identity.model import Identity, IdentityResolver
from tos_check.identity.resolver import Resolver
from tos_check.lineage.model import Artifact, ArtifactKind, Edge, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import MAX_METADATA_BYTES, Document, oversized, parse_yaml, read_text
from tos_check.plugins import detectors
from tos_check.problems import InputError, Problem
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile, own_output

DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv", ".tsv", ".arrow")
"""A README.md without front matter is a dataset card only beside files with these suffixes."""

NOT_DATA = frozenset(
    {
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "composer.json",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "adapter_config.json",
    }
)
"""JSON files that configure a project or a model checkpoint: a README beside them is not a dataset card."""

MODEL_CARD_KEYS = frozenset(
    {"base_model", "model-index", "pipeline_tag", "library_name", "model_name", "inference", "widget"}
)
DATASET_CARD_KEYS = frozenset(
    {
        "task_categories",
        "task_ids",
        "size_categories",
        "source_datasets",
        "annotations_creators",
        "language_creators",
        "dataset_info",
        "multilinguality",
    }
)
"""Keys only dataset cards have. They win over model keys: some dataset cards carry a `pipeline_tag`."""

CARD_KEYS = MODEL_CARD_KEYS | DATASET_CARD_KEYS | {"license", "tags", "language", "datasets", "pretty_name", "configs"}
"""A `*.md` other than README.md whose front matter has none of these is a page of a static site, not a card."""

PLACEHOLDER_SOURCES = frozenset({"original", "extended", "other", "unknown"})
"""`source_datasets` values that the Hugging Face card template uses for "no upstream dataset"."""

MACHINE_GENERATED_KEYS = ("annotations_creators", "language_creators")
MACHINE_GENERATED_CONFIDENCE = 0.9
"""The card's own authors say models wrote it; only which model is unknown."""

TAG_CONFIDENCE = 0.6
"""A model name among a dataset's tags is a hint, not a statement: tags also name formats and topics."""

TRAINING_CONTEXT = re.compile(
    r"\b(train\w*|pre-?train\w*|fine-?tun\w*|finetun\w*|distill\w*|sft|dpo|rlhf|align\w*|data|datasets?|"
    r"corpus|samples)\b",
    re.IGNORECASE,
)
"""In a model card, a generation sentence counts only when it is about the data the model learned from;
elsewhere ("we use GPT-4 as a judge") it is about evaluation."""

_MODEL_FILE = re.compile(r"(?:^|[-_.])model(?:[-_.]|card|$)", re.IGNORECASE)
_HUB_CACHE_FOLDER = re.compile(r"(?:datasets|models)--(.+?)--(.+)")


class CardResolver(IdentityResolver, MentionFinder, Protocol):
    """Names in fields (`tags`) and names in prose are resolved by the same resolver."""


class CardSource:
    name = "cards"

    def __init__(self, resolver: CardResolver | None = None) -> None:
        self._resolver = resolver

    @property
    def resolver(self) -> CardResolver:
        return self._resolver or Resolver.builtin()

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name.lower()
        if not name.endswith(".md"):
            return False
        if file.head is None:
            return _is_readme(file.path)  # read() reports why it cannot be read
        if _opens_front_matter(file.head):
            return True
        return _is_readme(file.path) and _beside_data(file.path.parent)

    def read(self, file: ScanFile) -> SourceResult:
        text, problems = _read_text(file)
        if text is None:
            return SourceResult(problems=problems)
        text = _without_oversized_lines(text, file.display, problems)
        front = _front_matter(text, file.display)
        if front.opened and not front.problems and not _is_readme(file.path) and not front.data.keys() & CARD_KEYS:
            return SourceResult(problems=problems)  # not a card, but a byte that is not UTF-8 is still said
        card = _Card(file, front, self._kind(file, front.data))
        prose = [finding for detector in detectors() for finding in detector.find(text, 0, self.resolver)]
        result = card.lineage(prose, self.resolver)
        result.problems.extend([*problems, *front.problems])
        return result

    @staticmethod
    def _kind(file: ScanFile, data: dict[str, Any]) -> ArtifactKind:
        if _MODEL_FILE.search(Path(file.path.name).stem):
            return "model"
        keys = data.keys()
        return "model" if keys & MODEL_CARD_KEYS and not keys & DATASET_CARD_KEYS else "dataset"


def _is_readme(path: Path) -> bool:
    return path.name.lower() == "readme.md"


def _opens_front_matter(head: bytes) -> bool:
    """Whether the first line is `---`, from the first bytes only, so that claiming stays cheap."""
    first = head[:16].removeprefix(b"\xef\xbb\xbf")
    return first.split(b"\n", 1)[0].rstrip(b"\r \t") == b"---"


def _beside_data(folder: Path) -> bool:
    """A report tos-check left beside the README is not data (the walker skips it too)."""
    try:
        with os.scandir(folder) as entries:
            return any(
                entry.name.lower().endswith(DATA_SUFFIXES)
                and entry.name.lower() not in NOT_DATA
                and not own_output(ScanFile(Path(entry.path), entry.name))
                for entry in entries
            )
    except OSError:
        return False


def _read_text(file: ScanFile) -> tuple[str | None, list[Problem]]:
    """The card's text, and what was wrong with it.

    A stray byte that is not UTF-8 (a Latin-1 author name) is reported with its line, and the rest of the
    card is still read with a replacement character: hiding a whole card's evidence would be worse.
    """
    try:
        return read_text(file.path, file.display), []
    except InputError as exc:
        problems = list(exc.problems)
    try:
        if file.path.stat().st_size > MAX_METADATA_BYTES:
            return None, problems
        raw = file.path.read_bytes()
    except OSError:
        return None, problems
    if is_binary(raw):
        return None, problems
    return raw.decode("utf-8-sig", errors="replace"), problems


def _without_oversized_lines(text: str, display: str, problems: list[Problem]) -> str:
    """A line over a megabyte is not prose anyone wrote: it is reported, and left out of what is read (as an
    empty line, so every later line keeps its number), instead of costing the detectors seconds and memory."""
    runs = list(oversized(text, display, what="line"))
    if not runs:
        return text
    kept, last = [], 0
    for start, end, problem in runs:
        problems.append(problem)
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return "".join(kept)


@dataclass
class _FrontMatter:
    """The front matter's data, with lines shifted to the file's: the YAML starts on the card's line 2.

    Split by hand rather than with python-frontmatter, which returns the data without line numbers, so
    problems and evidence could not point at the line in the .md file.
    """

    path: str
    opened: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    doc: Document | None = None
    problems: list[Problem] = field(default_factory=list)

    def line(self, *loc: str | int) -> int | None:
        line = self.doc.line_of(loc) if self.doc is not None else None
        return None if line is None else line + 1

    def names(self, key: str) -> list[tuple[str, int | None]]:
        """A field that holds a name or a list of names, each with its line; other shapes are problems."""
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out: list[tuple[str, int | None]] = []
        for index, item in enumerate(items):
            loc: tuple[str | int, ...] = (key, index) if isinstance(value, list) else (key,)
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                found = "a list" if isinstance(item, list) else "a mapping" if isinstance(item, dict) else repr(item)
                self.problems.append(
                    Problem(self.path, self.line(*loc), f"{key}: expected a name or a list of names, found {found}")
                )
                continue
            text = str(item).strip()
            if text:
                out.append((text, self.line(*loc)))
        return out


def _front_matter(text: str, path: str) -> _FrontMatter:
    front = _FrontMatter(path)
    lines = text.split("\n")
    if not opens_front_matter(lines):
        return front  # a Markdown horizontal rule at the top (Stanford's Alpaca card), not front matter
    closing = front_matter_end(lines)
    front.opened = True
    if closing is None:
        front.problems.append(
            Problem(path, 1, "front matter opened with --- is never closed; add a --- line after the YAML")
        )
        return front
    try:
        front.doc = parse_yaml("\n".join(lines[1:closing]), path)
    except InputError as exc:
        # The YAML is lines 2..closing of the card. An error found at the end of the YAML ("did not find
        # expected ']'") is reported on the line after it, the closing ---; the last YAML line is where it is.
        front.problems.extend(
            Problem(p.path, None if p.line is None else min(p.line + 1, max(closing, 2)), p.message)
            for p in exc.problems
        )
        return front
    if isinstance(front.doc.data, dict):
        front.data = front.doc.data
    elif front.doc.data is not None:
        front.problems.append(
            Problem(path, 2, "front matter must be a mapping of keys (license: ..., tags: ...), not a single value")
        )
    return front


@dataclass
class _Card:
    file: ScanFile
    front: _FrontMatter
    kind: ArtifactKind

    @property
    def id(self) -> str:
        """A README.md is its folder (the Hugging Face repository); any other card is the file without .md.

        Made of the path below the scanned folder, so that ids do not depend on where the repository lives;
        a README at the top of the scan (or scanned by itself) is its folder's name.
        """
        relative = self.file.relative or self.file.display
        if not _is_readme(self.file.path):
            return relative.removesuffix(Path(relative).suffix)
        return posixpath.dirname(relative) or self.file.path.resolve().parent.name

    def here(self, line: int | None) -> Location:
        return Location(path=self.file.display, line=line)

    def lineage(self, prose: list[ProseFinding], resolver: IdentityResolver) -> SourceResult:
        result = SourceResult()
        front = self.front
        names = [value for key in ("pretty_name", "model_name") for value, _ in front.names(key)]
        hub_id = _hub_id(self.file.path)
        paths = (self.file.folder or ".",) if _is_readme(self.file.path) else (self.file.display,)
        artifact = Artifact(
            id=self.id,
            kind=self.kind,
            names=tuple(dict.fromkeys([*names, *([hub_id] if hub_id else [])])),
            paths=paths,
            licenses=tuple(value for value, _ in front.names("license")),
            location=self.here(None),
        )
        if self.kind == "dataset":
            generations = [*self._tag_generations(resolver), *(_from_prose(f, self.file.display) for f in prose)]
            artifact = artifact.model_copy(
                update={
                    "generated_by": _strongest(generations, resolver),
                    "machine_generated": self._machine_generated(),
                }
            )
            result.edges.extend(self._edges("derived_from", "source_datasets"))
        else:
            result.edges.extend(self._edges("base_model", "base_model"))
            result.edges.extend(self._edges("trained_on", "datasets"))
            trained = [f for f in prose if TRAINING_CONTEXT.search(f.sentence)]
            if trained:
                result.artifacts.append(self._training_data(trained, resolver))
                result.edges.append(
                    Edge(
                        relation="trained_on",
                        source=self.id,
                        target=f"{self.id}#training-data",
                        location=self.here(trained[0].line),
                    )
                )
        result.artifacts.insert(0, artifact)
        return result

    def _training_data(self, findings: list[ProseFinding], resolver: IdentityResolver) -> Artifact:
        """What a model card's prose says its training data held, as a dataset of its own.

        External: the card mentions the data but the scan does not hold it, so it is not judged as data being
        trained on; it is reached through the model, when scanned data was generated by that model.
        """
        generations = [_from_prose(f, self.file.display) for f in findings]
        return Artifact(
            id=f"{self.id}#training-data",
            kind="dataset",
            location=self.here(findings[0].line),
            generated_by=_strongest(generations, resolver),
            external=True,
        )

    def _edges(self, relation: Literal["trained_on", "derived_from", "base_model"], key: str) -> list[Edge]:
        edges = []
        for value, line in self.front.names(key):
            target = value
            if relation == "derived_from":
                target = value.removeprefix("extended|").strip()
                if not target or target.lower() in PLACEHOLDER_SOURCES:
                    continue
            edges.append(Edge(relation=relation, source=self.id, target=target, location=self.here(line)))
        return edges

    def _machine_generated(self) -> Evidence | None:
        for key in MACHINE_GENERATED_KEYS:
            for value, line in self.front.names(key):
                if value.lower() == "machine-generated":
                    return Evidence(
                        kind="metadata",
                        detail=f"{key}: machine-generated",
                        location=self.here(line),
                        confidence=MACHINE_GENERATED_CONFIDENCE,
                    )
        return None

    def _tag_generations(self, resolver: IdentityResolver) -> list[GeneratedBy]:
        """Tags that name a model exactly (never by a fuzzy match: a tag is already a weak hint)."""
        out = []
        for tag, line in self.front.names("tags"):
            identity = resolver.resolve(tag)
            if identity.known and identity.matched_by != "fuzzy":
                evidence = Evidence(
                    kind="metadata", detail=f"tags: {tag}", location=self.here(line), confidence=TAG_CONFIDENCE
                )
                out.append(GeneratedBy(model=tag, evidence=evidence))
        return out


def _from_prose(finding: ProseFinding, path: str) -> GeneratedBy:
    evidence = Evidence(
        kind="prose",
        detail=finding.sentence,
        location=Location(path=path, line=finding.line),
        confidence=finding.confidence,
    )
    return GeneratedBy(model=finding.model, role=finding.role, evidence=evidence)


def _strongest(generations: list[GeneratedBy], resolver: IdentityResolver) -> tuple[GeneratedBy, ...]:
    """One generation per model and role: the best evidence, the first line on a tie, in line order.

    "GPT-4" in a tag and "GPT4" in a sentence are one model, so models are compared by canonical id when
    the catalog knows it; names it knows only a family of (`LLaMA-2-7B-chat`, `LLaMA-2-13B-chat`) stay apart.
    A bare family ("outputs of Llama 3.1") is dropped when the card names a model of that family in the same
    role ("generated by Llama-3.1-70B-Instruct"): it says the same thing less precisely.
    """
    best: dict[tuple[str, str], tuple[GeneratedBy, Identity]] = {}
    for generation in generations:
        identity = resolver.resolve(generation.model)
        key = ((identity.model or generation.model).lower(), generation.role)
        kept = best.get(key)
        if kept is None or generation.evidence.confidence > kept[0].evidence.confidence:
            best[key] = (generation, identity)
    named = {(identity.family, g.role) for g, identity in best.values() if identity.model is not None}
    kept_ones = [g for g, identity in best.values() if identity.model or (identity.family, g.role) not in named]
    return tuple(sorted(kept_ones, key=lambda g: g.evidence.location.line or 0))


def _hub_id(path: Path) -> str | None:
    """`org/name` when the card sits in the Hugging Face cache (`datasets--org--name/snapshots/...`)."""
    for part in reversed(path.parts):
        match = _HUB_CACHE_FOLDER.fullmatch(part)
        if match is not None:
            return f"{match.group(1)}/{match.group(2)}"
    return None


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(CardSource())
