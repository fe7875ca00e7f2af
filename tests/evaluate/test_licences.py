"""Data licences follow the data (and data derived from it) to whoever uses it, whoever generated it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.stubs import StubResolver
from tos_check.evaluate.engine import Evaluator
from tos_check.lineage.graph import LineageGraph
from tos_check.lineage.model import Artifact, Edge, Location, SourceResult
from tos_check.policy.load import load_policies
from tos_check.policy.testing import run_tests
from tos_check.use import DeclaredUse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data-licences"
HERE = Location(path="tos-provenance.yaml", line=3)


def graph() -> LineageGraph:
    upstream = Artifact(
        id="toy-lab/toy-instruct", kind="dataset", names=("Toy Instruct",), location=HERE, external=True
    )
    mine = Artifact(id="data/mix", kind="dataset", location=Location(path="tos-provenance.yaml", line=9))
    edge = Edge(relation="derived_from", source="data/mix", target="Toy Instruct", location=Location(path="m", line=12))
    return LineageGraph.build(SourceResult(artifacts=[upstream, mine], edges=[edge]))


def judge(commercial: bool) -> list:  # type: ignore[type-arg]
    policies, problems = load_policies([FIXTURES])
    assert not problems
    g = graph()
    subject = g.artifacts["data/mix"]
    use = DeclaredUse(commercial=commercial)
    return Evaluator(policies, StubResolver(), use, dt.date(2026, 11, 23)).evaluate(subject, [], g.ancestry(subject))


def test_licence_of_an_upstream_dataset_reaches_the_mix() -> None:
    (finding,) = judge(commercial=True)
    assert finding.rule == "toy-nc-data/non-commercial"
    assert (finding.effect, finding.severity) == ("prohibited", "error")
    assert finding.carried_by == "toy-nc-data"
    assert finding.model is None and finding.by is None
    assert [(h.source, h.relation, h.target) for h in finding.chain] == [
        ("data/mix", "derived_from", "toy-lab/toy-instruct")
    ]
    assert finding.location.line == 12
    assert "passes its terms on" in finding.message and "built from toy-lab/toy-instruct" in finding.message


def test_non_commercial_use_is_clear() -> None:
    assert judge(commercial=False) == []


def test_contractual_posture_does_not_lift_a_licence_that_binds_recipients() -> None:
    policies, _ = load_policies([FIXTURES])
    g = graph()
    subject = g.artifacts["data/mix"]
    use = DeclaredUse(posture="contractual")
    (finding,) = Evaluator(policies, StubResolver(), use, dt.date(2026, 11, 23)).evaluate(
        subject, [], g.ancestry(subject)
    )
    assert finding.severity == "error"


def test_policy_tests_can_name_a_dataset() -> None:
    policies, _ = load_policies([FIXTURES])
    results = run_tests(policies, StubResolver(), dt.date(2026, 11, 23))
    assert [(r.name, r.failures) for r in results] == [
        ("commercial model trained on the data", ()),
        ("research use", ()),
    ]
