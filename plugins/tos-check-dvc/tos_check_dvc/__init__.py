"""tos-check plugin for DVC pipelines: `dvc.yaml`, `dvc.lock` and `*.dvc` files.

tos-check finds this module through the `tos_check` entry point in pyproject.toml and calls its hooks.
"""

from __future__ import annotations

from collections.abc import Callable

from tos_check.hookspecs import hookimpl
from tos_check.sources.interface import Source

from tos_check_dvc.source import DvcSource

__all__ = ["DvcSource", "register_sources"]


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(DvcSource())
