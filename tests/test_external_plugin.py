"""The DVC plugin (plugins/tos-check-dvc), installed as a user installs it, is found and used by tos-check.

Runs the installed `tos-check` command in a subprocess whose environment is built here, WITHOUT
TOS_CHECK_NO_EXTERNAL_PLUGINS (which the rest of the suite sets): this is the one test that sees external
plugins, so it sees them the way a user's shell does.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tos_check.plugins import NO_EXTERNAL_PLUGINS_ENV

FIXTURE = Path(__file__).parent / "fixtures" / "dvc-plugin"


@pytest.fixture(scope="module")
def tos_check_command() -> list[str]:
    try:
        importlib.metadata.distribution("tos-check-dvc")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(
            "the tos-check-dvc distribution is not installed; `make test` installs it "
            "(or: .venv/bin/python -m pip install -e plugins/tos-check-dvc)"
        )
    script = Path(sys.executable).with_name("tos-check")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from tos_check.cli import main; main()"]


def _run(command: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != NO_EXTERNAL_PLUGINS_ENV}
    env.update(NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=120, check=False, cwd=FIXTURE
    )


def test_tos_check_plugins_lists_the_dvc_plugin_as_external(tos_check_command: list[str]) -> None:
    done = _run(tos_check_command, "plugins")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert ["dvc", "external", "sources: dvc"] in rows
    assert ["tos_check.sources.manifest", "built-in", "sources: manifest"] in rows


def test_a_scan_shows_the_artifacts_the_plugin_read(tos_check_command: list[str]) -> None:
    done = _run(tos_check_command, "scan", ".", "--format", "json", "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    artifacts = {a["id"]: a for a in report["artifacts"]}
    assert set(artifacts) == {"data/answers.jsonl", "data/questions.jsonl"}
    answers = artifacts["data/answers.jsonl"]
    assert answers["location"] == {"path": "dvc.yaml", "line": 10, "record": None}
    assert [(g["model"], g["provider"]) for g in answers["generators"]] == [("gpt-4o-mini", "openai")]
    assert artifacts["data/questions.jsonl"]["location"]["path"] == "data/questions.jsonl.dvc"
    evidence = [e for f in report["findings"] if f["artifact"] == "data/answers.jsonl" for e in f["evidence"]]
    assert any(e["location"] == {"path": "params.yaml", "line": 2, "record": None} for e in evidence)


def test_without_external_plugins_the_same_scan_sees_no_dvc_artifacts(tos_check_command: list[str]) -> None:
    env = {**os.environ, NO_EXTERNAL_PLUGINS_ENV: "1"}
    done = subprocess.run(
        [*tos_check_command, "scan", ".", "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=FIXTURE,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["artifacts"] == []
