"""The plugin manager: built-in modules are registered exactly as external plugins are."""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

from tos_check import hookspecs

if TYPE_CHECKING:
    from tos_check.report.interface import Reporter
    from tos_check.sources.interface import Source

ENTRY_POINT_GROUP = "tos_check"
DEFAULT_PLUGINS = (
    "tos_check.policy.builtin",
    "tos_check.sources.manifest",
    "tos_check.sources.cards",
    "tos_check.report.text",
    "tos_check.report.json_report",
)
NO_EXTERNAL_PLUGINS_ENV = "TOS_CHECK_NO_EXTERNAL_PLUGINS"
"""Set (to anything) to load only the built-ins, e.g. in tests that must not see what else is installed."""


@cache
def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("tos_check")
    pm.add_hookspecs(hookspecs)
    if not os.environ.get(NO_EXTERNAL_PLUGINS_ENV):
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name)
    return pm


def sources() -> list[Source]:
    found: list[Source] = []
    plugin_manager().hook.register_sources(register=found.append)
    return found


def reporters() -> dict[str, Reporter]:
    found: list[Reporter] = []
    plugin_manager().hook.register_reporters(register=found.append)
    return {r.name: r for r in found}


def policy_dirs() -> list[Path]:
    found: list[Path] = []
    plugin_manager().hook.register_policy_dirs(register=found.append)
    return found
