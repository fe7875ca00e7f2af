"""The lineage graph: every artifact the scan found, joined across sources, and the traces through it.

A trace answers "whose outputs are in this dataset, and how did they get there": it starts at a dataset,
follows `derived_from` to the datasets it was built from, `generated_by` to the models that wrote them, and
from a model that is itself in the graph, `trained_on` and `base_model` further up. Depth counts model
hops: 1 for data a model wrote, 2 for data written by a model that was trained on (or built on) another
model's outputs, and so on; a policy's reach is compared with it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from tos_check.lineage.model import Artifact, Edge, Evidence, GeneratedBy, Location, Relation, SourceResult

MAX_DEPTH = 8
"""Chains longer than this are cut: real lineage is a few hops, and a cycle must not run forever."""


class Hop(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    relation: Relation
    target: str
    location: Location

    def __str__(self) -> str:
        return f"{self.source} --{self.relation}--> {self.target}"


@dataclass(frozen=True)
class Trace:
    subject: str
    generation: GeneratedBy
    depth: int
    chain: tuple[Hop, ...]
    generator: Artifact | None = None
    """The generating model's own node, when the scanned metadata describes it."""

    def period(self) -> str | None:
        """When the outputs were generated, as an ISO date or interval; None when no source says."""
        start, end = self.generation.date_from, self.generation.date_until
        if start is None:
            return None
        return start.isoformat() if end in (None, start) else f"{start.isoformat()}/{end.isoformat()}"


def _key(text: str) -> str:
    return text.strip().strip("/").lower()


def _path_key(text: str) -> str:
    return posixpath.normpath(text.replace("\\", "/")).lower()


@dataclass
class LineageGraph:
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    _by_name: dict[str, str] = field(default_factory=dict)
    _by_path: dict[str, str] = field(default_factory=dict)
    _by_stem: dict[str, str] = field(default_factory=dict)
    _by_folder: dict[str, str] = field(default_factory=dict)
    _edges_from: dict[tuple[str, str], list[Edge]] = field(default_factory=dict)

    @classmethod
    def build(cls, result: SourceResult) -> LineageGraph:
        graph = cls()
        ordered = sorted(
            result.artifacts, key=lambda a: (_key(a.id), a.external, a.location.path, a.location.line or 0)
        )
        for artifact in ordered:
            graph._add(artifact)
        graph.edges = sorted(
            set(result.edges), key=lambda e: (e.source, e.relation, e.target, e.location.path, e.location.line or 0)
        )
        for edge in graph.edges:
            if graph.find(edge.target, edge.target_paths) is None:
                kind = "model" if edge.relation == "base_model" else "dataset"
                graph._add(Artifact(id=edge.target, kind=kind, location=edge.location, external=True))
        for edge in graph.edges:  # indexed once: walking the graph must not rescan every edge per step
            source = graph._by_name.get(_key(edge.source))
            if source is not None:
                graph._edges_from.setdefault((source, edge.relation), []).append(edge)
        return graph

    def _add(self, artifact: Artifact) -> None:
        existing_id = self._by_name.get(_key(artifact.id))
        if existing_id is None:
            for path in artifact.paths:
                existing_id = self._by_path.get(_path_key(path))
                if existing_id:
                    break
        if existing_id is not None:
            artifact = _merge(self.artifacts[existing_id], artifact)
        self.artifacts[artifact.id] = artifact
        for name in (artifact.id, *artifact.names):
            self._by_name.setdefault(_key(name), artifact.id)
        for path in artifact.paths:
            key = _path_key(path)
            self._by_path.setdefault(key, artifact.id)
            self._by_stem.setdefault(posixpath.splitext(key)[0], artifact.id)
            folder = posixpath.dirname(key)
            while folder and folder not in (".", "/"):
                self._by_folder.setdefault(folder, artifact.id)
                folder = posixpath.dirname(folder)

    def find(self, reference: str, paths: tuple[str, ...] = ()) -> Artifact | None:
        """An artifact by id, other name, or path (a folder holds what is under it; a suffix may be left off)."""
        found = self._by_name.get(_key(reference))
        if found is not None:
            return self.artifacts[found]
        for candidate in paths:
            wanted = _path_key(candidate)
            for index in (self._by_path, self._by_stem, self._by_folder):
                if wanted in index:
                    return self.artifacts[index[wanted]]
        return None

    def datasets(self) -> list[Artifact]:
        """The data being checked: every dataset the scanned metadata describes, or a training config uses."""
        chosen = (a for a in self.artifacts.values() if a.kind == "dataset" and (not a.external or a.in_use))
        return sorted(chosen, key=lambda a: a.id)

    def edges_from(self, artifact_id: str, relation: str) -> list[Edge]:
        return self._edges_from.get((artifact_id, relation), [])

    def traces(self, dataset: Artifact) -> list[Trace]:
        out: list[Trace] = []
        self._walk_dataset(dataset, 1, (), frozenset(), dataset.id, out)
        return out

    def ancestry(self, dataset: Artifact) -> list[tuple[Artifact, tuple[Hop, ...]]]:
        """The dataset and every dataset it was built from, with the `derived_from` hops that lead there.

        A data licence follows the data itself, not the models trained on it, so only `derived_from` is followed.
        """
        out: list[tuple[Artifact, tuple[Hop, ...]]] = []
        stack: list[tuple[Artifact, tuple[Hop, ...]]] = [(dataset, ())]
        seen: set[str] = set()
        while stack:
            artifact, chain = stack.pop()
            if artifact.id in seen or len(chain) > MAX_DEPTH:
                continue
            seen.add(artifact.id)
            out.append((artifact, chain))
            for edge in self.edges_from(artifact.id, "derived_from"):
                upstream = self.find(edge.target, edge.target_paths)
                if upstream is not None:
                    hop = Hop(source=artifact.id, relation="derived_from", target=upstream.id, location=edge.location)
                    stack.append((upstream, (*chain, hop)))
        return sorted(out, key=lambda item: (len(item[1]), item[0].id))

    def _walk_dataset(
        self,
        artifact: Artifact,
        depth: int,
        chain: tuple[Hop, ...],
        seen: frozenset[str],
        subject: str,
        out: list[Trace],
    ) -> None:
        if artifact.id in seen or depth > MAX_DEPTH:
            return
        seen = seen | {artifact.id}
        for generation in artifact.generated_by:
            hop = Hop(
                source=artifact.id,
                relation="generated_by",
                target=generation.model,
                location=generation.evidence.location,
            )
            model = self.find(generation.model)
            model = model if model is not None and model.kind == "model" else None
            out.append(Trace(subject, generation, depth, (*chain, hop), model))
            if model is not None:
                self._walk_model(model, depth + 1, (*chain, hop), seen, subject, out)
        for edge in self.edges_from(artifact.id, "derived_from"):
            upstream = self.find(edge.target, edge.target_paths)
            if upstream is not None:
                hop = Hop(source=artifact.id, relation="derived_from", target=upstream.id, location=edge.location)
                self._walk_dataset(upstream, depth, (*chain, hop), seen, subject, out)

    def _walk_model(
        self, model: Artifact, depth: int, chain: tuple[Hop, ...], seen: frozenset[str], subject: str, out: list[Trace]
    ) -> None:
        if model.id in seen or depth > MAX_DEPTH:
            return
        seen = seen | {model.id}
        for edge in self.edges_from(model.id, "trained_on"):
            upstream = self.find(edge.target, edge.target_paths)
            if upstream is not None:
                hop = Hop(source=model.id, relation="trained_on", target=upstream.id, location=edge.location)
                self._walk_dataset(upstream, depth, (*chain, hop), seen, subject, out)
        for edge in self.edges_from(model.id, "base_model"):
            base = self.find(edge.target, edge.target_paths)
            if base is None:
                continue
            hop = Hop(source=model.id, relation="base_model", target=base.id, location=edge.location)
            # A model built on another carries that model's terms: its outputs count as the base's, one hop on.
            detail = f"{model.id} is built on {base.id}"
            evidence = Evidence(kind="declared", detail=detail, location=edge.location, confidence=1.0)
            generation = GeneratedBy(model=base.id, evidence=evidence)
            out.append(Trace(subject, generation, depth, (*chain, hop), base))
            self._walk_model(base, depth + 1, (*chain, hop), seen, subject, out)


def _merge(old: Artifact, new: Artifact) -> Artifact:
    def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*a, *b)))

    keep, other = (old, new) if not old.external or new.external else (new, old)
    return keep.model_copy(
        update={
            "names": union(keep.names, (*other.names, other.id) if other.id != keep.id else other.names),
            "paths": union(keep.paths, other.paths),
            "licenses": union(keep.licenses, other.licenses),
            "generated_by": tuple(dict.fromkeys((*keep.generated_by, *other.generated_by))),
            "machine_generated": keep.machine_generated or other.machine_generated,
            "external": keep.external and other.external,
            "in_use": keep.in_use or other.in_use,
            "catalogued": keep.catalogued or other.catalogued,
        }
    )
