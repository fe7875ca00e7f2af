"""`tos-check policies test`: each policy's own example uses, run through the real evaluator (like `opa test`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tos_check.evaluate.engine import Evaluator
from tos_check.evaluate.finding import EFFECT_RANK, SEVERITY_RANK, Finding
from tos_check.identity.model import IdentityResolver
from tos_check.lineage.graph import Hop, Trace
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location
from tos_check.policy.load import LoadedPolicy, PolicySet
from tos_check.policy.model import PolicyTest


@dataclass(frozen=True)
class CaseResult:
    policy: str
    path: str
    name: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(loaded: LoadedPolicy, case: PolicyTest, resolver: IdentityResolver, today: dt.date) -> CaseResult:
    policy = loaded.policy
    where = Location(path=loaded.path)
    gen = case.generation
    evidence = Evidence(kind="declared", detail=f"policy test {case.name}", location=where, confidence=1.0)
    generation = GeneratedBy(
        model=gen.model, role=gen.role, by=gen.by, date_from=gen.date, date_until=gen.date, evidence=evidence
    )
    subject = Artifact(id=gen.dataset or f"test:{case.name}", kind="dataset", location=where)
    hop = Hop(source=subject.id, relation="generated_by", target=gen.model, location=where)
    trace = Trace(subject.id, generation, gen.depth, (hop,))
    evaluator = Evaluator(policies=PolicySet([loaded]), resolver=resolver, use=case.use, as_of=today)
    identity = resolver.resolve(gen.model)
    judged = evaluator.evaluate(subject, [trace], [(subject, ())] if gen.dataset else [])
    findings = [f for f in judged if f.rule.startswith(policy.id + "/")]
    failures = list(_compare(case, findings))
    covered = bool(evaluator.policies.covering(identity))
    if gen.dataset is not None:
        covered = covered or bool(evaluator.policies.covering_dataset((gen.dataset,)))
    if case.expect.effect != "clear" and not covered:
        failures.insert(
            0, f"neither model {gen.model!r} ({identity.provider}/{identity.family}) nor any dataset named is covered"
        )
    return CaseResult(policy.id, loaded.path, case.name, tuple(failures))


def _compare(case: PolicyTest, findings: list[Finding]) -> list[str]:
    expect = case.expect
    decided = [f for f in findings if not f.undecided]
    got_effect = min((f.effect for f in decided), key=EFFECT_RANK.__getitem__, default="clear")
    failures = []
    if got_effect != expect.effect:
        fired = ", ".join(sorted(f.rule for f in findings)) or "none"
        failures.append(f"expected effect {expect.effect}, got {got_effect} (clauses fired: {fired})")
    if expect.clauses is not None:
        got = sorted({f.clause.id for f in decided if f.clause})
        if got != sorted(expect.clauses):
            failures.append(f"expected clauses {sorted(expect.clauses)}, got {got}")
    if expect.undecided is not None:
        got_undecided = sorted({f.clause.id for f in findings if f.undecided and f.clause})
        if got_undecided != sorted(expect.undecided):
            failures.append(f"expected undecided clauses {sorted(expect.undecided)}, got {got_undecided}")
    if expect.version is not None:
        versions = sorted({f.policy.version for f in findings if f.policy})
        if versions != [expect.version]:
            failures.append(f"expected version {expect.version}, got {versions or 'none'}")
    if expect.severity is not None:
        got_sev = min((f.severity for f in decided), key=SEVERITY_RANK.__getitem__, default=None)
        if got_sev != expect.severity:
            failures.append(f"expected severity {expect.severity}, got {got_sev}")
    if expect.obligations is not None:
        statuses = {o.id: o.status for f in findings for o in f.obligations}
        for oid, want in sorted(expect.obligations.items()):
            if statuses.get(oid) != want:
                failures.append(f"expected obligation {oid} {want}, got {statuses.get(oid, 'absent')}")
    return failures


def run_tests(policies: PolicySet, resolver: IdentityResolver, today: dt.date) -> list[CaseResult]:
    results = []
    for loaded in policies.policies:
        if not loaded.policy.tests:
            results.append(CaseResult(loaded.policy.id, loaded.path, "(no tests)", ("the policy has no test cases",)))
        for case in loaded.policy.tests:
            results.append(run_case(loaded, case, resolver, today))
    return results
