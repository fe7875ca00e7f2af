"""A finding: which data, whose outputs, which clause of which version, how sure, and where it was seen.

This is the JSON report contract (design.md 4.3); `report.schema.json` is generated from these models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from tos_check.lineage.graph import Hop
from tos_check.lineage.model import Evidence, Location
from tos_check.policy.model import Effect, Severity

SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "note": 2}
EFFECT_RANK: dict[str, int] = {"prohibited": 0, "obligation": 1, "notice": 2, "clear": 3}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PolicyRef(_Out):
    id: str
    version: str
    effective_from: dt.date | None
    source_url: str | None
    title: str | None = None


class ObligationStatus(_Out):
    id: str
    kind: str
    summary: str
    value: str | None = None
    status: Literal["met", "unmet", "unchecked"]
    detail: str | None = Field(None, description="Why it is met or unmet.")


class ClauseRef(_Out):
    id: str
    summary: str
    section: str | None = None
    url: str | None = Field(None, description="Where the clause's text can be read (its citation).")
    quote: str | None = None
    verified: bool = True
    binds: Literal["generator", "recipients"] | None = None


class AppliedWaiver(_Out):
    reason: str
    approver: str
    expires: dt.date
    source: str = Field(description="Where the waiver is written, as path:line.")


class FindingKey(NamedTuple):
    rule: str
    artifact: str
    model: str | None


class Finding(_Out):
    id: str = Field(description="Stable hash of what the finding is about; the same across runs and machines.")
    rule: str = Field(description="<policy-id>/<clause-id>, or tos-check/<check> for the tool's own notices.")
    policy: PolicyRef | None
    clause: ClauseRef | None
    effect: Effect
    severity: Severity
    provider: str | None
    model: str | None = Field(description="The model string as the metadata wrote it.")
    model_family: str | None = None
    artifact: str
    location: Location
    evidence: list[Evidence]
    chain: list[Hop] = Field(description="Each hop from the dataset to the model, with the line that states it.")
    depth: int = Field(ge=1, description="Model hops between the generating model and the data.")
    confidence: float = Field(ge=0.0, le=1.0)
    message: str
    obligations: list[ObligationStatus] = []
    generated: str | None = Field(None, description="When the outputs were generated, as far as known.")
    version_basis: Literal["generation_date", "assumed_today", "current_licence", "none"] = "none"
    undecided: list[str] = Field([], description="Declared-use fields the clause needed but the use left out.")
    by: Literal["us", "third_party"] | None = Field(
        None, description="Who called the model: us (we generated the data) or a third party (we received it)."
    )
    carried_by: str | None = Field(None, description="The data licence (policy id) that carried these terms to us.")
    waiver: AppliedWaiver | None = Field(
        None, description="The waiver in tos-check.yaml that accepts this finding; null when none does."
    )
    baseline: Literal["new", "unchanged"] | None = Field(
        None, description="With --baseline: `unchanged` when the baseline holds it, `new` when not; else null."
    )

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    @property
    def accepted(self) -> bool:
        """Accepted findings stay in every report but never fail a run: waived, or already in the baseline."""
        return self.waiver is not None or self.baseline == "unchanged"

    def key(self) -> FindingKey:
        """What a baseline or a diff compares: rule, dataset and model, never a line number or a policy
        version, so a finding keeps its identity when its file moves or a newer version restates the clause."""
        return FindingKey(self.rule, self.artifact, self.model)

    def sort_key(self) -> tuple[int, str, str, str, int, str]:
        return (
            SEVERITY_RANK[self.severity],
            self.rule,
            self.artifact,
            self.location.path,
            self.location.line or 0,
            self.id,
        )


def finding_id(*parts: object) -> str:
    """Hash only stable facts (rule, version, artifact, model, chain), never paths' absolute prefixes or times."""
    text = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]  # a lone surrogate too
