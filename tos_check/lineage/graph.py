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


def _edge_order(edge: Edge) -> tuple[str, str, str, int]:
    return (edge.source, edge.target, edge.location.path, edge.location.line or 0)


def _path_key(text: str) -> str:
    return posixpath.normpath(text.replace("\\", "/")).lower()


@dataclass
class LineageGraph:
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    _by_name: dict[str, str] = field(default_factory=dict)
    _by_path: dict[str, str] = field(default_factory=dict)
    _by_stem: dict[str, str] = field(default_factory=dict)
    _by_folder: dict[str, str] = field(default_factory=dict)
    _moved: dict[str, str] = field(default_factory=dict)
    """Ids merged into a described artifact with another id: index entries that still name them lead on."""
    _placeholders: set[str] = field(default_factory=set)
    """Artifacts known only as an edge's target: a description that arrives later replaces them."""
    _edges: set[Edge] = field(default_factory=set)
    _edges_from: dict[tuple[str, str], list[Edge]] = field(default_factory=dict)
    _trained_on: dict[str, set[Location]] | None = None

    @classmethod
    def build(cls, result: SourceResult) -> LineageGraph:
        graph = cls()
        graph.extend(result)
        return graph

    def extend(self, result: SourceResult) -> None:
        """Add more lineage (the catalog's account of datasets the scan only named) without starting over:
        a scan of thousands of files must not rebuild its graph for every round of catalog lookups."""
        ordered = sorted(
            result.artifacts, key=lambda a: (_key(a.id), a.external, a.location.path, a.location.line or 0)
        )
        for artifact in ordered:
            self._add(artifact)
        edges = sorted(set(result.edges) - self._edges, key=lambda e: (e.relation, *_edge_order(e)))
        self._edges.update(edges)
        self._trained_on = None
        for edge in edges:
            if self.find(edge.target, edge.target_paths) is None:
                kind = "model" if edge.relation == "base_model" else "dataset"
                self._add(Artifact(id=edge.target, kind=kind, location=edge.location, external=True))
                self._placeholders.add(edge.target)
        touched: set[tuple[str, str]] = set()
        for edge in edges:  # indexed once: walking the graph must not rescan every edge per step
            source = self._lookup(self._by_name, _key(edge.source))
            if source is not None:
                self._edges_from.setdefault((source, edge.relation), []).append(edge)
                touched.add((source, edge.relation))
        for key in touched:  # the order one build of everything would give, whatever the round
            self._edges_from[key].sort(key=_edge_order)
        self._describe_records_by_folder()

    def _describe_records_by_folder(self) -> None:
        """Records in the folder of a dataset a card or manifest describes are part of that dataset: its
        account of where the data came from covers them (a README beside `train.jsonl`)."""
        records_only = [a for a in self.artifacts.values() if not a.described and not a.external]
        if not records_only:
            return
        described = {
            _path_key(path)
            for artifact in self.artifacts.values()
            if artifact.described and not artifact.external
            for path in artifact.paths
        }
        for artifact in records_only:
            for path in artifact.paths:
                folder = posixpath.dirname(_path_key(path))
                while folder and folder not in (".", "/") and folder not in described:
                    folder = posixpath.dirname(folder)
                if folder in described:
                    self.artifacts[artifact.id] = artifact.model_copy(update={"described": True})
                    break

    def _lookup(self, index: dict[str, str], key: str) -> str | None:
        found = index.get(key)
        while found is not None and found in self._moved:
            found = self._moved[found]
        return found

    def _add(self, artifact: Artifact) -> None:
        """Join the artifact with the node it is: the one with its id, or else one with a path it lives in.

        The catalog's other names are curated aliases of one dataset (`HuggingFaceH4/Code-Feedback`,
        `ai2-adapt-dev/codefeedback-single-turn-reformat`), so a catalog entry also joins the references made
        under them; never a dataset the scan describes, whose own account the catalog does not override.
        A scanned artifact's other names (a card's `pretty_name`) only help find it: two datasets may share them.
        """
        same: list[str] = []
        for number, name in enumerate((artifact.id, *artifact.names) if artifact.catalogued else (artifact.id,)):
            found = self._lookup(self._by_name, _key(name))
            if found is None or found in same:
                continue
            node = self.artifacts[found]
            if number == 0 or (node.external and node.kind == artifact.kind):
                same.append(found)
        if not same:
            found = next(filter(None, (self._lookup(self._by_path, _path_key(p)) for p in artifact.paths)), None)
            same = [found] if found is not None else []
        joined: Artifact | None = None
        for existing_id in same:  # the first node found keeps its id, unless a described one joins it
            if existing_id in self._placeholders:
                self._placeholders.discard(existing_id)
            else:
                existing = self.artifacts[existing_id]
                joined = existing if joined is None else _merge(joined, existing)
        artifact = artifact if joined is None else _merge(joined, artifact)
        for existing_id in same:
            if existing_id != artifact.id:
                del self.artifacts[existing_id]
                self._moved[existing_id] = artifact.id
                for relation in ("trained_on", "derived_from", "base_model"):
                    moved = self._edges_from.pop((existing_id, relation), [])
                    if moved:
                        edges = self._edges_from.setdefault((artifact.id, relation), [])
                        edges.extend(moved)
                        edges.sort(key=_edge_order)
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
        found = self._lookup(self._by_name, _key(reference))
        if found is not None:
            return self.artifacts[found]
        for candidate in paths:
            wanted = _path_key(candidate)
            for index in (self._by_path, self._by_stem, self._by_folder):
                found = self._lookup(index, wanted)
                if found is not None:
                    return self.artifacts[found]
        return None

    def used_in(self, dataset: Artifact) -> list[Location]:
        """Where scanned metadata names the dataset as training data (`trained_on`): the config lines a reader
        looks for, whichever of the dataset's names each of them used."""
        if self._trained_on is None:
            self._trained_on = {}
            for edge in self._edges:
                if edge.relation == "trained_on":
                    target = self.find(edge.target, edge.target_paths)
                    if target is not None:
                        self._trained_on.setdefault(target.id, set()).add(edge.location)
        found = self._trained_on.get(dataset.id, set())
        return sorted(found, key=lambda where: (where.path, where.line or 0))

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
            # A reference (a config naming the file) describes nothing; records alone say nothing of origin.
            "described": any(a.described and not a.external for a in (keep, other)),
        }
    )
