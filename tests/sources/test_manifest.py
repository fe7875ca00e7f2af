from __future__ import annotations

import datetime as dt
from pathlib import Path

from tos_check.sources.manifest import ManifestSource
from tos_check.walk import ScanFile

GOOD = """\
artifacts:
  - id: data/chat-sft
    kind: dataset
    path: data/chat-sft.jsonl
    generated_by:
      - model: gpt-4-0613
        date: 2024-03-10
        role: responses
        by: us
        records: 12000
      - model: claude-3-opus-20240229
        date: 2024-03-01/2024-04-15
        role: judgments
    derived_from: [HuggingFaceH4/ultrachat_200k]
  - id: acme/helper-1b
    kind: model
    base_model: mistralai/Mistral-7B-v0.1
    trained_on: [data/chat-sft]
"""


def read(tmp_path: Path, text: str, name: str = "tos-provenance.yaml"):  # type: ignore[no-untyped-def]
    path = tmp_path / "proj" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return ManifestSource().read(ScanFile(path, f"proj/{name}"))


def test_claims_by_name() -> None:
    source = ManifestSource()
    assert source.claims(ScanFile(Path("x/tos-provenance.yaml"), "x/tos-provenance.yaml"))
    assert source.claims(ScanFile(Path("x/sft.tos-provenance.yml"), "x/sft.tos-provenance.yml"))
    assert not source.claims(ScanFile(Path("x/provenance.yaml"), "x/provenance.yaml"))


def test_reads_artifacts_generations_and_edges(tmp_path: Path) -> None:
    result = read(tmp_path, GOOD)
    assert result.problems == []
    data, model = result.artifacts
    assert data.id == "data/chat-sft"
    assert "proj/data/chat-sft.jsonl" in data.paths
    gpt4, claude = data.generated_by
    assert (gpt4.model, gpt4.by, gpt4.records, gpt4.date_from) == ("gpt-4-0613", "us", 12000, dt.date(2024, 3, 10))
    assert gpt4.evidence.location.line == 6
    assert gpt4.evidence.kind == "declared"
    assert (claude.role, claude.by) == ("judgments", "third_party")
    assert (claude.date_from, claude.date_until) == (dt.date(2024, 3, 1), dt.date(2024, 4, 15))
    relations = {(e.relation, e.source, e.target, e.location.line) for e in result.edges}
    assert ("derived_from", "data/chat-sft", "HuggingFaceH4/ultrachat_200k", 14) in relations
    assert ("base_model", "acme/helper-1b", "mistralai/Mistral-7B-v0.1", 17) in relations
    assert ("trained_on", "acme/helper-1b", "data/chat-sft", 18) in relations
    assert model.kind == "model"


def test_unknown_key_is_an_error_with_line(tmp_path: Path) -> None:
    result = read(tmp_path, "artifacts:\n  - id: x\n    kind: dataset\n    generated_with: [gpt-4]\n")
    (problem,) = result.problems
    assert (problem.path, problem.line) == ("proj/tos-provenance.yaml", 4)
    assert "generated_with" in problem.message
    assert result.artifacts == []


def test_edges_must_fit_the_kind(tmp_path: Path) -> None:
    text = (
        "artifacts:\n  - id: d\n    kind: dataset\n    trained_on: [x]\n"
        "  - id: m\n    kind: model\n    generated_by:\n      - model: gpt-4\n"
    )
    result = read(tmp_path, text)
    lines = sorted((p.line, p.message.split(" ")[0]) for p in result.problems)
    assert lines == [(4, "trained_on"), (7, "generated_by")]


def test_duplicate_ids_and_bad_dates(tmp_path: Path) -> None:
    text = (
        "artifacts:\n  - id: d\n    kind: dataset\n  - id: D\n    kind: dataset\n    generated_by:\n"
        "      - model: gpt-4\n        date: 2024-05-01/2024-04-01\n      - model: gpt-4\n        date: 2024-02-30\n"
    )
    result = read(tmp_path, text)
    messages = {p.line: p.message for p in result.problems}
    assert "duplicate artifact id" in messages[4]
    assert "ends before it starts" in messages[8]
    assert "invalid date" in messages[10]


def test_invalid_yaml_is_reported_not_raised(tmp_path: Path) -> None:
    result = read(tmp_path, "artifacts:\n  - id: [unclosed\n")
    assert result.problems and result.problems[0].line is not None
