"""One judgement per distinct model string and era: what the policies say about data it wrote, for the
declared use, as a scan would say it. A dataset of a hundred million records holds a few hundred distinct
strings, so the evaluator runs a few hundred times, whatever the size of the data.

An era is a stretch of days in which no policy's terms change (between two consecutive `effective_from` or
`effective_until` dates of any version): records generated on any day of an era are governed by the same
versions. The gate sorts records into these eras; a model string is then judged once per era *of the
policies that cover it* (OpenAI's changes matter to gpt-4, Google's do not), so judgements stay a few per
distinct string. Records without a known generation date are judged by the terms in force on `as_of`, as
a scan judges undated outputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from tos_check.evaluate.engine import Evaluator
from tos_check.evaluate.finding import EFFECT_RANK, SEVERITY_RANK, Finding
from tos_check.identity.model import IdentityResolver
from tos_check.lineage.graph import Hop, Trace
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location
from tos_check.policy.load import PolicySet
from tos_check.policy.model import Policy, Role
from tos_check.sources.records.dates import EARLIEST, EPOCH, LATEST, UNKNOWN
from tos_check.use import DeclaredUse

SUBJECT = "gated data"
RECORD_CONFIDENCE = 0.95
"""As the records source rates a model named in a record's own field."""

QuarantineOn = str
"""error | warning | note: the least severe finding that holds a record back."""

UNDATED = 0
"""The era slot of records whose generation date is unknown; eras of dated records are 1, 2, ..."""
_FIRST_DAY, _LAST_DAY = (EARLIEST - EPOCH).days, (LATEST - EPOCH).days
_WHERE = Location(path=SUBJECT)
MAX_CACHED = 1_000_000
"""Verdicts, and model strings' covers, remembered; past this a cache starts again rather than grow unbounded
(a model field of free text meets a new string in every record)."""


@dataclass(frozen=True)
class _Cover:
    """The days the terms of a set of covering policies change (a model's verdict can change only then),
    and for each global era slot the slot between those days it falls in."""

    changes: list[dt.date]
    eras: np.ndarray


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
    generated: str | None = None
    """The era the outputs were judged as generated in (an ISO interval, `..` for an open end); None when
    undated, or when no policy covers the model (its verdict does not depend on the day)."""
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
    _cache: dict[tuple[str, Role, str | None, int], Verdict] = field(default_factory=dict, init=False)
    _evaluator: Evaluator | None = field(default=None, init=False)
    _changes: list[dt.date] | None = field(default=None, init=False)
    _era_of_day: np.ndarray | None = field(default=None, init=False)
    _covers: dict[tuple[int, ...], _Cover] = field(default_factory=dict, init=False)
    _cover_of: dict[str, _Cover] = field(default_factory=dict, init=False)
    _inside: np.ndarray | None = field(default=None, init=False)

    def verdict(
        self,
        model: str,
        role: Role = "responses",
        fingerprint: str | None = None,
        confidence: float | None = None,
        era: int = UNDATED,
    ) -> Verdict:
        cover = self._cover(model)
        era = int(cover.eras[era])
        key = (model, role, fingerprint, era)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            span = _era_days(cover.changes, era)
            found = self._cache[key] = self._judge(model, role, fingerprint, confidence, span)
        return found

    def local_eras(self, model: str) -> np.ndarray:
        """For each era slot, the model's own era slot: the eras of the policies covering it, each a union
        of global eras. Two records of the model whose eras map to the same slot get the same verdict."""
        return self._cover(model).eras

    @property
    def changes(self) -> list[dt.date]:
        """Every day some policy's terms change, in order: the eras' boundaries."""
        if self._changes is None:
            self._changes = _change_days(p.policy for p in self.policies.policies)
        return self._changes

    @property
    def era_count(self) -> int:
        """Era slots: UNDATED, and one more than there are changes."""
        return len(self.changes) + 2

    def eras(self, days: np.ndarray) -> np.ndarray:
        """The era slot of each generation day (days since 1970-01-01; UNKNOWN, or a day out of the range
        dates.py reads: UNDATED). A lookup in a table of every day in that range, one numpy take a batch (a
        binary search per record made the eras of a batch cost three times as much)."""
        if self._era_of_day is None:
            changes = np.array([(day - EPOCH).days for day in self.changes], np.int64)
            slots = np.searchsorted(changes, np.arange(_FIRST_DAY, _LAST_DAY, dtype=np.int64), side="right") + 1
            self._era_of_day = np.concatenate([[UNDATED], slots, [UNDATED]]).astype(np.int64)
        found: np.ndarray = self._era_of_day[np.clip(days - (_FIRST_DAY - 1), 0, len(self._era_of_day) - 1)]
        return found

    def era(self, day: dt.date | None) -> int:
        """The era slot of one generation day (UNDATED for None), as `eras` reads it."""
        number = UNKNOWN if day is None else (day - EPOCH).days
        return int(self.eras(np.array([number], np.int64))[0])

    def _cover(self, model: str) -> _Cover:
        """The eras of the policies covering this model. Models covered alike share them, so this holds one
        entry per set of policies, not per string met (a free-text column meets millions); the map from
        strings to it is bounded like the resolver's cache."""
        found = self._cover_of.get(model)
        if found is None:
            identity = self.resolver.resolve(model)
            covering = self.policies.covering(identity) if identity.known else []
            key = tuple(id(p) for p in covering)
            found = self._covers.get(key)
            if found is None:
                found = self._covers[key] = self._new_cover(covering)
            if len(self._cover_of) >= MAX_CACHED:
                self._cover_of.clear()
            self._cover_of[model] = found
        return found

    def _new_cover(self, covering: list[Policy]) -> _Cover:
        if self._inside is None:  # a day inside each era (the first, or the last of the earliest era)
            spans = [_era_days(self.changes, era) or (None, None) for era in range(1, len(self.changes) + 2)]
            self._inside = np.array([(first or last or dt.date.min).toordinal() for first, last in spans])
        changes = _change_days(covering)
        numbers = np.array([day.toordinal() for day in changes], np.int64)
        slots = np.searchsorted(numbers, self._inside, side="right") + 1
        return _Cover(changes, np.concatenate([[UNDATED], slots]).astype(np.int64))

    def _judge(
        self,
        model: str,
        role: Role,
        fingerprint: str | None,
        confidence: float | None,
        era: tuple[dt.date | None, dt.date | None] | None,
    ) -> Verdict:
        if self._evaluator is None:
            self._evaluator = Evaluator(policies=self.policies, resolver=self.resolver, use=self.use, as_of=self.as_of)
        where = _WHERE
        kind = "fingerprint" if fingerprint else "record"
        detail = f"fingerprint {fingerprint}" if fingerprint else f"record field: {model}"
        evidence = Evidence(kind=kind, detail=detail, location=where, confidence=confidence or RECORD_CONFIDENCE)
        first, last = era or (None, None)
        if first is None:  # before every change: judged as of the day before the first one
            first = last
        generation = GeneratedBy(model=model, role=role, evidence=evidence, date_from=first, date_until=last)
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
            generated=None if era is None or era == (None, None) else f"{_iso(era[0])}/{_iso(era[1])}",
            findings=tuple(findings),
        )

    def _holds(self, finding: Finding) -> bool:
        if finding.undecided and not self.quarantine_undecided:
            return False
        return SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[self.quarantine_on]


def _change_days(policies: Iterable[Policy]) -> list[dt.date]:
    days = {v.effective_from for p in policies for v in p.versions}
    days |= {v.effective_until for p in policies for v in p.versions if v.effective_until}
    return sorted(days)


def _era_days(changes: list[dt.date], era: int) -> tuple[dt.date | None, dt.date | None] | None:
    """(first day, last day) of an era slot between these changes (None for UNDATED): the earliest era has
    no first day, the latest no last."""
    if era == UNDATED:
        return None
    first = changes[era - 2] if era >= 2 else None
    last = changes[era - 1] - dt.timedelta(days=1) if era - 1 < len(changes) else None
    return first, last


def _iso(day: dt.date | None) -> str:
    return ".." if day is None else day.isoformat()


def _reason(finding: Finding, fingerprint: str | None) -> str:
    weak = f"content fingerprint {fingerprint} (weak evidence): " if fingerprint else ""
    return f"{finding.severity} {finding.rule} [{finding.effect}]: {weak}{finding.message}"
