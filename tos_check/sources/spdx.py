"""SPDX 3.0 documents (JSON-LD) with the AI and Dataset profiles.

An SPDX 3 document is a `@graph` of elements: `ai_AIPackage` (a model), `dataset_DatasetPackage` (a
dataset), `software_Package` and others, joined by `Relationship` elements (`from`, `to`,
`relationshipType`). Models and datasets become artifacts; `trainedOn`, `descendantOf`/`ancestorOf` and
`generates` become edges and `generated_by`; `hasDeclaredLicense`/`hasConcludedLicense` give licences; the
Dataset profile's free-text fields are read by the prose detectors. docs/sources-standards.md has the table.
SPDX 2.x files (`spdxVersion: SPDX-2.3`) have no AI or Dataset profile: they are read and yield nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

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
    spdx_license,
    strings,
    strongest,
)
from tos_check.walk import ScanFile

_SPDX3_CONTEXT = re.compile(rb"spdx\.org/rdf/3\.")

PROSE_FIELDS = (
    "description",
    "summary",
    "comment",
    "dataset_dataCollectionProcess",
    "dataset_dataPreprocessing",
    "dataset_intendedUse",
    "dataset_knownBias",
)
"""Free text on a dataset package where its makers may say which model wrote it."""

GENERATES_CONFIDENCE = 0.9
"""`generates` from a model to a dataset is the document's own statement that the model wrote the data."""

LICENSE_RELATIONS = ("hasDeclaredLicense", "hasConcludedLicense")


class SpdxSource(ResolvingSource):
    name = "spdx"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name.lower()
        if name.endswith((".spdx.json", ".spdx3.json", ".spdx.jsonld", ".spdx3.jsonld")):
            return True
        return is_json_name(file) and _SPDX3_CONTEXT.search(head(file)) is not None

    def read(self, file: ScanFile) -> SourceResult:
        doc, problems = read_object(file)
        if doc is None:
            return SourceResult(problems=problems)
        if "spdxVersion" in doc.data and "@graph" not in doc.data:
            return SourceResult()  # SPDX 2.x: no AI or Dataset profile to read
        graph = doc.data.get("@graph")
        if not isinstance(graph, list):
            line = doc.line_of(("@graph",)) or 1
            return SourceResult(
                problems=[
                    Problem(file.display, line, "not an SPDX 3 JSON-LD document: expected a list of elements in @graph")
                ]
            )
        return _Reader(file, doc, graph, self.resolver).read()


def _type(element: dict[str, Any]) -> str:
    value = element.get("type", element.get("@type"))
    return value if isinstance(value, str) else ""


def _local_type(element: dict[str, Any]) -> str:
    """`AIPackage` for `ai_AIPackage`, `ai:AIPackage` or the full IRI."""
    return re.split(r"[_:/#]", _type(element))[-1]


@dataclass
class _Element:
    index: int
    data: dict[str, Any]
    kind: ArtifactKind | None

    @property
    def spdx_id(self) -> str:
        value = self.data.get("spdxId", self.data.get("@id"))
        return value if isinstance(value, str) else f"element {self.index}"


@dataclass
class _Reader:
    file: ScanFile
    doc: Document
    graph: list[Any]
    resolver: StandardResolver
    problems: list[Problem] = field(default_factory=list)
    elements: dict[str, _Element] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    """spdxId -> artifact id, for the models and datasets."""

    def here(self, loc: Loc) -> Location:
        return Location(path=self.file.display, line=self.doc.line_of(loc))

    def read(self) -> SourceResult:
        for index, element in enumerate(self.graph):
            if not isinstance(element, dict):
                self.problems.append(
                    Problem(
                        self.file.display, self.doc.line_of(("@graph", index)), "an element of @graph is not an object"
                    )
                )
                continue
            item = _Element(index, element, _kind(element))
            self.elements.setdefault(item.spdx_id, item)
        described = [e for e in self.elements.values() if e.kind is not None]
        name_counts: dict[str, int] = {}
        for element in described:
            name = _name(element.data)
            if name:
                name_counts[name.lower()] = name_counts.get(name.lower(), 0) + 1
        for element in described:
            name = _name(element.data)
            self.ids[element.spdx_id] = name if name and name_counts[name.lower()] == 1 else element.spdx_id

        licenses: dict[str, list[str]] = {}
        generations: dict[str, list[GeneratedBy]] = {}
        edges: list[Edge] = []
        for relationship in (e for e in self.elements.values() if _local_type(e.data) == "Relationship"):
            self.relationship(relationship, licenses, generations, edges)

        artifacts = [self.artifact(e, licenses, generations) for e in described]
        return SourceResult(artifacts=artifacts, edges=edges, problems=self.problems)

    def artifact(
        self, element: _Element, licenses: dict[str, list[str]], generations: dict[str, list[GeneratedBy]]
    ) -> Artifact:
        data, loc = element.data, ("@graph", element.index)
        artifact_id = self.ids[element.spdx_id]
        names = [element.spdx_id] if element.spdx_id != artifact_id else []
        for key in ("software_downloadLocation", "software_packageUrl", "software_homePage"):
            for text, _ in strings(data.get(key), ()):
                hub = hub_id(text)
                if hub and hub not in names and hub != artifact_id:
                    names.append(hub)
        found = list(generations.get(element.spdx_id, []))
        if element.kind == "dataset":
            for key in PROSE_FIELDS:
                for text, text_loc in strings(data.get(key), (*loc, key)):
                    found.extend(
                        prose(text, field=key_of(text_loc), location=self.here(text_loc), resolver=self.resolver)
                    )
        return Artifact(
            id=artifact_id,
            kind=element.kind or "dataset",
            names=tuple(names),
            licenses=tuple(dict.fromkeys(licenses.get(element.spdx_id, []))),
            location=self.here((*loc, "name") if "name" in data else loc),
            generated_by=strongest(found, self.resolver),
        )

    def relationship(
        self,
        element: _Element,
        licenses: dict[str, list[str]],
        generations: dict[str, list[GeneratedBy]],
        edges: list[Edge],
    ) -> None:
        data, loc = element.data, ("@graph", element.index)
        kind = data.get("relationshipType")
        source = data.get("from")
        if not isinstance(kind, str) or not isinstance(source, str):
            self.problems.append(
                Problem(
                    self.file.display,
                    self.doc.line_of(loc),
                    f"Relationship {element.spdx_id}: needs a `from` element and a `relationshipType`",
                )
            )
            return
        for target, target_loc in self.targets(data.get("to"), (*loc, "to")):
            where = self.here(target_loc)
            if kind in LICENSE_RELATIONS:
                licenses.setdefault(source, []).append(self.license(target))
            elif kind == "trainedOn" and self.kind_of(source) == "model":
                edges.append(self.edge("trained_on", source, target, where))
            elif kind in ("descendantOf", "ancestorOf"):
                child, parent = (source, target) if kind == "descendantOf" else (target, source)
                child_kind = self.kind_of(child)
                if child_kind == "model" and self.kind_of(parent) in ("model", None):
                    edges.append(self.edge("base_model", child, parent, where))
                elif child_kind == "dataset" and self.kind_of(parent) in ("dataset", None):
                    edges.append(self.edge("derived_from", child, parent, where))
            elif kind == "generates" and self.kind_of(source) == "model" and self.kind_of(target) == "dataset":
                model = self.name_of(source)
                evidence = Evidence(
                    kind="metadata",
                    detail=f"Relationship generates: {model} -> {self.name_of(target)}",
                    location=where,
                    confidence=GENERATES_CONFIDENCE,
                )
                generations.setdefault(target, []).append(GeneratedBy(model=model, evidence=evidence))

    def targets(self, value: Any, loc: Loc) -> Iterator[tuple[str, Loc]]:
        if isinstance(value, str):
            yield value, loc
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield item, (*loc, index)

    def kind_of(self, spdx_id: str) -> ArtifactKind | None:
        element = self.elements.get(spdx_id)
        return element.kind if element else None

    def name_of(self, spdx_id: str) -> str:
        """The artifact id of a model or dataset in the document, else the element's name, else the reference."""
        if spdx_id in self.ids:
            return self.ids[spdx_id]
        element = self.elements.get(spdx_id)
        name = _name(element.data) if element else None
        return name or hub_id(spdx_id) or spdx_id

    def edge(
        self, relation: Literal["trained_on", "derived_from", "base_model"], source: str, target: str, where: Location
    ) -> Edge:
        return Edge(relation=relation, source=self.name_of(source), target=self.name_of(target), location=where)

    def license(self, reference: str) -> str:
        element = self.elements.get(reference)
        if element is not None:
            for key in ("simplelicensing_licenseExpression", "name"):
                value = element.data.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()
        return spdx_license(reference)


def _kind(element: dict[str, Any]) -> ArtifactKind | None:
    local = _local_type(element)
    if local == "AIPackage":
        return "model"
    if local == "DatasetPackage":
        return "dataset"
    if local == "Package":
        purpose = element.get("software_primaryPurpose")
        if purpose == "model":
            return "model"
        if purpose == "data":
            return "dataset"
    return None


def _name(element: dict[str, Any]) -> str | None:
    value = element.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SpdxSource())
