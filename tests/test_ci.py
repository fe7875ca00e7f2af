"""The scan as CI runs it: several reports at once, written whole; baselines; waivers; --since; the
environment; quiet runs. Each bad input is one `path:line: message` and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tests.conftest import EXAMPLE
from tests.scanning import RunCli, scan_builtin
from tos_check import cli as cli_module
from tos_check import git_ref
from tos_check.cli import cli
from tos_check.report.outputs import write_atomically
from tos_check.scan import ScanOptions
from tos_check.suppress.waivers import Waiver, matches
from tos_check.walk import walk

NEW_GPT4_CARD = (
    "---\nlicense: other\nannotations_creators: [machine-generated]\n---\n"
    "# More chats\n\nThe responses were generated with gpt-4-0613 in December 2023.\n"
)
WAIVER = (
    "waivers:\n"
    "  - rule: openai-terms-of-use/no-competing-models\n"
    "    dataset: data/support-chats-*\n"
    "    model: gpt-4*\n"
    "    reason: OpenAI's written permission of 2023-10-01\n"
    "    approver: legal@acme.example\n"
    "    expires: {expires}\n"
)


def add_dataset(root: Path, name: str = "more-chats") -> None:
    card = root / "data" / name / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text(NEW_GPT4_CARD, encoding="utf-8")


def add_waiver(root: Path, expires: str = "2099-12-31", text: str = WAIVER) -> None:
    config = root / "tos-check.yaml"
    config.write_text(config.read_text(encoding="utf-8") + text.format(expires=expires), encoding="utf-8")


def findings(out: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


# --- several reports, written whole -------------------------------------------------------------------


def test_one_scan_writes_every_report(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, _ = run_cli(
        "scan",
        ".",
        "--format",
        f"sarif={out / 'tos.sarif'}",
        "--format",
        f"junit={out / 'tos.xml'}",
        "--format",
        f"markdown={out / 'tos.md'}",
        "--format",
        f"html={out / 'audit.html'}",
        "--format",
        "json",
    )
    assert code == 1  # the example has an error finding
    assert json.loads(stdout)["summary"]["findings"]["error"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["audit.html", "tos.md", "tos.sarif", "tos.xml"]
    assert json.loads((out / "tos.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert not list(checkout.rglob("*.tmp")) and not list(out.glob(".*"))


def test_output_applies_to_the_format_without_a_path(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, stdout, _ = run_cli("scan", ".", "--format", "json", "-o", str(target), "--fail-on", "never")
    assert code == 0 and stdout == "" and findings(target.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "json", "--format", "sarif"], "only one report can go to stdout"),
        (["--format", "json", "--format", "sarif", "-o", "x"], "--output names one file"),
        (["--format", "sarif=", "--fail-on", "never"], "names no file"),
        (["--format", "yaml"], "unknown format 'yaml'"),
        (["--format", "json=a.json", "--format", "sarif=a.json"], "two reports would be written"),
    ],
)
def test_format_mistakes_are_usage_errors(checkout: Path, run_cli: RunCli, args: list[str], says: str) -> None:
    code, stdout, err = run_cli("scan", ".", *args)
    assert code == 2 and says in err and stdout == ""


def test_unwritable_output_fails_before_the_scan(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "tos.sarif"
    code, stdout, err = run_cli("scan", ".", "--format", f"sarif={missing}")
    assert code == 2 and stdout == ""
    assert (
        err.strip()
        == f"{missing}: cannot write the sarif report here: its folder {str(missing.parent)!r} does not exist"
    )
    code, _, err = run_cli("scan", ".", "--format", f"json={tmp_path}")
    assert code == 2 and err.strip() == f"{tmp_path}: cannot write the json report here: is a folder"


def test_a_failed_write_leaves_the_old_report_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "tos.sarif"
    target.write_text("old report", encoding="utf-8")

    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(Exception, match="No space left on device") as caught:
        write_atomically(target, "new report")
    assert str(target) in str(caught.value)
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["tos.sarif"]


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "tos.sarif"

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new report")
    assert list(tmp_path.iterdir()) == []


# --- baselines ----------------------------------------------------------------------------------------


def test_baseline_of_itself_passes_and_a_new_finding_fails(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "tos-baseline.json"
    recorded = keys(findings(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1]))
    code, out, _ = run_cli("baseline", "create", ".", "-o", str(baseline))
    assert code == 0 and f"{len(recorded)} finding(s) recorded" in out
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert {
        "rule": "openai-terms-of-use/no-competing-models",
        "dataset": "data/support-chats-gpt4",
        "model": "gpt-4-0613",
    } in entries
    assert '"line"' not in baseline.read_text(encoding="utf-8")

    code, out, err = run_cli("scan", ".", "--baseline", str(baseline), "--format", "json")
    assert code == 0, err
    assert {f["baseline"] for f in findings(out)} == {"unchanged"}
    assert f"{len(recorded)} finding(s) baselined, 0 new, 0 baseline entries gone" in err

    add_dataset(checkout)
    code, out, err = run_cli("scan", ".", "--baseline", str(baseline), "--format", "json")
    assert code == 1
    new = [f for f in findings(out) if f["baseline"] == "new"]
    assert {(f["artifact"], f["severity"]) for f in new} == {("data/more-chats", "error")}
    assert f"{len(recorded)} finding(s) baselined, {len(new)} new" in err

    (checkout / "tos-provenance.yaml").write_text(
        (checkout / "tos-provenance.yaml").read_text(encoding="utf-8").replace("gpt-4-0613", "gpt-4-0314"),
        encoding="utf-8",
    )
    code, out, err = run_cli("scan", ".", "--baseline", str(baseline), "--fail-on", "never", "--format", "json")
    gone = len(recorded - keys(findings(out)))
    assert gone > 0  # the model string is part of a finding's identity
    assert f", {gone} baseline entr{'y' if gone == 1 else 'ies'} gone" in err


def test_a_baseline_survives_moved_lines(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    run_cli("baseline", "create", ".", "-o", str(baseline))
    manifest = checkout / "tos-provenance.yaml"
    manifest.write_text("# a comment\n\n" + manifest.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_cli("scan", ".", "--baseline", str(baseline))[0] == 0


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('{\n  "kind": "baseline",\n  "schema_version": 1,\n  "findings": [\n', 5, "invalid JSON"),
        (
            '{\n  "tool": "tos-check",\n  "kind": "baseline",\n  "schema_version": 7,\n  "findings": []\n}\n',
            4,
            "baseline schema_version 7 is not one this tos-check reads (1)",
        ),
        ('{\n  "findings": []\n}\n', 1, "not a tos-check baseline"),
        (
            '{"tool": "tos-check", "kind": "baseline", "schema_version": 1,\n "findings": [{"rule": 3}]}\n',
            2,
            "findings.0",
        ),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(
    checkout: Path, run_cli: RunCli, tmp_path: Path, text: str, line: int | None, says: str
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text, encoding="utf-8")
    code, stdout, err = run_cli("scan", ".", "--baseline", str(baseline))
    assert code == 2 and stdout == ""
    where = f"{baseline}:{line}: " if line else f"{baseline}: "
    assert err.startswith(where) and says in err, err


def test_a_partial_scan_writes_no_baseline(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    (checkout / "data" / "support-chats-gpt4" / "README.md").write_text("---\nlicense: [x\n---\n")
    baseline = tmp_path / "b.json"
    code, _, err = run_cli("baseline", "create", ".", "-o", str(baseline))
    assert code == 2 and "not written" in err and not baseline.exists()


# --- waivers ------------------------------------------------------------------------------------------


def test_an_active_waiver_waives_and_stays_in_the_report(checkout: Path, run_cli: RunCli) -> None:
    add_waiver(checkout)
    code, out, err = run_cli("scan", ".", "--format", "json")
    assert code == 0, err
    waived = [f for f in findings(out) if f["waiver"]]
    assert [f["rule"] for f in waived] == ["openai-terms-of-use/no-competing-models"]
    assert waived[0]["waiver"]["approver"] == "legal@acme.example"
    assert waived[0]["waiver"]["source"] == "tos-check.yaml:16"
    status = json.loads(out)["waivers"]
    assert [(w["state"], w["matched"]) for w in status] == [("active", 1)]
    assert err == ""


def test_an_expired_waiver_stops_waiving_and_says_so(checkout: Path, run_cli: RunCli) -> None:
    add_waiver(checkout, expires="2025-06-30")
    code, out, err = run_cli("scan", ".", "--format", "json", "--as-of", "2026-01-01")
    assert code == 1
    assert not any(f["waiver"] for f in findings(out))
    assert "tos-check.yaml:16: waiver expired after 2025-06-30 (its last day)" in err
    # The expiry day itself still waives, and says nothing.
    assert run_cli("scan", ".", "--as-of", "2025-06-30")[0::2] == (0, "")


def test_an_expired_waiver_that_matches_nothing_is_stale(checkout: Path, run_cli: RunCli) -> None:
    add_waiver(checkout, expires="2025-06-30", text=WAIVER.replace("data/support-chats-*", "data/gone-*"))
    _, out, err = run_cli("scan", ".", "--format", "json", "--as-of", "2026-01-01")
    assert json.loads(out)["waivers"][0]["state"] == "stale"
    assert "tos-check.yaml:16: stale waiver" in err and "expired" not in err


@pytest.mark.parametrize(
    ("pattern", "dataset", "hit"),
    [
        ("data/*", "data/support-chats-gpt4", True),
        ("data/*", "data/raw/support-chats-gpt4", False),
        ("data/**", "data/raw/support-chats-gpt4", True),
        ("**/support-*", "data/raw/support-chats-gpt4", True),
        ("*", "data/support-chats-gpt4", False),
        ("**", "data/support-chats-gpt4", True),
        ("data/support-chats-gpt?", "data/support-chats-gpt4", True),
        ("data?support-chats-gpt4", "data/support-chats-gpt4", False),
        ("data/support-chats-gpt[0-9]", "data/support-chats-gpt4", True),
        ("data/support-chats-gpt[!4]", "data/support-chats-gpt4", False),
        ("data/support-chats-gpt[4", "data/support-chats-gpt[4", True),
        ("data/support.chats-gpt4", "data/support-chats-gpt4", False),
    ],
)
def test_waiver_globs_keep_star_within_one_part(pattern: str, dataset: str, hit: bool) -> None:
    waiver = Waiver(dataset=pattern, rule="**", reason="r", approver="a", expires="2099-01-01")
    finding = scan_builtin(EXAMPLE).findings[0].model_copy(update={"artifact": dataset})
    assert matches(waiver, finding) is hit


def test_a_waiver_that_matches_nothing_is_stale(checkout: Path, run_cli: RunCli) -> None:
    add_waiver(checkout, text=WAIVER.replace("data/support-chats-*", "data/gone-*"))
    code, out, err = run_cli("scan", ".", "--format", "json")
    assert code == 1
    assert json.loads(out)["waivers"][0]["state"] == "stale"
    assert "tos-check.yaml:16: stale waiver: it matches no finding" in err


def test_no_waivers_switch_and_its_variable(checkout: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    add_waiver(checkout)
    assert run_cli("scan", ".")[0] == 0
    assert run_cli("scan", ".", "--no-waivers")[0] == 1
    monkeypatch.setenv("TOS_CHECK_NO_WAIVERS", "1")
    code, out, _ = run_cli("scan", ".", "--format", "json")
    assert code == 1 and json.loads(out)["waivers"][0]["state"] == "ignored"


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("expires: next month", "'next month' is not a date"),
        ("expires: 2027-02-30", "is not a date"),
        ("expires: 20270101", "is not a date"),
        ("reason: ''", "reason"),
        ("approvr: x", "approvr"),
    ],
)
def test_a_bad_waiver_is_path_line_and_exit_2(checkout: Path, run_cli: RunCli, entry: str, says: str) -> None:
    text = WAIVER.format(expires="2099-01-01")
    key = entry.split(":")[0]
    lines = [line for line in text.splitlines() if not line.strip().startswith(f"{key}:")]
    config = checkout / "tos-check.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n".join([*lines, f"    {entry}"]) + "\n")
    code, stdout, err = run_cli("scan", ".")
    assert code == 2 and stdout == ""
    assert err.startswith(f"{config.name}:") and says in err, err
    line = int(err.split(":")[1])
    assert entry.split(":")[0] in config.read_text().splitlines()[line - 1] or key == "approvr"


# --- diff mode ----------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(checkout: Path) -> Path:
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "datasets")
    return checkout


def keys(found: list[dict]) -> set[tuple[str, str, str | None]]:  # type: ignore[type-arg]
    return {(f["rule"], f["artifact"], f["model"]) for f in found}


def test_since_marks_what_the_ref_has_as_unchanged(repo: Path, run_cli: RunCli) -> None:
    at_main = keys(findings(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1]))
    add_dataset(repo)
    before = git(repo, "status", "--porcelain")
    code, out, err = run_cli("scan", ".", "--since", "main", "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    unchanged = [f for f in report["findings"] if f["baseline"] == "unchanged"]
    new = [f for f in report["findings"] if f["baseline"] == "new"]
    assert keys(unchanged) == at_main and {f["artifact"] for f in new} == {"data/more-chats"}
    assert (report["since"]["unchanged"], report["since"]["new"]) == (len(unchanged), len(new))
    assert report["since"]["ref"] == "main"
    assert report["since"]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "status", "--porcelain") == before  # nothing written to the work tree or the index


def test_since_counts_agree_with_the_findings_in_every_format(repo: Path, run_cli: RunCli) -> None:
    add_dataset(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    everything = findings(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1])
    assert any(f["severity"] == "error" for f in everything)
    code, out, err = run_cli("scan", ".", "--since", "HEAD", "--format", "json")
    assert code == 0, err  # nothing new: nothing fails
    report = json.loads(out)
    severities = [f["severity"] for f in report["findings"]]
    assert len(severities) == len(everything)
    assert report["summary"]["findings"] == {name: severities.count(name) for name in ("error", "warning", "note")}
    text = run_cli("scan", ".", "--since", "HEAD")[1]
    assert "No findings." not in text and f"{severities.count('error')} error(s)" in text
    assert text.count("UNCHANGED") == len(severities)
    assert "nothing fails" in run_cli("scan", ".", "--since", "HEAD", "--format", "markdown")[1]
    # SARIF keeps every result, so a viewer does not close the older alerts as fixed.
    results = json.loads(run_cli("scan", ".", "--since", "HEAD", "--format", "sarif")[1])["runs"][0]["results"]
    assert len(results) == len(everything) and {r["baselineState"] for r in results} == {"unchanged"}


def test_since_compares_the_same_paths(repo: Path, run_cli: RunCli) -> None:
    at_main = keys(findings(run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1]))
    add_dataset(repo)
    code, out, _ = run_cli("scan", "data/more-chats", "--since", "main", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["findings"]
    assert report["since"] == {  # not there at main: all new
        "ref": "main",
        "commit": git(repo, "rev-parse", "HEAD").strip(),
        "unchanged": 0,
        "new": len(report["findings"]),
    }
    code, out, _ = run_cli("scan", ".", "--since", "main", "--format", "json", "--fail-on", "never")
    assert json.loads(out)["since"]["unchanged"] == len(at_main)


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x"])
def test_an_unknown_ref_is_exit_2(repo: Path, run_cli: RunCli, ref: str) -> None:
    code, stdout, err = run_cli("scan", ".", "--since", ref)
    assert code == 2 and stdout == "" and err.startswith("--since: ") and repr(ref) in err


def test_since_with_a_path_that_does_not_exist_is_the_walkers_problem(repo: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("scan", "no-such-folder/sub", "--since", "HEAD")
    assert code == 2 and "git is not installed" not in err
    assert "no-such-folder/sub: no such file or folder" in err


def test_since_says_what_git_said(repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    complaint = b"fatal: detected dubious ownership in repository at '/elsewhere'\nTo add an exception: ...\n"

    def refusing(args: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, 128, b"", complaint)

    monkeypatch.setattr(git_ref.subprocess, "run", refusing)
    code, _, err = run_cli("scan", ".", "--since", "HEAD")
    assert code == 2 and len(err.splitlines()) == 1
    assert "not inside a git repository" in err and "dubious ownership in repository at '/elsewhere'" in err


def test_an_invalid_config_at_the_ref_is_named_as_in_the_repository(repo: Path, run_cli: RunCli) -> None:
    config = repo / "tos-check.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "fial_on: error\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "a typo")
    config.write_text(good, encoding="utf-8")  # the pull request fixes it
    code, stdout, err = run_cli("scan", ".", "--since", "HEAD")
    line = len(good.splitlines()) + 1
    assert (code, stdout) == (2, "") and err.startswith(f"HEAD:tos-check.yaml:{line}: "), err
    assert "fial_on" in err and "tos-check-since-" not in err
    # Today's config for both scans: the comparison can be made.
    assert run_cli("scan", ".", "--since", "HEAD", "--config", "tos-check.yaml")[0] == 0


def test_committed_symlinks_are_read_where_they_lead(repo: Path, run_cli: RunCli, tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / "outside" / name).mkdir(parents=True)
        (tmp_path / "outside" / name / "README.md").write_text(NEW_GPT4_CARD, encoding="utf-8")
    (repo / "data" / "outside-absolute").symlink_to(tmp_path / "outside" / "one")
    (repo / "data" / "outside-relative").symlink_to(os.path.relpath(tmp_path / "outside" / "two", repo / "data"))
    (repo / "data" / "alias").symlink_to("support-chats-gpt4")
    (repo / "data" / "dangling").symlink_to("/no/such/place")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    code, out, err = run_cli("scan", "data", "--since", "HEAD", "--format", "json", "--fail-on", "warning")
    report = json.loads(out)
    assert {f["artifact"] for f in report["findings"]} >= {"outside-absolute", "outside-relative"}
    assert report["since"]["new"] == 0 and code == 2  # the dangling link is a problem, in both scans
    assert "dangling: broken symlink" in err and "internal error" not in err


def test_since_outside_a_repository(checkout: Path, run_cli: RunCli) -> None:
    if subprocess.run(["git", "rev-parse"], cwd=checkout, capture_output=True).returncode == 0:
        pytest.fail(f"{checkout} is inside a git repository; this test needs a temporary folder outside one")
    code, _, err = run_cli("scan", ".", "--since", "main")
    assert code == 2 and "not inside a git repository" in err


# --- environment, quiet, progress ---------------------------------------------------------------------


def test_every_option_has_a_tos_check_variable() -> None:
    missing = []
    seen: dict[str, set[str]] = {}

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                envvar = param.envvar if isinstance(param.envvar, str) else None
                if not envvar or not envvar.startswith("TOS_CHECK_"):
                    missing.append(f"{path} {param.opts[0]}")
                else:
                    seen.setdefault(envvar, set()).add(param.opts[0])
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "tos-check")
    assert missing == []
    # One variable never means two different options.
    assert {name: opts for name, opts in seen.items() if len(opts) > 1} == {}
    documented = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert sorted(name for name in seen if f"`{name}`" not in documented) == []


def test_variables_set_options(
    checkout: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOS_CHECK_FAIL_ON", "never")
    monkeypatch.setenv("TOS_CHECK_FORMAT", f"sarif={tmp_path / 'a.sarif'} json")
    code, out, _ = run_cli("scan", ".")
    assert code == 0 and findings(out) and (tmp_path / "a.sarif").is_file()
    assert run_cli("scan", ".", "--fail-on", "error", "--format", "text")[0] == 1  # the command line wins


def test_quiet_prints_nothing_but_keeps_the_exit_code(checkout: Path, run_cli: RunCli) -> None:
    add_waiver(checkout, text=WAIVER.replace("data/support-chats-*", "data/gone-*"))
    code, out, err = run_cli("scan", ".", "--quiet")
    assert (code, out, err) == (1, "", "")


def test_quiet_still_writes_the_report_file(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    code, out, err = run_cli("scan", ".", "--quiet", "-o", str(target))
    assert (code, out, err) == (1, "", "")
    assert target.read_text(encoding="utf-8") == run_cli("scan", ".")[1]


@pytest.mark.parametrize(
    "args", [["-o", "-"], ["--format", "json", "-o", "-"], ["--format", "json=-"], ["--format", "text=-"]]
)
def test_a_dash_means_stdout(checkout: Path, run_cli: RunCli, args: list[str], tmp_path: Path) -> None:
    code, out, err = run_cli("scan", ".", *args, "--fail-on", "never")
    assert code == 0, err
    assert out == run_cli("scan", ".", "--format", "json" if "json" in str(args) else "text", "--fail-on", "never")[1]
    assert not (checkout / "-").exists()


def test_progress_reaches_the_last_file(checkout: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = scan_builtin(checkout, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (report.summary.files_scanned, report.summary.files_scanned)
    assert [done for done, _ in calls] == list(range(1, len(calls) + 1))
    assert ScanOptions.__dataclass_fields__["progress"].default is None


class _Tty:
    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def test_the_progress_bar_is_only_for_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stderr", _Tty())
    with cli_module._progress_bar(enabled=True) as bar:
        assert bar is not None
        bar(1, 2)
    with cli_module._progress_bar(enabled=False) as bar:
        assert bar is None
    monkeypatch.setenv("CI", "true")
    with cli_module._progress_bar(enabled=True) as bar:
        assert bar is None
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))  # noqa: SIM115
    with cli_module._progress_bar(enabled=True) as bar:
        assert bar is None


@pytest.mark.parametrize(("value", "color"), [(None, True), ("", True), ("1", False), ("0", False)])
def test_only_a_non_empty_no_color_turns_colour_off(
    monkeypatch: pytest.MonkeyPatch, value: str | None, color: bool
) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stdout", _Tty())
    if value is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", value)
    assert cli_module._color_wanted() is color


def test_two_runs_write_the_same_bytes_in_every_format(checkout: Path, run_cli: RunCli, tmp_path: Path) -> None:
    add_waiver(checkout)
    written = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        formats = [
            f"--format={name}={folder / name}" for name in ("sarif", "junit", "markdown", "html", "json", "text")
        ]
        assert run_cli("scan", ".", *formats)[0] == 0
        written.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert len(written[0]) == 6 and written[0] == written[1]


# --- own outputs ----------------------------------------------------------------------------------------


def test_outputs_left_in_the_scanned_folder_do_not_change_the_next_scan(
    checkout: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    first = run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1]
    records = tmp_path / "records.jsonl"
    records.write_text('{"model": "gpt-4-0613", "text": "hi"}\n', encoding="utf-8")
    for folder in ("", "data/support-chats-gpt4/"):
        names = {"sarif": "tos.sarif.json", "junit": "tos.junit.xml", "markdown": "tos-check.md"}
        names |= {"html": "audit.html", "json": "report.json"}
        for name, file in names.items():
            assert run_cli("scan", ".", f"--format={name}={folder}{file}")[0] == 1
        assert run_cli("baseline", "create", ".", "-o", f"{folder}tos-baseline.json")[0] == 0
        gate = ["gate", str(records), "--pass", str(tmp_path / "p.jsonl"), "--quarantine", str(tmp_path / "q.jsonl")]
        assert run_cli(*gate, "--summary-json", f"{folder}gate.json")[0] == 0
    assert len(list(checkout.rglob("*.json"))) == 2 * 4
    assert run_cli("scan", ".", "--format", "json", "--fail-on", "never")[1] == first


def test_only_tos_checks_own_outputs_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "other-tool.json").write_text('{"tool": {"name": "other"}, "model": "gpt-4"}', encoding="utf-8")
    (tmp_path / "notes.md").write_text("# tos-check\n<!-- tos-check -->\n", encoding="utf-8")
    (tmp_path / "ours.json").write_text('{\n  "tool": "tos-check"\n}\n', encoding="utf-8")
    assert [f.path.name for f in walk([tmp_path]).files] == ["notes.md", "other-tool.json"]
    assert [f.path.name for f in walk([tmp_path / "ours.json"]).files] == ["ours.json"]  # named: read as asked
