"""One judgement per distinct model string: what the policies say about data it wrote, for the declared use,
as a scan would say it. A dataset of a hundred million records holds a few hundred distinct strings, so the
evaluator runs a few hundred times, whatever the size of the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tos_check.evaluate.engine import Evaluator
from tos_check.evaluate.finding import EFFECT_RANK, SEVERITY_RANK, Finding
from tos_check.identity.model import IdentityResolver
from tos_check.lineage.graph import Hop, Trace
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location
from tos_check.policy.load import PolicySet
from tos_check.policy.model import Role
from tos_check.use import DeclaredUse

SUBJECT = "gated data"
RECORD_CONFIDENCE = 0.95
"""As the records source rates a model named in a record's own field."""

QuarantineOn = str
"""error | warning | note: the least severe finding that holds a record back."""


@dataclass(frozen=True)
class Verdict:
    """What the gate says about records naming one model string (or matching one fingerprint)."""

    model: str
    role: Role
    quarantine: bool
    reason: str | None
    """One line: the severity, rule and effect, and the finding's message; None when nothing applies."""
    identity: str | None = None
    """provider/family/model as resolved; None when the name is not resolved."""
    rule: str | None = None
    effect: str | None = None
    severity: str | None = None
    fingerprint: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def rank(self) -> int:
        """Lower is stronger: a quarantining verdict before a passing one, then by severity, then by effect
        (prohibited before obligation): the reason a record shows is its strongest."""
        severity = SEVERITY_RANK.get(self.severity or "", 3)
        effect = EFFECT_RANK.get(self.effect or "", 3)
        return (0 if self.quarantine else 16) + severity * 4 + effect


@dataclass
class Judge:
    policies: PolicySet
    resolver: IdentityResolver
    use: DeclaredUse
    as_of: dt.date
    quarantine_on: QuarantineOn = "error"
    quarantine_undecided: bool = False
    _cache: dict[tuple[str, Role, str | None], Verdict] = field(default_factory=dict, init=False)
    _evaluator: Evaluator | None = field(default=None, init=False)

    def verdict(
        self, model: str, role: Role = "responses", fingerprint: str | None = None, confidence: float | None = None
    ) -> Verdict:
        key = (model, role, fingerprint)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._judge(model, role, fingerprint, confidence)
        return found

    def _judge(self, model: str, role: Role, fingerprint: str | None, confidence: float | None) -> Verdict:
        if self._evaluator is None:
            self._evaluator = Evaluator(policies=self.policies, resolver=self.resolver, use=self.use, as_of=self.as_of)
        where = Location(path=SUBJECT)
        kind = "fingerprint" if fingerprint else "record"
        detail = f"fingerprint {fingerprint}" if fingerprint else f"record field: {model}"
        evidence = Evidence(kind=kind, detail=detail, location=where, confidence=confidence or RECORD_CONFIDENCE)
        generation = GeneratedBy(model=model, role=role, evidence=evidence)
        trace = Trace(
            subject=SUBJECT,
            generation=generation,
            depth=1,
            chain=(Hop(source=SUBJECT, relation="generated_by", target=model, location=where),),
        )
        subject = Artifact(id=SUBJECT, kind="dataset", location=where, generated_by=(generation,))
        findings = sorted(self._evaluator.judge(trace, subject), key=Finding.sort_key)
        identity = self.resolver.resolve(model)
        named = "/".join(p for p in (identity.provider, identity.family, identity.model) if p) or None
        holding = [f for f in findings if self._holds(f)]
        lead = holding[0] if holding else (findings[0] if findings else None)
        return Verdict(
            model=model,
            role=role,
            quarantine=bool(holding),
            reason=_reason(lead, fingerprint) if lead else None,
            identity=named if identity.provider else None,
            rule=lead.rule if lead else None,
            effect=lead.effect if lead else None,
            severity=lead.severity if lead else None,
            fingerprint=fingerprint,
            findings=tuple(findings),
        )

    def _holds(self, finding: Finding) -> bool:
        if finding.undecided and not self.quarantine_undecided:
            return False
        return SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[self.quarantine_on]


def _reason(finding: Finding, fingerprint: str | None) -> str:
    weak = f"content fingerprint {fingerprint} (weak evidence): " if fingerprint else ""
    return f"{finding.severity} {finding.rule} [{finding.effect}]: {weak}{finding.message}"
