"""The CI recipes users copy (docs/ci.md, action.yml, .pre-commit-hooks.yaml) hold command lines our CLI
accepts: options that exist, values it takes, formats that are registered, variables it reads."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from tos_check.cli import cli
from tos_check.plugins import reporters
from tos_check.report.outputs import parse_outputs
from tos_check.report.signature import MARKDOWN_MARKER

REPO = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
SHELL_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\{\{[^}]*\}\}")


def commands() -> dict[click.Command, str]:
    found: dict[click.Command, str] = {}

    def walk(command: click.Command, path: str) -> None:
        found[command] = path
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "tos-check")
    return found


def option_variables() -> set[str]:
    return {
        p.envvar
        for command in commands()
        for p in command.params
        if isinstance(p, click.Option) and isinstance(p.envvar, str)
    }


def accepted(line: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Parse LINE as the shell would, then as our CLI would, without running the command; returns the
    options the command would have been called with."""
    words = shlex.split(SHELL_VARIABLE.sub("x", line))
    env = {}
    while words and ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "tos-check", line
    assert set(env) <= option_variables(), f"unknown variables in {line!r}: {set(env) - option_variables()}"
    calls: list[dict[str, Any]] = []
    for command in commands():
        if command.callback is not None and not isinstance(command, click.Group):
            monkeypatch.setattr(command, "callback", lambda **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, words[1:], env=env)
    assert result.exit_code == 0 and len(calls) == 1, f"{line!r}: {result.output}"
    options = calls[0]
    if "formats" in options:
        parse_outputs(options["formats"], options["output"], reporters())
    return options


def fenced(language: str) -> list[str]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    return [body for lang, body in FENCE.findall(text) if lang == language]


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def tos_check_lines(text: str) -> list[str]:
    return [
        line.strip().removeprefix("- ")
        for line in text.splitlines()
        if re.match(r'^([A-Z_]+=("[^"]*"|\S+) )*tos-check (scan|baseline)', line.strip().removeprefix("- "))
    ]


def test_shell_examples_are_valid_command_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [line for block in fenced("sh") for line in tos_check_lines(block)]
    assert len(lines) >= 4
    for line in lines:
        accepted(line, monkeypatch)


def test_yaml_examples_parse_and_their_commands_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = fenced("yaml")
    assert len(blocks) >= 5
    lines = []
    for block in blocks:
        data = yaml.safe_load(block)
        for text in strings(data):
            lines += tos_check_lines(text)
        for text in strings(data):
            for name in re.findall(r"\bTOS_CHECK_[A-Z_]+", text):
                assert name in option_variables(), name
    assert len(lines) >= 3
    assert any("--since" in line for line in lines) and any("junit=" in line for line in lines)
    for line in lines:
        accepted(line, monkeypatch)


def test_gitlab_example_keeps_the_reports_it_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    gitlab = next(yaml.safe_load(b) for b in fenced("yaml") if "gitlab" in b.splitlines()[0])
    job = gitlab["tos-check"]
    command = next(line for line in job["script"] if line.startswith("tos-check"))
    written = {
        str(o.path) for o in parse_outputs(accepted(command, monkeypatch)["formats"], None, reporters()) if o.path
    }
    kept = {job["artifacts"]["reports"]["junit"], *job["artifacts"]["paths"]}
    assert kept <= written


def test_the_action_is_composite_and_its_scan_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif@") for step in steps)
    inputs = set(action["inputs"])
    for step in steps:
        for text in strings(step):
            for used in re.findall(r"inputs\.([a-z-]+)", text):
                assert used in inputs, used
        for name in step.get("env", {}):
            if name.startswith("TOS_CHECK_"):
                assert name in option_variables(), name
        assert "${{ inputs" not in step.get("run", ""), "inputs go through env, never into the script"
    scan = next(step for step in steps if step.get("id") == "scan")
    lines = tos_check_lines(scan["run"])
    assert len(lines) == 1
    options = accepted(lines[0].replace("$SCAN_PATHS", "."), monkeypatch)
    assert any(f.startswith("sarif=") for f in options["formats"])


def test_the_action_edits_its_own_comment_and_always_gives_the_verdict() -> None:
    steps = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
    scan = next(step for step in steps if step.get("id") == "scan")
    comment = next(step for step in steps if step.get("name") == "Comment on the pull request")
    verdict = next(step for step in steps if step.get("name") == "Verdict")
    assert "markdown=tos-check.md" in scan["run"] and "tos-check.md" in comment["run"]
    assert MARKDOWN_MARKER in comment["run"] and "--edit-last" not in comment["run"]
    # A failing comment (a fork's token cannot comment) neither fails the job nor skips the verdict.
    assert comment.get("continue-on-error") is True and "always()" in verdict.get("if", "")


def test_pre_commit_hook_runs_a_valid_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "tos-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    accepted(" ".join([hook["entry"], *hook.get("args", [])]), monkeypatch)
    files = re.compile(hook["files"])
    read = ["data/chats/README.md", "tos-provenance.yaml", "data/train.jsonl", "pyproject.toml", "data/x.tsv"]
    read += ["meta/croissant.jsonld", "data/x.json.gz", "data/x.ndjson", "data/x.jsonl.zst", "data/x.csv"]
    for path in read:
        assert files.search(path), path
    assert not files.search("src/model.py") and not files.search("data/notes.txt.gz")


def test_a_wrong_option_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AssertionError):
        accepted("tos-check scan data --fial-on error", monkeypatch)
    with pytest.raises(AssertionError):
        accepted("TOS_CHECK_FAIL=x tos-check scan data", monkeypatch)
    with pytest.raises(ValueError, match="unknown format"):
        accepted("tos-check scan --format sarf=x.sarif", monkeypatch)
