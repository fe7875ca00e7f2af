"""SARIF output: valid against the official 2.1.0 schema, and shaped the way GitHub code scanning reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from tests.scanning import RunCli
from tos_check.evaluate.finding import AppliedWaiver
from tos_check.report.sarif import SarifReporter

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def schema_errors(log: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def sarif_of(run_cli: RunCli, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("scan", ".", "--format", "sarif", "--fail-on", "never", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def finding_count(run_cli: RunCli) -> int:
    return len(json.loads(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1])["findings"])


def test_the_official_schema_is_the_oasis_file() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    # The schema catches what is wrong, so a passing validation means something.
    assert schema_errors({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})


def test_example_validates_and_every_result_sits_on_a_real_line(checkout: Path, run_cli: RunCli) -> None:
    log = sarif_of(run_cli)
    assert schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert len(results) == finding_count(run_cli)
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        location = physical["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        path = checkout / unquote(location["uri"])
        assert path.is_file(), location
        lines = path.read_text(encoding="utf-8").splitlines()
        assert 1 <= physical["region"]["startLine"] <= len(lines)
    prohibited = next(r for r in results if r["ruleId"] == "openai-terms-of-use/no-competing-models")
    line = prohibited["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "gpt-4-0613" in (checkout / "tos-provenance.yaml").read_text().splitlines()[line - 1]
    assert prohibited["level"] == "error"


def test_one_rule_per_clause_with_its_citation_and_severity(checkout: Path, run_cli: RunCli) -> None:
    run = sarif_of(run_cli)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(set(ids)) == sorted({r["ruleId"] for r in run["results"]})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    openai = rules[ids.index("openai-terms-of-use/no-competing-models")]
    assert openai["helpUri"] == "https://openai.com/policies/terms-of-use"
    assert "2(c)(iii)" in openai["help"]["text"] and "compete with OpenAI" in openai["fullDescription"]["text"]
    assert openai["properties"]["security-severity"] == "8.0"
    assert {"security", "openai", "prohibited"} <= set(openai["properties"]["tags"])
    assert openai["defaultConfiguration"]["level"] == "error"
    own = rules[ids.index("tos-check/beyond-reach")]
    assert "helpUri" not in own and own["properties"]["security-severity"] == "2.0"


def test_fingerprints_follow_the_finding_not_the_line(checkout: Path, run_cli: RunCli) -> None:
    before = {r["ruleId"] + r["properties"]["dataset"]: r for r in sarif_of(run_cli)["runs"][0]["results"]}
    manifest = checkout / "tos-provenance.yaml"
    manifest.write_text("# moved down\n\n\n" + manifest.read_text(encoding="utf-8"), encoding="utf-8")
    after = {r["ruleId"] + r["properties"]["dataset"]: r for r in sarif_of(run_cli)["runs"][0]["results"]}
    assert before.keys() == after.keys()
    for key, result in before.items():
        assert result["partialFingerprints"] == after[key]["partialFingerprints"]
    moved = after["openai-terms-of-use/no-competing-modelsdata/support-chats-gpt4"]
    line = before["openai-terms-of-use/no-competing-modelsdata/support-chats-gpt4"]["locations"][0]
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == (
        line["physicalLocation"]["region"]["startLine"] + 3
    )
    fingerprints = [r["partialFingerprints"]["tosCheckFindingKey/v1"] for r in before.values()]
    assert len(set(fingerprints)) == len(fingerprints)


def test_waived_findings_are_suppressed_not_dropped(checkout: Path, run_cli: RunCli) -> None:
    config = checkout / "tos-check.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "waivers:\n  - rule: openai-terms-of-use/*\n    dataset: data/support-*\n"
        "    reason: Legal reviewed the 2023 contract\n    approver: jane@acme.example\n    expires: 2099-01-01\n",
        encoding="utf-8",
    )
    log = sarif_of(run_cli)
    assert schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert len(results) == finding_count(run_cli)
    waived = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["openai-terms-of-use/no-competing-models"]
    suppression = waived[0]["suppressions"][0]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert "Legal reviewed" in suppression["justification"] and "jane@acme.example" in suppression["justification"]
    where = suppression["location"]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "tos-check.yaml" and where["region"]["startLine"] > 1


def test_baseline_state_and_hostile_text_stay_valid(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run_cli("baseline", "create", ".", "-o", str(baseline))[0] == 0
    card = checkout / "data" / "hostile" / "README.md"
    card.parent.mkdir()
    card.write_text(
        '---\nlicense: other\n---\nThe responses were generated with GPT-4 ("`<b>|x\x7f\u202e" edition).\n',
        encoding="utf-8",
    )
    log = sarif_of(run_cli, "--baseline", str(baseline))
    assert schema_errors(log) == []
    states = {(r["properties"]["dataset"], r["baselineState"]) for r in log["runs"][0]["results"]}
    assert ("data/support-chats-gpt4", "unchanged") in states
    assert ("data/hostile", "new") in states


def test_same_report_same_bytes(checkout: Path, run_cli: RunCli) -> None:
    first = run_cli("scan", ".", "--format", "sarif", "--fail-on", "never")[1]
    second = run_cli("scan", ".", "--format", "sarif", "--fail-on", "never")[1]
    assert first == second


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("/abs/data/card.md", "file:///abs/data/card.md"),
        ("data/with space#.md", "data/with%20space%23.md"),
        ("/work/repo/data/card.md", "data/card.md"),
        ("../other/card.md", "file:///work/other/card.md"),
        ("data/../../other/card.md", "file:///work/other/card.md"),
        ("./data/./card.md", "data/card.md"),
    ],
)
def test_uris_are_encoded_and_never_leave_the_root(path: str, uri: str) -> None:
    from tos_check.report.sarif import SRCROOT, _artifact_location

    location = _artifact_location(path, "/work/repo")
    assert location["uri"] == uri
    assert location.get("uriBaseId") == (None if uri.startswith("file://") else SRCROOT)


def test_a_scan_from_a_subfolder_points_outside_with_absolute_uris(
    checkout: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (checkout / "sub").mkdir()
    monkeypatch.chdir(checkout / "sub")
    code, out, err = run_cli("scan", "..", "--format", "sarif", "--fail-on", "never")
    assert code == 0, err
    log = json.loads(out)
    assert schema_errors(log) == []
    locations = [
        loc["physicalLocation"]["artifactLocation"]
        for result in log["runs"][0]["results"]
        for loc in [*result["locations"], *result.get("relatedLocations", [])]
    ]
    assert locations
    for location in locations:
        assert "uriBaseId" not in location and location["uri"].startswith("file://"), location
        assert Path(unquote(location["uri"].removeprefix("file://"))).is_file()


def test_a_waiver_renders_from_the_model(checkout: Path) -> None:
    from tests.scanning import scan_builtin

    report = scan_builtin(checkout)
    finding = report.findings[0].model_copy(
        update={"waiver": AppliedWaiver(reason="r", approver="a", expires="2030-01-01", source="tos-check.yaml:9")}
    )
    log = json.loads(SarifReporter().render(report.model_copy(update={"findings": [finding]})))
    assert log["runs"][0]["results"][0]["suppressions"][0]["location"]["physicalLocation"]["region"] == {"startLine": 9}
