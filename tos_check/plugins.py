"""The plugin manager: built-in modules are registered exactly as external plugins are."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pluggy

from tos_check import hookspecs
from tos_check.problems import Problem

if TYPE_CHECKING:
    from tos_check.detect.interface import Detector
    from tos_check.report.interface import Reporter
    from tos_check.sources.interface import Source

ENTRY_POINT_GROUP = "tos_check"
DEFAULT_PLUGINS = (
    "tos_check.policy.builtin",
    "tos_check.detect.prose",
    "tos_check.fingerprints.catalog",
    "tos_check.sources.manifest",
    "tos_check.sources.cards",
    "tos_check.sources.git_repos",
    "tos_check.sources.configs",
    "tos_check.sources.records",
    "tos_check.sources.distilabel",
    "tos_check.sources.croissant",
    "tos_check.sources.spdx",
    "tos_check.sources.cyclonedx",
    "tos_check.sources.dpi",
    "tos_check.report.text",
    "tos_check.report.json_report",
    "tos_check.report.sarif",
    "tos_check.report.junit",
    "tos_check.report.markdown",
    "tos_check.report.html",
)
NO_EXTERNAL_PLUGINS_ENV = "TOS_CHECK_NO_EXTERNAL_PLUGINS"
"""Set (to anything) to load only the built-ins, e.g. in tests that must not see what else is installed."""


@cache
def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("tos_check")
    pm.add_hookspecs(hookspecs)
    if not os.environ.get(NO_EXTERNAL_PLUGINS_ENV):
        _load_external(pm)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name)
    return pm


_LOAD_PROBLEMS: list[Problem] = []


def _load_external(pm: pluggy.PluginManager) -> None:
    """Each installed plugin on its own: one that fails to import or to register is reported (see
    `load_problems`), and the others and the built-ins still work, `tos-check plugins` included."""
    for entry_point in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if pm.get_plugin(entry_point.name) is not None or pm.is_blocked(entry_point.name):
            continue
        try:
            pm.register(entry_point.load(), name=entry_point.name)
        except Exception as exc:  # a broken plugin must not take the tool down with it
            _LOAD_PROBLEMS.append(
                Problem(
                    f"plugin {entry_point.name}",
                    None,
                    f"not loaded ({entry_point.value}): {type(exc).__name__}: {exc}; what it adds was not used",
                )
            )


def load_problems() -> list[Problem]:
    """External plugins that could not be loaded; a scan without them is partial."""
    plugin_manager()
    return list(_LOAD_PROBLEMS)


def _collect(hook: str) -> list[Any]:
    """What every plugin registers through one hook, each plugin on its own: one whose hook raises is a
    load problem (what it adds is missing, the scan is partial), not a crash of every command."""
    found: list[Any] = []
    for implementation in reversed(getattr(plugin_manager().hook, hook).get_hookimpls()):  # pluggy's order
        added: list[Any] = []
        if _call(implementation.plugin_name, hook, implementation.function, register=added.append):
            found.extend(added)
    return found


def _call(plugin: str, hook: str, function: Callable[..., object], **arguments: object) -> bool:
    """Call one plugin's hook; a failure becomes a load problem naming the plugin and the hook."""
    try:
        function(**arguments)
    except Exception as exc:
        problem = Problem(
            f"plugin {plugin}", None, f"{hook} failed: {type(exc).__name__}: {exc}; what it adds was not used"
        )
        if problem not in _LOAD_PROBLEMS:
            _LOAD_PROBLEMS.append(problem)
        return False
    return True


def add_commands(cli: click.Group) -> None:
    """Plugins' subcommands, each plugin on its own (see `_collect`)."""
    for implementation in reversed(plugin_manager().hook.register_commands.get_hookimpls()):
        _call(implementation.plugin_name, "register_commands", implementation.function, cli=cli)


def sources() -> list[Source]:
    return _collect("register_sources")


def detectors() -> list[Detector]:
    return _collect("register_detectors")


def reporters() -> dict[str, Reporter]:
    return {r.name: r for r in _collect("register_reporters")}


def policy_dirs() -> list[Path]:
    return _collect("register_policy_dirs")


def fingerprint_files() -> list[Path]:
    return _collect("register_fingerprint_files")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    builtin: bool
    provides: tuple[str, ...]
    """What it registers, as `sources: manifest`, `reporters: json` ..."""


def describe() -> list[PluginInfo]:
    """Each loaded plugin with what it registers, by calling its own hook implementations."""
    out = []
    for name, plugin in plugin_manager().list_name_plugin():
        provides = []
        for hook, label in HOOK_LABELS:
            implementation = getattr(plugin, hook, None)
            if implementation is None:
                continue
            found: list[Any] = []
            group = click.Group()
            if hook == "register_commands":
                called = _call(name, hook, implementation, cli=group)
                found.extend(group.commands)
            else:
                called = _call(name, hook, implementation, register=found.append)
            if not called:
                provides.append(f"{label}: FAILED")
                continue
            names = sorted(str(getattr(item, "name", item)) for item in found)
            provides.append(f"{label}: {', '.join(names)}")
        out.append(PluginInfo(name, name in DEFAULT_PLUGINS, tuple(provides)))
    return sorted(out, key=lambda info: (not info.builtin, info.name))


HOOK_LABELS = (
    ("register_sources", "sources"),
    ("register_detectors", "detectors"),
    ("register_reporters", "reporters"),
    ("register_policy_dirs", "policy folders"),
    ("register_fingerprint_files", "fingerprint files"),
    ("register_commands", "commands"),
)
