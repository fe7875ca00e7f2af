"""Training data nobody explains is reported as unknown provenance, never silently clear."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.stubs import StubResolver
from tos_check.evaluate.engine import Evaluator, provenance_known
from tos_check.known_datasets.catalog import builtin
from tos_check.lineage.known import graph_with_known_datasets
from tos_check.lineage.model import Artifact, Location, SourceResult
from tos_check.policy.load import load_policies
from tos_check.use import DeclaredUse

CONFIG = Location(path="train.yaml", line=12)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"


def named(*ids: str) -> SourceResult:
    return SourceResult(
        artifacts=[Artifact(id=i, kind="dataset", location=CONFIG, external=True, in_use=True) for i in ids]
    )


def test_named_training_data_is_judged_and_unknown_ones_are_noticed() -> None:
    graph = graph_with_known_datasets(
        named("ai2-adapt-dev/some-internal-mix", "databricks/databricks-dolly-15k"), builtin()
    )
    subjects = {d.id: d for d in graph.datasets()}
    assert set(subjects) == {"ai2-adapt-dev/some-internal-mix", "databricks/databricks-dolly-15k"}
    policies, _ = load_policies([FIXTURES])
    evaluator = Evaluator(policies, StubResolver(), DeclaredUse(), dt.date(2026, 11, 23))
    unknown = subjects["ai2-adapt-dev/some-internal-mix"]
    (finding,) = evaluator.evaluate(unknown, graph.traces(unknown), graph.ancestry(unknown))
    assert finding.rule == "tos-check/unknown-provenance"
    assert finding.location == CONFIG
    dolly = subjects["databricks/databricks-dolly-15k"]
    assert provenance_known(dolly, graph.traces(dolly))  # human-written, and the catalog says so
    assert evaluator.evaluate(dolly, graph.traces(dolly), graph.ancestry(dolly)) == []


def test_merely_mentioned_datasets_are_not_judged() -> None:
    mentioned = SourceResult(artifacts=[Artifact(id="x/y", kind="dataset", location=CONFIG, external=True)])
    assert graph_with_known_datasets(mentioned, builtin()).datasets() == []
