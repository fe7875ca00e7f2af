"""Issue 4's acceptance, through a real scan: data declared in a manifest with its generation date, judged
for three uses with the built-in policies. Each expectation is the status of the dataset in the report."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest

from tests.scanning import PUBLIC_CHAT
from tos_check.identity.resolver import Resolver
from tos_check.plugins import policy_dirs
from tos_check.policy.load import PolicySet, load_policies
from tos_check.scan import ScanOptions, scan
from tos_check.use import DeclaredUse, UseSource

CHAT = PUBLIC_CHAT
EVAL = {"activity": "evaluate", "organization": {"monthly_active_users": 250000}}
CLASSIFIER = {
    "activity": "train",
    "model": {"kind": "classifier", "general_purpose": False},
    "distribution": "internal",
    "competes_with": "none",
    "organization": {"monthly_active_users": 250000},
}

CASES = [
    # model, generation date, status for (chat, evaluation, classifier)
    ("gpt-4-0613", "2023-11-10", ("prohibited", "clear", "clear")),
    ("claude-3-opus-20240229", "2025-10-01", ("prohibited", "clear", "prohibited")),  # Usage Policy 2025-09-15
    ("gemini-1.5-pro-002", "2025-01-10", ("prohibited", "clear", "clear")),
    ("meta-llama/Llama-2-70b-chat-hf", "2024-01-05", ("prohibited", "clear", "notice")),
    ("meta-llama/Llama-3.1-70B-Instruct", "2024-09-02", ("obligation", "clear", "clear")),
    ("deepseek-ai/DeepSeek-R1", "2025-02-01", ("notice", "clear", "notice")),
    ("Qwen/Qwen2.5-7B-Instruct", "2025-01-10", ("clear", "clear", "clear")),
    ("gpt-oss-20b", "2025-09-01", ("clear", "clear", "clear")),
]


@functools.cache
def builtin_policies() -> PolicySet:
    policies, problems = load_policies(policy_dirs())
    assert not problems
    return policies


def run(tmp_path: Path, model: str, date: str, use: dict[str, object]) -> str:
    (tmp_path / "tos-provenance.yaml").write_text(
        f"artifacts:\n  - id: data/synthetic\n    kind: dataset\n    generated_by:\n"
        f"      - model: {model}\n        date: {date}\n        by: us\n"
    )
    source = UseSource(use=DeclaredUse.model_validate(use), path="test")
    report = scan([tmp_path], source, builtin_policies(), Resolver.builtin(), ScanOptions(as_of=dt.date(2026, 11, 23)))
    assert report.problems == []
    (status,) = [a.status for a in report.artifacts]
    return status


@pytest.mark.parametrize(("model", "date", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_provider_under_three_uses(tmp_path: Path, model: str, date: str, expected: tuple[str, str, str]) -> None:
    got = tuple(run(tmp_path, model, date, use) for use in (CHAT, EVAL, CLASSIFIER))
    assert got == expected


def test_openai_wording_change_on_2023_03_14(tmp_path: Path) -> None:
    small_competitor = {**CLASSIFIER, "competes_with": ["openai"]}
    assert run(tmp_path, "text-davinci-003", "2023-02-01", small_competitor) == "clear"
    assert run(tmp_path, "text-davinci-003", "2023-04-01", small_competitor) == "prohibited"


def test_claude_3_opus_data_of_march_2024_for_a_public_chat_model_is_prohibited_by_cited_clauses(
    tmp_path: Path,
) -> None:
    """Before 2024-06-06 no Anthropic text could be read; the period is judged by what later documents say,
    marked unverified, rather than passed as clear."""
    (tmp_path / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: data/opus\n    kind: dataset\n    generated_by:\n"
        "      - model: claude-3-opus-20240229\n        date: 2024-03-01\n        by: us\n"
    )
    source = UseSource(use=DeclaredUse.model_validate(CHAT), path="test")
    report = scan([tmp_path], source, builtin_policies(), Resolver.builtin(), ScanOptions(as_of=dt.date(2026, 11, 23)))
    (status,) = report.artifacts
    assert status.status == "prohibited"
    errors = {f.rule: f for f in report.findings if f.severity == "error"}
    assert set(errors) == {
        "anthropic-commercial-terms/no-competing-models",
        "anthropic-consumer-terms/no-competing-products",
        "anthropic-usage-policy/no-training-without-authorization",
    }
    for finding in errors.values():
        assert finding.policy is not None and finding.clause is not None
        assert finding.policy.version.endswith("-unverified")
        assert finding.policy.source_url is not None and finding.policy.source_url.startswith("https://")
        assert finding.clause.section
        assert finding.clause.verified is False
