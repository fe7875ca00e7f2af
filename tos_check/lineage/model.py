"""What sources read out of metadata: artifacts, the models whose outputs they hold, and edges between them.

Sources never resolve references or model names themselves: they record the strings they saw and where
they saw them, and the lineage graph joins everything, so that a manifest, a card and a training config
that name the same dataset meet in one node.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check.policy.model import Role
from tos_check.problems import Problem

EvidenceKind = Literal["declared", "metadata", "prose", "record", "fingerprint", "catalog"]
Relation = Literal["generated_by", "trained_on", "derived_from", "base_model"]
ArtifactKind = Literal["dataset", "model"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Frozen):
    path: str
    line: int | None = None
    record: int | None = Field(None, description="Index of the record, for per-record evidence.")

    def __str__(self) -> str:
        out = self.path if self.line is None else f"{self.path}:{self.line}"
        return out if self.record is None else f"{out} (record {self.record})"


class Evidence(_Frozen):
    """Why we believe something: what was seen, where, and how much it is worth."""

    kind: EvidenceKind
    detail: str
    location: Location
    confidence: float = Field(ge=0.0, le=1.0)


class GeneratedBy(_Frozen):
    """One model's outputs inside a dataset."""

    model: str
    role: Role = "responses"
    by: Literal["us", "third_party"] = "third_party"
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    records: int | None = Field(None, ge=0)
    via: str | None = Field(
        None, description="The assistant the model was used through (Cursor, GitHub Copilot), when metadata names it."
    )
    evidence: Evidence


class Artifact(_Frozen):
    id: str
    kind: ArtifactKind
    names: tuple[str, ...] = Field((), description="Other names it goes by: pretty_name, Hugging Face id.")
    paths: tuple[str, ...] = Field((), description="Files or folders it lives in, as scanned.")
    licenses: tuple[str, ...] = ()
    location: Location
    generated_by: tuple[GeneratedBy, ...] = ()
    machine_generated: Evidence | None = Field(
        None, description="Metadata says models wrote it (e.g. annotations_creators: machine-generated)."
    )
    external: bool = Field(False, description="Only referenced, never described, by the scanned metadata.")
    in_use: bool = Field(
        False, description="Named as training data by a scanned training config: judged even if nothing describes it."
    )
    catalogued: bool = Field(False, description="Described by the known-datasets catalog.")
    described: bool = Field(
        True,
        description="Metadata (a card, manifest, config, standard) speaks of it; False for data seen only as "
        "records, which say nothing of their origin when no field names a model.",
    )


class Edge(_Frozen):
    """`source` (a model or dataset) was made from `target` (a reference to another artifact)."""

    relation: Literal["trained_on", "derived_from", "base_model"]
    source: str
    target: str
    target_paths: tuple[str, ...] = Field((), description="Paths the reference may mean, relative to the scan.")
    location: Location


class SourceResult(BaseModel):
    """Everything one source read from one file, including what it could not read."""

    artifacts: list[Artifact] = []
    edges: list[Edge] = []
    problems: list[Problem] = []
    records_scanned: int = 0

    def extend(self, other: SourceResult) -> None:
        self.artifacts.extend(other.artifacts)
        self.edges.extend(other.edges)
        self.problems.extend(other.problems)
        self.records_scanned += other.records_scanned
