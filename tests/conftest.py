"""Shared test helpers. Tests see only built-in plugins: whatever else is installed must not change results."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from tests.scanning import RunCli
from tos_check.cli import cli

# The suite's fuzzing is short and repeatable (same examples every run, nothing remembered between runs);
# `make fuzz` selects the long profile with --hypothesis-profile=long.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "short", max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=_QUIET
)
settings.register_profile("long", max_examples=2_000, deadline=None, database=None, suppress_health_check=_QUIET)
settings.load_profile("short")

os.environ.setdefault("TOS_CHECK_NO_EXTERNAL_PLUGINS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the test is skipped, with the reason, when the reference data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not present: {path} (../shared is not checked out beside the repo)")
    return path


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


EXAMPLE = REPO / "examples" / "fine-tune-chat"


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled example as the current folder, scanned with relative paths as CI scans a
    checkout."""
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLE, target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def run_cli() -> RunCli:
    """The command line in-process: (exit code, stdout, stderr); a crash is raised, not hidden in the code."""

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, list(args))
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run
