"""From traces to findings: the policy version in force when the outputs were made, and its clauses judged
against the declared use.

Each trace (a model's outputs reaching a dataset, directly or through other models) is resolved to an
identity, matched with the policies that cover it, and every clause of the version(s) in force is judged.
Nothing is silently clear: a model we cannot resolve, a provider no policy covers, and a chain that goes
further than a clause reaches are reported as notices, so a reader sees what was and was not checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tos_check.evaluate.finding import ClauseRef, Finding, ObligationStatus, PolicyRef, finding_id
from tos_check.evaluate.judging import Basis, Judging
from tos_check.evaluate.messages import clause_message, licence_message
from tos_check.evaluate.notices import (
    beyond_reach,
    trace_notice,
    unknown_generator,
    unknown_provenance,
    unresolved_models,
)
from tos_check.identity.model import Identity, IdentityResolver
from tos_check.lineage.graph import Hop, Trace
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy
from tos_check.policy.conditions import Outcome, evaluate
from tos_check.policy.load import PolicySet
from tos_check.policy.model import Clause, Obligation, Policy, PolicyVersion, Severity
from tos_check.use import DeclaredUse

PERMISSIVE_LICENSES = frozenset({"apache-2.0", "mit", "bsd-3-clause", "bsd-2-clause", "cc-by-4.0", "cc0-1.0"})
"""Open-weight licences that put no condition on outputs: no policy needed, nothing to report."""

UNRESOLVED_ADVICE = "add an alias to the identity catalog"

HOP_DISCOUNT = 0.9
UNVERIFIED_DISCOUNT = 0.7
UNDECIDED_DISCOUNT = 0.6


@dataclass
class Evaluator:
    policies: PolicySet
    resolver: IdentityResolver
    use: DeclaredUse
    as_of: dt.date
    used_as_of: bool = field(default=False, init=False)
    _facts: dict[tuple[str, str, str, int], dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    _outcomes: dict[tuple[int, str, str, str, int], Outcome] = field(default_factory=dict, init=False, repr=False)
    _references: dict[tuple[int, int], tuple[PolicyRef, ClauseRef]] = field(
        default_factory=dict, init=False, repr=False
    )

    def evaluate(
        self, subject: Artifact, traces: list[Trace], ancestry: Sequence[tuple[Artifact, tuple[Hop, ...]]] = ()
    ) -> list[Finding]:
        """Findings for one dataset: from the outputs that reached it, and from licences of the data it holds."""
        findings: dict[str, Finding] = {}
        corroborated = self.corroborated(traces)
        unresolved = [t for t, _ in corroborated if self._unresolved(t)]
        for notice in unresolved_models(unresolved, UNRESOLVED_ADVICE):
            findings.setdefault(notice.id, notice)
        for trace, corroboration in corroborated:
            if self._unresolved(trace):
                continue
            for finding in self.judge(trace, subject):
                if corroboration:
                    finding = finding.model_copy(update={"evidence": [*finding.evidence, *corroboration]})
                findings.setdefault(finding.id, finding)
        for dataset, chain in ancestry:
            for finding in self.judge_licences(subject, dataset, chain):
                findings.setdefault(finding.id, finding)
        if subject.machine_generated is not None and not any(t.depth == 1 for t in traces):
            notice = unknown_generator(subject, subject.machine_generated)
            findings.setdefault(notice.id, notice)
        if not provenance_known(subject, traces):
            notice = unknown_provenance(subject)
            findings.setdefault(notice.id, notice)
        return list(findings.values())

    def corroborated(self, traces: list[Trace]) -> list[tuple[Trace, list[Evidence]]]:
        """Traces that state one fact (same model family, role and path) judged once, the others as evidence.

        A manifest's `gpt-4-0613` (declared, with its date and who called it) and a card's "generated with
        GPT-4" (prose) are the same outputs; the strongest statement leads and the others corroborate it.
        """
        groups: dict[tuple[object, ...], list[Trace]] = {}
        for trace in traces:
            identity = self.identity_of(trace)
            who = (identity.provider, identity.family) if identity.known else (None, trace.generation.model.lower())
            path = tuple((h.source, h.relation, h.target) for h in trace.chain[:-1])
            groups.setdefault((trace.depth, trace.generation.role, who, path), []).append(trace)
        out = []
        for group in groups.values():
            group.sort(key=_strength)
            out.append((group[0], [t.generation.evidence for t in group[1:]]))
        return out

    def judge_licences(self, subject: Artifact, dataset: Artifact, chain: tuple[Hop, ...]) -> list[Finding]:
        """A data licence (Alpaca's CC BY-NC, say) binds whoever uses the data, whoever generated it.

        The version in force today applies: it is the licence under which the data is being used now.
        """
        out: list[Finding] = []
        for policy in self.policies.covering_dataset((dataset.id, *dataset.names)):
            evidence = Evidence(
                kind="catalog" if dataset.external else "declared",
                detail=f"{dataset.id} is distributed under {policy.title}",
                location=dataset.location,
                confidence=1.0,
            )
            generation = GeneratedBy(model=dataset.id, role="other", evidence=evidence)
            trace = Trace(subject.id, generation, 1, chain)
            identity = Identity(input=dataset.id, provider=policy.provider, confidence=1.0, matched_by="exact")
            self.used_as_of = True
            for version in (v for v in policy.versions if v.in_force(self.as_of)):
                for finding in self._judge_version(trace, subject, identity, policy, version, "assumed_today"):
                    out.append(
                        finding.model_copy(
                            update={
                                "model": None,
                                "model_family": None,
                                "carried_by": policy.id,
                                "by": None,
                                "version_basis": "current_licence",
                                "message": licence_message(subject, dataset, policy, version, finding),
                            }
                        )
                    )
        return out

    def identity_of(self, trace: Trace) -> Identity:
        identity = self.resolver.resolve(trace.generation.model)
        if identity.known or trace.generator is None:
            return identity
        for name in (trace.generator.id, *trace.generator.names):
            candidate = self.resolver.resolve(name)
            if candidate.known:
                return candidate
        return identity

    def _unresolved(self, trace: Trace) -> bool:
        """A name no catalog entry matches, written where a model's name belongs: judged with the others
        from the same place (a `model` column of car makes is one note, not one per make)."""
        return trace.generator is None and trace.generation.via is None and not self.identity_of(trace).known

    def judge(self, trace: Trace, subject: Artifact) -> list[Finding]:
        identity = self.identity_of(trace)
        if not identity.known:
            if trace.generator is not None:
                return []  # an intermediate model of ours: the traces through it carry the findings
            if trace.generation.via is not None and trace.generation.model == trace.generation.via:
                return [
                    trace_notice(
                        trace,
                        identity,
                        "unnamed-model",
                        f"made with {trace.generation.via}, which does not record the model it ran: which "
                        "provider's terms govern these outputs is unknown, so none were checked",
                    )
                ]
            return unresolved_models([trace], UNRESOLVED_ADVICE)
        policies = self.policies.covering(identity)
        if not policies:
            if identity.open_weights and (identity.license or "").lower() in PERMISSIVE_LICENSES:
                return []
            return [
                trace_notice(
                    trace,
                    identity,
                    "no-policy",
                    f"no loaded policy covers {identity.provider}/{identity.family}; "
                    f"the terms of {trace.generation.model!r} were not checked",
                )
            ]
        out: list[Finding] = []
        in_force = [(policy, *self.versions_for(policy, trace)) for policy in policies]
        if not any(versions for _, versions, _ in in_force):
            # A later document (say, business terms that replaced consumer terms) not existing yet is normal;
            # it only matters when no covering document is known for that date at all.
            titles = ", ".join(p.title for p in policies)
            return [
                trace_notice(
                    trace,
                    identity,
                    "no-version",
                    f"no version of {titles} is known to be in force when {trace.generation.model!r} "
                    "generated this data; its terms were not checked",
                )
            ]
        for policy, versions, basis in in_force:
            for version in versions:
                out.extend(self._judge_version(trace, subject, identity, policy, version, basis))
        return out

    def versions_for(self, policy: Policy, trace: Trace) -> tuple[list[PolicyVersion], Basis]:
        start, end = trace.generation.date_from, trace.generation.date_until
        if start is None:
            self.used_as_of = True
            return [v for v in policy.versions if v.in_force(self.as_of)], "assumed_today"
        end = end or start
        overlapping = [
            v
            for v in policy.versions
            if v.effective_from <= end and (v.effective_until is None or start < v.effective_until)
        ]
        return overlapping, "generation_date"

    def facts(self, trace: Trace, policy: Policy, clause: Clause) -> dict[str, Any]:
        """What conditions may look at. It depends only on the use and on four facts of the trace, so a scan of
        thousands of datasets computes it a handful of times."""
        competitor = clause.competitor or policy.provider
        key = (competitor, trace.generation.role, trace.generation.by, trace.depth)
        known = self._facts.get(key)
        if known is None:
            known = self._facts[key] = self._compute_facts(trace, competitor)
        return known

    def outcome(self, trace: Trace, policy: Policy, clause: Clause) -> Outcome:
        competitor = clause.competitor or policy.provider
        key = (id(clause), competitor, trace.generation.role, trace.generation.by, trace.depth)
        known = self._outcomes.get(key)
        if known is None:
            known = self._outcomes[key] = evaluate(clause.when, self.facts(trace, policy, clause))
        return known

    def _refs(self, policy: Policy, version: PolicyVersion, clause: Clause) -> tuple[PolicyRef, ClauseRef]:
        """The same few references go on thousands of findings: built once per clause (the policy set keeps
        the clauses alive for the evaluator's lifetime, so their ids are stable keys)."""
        key = (id(version), id(clause))
        refs = self._references.get(key)
        if refs is None:
            refs = self._references[key] = (_policy_ref(policy, version, clause), _clause_ref(clause))
        return refs

    def _compute_facts(self, trace: Trace, competitor: str) -> dict[str, Any]:
        use = self.use
        bases = use.model.bases
        base_ids = [self.resolver.resolve(b) for b in bases]
        return {
            "activity": use.activities,
            "model.name": use.model.name,
            "model.kind": use.model.kind,
            "model.general_purpose": use.model.general_purpose,
            "model.base": bases or None,
            "model.base_providers": [i.provider for i in base_ids if i.provider] if bases else None,
            "model.base_families": [i.family for i in base_ids if i.family] if bases else None,
            "distribution": use.distribution,
            "commercial": use.commercial,
            "competes": use.competes_with_provider(competitor),
            "organization.monthly_active_users": use.organization.monthly_active_users,
            "posture": use.posture,
            "generation.role": trace.generation.role,
            "generation.by": trace.generation.by,
            "generation.depth": trace.depth,
        }

    def _judge_version(
        self, trace: Trace, subject: Artifact, identity: Identity, policy: Policy, version: PolicyVersion, basis: Basis
    ) -> list[Finding]:
        out = []
        for clause in version.clauses:
            if clause.roles is not None and trace.generation.role not in clause.roles:
                continue
            outcome = self.outcome(trace, policy, clause)
            if outcome.value is False:
                continue
            judging = Judging(trace, subject, identity, policy, version, clause, basis)
            if not _within_reach(clause, trace.depth):
                if clause.effect != "notice":
                    out.append(beyond_reach(judging))
                continue
            out.append(self._finding(judging, sorted(outcome.missing), self.facts(trace, policy, clause)))
        return out

    def _finding(self, judging: Judging, undecided: list[str], facts: dict[str, Any]) -> Finding:
        trace, subject, identity, clause = judging.trace, judging.subject, judging.identity, judging.clause
        obligations = [s for o in clause.obligations if (s := self._obligation(o, facts)) is not None]
        severity: Severity = clause.default_severity
        if any(o.status == "unmet" for o in obligations):
            severity = "error"
        if undecided:
            severity = "note"  # "may apply": shown, but a guess never fails a build
        not_bound = self.use.posture == "contractual" and clause.binds == "generator" and trace.generation.by != "us"
        if not_bound:
            severity = "note"
        confidence = trace.generation.evidence.confidence * identity.confidence * HOP_DISCOUNT ** (trace.depth - 1)
        if not clause.verified:
            confidence *= UNVERIFIED_DISCOUNT
        if undecided:
            confidence *= UNDECIDED_DISCOUNT
        policy_ref, clause_ref = self._refs(judging.policy, judging.version, clause)
        return Finding(
            id=finding_id(
                judging.rule, judging.version.version, subject.id, trace.generation.model, [str(h) for h in trace.chain]
            ),
            rule=judging.rule,
            policy=policy_ref,
            clause=clause_ref,
            effect=clause.effect,
            severity=severity,
            provider=identity.provider,
            model=trace.generation.model,
            model_family=identity.family,
            artifact=subject.id,
            location=trace.chain[0].location if trace.chain else trace.generation.evidence.location,
            evidence=[trace.generation.evidence],
            chain=list(trace.chain),
            depth=trace.depth,
            confidence=round(confidence, 2),
            message=clause_message(judging, undecided, obligations, not_bound, self.as_of),
            obligations=obligations,
            generated=trace.period(),
            version_basis=judging.basis,
            undecided=undecided,
            by=trace.generation.by,
        )

    def _obligation(self, obligation: Obligation, facts: dict[str, Any]) -> ObligationStatus | None:
        applies = evaluate(obligation.when, facts)
        if applies.value is False:
            return None
        status: Literal["met", "unmet", "unchecked"] = "unchecked"
        detail = None
        if obligation.kind == "name_prefix" and obligation.value:
            name = self.use.model.name
            if name is None:
                detail = "the declared use gives no model.name to check"
            elif name.lower().startswith(obligation.value.lower()):
                status, detail = "met", f"{name!r} starts with {obligation.value!r}"
            else:
                status, detail = "unmet", f"{name!r} does not start with {obligation.value!r}"
        return ObligationStatus(
            id=obligation.id,
            kind=obligation.kind,
            summary=obligation.summary,
            value=obligation.value,
            status=status,
            detail=detail,
        )


EVIDENCE_RANK = {"declared": 0, "metadata": 1, "record": 2, "catalog": 3, "prose": 4, "fingerprint": 5}


def _policy_ref(policy: Policy, version: PolicyVersion, clause: Clause) -> PolicyRef:
    return PolicyRef(
        id=policy.id,
        version=version.version,
        effective_from=version.effective_from,
        source_url=version.url or clause.citation.url,
        title=policy.title,
    )


def _clause_ref(clause: Clause) -> ClauseRef:
    return ClauseRef(
        id=clause.id,
        summary=clause.summary,
        section=clause.citation.section,
        url=clause.citation.url,
        quote=clause.citation.quote,
        verified=clause.verified,
        binds=clause.binds,
    )


def _strength(trace: Trace) -> tuple[int, float, bool, str]:
    evidence = trace.generation.evidence
    return (
        EVIDENCE_RANK[evidence.kind],
        -evidence.confidence,
        trace.generation.date_from is None,
        trace.generation.model,
    )


def provenance_known(subject: Artifact, traces: list[Trace]) -> bool:
    """Known when scanned metadata describes the dataset, the catalog knows it, or some model is traced to it.
    Records alone say nothing of their origin when no field names a model: a ShareGPT file is not clear, and
    a phrase in its text (a content fingerprint) does not make it so."""
    return (
        (not subject.external and subject.described)
        or subject.catalogued
        or any(t.generation.evidence.kind != "fingerprint" for t in traces)
    )


def _within_reach(clause: Clause, depth: int) -> bool:
    if clause.reach.kind == "direct":
        return depth <= 1
    return clause.reach.depth is None or depth <= clause.reach.depth
