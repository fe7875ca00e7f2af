"""CycloneDX 1.5/1.6 ML-BOMs: components of type `machine-learning-model` and `data`.

A model's `modelCard.modelParameters.datasets` are what it was trained on (inline data, or a `ref` to a data
component); `pedigree.ancestors` are what a component was made from (for a model, its base models; for
data, the data it was built from, or a model whose outputs it holds). A data component's descriptions are
read by the prose detectors. docs/sources-standards.md has the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Artifact, ArtifactKind, Edge, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import Document, Loc
from tos_check.problems import Problem
from tos_check.sources.interface import Source
from tos_check.sources.standard_json import (
    ResolvingSource,
    StandardResolver,
    head,
    hub_id,
    is_json_name,
    key_of,
    prose,
    read_object,
    strings,
    strongest,
)
from tos_check.walk import ScanFile

_BOM_FORMAT = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')
KINDS: dict[str, ArtifactKind] = {"machine-learning-model": "model", "data": "dataset"}

ANCESTOR_MODEL_CONFIDENCE = 0.7
"""Data whose pedigree lists a model as an ancestor was made from that model: its outputs, in some role."""


class CycloneDxSource(ResolvingSource):
    name = "cyclonedx"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name.lower()
        if name in ("bom.json", "bom.cdx.json") or name.endswith(".cdx.json"):
            return True
        return is_json_name(file) and _BOM_FORMAT.search(head(file)) is not None

    def read(self, file: ScanFile) -> SourceResult:
        doc, problems = read_object(file)
        if doc is None:
            return SourceResult(problems=problems)
        if doc.data.get("bomFormat") != "CycloneDX":
            line = doc.line_of(("bomFormat",)) or 1
            return SourceResult(
                problems=[Problem(file.display, line, 'not a CycloneDX BOM: "bomFormat" must be "CycloneDX"')]
            )
        return _Reader(file, doc, self.resolver).read()


@dataclass
class _Component:
    data: dict[str, Any]
    loc: Loc
    kind: ArtifactKind | None
    id: str


@dataclass
class _Reader:
    file: ScanFile
    doc: Document
    resolver: StandardResolver
    problems: list[Problem] = field(default_factory=list)
    by_ref: dict[str, _Component] = field(default_factory=dict)

    def here(self, loc: Loc) -> Location:
        return Location(path=self.file.display, line=self.doc.line_of(loc))

    def read(self) -> SourceResult:
        components = list(self.components())
        for component in components:
            ref = component.data.get("bom-ref")
            if isinstance(ref, str):
                self.by_ref.setdefault(ref, component)
        result = SourceResult(problems=self.problems)
        for component in components:
            if component.kind == "model":
                self.model(component, result)
            elif component.kind == "dataset":
                self.dataset(component, result)
        result.problems = self.problems
        return result

    def components(self) -> Iterator[_Component]:
        data = self.doc.data
        metadata = data.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("component"), dict):
            yield from self.walk(metadata["component"], ("metadata", "component"))
        items = data.get("components", [])
        if not isinstance(items, list):
            self.problems.append(
                Problem(self.file.display, self.doc.line_of(("components",)), "components: expected a list")
            )
            return
        for index, item in enumerate(items):
            yield from self.walk(item, ("components", index))

    def walk(self, item: Any, loc: Loc) -> Iterator[_Component]:
        if not isinstance(item, dict):
            self.problems.append(Problem(self.file.display, self.doc.line_of(loc), "a component is not an object"))
            return
        kind = KINDS.get(str(item.get("type")))
        yield _Component(item, loc, kind, _component_id(item) or f"{self.file.display}#{'/'.join(map(str, loc))}")
        nested = item.get("components")
        if isinstance(nested, list):
            for index, child in enumerate(nested):
                yield from self.walk(child, (*loc, "components", index))

    def artifact(self, component: _Component, generations: list[GeneratedBy] | None = None) -> Artifact:
        data = component.data
        names: list[str] = []  # a bom-ref only means something inside this BOM, where it is resolved here
        purl = data.get("purl")
        if isinstance(purl, str) and purl.strip():
            names.append(hub_id(purl) or purl.strip())
        for reference in data.get("externalReferences", []) if isinstance(data.get("externalReferences"), list) else []:
            if isinstance(reference, dict) and isinstance(reference.get("url"), str):
                hub = hub_id(reference["url"])
                if hub:
                    names.append(hub)
        names = [n for n in dict.fromkeys(names) if n != component.id]
        return Artifact(
            id=component.id,
            kind=component.kind or "dataset",
            names=tuple(names),
            licenses=tuple(_licenses(data.get("licenses"))),
            location=self.here((*component.loc, "name") if "name" in data else component.loc),
            generated_by=strongest(generations or [], self.resolver),
        )

    def model(self, component: _Component, result: SourceResult) -> None:
        result.artifacts.append(self.artifact(component))
        datasets_loc = (*component.loc, "modelCard", "modelParameters", "datasets")
        card = component.data.get("modelCard")
        parameters = card.get("modelParameters") if isinstance(card, dict) else None
        datasets = parameters.get("datasets") if isinstance(parameters, dict) else None
        for index, item in enumerate(datasets if isinstance(datasets, list) else []):
            loc = (*datasets_loc, index)
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                referenced = self.by_ref.get(item["ref"])
                target = referenced.id if referenced else item["ref"]
            elif isinstance(item, dict):
                inline = _Component(item, loc, "dataset", _component_id(item) or f"{component.id}#dataset-{index}")
                self.dataset(inline, result)
                target = inline.id
            else:
                self.problems.append(
                    Problem(self.file.display, self.doc.line_of(loc), "modelCard dataset: expected an object")
                )
                continue
            result.edges.append(
                Edge(relation="trained_on", source=component.id, target=target, location=self.here(loc))
            )
        for ancestor, loc in self.ancestors(component):
            if ancestor.kind in ("model", None):
                result.edges.append(
                    Edge(relation="base_model", source=component.id, target=ancestor.id, location=self.here(loc))
                )

    def dataset(self, component: _Component, result: SourceResult) -> None:
        generations: list[GeneratedBy] = []
        for text, loc in self.descriptions(component):
            generations.extend(prose(text, field=key_of(loc), location=self.here(loc), resolver=self.resolver))
        for ancestor, loc in self.ancestors(component):
            where = self.here(loc)
            if ancestor.kind == "model":
                evidence = Evidence(
                    kind="metadata",
                    detail=f"pedigree.ancestors: machine-learning-model {ancestor.id}",
                    location=where,
                    confidence=ANCESTOR_MODEL_CONFIDENCE,
                )
                generations.append(GeneratedBy(model=ancestor.id, evidence=evidence))
            else:
                result.edges.append(
                    Edge(relation="derived_from", source=component.id, target=ancestor.id, location=where)
                )
        result.artifacts.append(self.artifact(component, generations))

    def descriptions(self, component: _Component) -> Iterator[tuple[str, Loc]]:
        """The component's description and, for each of its `data` entries, that entry's description."""
        yield from strings(component.data.get("description"), (*component.loc, "description"))
        entries = component.data.get("data")
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                yield from strings(entry.get("description"), (*component.loc, "data", index, "description"))

    def ancestors(self, component: _Component) -> Iterator[tuple[_Component, Loc]]:
        pedigree = component.data.get("pedigree")
        items = pedigree.get("ancestors") if isinstance(pedigree, dict) else None
        for index, item in enumerate(items if isinstance(items, list) else []):
            loc = (*component.loc, "pedigree", "ancestors", index)
            if not isinstance(item, dict):
                continue
            ref = item.get("bom-ref") if isinstance(item.get("bom-ref"), str) else None
            known = self.by_ref.get(ref) if ref and not item.get("name") else None
            if known is not None:
                yield known, (*loc, "bom-ref")
                continue
            ancestor_id = _component_id(item)
            if ancestor_id:
                kind = KINDS.get(str(item.get("type")))
                yield _Component(item, loc, kind, ancestor_id), (*loc, "name")


def _component_id(data: dict[str, Any]) -> str | None:
    """`group/name` (a Hub id when the group is the owner), else the name, else the package URL's Hub id."""
    name = data.get("name")
    group = data.get("group")
    if isinstance(name, str) and name.strip():
        if isinstance(group, str) and group.strip() and "/" not in name:
            return f"{group.strip()}/{name.strip()}"
        return name.strip()
    purl = data.get("purl")
    return hub_id(purl) if isinstance(purl, str) else None


def _licenses(value: Any) -> list[str]:
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("expression"), str):
            out.append(item["expression"])
        license_ = item.get("license")
        if isinstance(license_, dict):
            text = license_.get("id") or license_.get("name")
            if isinstance(text, str) and text.strip():
                out.append(text.strip())
    return list(dict.fromkeys(out))


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(CycloneDxSource())
