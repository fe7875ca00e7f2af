from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.stubs import StubResolver
from tos_check.evaluate.engine import Evaluator
from tos_check.evaluate.finding import Finding
from tos_check.lineage.graph import Hop, Trace
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location
from tos_check.policy.load import load_policies
from tos_check.use import DeclaredUse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
TODAY = dt.date(2026, 11, 23)
WHERE = Location(path="tos-provenance.yaml", line=7)
SUBJECT = Artifact(id="data/sft", kind="dataset", location=WHERE)


def trace(
    model: str = "acme-large",
    date: dt.date | None = dt.date(2025, 1, 10),
    depth: int = 1,
    by: str = "third_party",
    role: str = "responses",
    via: str | None = None,
) -> Trace:
    evidence = Evidence(kind="declared", detail="x", location=WHERE, confidence=1.0)
    generation = GeneratedBy(
        model=model,
        date_from=date,
        date_until=date,
        by=by,
        role=role,
        via=via,
        evidence=evidence,  # type: ignore[arg-type]
    )
    hops = tuple(Hop(source=f"n{i}", relation="generated_by", target=f"n{i + 1}", location=WHERE) for i in range(depth))
    return Trace("data/sft", generation, depth, hops)


def judge(use: dict[str, object] | None = None, **kwargs: object) -> list[Finding]:
    policies, problems = load_policies([FIXTURES])
    assert not problems
    evaluator = Evaluator(policies, StubResolver(), DeclaredUse.model_validate(use or {}), TODAY)
    return evaluator.judge(trace(**kwargs), SUBJECT)  # type: ignore[arg-type]


def rules(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f.effect, f.severity) for f in findings)


def test_version_in_force_at_generation_date() -> None:
    old = judge(
        {"model": {"kind": "llm", "general_purpose": False}, "organization": {"monthly_active_users": 1}},
        date=dt.date(2023, 6, 1),
    )
    new = judge(
        {"model": {"kind": "llm", "general_purpose": False}, "organization": {"monthly_active_users": 1}},
        date=dt.date(2024, 7, 1),
    )
    assert rules(old) == [("acme-terms/no-large-models", "prohibited", "error")]
    assert old[0].policy is not None and old[0].policy.version == "2023-01-01"
    assert old[0].version_basis == "generation_date"
    assert rules(new) == []  # the 2024 terms only forbid competing models; this one does not compete


def test_range_spanning_a_change_is_judged_under_both_versions() -> None:
    findings = [
        f
        for f in Evaluator(
            load_policies([FIXTURES])[0], StubResolver(), DeclaredUse(organization={"monthly_active_users": 1}), TODAY
        ).judge(  # type: ignore[arg-type]
            Trace(
                "data/sft",
                GeneratedBy(
                    model="acme-large",
                    date_from=dt.date(2024, 5, 1),
                    date_until=dt.date(2024, 7, 1),
                    evidence=Evidence(kind="declared", detail="x", location=WHERE, confidence=1.0),
                ),
                1,
                (Hop(source="data/sft", relation="generated_by", target="acme-large", location=WHERE),),
            ),
            SUBJECT,
        )
    ]
    assert sorted(f.policy.version for f in findings if f.policy) == ["2023-01-01", "2024-06-01"]
    assert all(f.generated == "2024-05-01/2024-07-01" for f in findings)


def test_unknown_date_uses_todays_terms_and_says_so() -> None:
    findings = judge({"organization": {"monthly_active_users": 1}}, date=None)
    (finding,) = findings
    assert finding.version_basis == "assumed_today"
    assert "generation date unknown: assumed the version in force on 2026-11-23" in finding.message


def test_undecided_condition_is_a_note_naming_the_missing_field() -> None:
    findings = {f.rule: f for f in judge({"activity": "evaluate"})}
    undecided = findings["acme-terms/big-platforms"]
    assert undecided.severity == "note"
    assert undecided.undecided == ["organization.monthly_active_users"]
    assert "does not state organization.monthly_active_users" in undecided.message


def test_unmet_name_prefix_is_an_error_and_met_is_not() -> None:
    big = {"activity": "evaluate", "organization": {"monthly_active_users": 500_000_000}}
    (unmet,) = judge({**big, "model": {"name": "Zeta-1"}})
    (met,) = judge({**big, "model": {"name": "acme-zeta"}})
    (unknown,) = judge(big)
    assert (unmet.severity, unmet.obligations[0].status) == ("error", "unmet")
    assert (met.severity, met.obligations[0].status) == ("warning", "met")
    assert unknown.obligations[0].status == "unchecked"


def test_reach_limits_and_beyond_reach_notice() -> None:
    use = {"organization": {"monthly_active_users": 1}}
    direct_at_two = rules(judge(use, depth=2))
    assert ("tos-check/beyond-reach", "notice", "note") in direct_at_two
    assert ("acme-terms/derivatives", "obligation", "warning") in direct_at_two
    assert ("acme-terms/no-competing-models", "prohibited", "error") not in direct_at_two
    beyond_depth = rules(judge(use, depth=4))
    assert not any(r[0] == "acme-terms/derivatives" for r in beyond_depth)


def test_confidence_falls_with_hops_and_unverified_clauses() -> None:
    (derivative,) = [
        f for f in judge({"organization": {"monthly_active_users": 1}}, depth=2) if f.rule == "acme-terms/derivatives"
    ]
    assert derivative.confidence == pytest.approx(round(0.9 * 0.7, 2))
    assert "not verified" in derivative.message


def test_contractual_posture_does_not_bind_recipients_of_third_party_data() -> None:
    use = {"posture": "contractual", "organization": {"monthly_active_users": 1}}
    (theirs,) = judge(use, by="third_party")
    (ours,) = judge(use, by="us")
    assert theirs.severity == "note" and "contractual posture" in theirs.message
    assert ours.severity == "error"


def test_open_weights_excluded_by_policy_and_unknown_models_are_reported() -> None:
    assert rules(judge(model="acme-open-7b")) == [("tos-check/no-policy", "notice", "note")]
    assert rules(judge(model="permissive-7b")) == []
    assert rules(judge(model="closed-x")) == [("tos-check/no-policy", "notice", "note")]
    assert rules(judge(model="who-knows")) == [("tos-check/unresolved-model", "notice", "note")]


def test_an_assistant_that_does_not_name_its_model_is_a_note_of_its_own() -> None:
    (unnamed,) = judge(model="Cursor", via="Cursor")
    assert (unnamed.rule, unnamed.severity) == ("tos-check/unnamed-model", "note")
    assert "made with Cursor, which does not record the model it ran" in unnamed.message
    assert "alias" not in unnamed.message  # no catalog entry could fix this: the model is not recorded
    # The assistant named a model: that model is judged, whatever the assistant.
    assert rules(judge(model="acme-large", via="aider", date=dt.date(2023, 6, 1))) == rules(
        judge(date=dt.date(2023, 6, 1))
    )
    assert rules(judge(model="who-knows", via="aider")) == [("tos-check/unresolved-model", "notice", "note")]


def test_finding_ids_are_stable_and_distinct() -> None:
    first = judge({"organization": {"monthly_active_users": 1}})
    again = judge({"organization": {"monthly_active_users": 1}})
    assert [f.id for f in first] == [f.id for f in again]
    other = judge({"organization": {"monthly_active_users": 1}}, model="acme-large", date=dt.date(2025, 2, 1))
    assert first[0].id == other[0].id  # the date is not part of what the finding is about
    assert judge({"organization": {"monthly_active_users": 1}}, depth=2)[0].id != first[0].id


def test_the_same_outputs_stated_twice_are_one_finding_with_both_evidences() -> None:
    policies, _ = load_policies([FIXTURES])
    evaluator = Evaluator(policies, StubResolver(), DeclaredUse(organization={"monthly_active_users": 1}), TODAY)
    declared = trace(model="acme-large")
    prose_evidence = Evidence(
        kind="prose", detail="generated with Acme", location=Location(path="README.md", line=9), confidence=0.7
    )
    prose = Trace("data/sft", GeneratedBy(model="acme-large", evidence=prose_evidence), 1, declared.chain)
    findings = evaluator.evaluate(SUBJECT, [prose, declared])
    (finding,) = findings
    assert [e.kind for e in finding.evidence] == ["declared", "prose"]
    assert finding.version_basis == "generation_date"  # the declared statement, with its date, leads


def test_unresolved_model_notice_keeps_the_evidence_confidence() -> None:
    (notice,) = judge(model="who-knows")
    assert notice.confidence == 1.0  # a filter on confidence must not hide what could not be checked


def _record_trace(model: str, path: str, line: int, records: int) -> Trace:
    where = Location(path=path, line=line)
    evidence = Evidence(kind="record", detail=f"field model: {model}", location=where, confidence=0.95)
    generation = GeneratedBy(model=model, records=records, evidence=evidence)
    return Trace(
        "data/sft", generation, 1, (Hop(source="data/sft", relation="generated_by", target=model, location=where),)
    )


def test_names_no_catalog_matches_are_one_note_per_file() -> None:
    policies, _ = load_policies([FIXTURES])
    evaluator = Evaluator(policies, StubResolver(), DeclaredUse(), TODAY)  # type: ignore[arg-type]
    cars = [_record_trace(m, "cars.csv", 2 + i, 10 * (i + 1)) for i, m in enumerate(["Civic", "Accord", "Camry"])]
    other = [_record_trace("who-knows", "other.jsonl", 4, 5)]
    findings = evaluator.evaluate(SUBJECT, [*cars, *other])
    notes = sorted((f for f in findings if f.rule == "tos-check/unresolved-model"), key=lambda f: f.location.path)
    assert [f.location.path for f in notes] == ["cars.csv", "other.jsonl"]
    grouped, single = notes
    assert "models 'Accord', 'Camry', 'Civic' are (3 names in 60 records)" in grouped.message
    assert grouped.model is None and len(grouped.evidence) == 3
    assert grouped.chain[-1].target == "3 unresolved names"
    assert single.model == "who-knows" and "model 'who-knows' is" in single.message
    # The known model in the same file is still judged on its own.
    known = evaluator.evaluate(SUBJECT, [*cars, _record_trace("acme-large", "cars.csv", 9, 1)])
    assert any(f.model == "acme-large" and f.rule.startswith("acme-terms/") for f in known)
    assert sum(f.rule == "tos-check/unresolved-model" for f in known) == 1
