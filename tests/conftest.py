"""Shared test helpers. Tests see only built-in plugins: whatever else is installed must not change results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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
