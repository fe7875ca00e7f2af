"""A dataset's status says no more than its findings: the strongest *decided* effect, and `undecided` (with
the fields to declare) when a restricting clause hangs on something the declared use leaves out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scanning import scan_builtin
from tos_check.report.json_report import JsonReporter
from tos_check.report.model import Report
from tos_check.report.text import TextReporter

MAU = "organization.monthly_active_users"


def scan_llama3(tmp_path: Path, use: dict[str, Any]) -> Report:
    (tmp_path / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: data/llama3-evals\n    kind: dataset\n    generated_by:\n"
        "      - model: meta-llama/Meta-Llama-3-8B-Instruct\n        date: 2024-06-01\n        by: us\n"
    )
    report = scan_builtin(tmp_path, use=use)
    assert report.problems == []
    return report


def statuses(report: Report) -> tuple[list[tuple[str, str, list[str]]], list[tuple[str, str, list[str]]]]:
    """(id, status, undecided) per dataset, from the JSON report and from the text report's dataset list."""
    data = json.loads(JsonReporter().render(report))
    from_json = [(a["id"], a["status"], a["undecided"]) for a in data["artifacts"]]
    text = TextReporter().render(report)
    datasets = text.split("\nDatasets\n", 1)[1].split("\n\n", 1)[0].splitlines()
    from_text = []
    for line in datasets:
        if not line.startswith(" "):
            status, dataset = line.split()
            from_text.append((dataset, status, []))
        elif "undecided until the declared use states: " in line:
            fields = line.split("states: ", 1)[1].split(", ")
            from_text[-1] = (*from_text[-1][:2], fields)
    return from_json, from_text


def test_undecided_clause_alone_is_undecided_not_prohibited(tmp_path: Path) -> None:
    report = scan_llama3(tmp_path, {"activity": "evaluate"})
    [finding] = [f for f in report.findings if f.effect == "prohibited"]
    assert finding.rule == "llama-3-community-license/mau-licence"
    assert (finding.severity, finding.undecided) == ("note", [MAU])
    from_json, from_text = statuses(report)
    assert from_json == from_text == [("data/llama3-evals", "undecided", [MAU])]


@pytest.mark.parametrize(("users", "expected"), [(250_000, "clear"), (900_000_000, "prohibited")])
def test_declaring_the_field_decides(tmp_path: Path, users: int, expected: str) -> None:
    report = scan_llama3(tmp_path, {"activity": "evaluate", "organization": {"monthly_active_users": users}})
    from_json, from_text = statuses(report)
    assert from_json == from_text == [("data/llama3-evals", expected, [])]


def test_a_decided_prohibition_wins_and_the_open_field_is_still_named(tmp_path: Path) -> None:
    model = {"name": "acme-chat-7b", "kind": "llm", "general_purpose": True, "base": "mistralai/Mistral-7B-v0.1"}
    chat = {"activity": "fine_tune", "model": model}
    report = scan_llama3(tmp_path, chat)
    decided = {f.rule for f in report.findings if f.effect == "prohibited" and not f.undecided}
    assert "llama-3-community-license/no-improve-other-llm" in decided
    from_json, from_text = statuses(report)
    assert from_json == from_text == [("data/llama3-evals", "prohibited", [MAU])]
