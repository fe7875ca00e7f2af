"""The command line as users and CI call it: exit codes, stderr lines, report contents and schema."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from tos_check.cli import cli
from tos_check.report.model import Report
from tos_check.report.text import TextReporter
from tos_check.schemas import load_schema

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "fine-tune-chat"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy, so a test can break it without touching the bundled example."""
    target = tmp_path / "fine-tune-chat"
    shutil.copytree(EXAMPLE, target)
    return target


def scan_json(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run("scan", *args, "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_example_report_validates_and_shows_prohibited_obligation_and_clear(example: Path) -> None:
    report = scan_json(str(example))
    jsonschema.Draft202012Validator(load_schema("report"), format_checker=jsonschema.FormatChecker()).validate(report)
    status = {a["id"]: a["status"] for a in report["artifacts"]}
    assert status["data/support-chats-gpt4"] == "prohibited"
    assert status["data/reasoning-traces-llama"] == "obligation"
    assert status["data/helpdesk-human"] == "clear"
    prohibited = next(f for f in report["findings"] if f["effect"] == "prohibited")
    assert prohibited["rule"].startswith("openai-terms-of-use/")
    assert prohibited["policy"]["version"] and prohibited["policy"]["source_url"].startswith("https://")
    assert prohibited["location"]["path"].endswith("tos-provenance.yaml") and prohibited["location"]["line"]
    assert prohibited["provider"] == "openai"
    # The manifest declares gpt-4-0613; the card's prose says "generated with GPT-4": one finding, two evidences.
    assert [e["kind"] for e in prohibited["evidence"]] == ["declared", "prose"]
    assert prohibited["evidence"][1]["location"]["path"].endswith("support-chats-gpt4/README.md")
    assert prohibited["by"] == "us"
    assert sum(f["effect"] == "prohibited" for f in report["findings"]) == 1
    obligation = next(f for f in report["findings"] if f["effect"] == "obligation")
    assert obligation["rule"].startswith("llama-3.1-community-license/")
    assert {o["status"] for o in obligation["obligations"]} >= {"met"}
    chain = next(f for f in report["findings"] if f["artifact"] == "data/summaries-distilled")
    assert [h["relation"] for h in chain["chain"]] == ["generated_by", "trained_on", "generated_by"]
    assert report["summary"]["artifacts"] == 4
    assert report["use_source"].endswith("tos-check.yaml")


def test_exit_codes_follow_fail_on(example: Path) -> None:
    assert run("scan", str(example))[0] == 1
    assert run("scan", str(example), "--fail-on", "never")[0] == 0
    helpdesk = example / "data" / "helpdesk-human"
    assert run("scan", str(helpdesk), "--fail-on", "note")[0] == 0


def test_same_input_same_bytes(example: Path) -> None:
    first = run("scan", str(example), "--format", "json", "--fail-on", "never")[1]
    second = run("scan", str(example), "--format", "json", "--fail-on", "never")[1]
    assert first == second
    text1 = run("scan", str(example), "--fail-on", "never")[1]
    assert text1 == run("scan", str(example), "--fail-on", "never")[1]


def test_text_report_shows_chain_clause_and_citation(example: Path) -> None:
    code, out, _ = run("scan", str(example), "--fail-on", "never")
    assert code == 0
    assert "ERROR" in out and "WARNING" in out
    # The chain, hop by hop, each with the file and line that states it.
    chain = out[out.index("chain: data/summaries-distilled") :].splitlines()[:4]
    assert [line.split("  (")[0].strip() for line in chain] == [
        "chain: data/summaries-distilled",
        "<-generated_by- acme/summarizer-1b",
        "<-trained_on- data/support-chats-gpt4",
        "<-generated_by- gpt-4-0613",
    ]
    assert all(line.rstrip().endswith(")") and "tos-provenance.yaml:" in line for line in chain[1:]), chain
    assert f"({example}/tos-provenance.yaml:" in chain[1]
    assert "source: OpenAI Terms of Use (2023-03-14), 2(c)(iii)" in out
    assert "acme/summarizer-1b (a model described in this scan, 30,000 records)" in " ".join(out.split())
    assert "data/helpdesk-human" in out
    report = Report.model_validate_json(run("scan", str(example), "--format", "json", "--fail-on", "never")[1])
    plain, coloured = TextReporter().render(report), TextReporter().render(report, color=True)
    assert plain == out
    assert "\x1b[" in coloured and re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    report = json.loads(run("scan", str(example), "--format", "json", "--fail-on", "never")[1])
    counts = report["summary"]["findings"]
    assert out.rstrip().splitlines()[-1] == (
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s) in 4 dataset(s), "
        f"provenance known for 4; {report['summary']['files_scanned']} file(s) scanned; "
        "named as training data: 1 dataset(s), provenance known for 1"
    )
    # The dataset the distillation run trained on says where: the manifest line that names it.
    trained = next(a for a in report["artifacts"] if a["id"] == "data/support-chats-gpt4")
    assert [(Path(w["path"]).name, w["line"]) for w in trained["used_in"]] == [("tos-provenance.yaml", 27)]
    assert f"named as training data at: {example}/tos-provenance.yaml:27" in " ".join(out.split())


def test_scan_never_writes_into_the_data(example: Path) -> None:
    def snapshot() -> dict[str, str]:
        return {
            str(p.relative_to(example)): hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
            for p in sorted(example.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    run("scan", str(example), "--format", "json")
    assert snapshot() == before


def test_output_file(example: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    code, out, _ = run("scan", str(example), "--format", "json", "--output", str(target), "--fail-on", "never")
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["schema_version"] == 1


def test_broken_manifest_is_reported_with_line_and_exit_2(example: Path) -> None:
    manifest = example / "tos-provenance.yaml"
    manifest.write_text(manifest.read_text().replace("    kind: model\n", "    kind: model\n    trainedon: [x]\n", 1))
    code, out, err = run("scan", str(example), "--format", "json")
    assert code == 2
    line = manifest.read_text().splitlines().index("    trainedon: [x]") + 1
    assert f"{manifest}:{line}: unknown key 'trainedon'" in err
    report = json.loads(out)
    assert report["summary"]["partial"] is True
    assert report["problems"] == [err.strip()]


def test_missing_path_is_exit_2_with_a_clear_line(tmp_path: Path) -> None:
    code, _, err = run("scan", str(tmp_path / "nope"))
    assert code == 2
    assert f"{tmp_path / 'nope'}: no such file or folder" in err


def test_bad_use_file_is_exit_2_with_line(example: Path, tmp_path: Path) -> None:
    use = tmp_path / "use.yaml"
    use.write_text("activity: fine_tune\ndistribution: everywhere\n")
    code, out, err = run("scan", str(example), "--use", str(use))
    assert code == 2 and out == ""
    assert err.startswith(f"{use}:2: distribution:")
    assert "Traceback" not in err


def test_card_with_broken_front_matter_is_a_problem_not_a_crash(example: Path) -> None:
    card = example / "data" / "helpdesk-human" / "README.md"
    card.write_text("---\nlicense: [unclosed\n---\n# Title\n")
    code, _, err = run("scan", str(example), "--fail-on", "never")
    assert code == 2
    assert err.startswith(f"{card}:2: invalid YAML")


def test_unknown_format_is_a_usage_error(example: Path) -> None:
    code, _, err = run("scan", str(example), "--format", "yaml")
    assert code == 2 and "unknown format 'yaml'" in err


def test_policies_commands_on_the_builtins() -> None:
    code, out, _ = run("policies", "validate")
    assert code == 0 and "valid" in out
    code, out, _ = run("policies", "test")
    assert code == 0, out
    assert out.rstrip().splitlines()[-1].endswith(" 0 failed")
    code, out, _ = run("policies", "list")
    assert "openai-terms-of-use" in out and "llama-3.1-community-license" in out
    code, out, _ = run("policies", "show", "openai-terms-of-use")
    assert code == 0 and "version" in out
    assert run("policies", "show", "no-such-policy")[0] == 2


def test_policies_validate_reports_broken_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nprovider: x\ntitle: t\nkind: licence\n")
    code, _, err = run("policies", "validate", str(bad))
    assert code == 2
    assert f"{bad}:4: kind: 'licence' is not one of" in err


@pytest.mark.parametrize("name", ["policy", "use", "manifest", "report"])
def test_schema_command_prints_the_committed_schema(name: str) -> None:
    code, out, _ = run("schema", name)
    assert code == 0
    assert json.loads(out) == load_schema(name)


def test_resolve_json_contract() -> None:
    code, out, _ = run("resolve", "gpt-4-0613", "gpt-oss-20b", "human", "--format", "json")
    assert code == 0
    gpt4, oss, human = json.loads(out)
    assert set(gpt4) >= {"input", "provider", "family", "model", "open_weights", "confidence", "matched_by"}
    assert (gpt4["provider"], gpt4["open_weights"]) == ("openai", False)
    assert (oss["provider"], oss["open_weights"]) == ("openai", True)
    assert human["provider"] is None and human["matched_by"] is None


def test_catalog_import_dpi_reports_bad_files_and_writes_the_rest(tmp_path: Path) -> None:
    from tests.conftest import shared_path

    dpi = shared_path("corpora", "dpi")
    target = tmp_path / "dpi.yaml"
    code, _, err = run("catalog", "import-dpi", str(dpi), "--output", str(target))
    assert code == 2  # Dynosaur.json is 0 bytes upstream: the import is partial and says so
    assert "Dynosaur.json:1: invalid JSON" in err
    from tos_check.known_datasets.catalog import load_known_datasets

    imported = load_known_datasets([target])
    assert len(imported) > 100
    assert imported.find("adversarial_qa") is not None


def test_plugins_lists_builtins_with_what_they_add() -> None:
    code, out, _ = run("plugins")
    assert code == 0
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in out.splitlines()}
    assert rows["tos_check.sources.manifest"] == ["built-in", "sources: manifest"]
    assert rows["tos_check.detect.prose"] == ["built-in", "detectors: prose"]
    assert rows["tos_check.report.json_report"] == ["built-in", "reporters: json"]


def test_records_from_several_models_are_reported_per_model_with_counts(tmp_path: Path) -> None:
    rows = [{"prompt": "p", "response": "r", "model": m} for m in ["gpt-4-0613"] * 3 + ["claude-3-opus-20240229"] * 2]
    (tmp_path / "mix.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = json.loads(run("scan", str(tmp_path), "--format", "json", "--fail-on", "never")[1])
    (artifact,) = report["artifacts"]
    assert {(g["model"], g["records"]) for g in artifact["generators"]} == {
        ("gpt-4-0613", 3),
        ("claude-3-opus-20240229", 2),
    }
    assert report["summary"]["records_scanned"] == 5
    providers = {f["provider"] for f in report["findings"] if f["effect"] == "prohibited"}
    assert providers == {"openai", "anthropic"}


def test_the_policies_variable_is_split_on_the_path_separator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = (Path(__file__).resolve().parent / "fixtures" / "policies" / "acme-terms.yaml").read_text(
        encoding="utf-8"
    )
    folders = []
    for name in ("one", "two"):
        folder = tmp_path / f"{name} folder"  # a space in a path must not split it
        folder.mkdir()
        (folder / f"{name}.yaml").write_text(fixture.replace("id: acme-terms", f"id: acme-{name}"), encoding="utf-8")
        folders.append(str(folder))
    monkeypatch.setenv("TOS_CHECK_POLICIES", os.pathsep.join(folders))
    code, out, err = run("policies", "list")
    assert code == 0, err
    assert {"acme-one", "acme-two"} <= {line.split("\t")[0] for line in out.splitlines()}
