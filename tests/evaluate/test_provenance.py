"""Training data nobody explains is reported as unknown provenance, never silently clear."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.scanning import scan_builtin
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


def test_records_alone_do_not_explain_where_data_came_from(tmp_path: Path) -> None:
    from tos_check.sources.manifest import ManifestSource
    from tos_check.sources.records import RecordsSource
    from tos_check.walk import walk

    (tmp_path / "chats.jsonl").write_text('{"conversations": [{"from": "gpt", "value": "hi"}]}\n')
    (tmp_path / "described.jsonl").write_text('{"prompt": "p", "response": "r"}\n')
    (tmp_path / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: data/described\n    kind: dataset\n    path: described.jsonl\n"
    )
    result = SourceResult()
    for file in walk([tmp_path]).files:
        for source in (RecordsSource(), ManifestSource()):
            if source.claims(file):
                result.extend(source.read(file))
    graph = graph_with_known_datasets(result, builtin())
    known = {d.id: provenance_known(d, graph.traces(d)) for d in graph.datasets()}
    assert known == {"chats.jsonl": False, "data/described": True}  # the manifest speaks for its records
    policies, _ = load_policies([FIXTURES])
    evaluator = Evaluator(policies, StubResolver(), DeclaredUse(), dt.date(2026, 1, 1))  # type: ignore[arg-type]
    chats = graph.find("chats.jsonl")
    assert chats is not None
    [notice] = evaluator.evaluate(chats, graph.traces(chats))
    assert notice.rule == "tos-check/unknown-provenance"
    assert notice.message.startswith("chats.jsonl holds records whose fields name no model")


def test_records_a_config_trains_on_are_not_explained_by_the_config(tmp_path: Path) -> None:

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chats.jsonl").write_text('{"conversations": [{"from": "gpt", "value": "hi"}]}\n')
    (tmp_path / "axolotl.yml").write_text(
        "base_model: m/x\ndatasets:\n  - path: data/chats.jsonl\n    type: sharegpt\n"
    )
    report = scan_builtin(tmp_path)
    [status] = report.artifacts
    assert status.status == "notice" and status.used_in
    assert [f.rule for f in report.findings] == ["tos-check/unknown-provenance"]
    assert (report.summary.training_datasets, report.summary.training_known_provenance) == (1, 0)


def test_records_in_the_folder_of_a_described_dataset_are_covered_by_its_card(tmp_path: Path) -> None:
    from tos_check.sources.cards import CardSource
    from tos_check.sources.records import RecordsSource
    from tos_check.walk import walk

    (tmp_path / "ds" / "data").mkdir(parents=True)
    (tmp_path / "ds" / "README.md").write_text("---\nlicense: mit\n---\nHuman-written answers by our staff.\n")
    (tmp_path / "ds" / "data" / "train.jsonl").write_text('{"prompt": "p", "response": "r"}\n')
    (tmp_path / "loose.jsonl").write_text('{"prompt": "p", "response": "r"}\n')
    result = SourceResult()
    for file in walk([tmp_path]).files:
        for source in (CardSource(), RecordsSource()):
            if source.claims(file):
                result.extend(source.read(file))
    graph = graph_with_known_datasets(result, builtin())
    known = {d.id: provenance_known(d, graph.traces(d)) for d in graph.datasets()}
    assert known == {"ds": True, "ds/data/train.jsonl": True, "loose.jsonl": False}
