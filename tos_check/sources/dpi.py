"""Data Provenance Initiative collection metadata (`data_summaries/<Collection>.json`) found in a scan.

The files are read by the same reader as the known-datasets import (`known_datasets/dpi.py`), so a collection
means the same thing in both places: the entry's id (the Hub id when one dataset alone claims it, else the
DPI id), names and licences. What a source adds is where each fact is written: every model string of
`Model Generated` becomes `generated_by` at its line, with the DPI's spelling kept for the resolver, and
each `Derived from Datasets` item a `derived_from` edge at its line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tos_check.hookspecs import hookimpl
from tos_check.known_datasets.dpi import collection_entries, is_placeholder, read_collection
from tos_check.known_datasets.model import KnownDataset
from tos_check.lineage.model import Artifact, Edge, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import Document
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile

MODEL_GENERATED_CONFIDENCE = 0.8
"""An audit's statement that a model wrote part of the data; which part (prompts, responses) is not said."""

FOLDER = "data_summaries"


class DpiSource:
    name = "dpi"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name
        return file.path.parent.name == FOLDER and name.lower().endswith(".json") and not name.startswith("_")

    def read(self, file: ScanFile) -> SourceResult:
        collection = read_collection(file.path, file.display)
        result = SourceResult(problems=list(collection.problems))
        if collection.document is None:
            return result
        entries, problems = collection_entries(collection)
        result.problems.extend(problems)
        records = {str(record["Unique Dataset Identifier"]): record for record in collection.records}
        for uid, entry in entries:
            artifact, edges = _lineage(uid, entry, records[uid], collection.document)
            result.artifacts.append(artifact)
            result.edges.extend(edges)
        return result


def _lineage(uid: str, entry: KnownDataset, record: dict[str, Any], doc: Document) -> tuple[Artifact, list[Edge]]:
    def here(*loc: str | int) -> Location:
        return Location(path=doc.path, line=doc.line_of((uid, *loc)))

    generations = []
    unnamed: Evidence | None = None
    for index, model in _texts(record.get("Model Generated")):
        evidence = Evidence(
            kind="metadata",
            detail=f"DPI {uid}: Model Generated: {model}",
            location=here("Model Generated", index),
            confidence=MODEL_GENERATED_CONFIDENCE,
        )
        if is_placeholder(model):
            unnamed = unnamed or evidence  # generated, by a model the DPI does not name: unknown-generator
            continue
        generations.append(GeneratedBy(model=model, role="other", evidence=evidence))
    edges = [
        Edge(relation="derived_from", source=entry.id, target=parent, location=here("Derived from Datasets", index))
        for index, parent in _texts(record.get("Derived from Datasets"))
    ]
    artifact = Artifact(
        id=entry.id,
        kind="dataset",
        names=tuple(entry.names),
        licenses=tuple(entry.license.split(" AND ")) if entry.license else (),
        location=here(),
        generated_by=tuple(generations),
        machine_generated=unnamed,
    )
    return artifact, edges


def _texts(value: Any) -> list[tuple[int, str]]:
    """Non-empty strings of a list with their index, each text once."""
    seen: set[str] = set()
    out = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        text = item.strip() if isinstance(item, str) else ""
        if text and text not in seen:
            seen.add(text)
            out.append((index, text))
    return out


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(DpiSource())
