"""The pull-request comment: verdict first, errors in a table, the rest folded, never over the size cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scanning import RunCli, scan_builtin
from tos_check.report.markdown import MarkdownReporter
from tos_check.report.signature import MARKDOWN_MARKER


def counts(run_cli: RunCli) -> dict[str, int]:
    report = json.loads(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1])
    severities = [f["severity"] for f in report["findings"]]
    return {name: severities.count(name) for name in ("error", "warning", "note")} | {
        "datasets": len(report["artifacts"]),
        "known": sum(a["provenance_known"] for a in report["artifacts"]),
    }


def test_verdict_counts_and_tables(checkout: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("scan", ".", "--format", "markdown")
    assert code == 1
    marker, first = out.splitlines()[:2]
    assert marker == MARKDOWN_MARKER
    n = counts(run_cli)
    assert first.startswith(f"### ❌ **tos-check: {n['error']} failing finding(s)**") and "(fail-on: error)" in first
    table, _, folded = out.partition("<details>")
    assert f"| {n['error']} | {n['warning']} | {n['note']} | {n['datasets']} | {n['known']} | 0 |" in table
    assert "`openai-terms-of-use/no-competing-models`" in table and "name-prefix" not in table
    assert "name-prefix" in folded and folded.rstrip().endswith("</details>")
    assert "[OpenAI Terms of Use (2023-03-14), 2(c)(iii)" in table


def test_no_errors_is_green(checkout: Path, run_cli: RunCli) -> None:
    (checkout / "tos-check.yaml").write_text(
        (checkout / "tos-check.yaml").read_text(encoding="utf-8")
        + "waivers:\n  - rule: '**'\n    dataset: '**'\n    reason: r\n    approver: a\n    expires: 2099-01-01\n",
        encoding="utf-8",
    )
    out = run_cli("scan", ".", "--format", "markdown")[1]
    assert out.splitlines()[1].startswith("### ✅ **tos-check: nothing fails**")
    assert "🔕 waived" in out


@pytest.mark.parametrize("source", ["option", "config"])
def test_the_verdict_follows_the_fail_on_threshold(checkout: Path, run_cli: RunCli, source: str) -> None:
    n = counts(run_cli)
    assert n["warning"] and n["note"]

    def verdict(threshold: str) -> str:
        if source == "option":
            out = run_cli("scan", ".", "--format", "markdown", "--fail-on", threshold)[1]
        else:
            config = checkout / "tos-check.yaml"
            original = config.read_text(encoding="utf-8")
            config.write_text(original + f"fail_on: {threshold}\n", encoding="utf-8")
            out = run_cli("scan", ".", "--format", "markdown")[1]
            config.write_text(original, encoding="utf-8")
        return out.splitlines()[1]

    assert f"{n['error'] + n['warning']} failing finding(s)" in verdict("warning")
    assert f"{n['error'] + n['warning'] + n['note']} failing finding(s)" in verdict("note")
    assert verdict("never").startswith("### ✅ **tos-check: nothing fails** (fail-on: never)")


def test_size_cap_says_how_many_were_left_out(checkout: Path) -> None:
    report = scan_builtin(checkout)
    many = [
        f.model_copy(update={"artifact": f"data/set-{i:04d}", "id": f"{i:016x}"})
        for i in range(2_000)
        for f in report.findings[:1]
    ]
    big = report.model_copy(update={"findings": many})
    text = MarkdownReporter(max_chars=20_000).render(big)
    assert len(text) <= 20_000
    shown = text.count("| ❌ |")
    assert 10 < shown < 2_000
    assert f"_{2_000 - shown} more finding(s) not shown" in text


def test_metadata_cannot_break_the_table_or_inject_html(checkout: Path) -> None:
    report = scan_builtin(checkout)
    finding = report.findings[0].model_copy(update={"artifact": "data/x|<img src=x onerror=alert(1)>\n# head"})
    text = MarkdownReporter().render(report.model_copy(update={"findings": [finding]}))
    row = next(line for line in text.splitlines() if "onerror" in line)
    assert row.count(" | ") == 5  # six cells, none added by the dataset name
    assert "<img" not in text and "\n# head" not in text
