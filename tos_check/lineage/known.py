"""Lineage from the known-datasets catalog, for datasets the scanned metadata only names.

A training config or model card that says `HuggingFaceH4/ultrachat_200k` tells us nothing about where that
data came from; the catalog does (gpt-3.5-turbo wrote its prompts and responses, it was built from
UltraChat). Each such fact enters the graph as `catalog` evidence pointing at the catalog line, and the
datasets it was built from are looked up in turn.
"""

from __future__ import annotations

import functools
from pathlib import Path

from tos_check.known_datasets.catalog import KnownDatasets
from tos_check.known_datasets.model import KnownDataset
from tos_check.lineage.graph import LineageGraph
from tos_check.lineage.model import Artifact, Edge, Evidence, GeneratedBy, Location, SourceResult

VERIFIED_CONFIDENCE = 0.9
UNVERIFIED_CONFIDENCE = 0.7
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def graph_with_known_datasets(result: SourceResult, catalog: KnownDatasets) -> LineageGraph:
    """Build the graph, then describe every merely-named dataset the catalog knows, until none is left."""
    looked_up: set[str] = set()
    graph = LineageGraph.build(result)
    while True:
        added = SourceResult()
        for artifact in graph.artifacts.values():
            if not artifact.external or artifact.kind != "dataset" or artifact.id in looked_up:
                continue
            looked_up.add(artifact.id)
            entry = next(filter(None, map(catalog.find, (artifact.id, *artifact.names))), None)
            if entry is not None:
                added.extend(_describe(artifact, entry, catalog))
        if not added.artifacts:
            return graph
        graph.extend(added)


def _describe(artifact: Artifact, entry: KnownDataset, catalog: KnownDatasets) -> SourceResult:
    path, line = catalog.entry_location(entry)
    where = Location(path=_shown(path), line=line)
    confidence = VERIFIED_CONFIDENCE if entry.verified else UNVERIFIED_CONFIDENCE
    basis = "verified in" if entry.verified else "reported by, not verified in,"
    generations = []
    for gen in entry.generated_by:
        start, until = gen.period()
        detail = f"known dataset {entry.id}: {gen.role} by {gen.model} ({basis} {entry.source or 'no source'})"
        generations.append(
            GeneratedBy(
                model=gen.model,
                role=gen.role,
                date_from=start,
                date_until=until,
                evidence=Evidence(kind="catalog", detail=detail, location=where, confidence=confidence),
            )
        )
    described = Artifact(
        id=artifact.id,
        kind="dataset",
        names=tuple(dict.fromkeys(n for n in entry.all_names() if n != artifact.id)),
        licenses=(entry.license,) if entry.license else (),
        location=where,
        generated_by=tuple(generations),
        external=True,
        catalogued=True,
    )
    edges = [
        Edge(relation="derived_from", source=artifact.id, target=upstream, location=where)
        for upstream in entry.derived_from
    ]
    return SourceResult(artifacts=[described], edges=edges)


@functools.cache
def _shown(path: str) -> str:
    """Catalog files are shown relative to the installation, so reports do not depend on where it lives."""
    try:
        return Path(path).resolve().relative_to(PACKAGE_ROOT).as_posix()
    except ValueError:
        return path
