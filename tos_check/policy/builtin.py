"""The policies that ship with tos-check, registered through the same hook as a plugin's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tos_check.hookspecs import hookimpl


def builtin_policy_dir() -> Path:
    """Inside a wheel the policies sit in the package; in a source checkout, at the top of the repo."""
    packaged = Path(__file__).resolve().parent.parent / "policies"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "policies"


@hookimpl
def register_policy_dirs(register: Callable[[Path], None]) -> None:
    register(builtin_policy_dir())
