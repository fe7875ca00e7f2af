"""JUnit XML: one case per dataset and policy, failures with message and location, nothing that breaks XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.scanning import RunCli


def junit_of(run_cli: RunCli, *args: str) -> ET.Element:
    code, out, err = run_cli("scan", ".", "--format", "junit", *args)
    assert code in (0, 1, 2), err
    return ET.fromstring(out)


def findings(run_cli: RunCli) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1])["findings"]  # type: ignore[no-any-return]


def cases(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


def test_one_case_per_dataset_and_policy(checkout: Path, run_cli: RunCli) -> None:
    root = junit_of(run_cli)
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "data/helpdesk-human",
        "data/reasoning-traces-llama",
        "data/summaries-distilled",
        "data/support-chats-gpt4",
    ]
    found = cases(root)
    assert set(found) == {
        ("data/helpdesk-human", "no restricting terms"),
        ("data/reasoning-traces-llama", "llama-3.1-community-license"),
        ("data/summaries-distilled", "tos-check"),
        ("data/support-chats-gpt4", "openai-terms-of-use"),
    }
    failing = found[("data/support-chats-gpt4", "openai-terms-of-use")]
    failure = failing.find("failure")
    assert failure is not None and failure.get("type") == "prohibited"
    assert "OpenAI Terms of Use (2023-03-14)" in failure.get("message", "")
    assert "2(c)(iii)" in (failure.text or "") and "--generated_by--> gpt-4-0613" in (failure.text or "")
    assert failing.get("file") == "tos-provenance.yaml"
    line = int(failing.get("line", "0"))
    assert "gpt-4-0613" in (checkout / "tos-provenance.yaml").read_text().splitlines()[line - 1]
    # The obligation is a warning: the case passes, and says what it found.
    llama = found[("data/reasoning-traces-llama", "llama-3.1-community-license")]
    assert llama.find("failure") is None and "name-prefix" in (llama.findtext("system-out") or "")
    failing = {(c, n) for (c, n), case in found.items() if case.find("failure") is not None}
    errors = {(f["artifact"], f["policy"]["id"]) for f in findings(run_cli) if f["severity"] == "error"}
    assert failing == errors
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        str(len(found)),
        str(len(errors)),
        "0",
        "0",
    )


@pytest.mark.parametrize("threshold", ["error", "warning", "note", "never"])
def test_failures_follow_the_fail_on_threshold(checkout: Path, run_cli: RunCli, threshold: str) -> None:
    report = json.loads(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1])
    rank = {"error": 0, "warning": 1, "note": 2, "never": -1}
    failing_cases = {
        (f["artifact"], f["policy"]["id"] if not f["rule"].startswith("tos-check/") else "tos-check")
        for f in report["findings"]
        if rank[f["severity"]] <= rank[threshold]
    }
    for root in (junit_of(run_cli, "--fail-on", threshold), _with_config_fail_on(checkout, run_cli, threshold)):
        failed = {key for key, case in cases(root).items() if case.find("failure") is not None}
        assert failed == failing_cases
        assert root.get("failures") == str(len(failing_cases))
    assert threshold == "never" or failing_cases


def _with_config_fail_on(checkout: Path, run_cli: RunCli, threshold: str) -> ET.Element:
    config = checkout / "tos-check.yaml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + f"fail_on: {threshold}\n", encoding="utf-8")
    try:
        return junit_of(run_cli)
    finally:
        config.write_text(original, encoding="utf-8")


def test_waived_error_is_skipped_with_its_reason(checkout: Path, run_cli: RunCli) -> None:
    config = checkout / "tos-check.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "waivers:\n  - rule: openai-terms-of-use/no-competing-models\n    dataset: data/support-chats-gpt4\n"
        "    reason: contract with OpenAI\n    approver: legal\n    expires: 2099-12-31\n",
        encoding="utf-8",
    )
    root = junit_of(run_cli)
    case = cases(root)[("data/support-chats-gpt4", "openai-terms-of-use")]
    skipped = case.find("skipped")
    assert case.find("failure") is None and skipped is not None
    assert "contract with OpenAI" in skipped.get("message", "")
    assert (root.get("failures"), root.get("skipped")) == ("0", "1")


def test_unreadable_input_is_an_error_case_and_control_characters_do_not_break_xml(
    checkout: Path, run_cli: RunCli
) -> None:
    (checkout / "data" / "odd").mkdir()
    (checkout / "data" / "odd" / "README.md").write_text(
        "---\nlicense: other\n---\nGenerated with GPT-4 \x01\x1b[31m.\n", encoding="utf-8"
    )
    (checkout / "data" / "broken").mkdir()
    (checkout / "data" / "broken" / "README.md").write_text("---\nlicense: [unclosed\n---\n", encoding="utf-8")
    root = junit_of(run_cli)
    errors = root.findall("testsuite[@name='tos-check input']/testcase/error")
    assert errors and int(root.get("errors", "0")) == len(errors)
    assert any("odd" in (c.get("classname") or "") for c in root.iter("testcase"))


def test_same_report_same_bytes(checkout: Path, run_cli: RunCli) -> None:
    assert junit_of(run_cli) is not None
    first = run_cli("scan", ".", "--format", "junit", "--fail-on", "never")[1]
    assert first == run_cli("scan", ".", "--format", "junit", "--fail-on", "never")[1]
