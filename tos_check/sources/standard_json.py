"""What the JSON metadata standards (Croissant, SPDX 3, CycloneDX) share: sniffing, reading, names, evidence.

Each standard's source module decides what its fields mean; this module only reads a JSON file into a
`Document` (problems as values), recognises a file from its first bytes, turns Hugging Face URLs and
package URLs into Hub ids, and turns a field that names a model, or prose that says a model wrote the
data, into `generated_by` evidence at the field's line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

from tos_check.detect.prose import MentionFinder
from tos_check.identity.model import IdentityResolver
from tos_check.identity.resolver import Resolver
from tos_check.lineage.model import Evidence, GeneratedBy, Location
from tos_check.loader import Document, Loc, parse_json, read_text
from tos_check.plugins import detectors
from tos_check.policy.model import Role
from tos_check.problems import InputError, Problem
from tos_check.walk import ScanFile

SNIFF_BYTES = 4096
"""How much of a `.json` file is read to recognise its format: one page, the same cost as one byte."""

JSON_SUFFIXES = (".json", ".jsonld")

_HF_URL = re.compile(r"huggingface\.co/(?:(datasets|spaces)/)?([\w.-]+)(?:/([\w.-]+))?", re.IGNORECASE)
_HF_PURL = re.compile(r"^pkg:huggingface/([\w.-]+)/([\w.-]+)", re.IGNORECASE)
_HF_RESERVED = frozenset(
    {"docs", "blog", "api", "models", "datasets", "spaces", "organizations", "papers", "collections"}
)


class StandardResolver(IdentityResolver, MentionFinder, Protocol):
    """Names in fields and names in prose are resolved by the same resolver (the catalog's, or a test double)."""


def head(file: ScanFile) -> bytes:
    """The first `SNIFF_BYTES` of a file (empty when it cannot be opened: `read` says why)."""
    return (file.head or b"")[:SNIFF_BYTES]


def is_json_name(file: ScanFile) -> bool:
    return file.path.name.lower().endswith(JSON_SUFFIXES)


def read_object(file: ScanFile) -> tuple[Document | None, list[Problem]]:
    """The file parsed as JSON with lines; a file that is not a JSON object is a problem, not an exception."""
    try:
        doc = parse_json(read_text(file.path, file.display), file.display)
    except InputError as exc:
        return None, list(exc.problems)
    if not isinstance(doc.data, dict):
        found = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [Problem(file.display, 1, f"expected a JSON object at the top, found {found}")]
    return doc, []


def hub_id(reference: str) -> str | None:
    """`org/name` from a Hugging Face URL (`huggingface.co/datasets/org/name/...`) or `pkg:huggingface/...`."""
    purl = _HF_PURL.match(reference.strip())
    if purl:
        return f"{purl.group(1)}/{purl.group(2).split('@')[0]}"
    match = _HF_URL.search(reference)
    if match is None or match.group(2).lower() in _HF_RESERVED:
        return None
    owner, name = match.group(2), match.group(3)
    if name is None or name.lower() in ("tree", "blob", "resolve", "viewer"):
        return None
    return f"{owner}/{name}"


def strings(value: Any, loc: Loc) -> Iterator[tuple[str, Loc]]:
    """Each text in a value that may be a string, a list of strings, or JSON-LD `{"@value": ...}` objects."""
    if isinstance(value, str):
        if value.strip():
            yield value.strip(), loc
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*loc, index))
    elif isinstance(value, dict) and "@value" in value:
        yield from strings(value["@value"], (*loc, "@value"))


def named_models(
    text: str,
    *,
    field: str,
    location: Location,
    role: Role,
    confidence: float,
    resolver: StandardResolver,
) -> list[GeneratedBy]:
    """A field that names models (`GPT-4 for topic labels`): each name the catalog knows, never a fuzzy match."""
    out = []
    for mention in resolver.find_mentions(text):
        if mention.identity.matched_by == "fuzzy":
            continue
        evidence = Evidence(
            kind="metadata", detail=f"{field}: {_excerpt(text)}", location=location, confidence=confidence
        )
        out.append(GeneratedBy(model=mention.text, role=role, evidence=evidence))
    return out


class ResolvingSource:
    """What the three standards sources share: the resolver they name models with (a test may pass its own)."""

    def __init__(self, resolver: StandardResolver | None = None) -> None:
        self._resolver = resolver

    @property
    def resolver(self) -> StandardResolver:
        return self._resolver or Resolver.builtin()


def exact_model(name: str, resolver: StandardResolver) -> bool:
    """Whether a whole value (a keyword, an agent's label) is a model the catalog knows, by more than a fuzzy match."""
    identity = resolver.resolve(name)
    return identity.known and identity.matched_by != "fuzzy"


def prose(text: str, *, field: str, location: Location, resolver: StandardResolver) -> list[GeneratedBy]:
    """What every registered detector finds in a free-text field. A JSON string is one line of the file, so the
    evidence points at the field's line whatever line breaks the text holds."""
    out = []
    for detector in detectors():
        for finding in detector.find(text, 0, resolver):
            evidence = Evidence(
                kind="prose", detail=f"{field}: {finding.sentence}", location=location, confidence=finding.confidence
            )
            out.append(GeneratedBy(model=finding.model, role=finding.role, evidence=evidence))
    return out


def strongest(generations: list[GeneratedBy], resolver: IdentityResolver) -> tuple[GeneratedBy, ...]:
    """One generation per model (by canonical id when known) and role: the best evidence, the first on a tie."""
    best: dict[tuple[str, str], GeneratedBy] = {}
    for generation in generations:
        identity = resolver.resolve(generation.model)
        key = ((identity.model or generation.model).lower(), generation.role)
        kept = best.get(key)
        if kept is None or generation.evidence.confidence > kept.evidence.confidence:
            best[key] = generation
    return tuple(sorted(best.values(), key=lambda g: (g.evidence.location.line or 0, g.model, g.role)))


def key_of(loc: Loc) -> str:
    """The key a value was read from, as the file spells it (`rai:dataCollection`), for evidence details."""
    return next((str(part) for part in reversed(loc) if isinstance(part, str)), "")


def spdx_license(text: str) -> str:
    """`MIT` for a licence given as its SPDX list URL (`https://spdx.org/licenses/MIT.html`); other text as is."""
    if "spdx.org/licenses/" not in text:
        return text
    name = text.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".html", ".json", ".jsonld"):
        name = name.removesuffix(suffix)
    return name


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
