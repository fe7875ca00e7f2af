"""Every way to extend tos-check, one hook each. Built-in sources, reporters and policies use them too.

Hooks take a `register` callback: a plugin calls it once per thing it adds, as often as it likes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pluggy

if TYPE_CHECKING:
    from tos_check.detect.interface import Detector
    from tos_check.report.interface import Reporter
    from tos_check.sources.interface import Source

hookspec = pluggy.HookspecMarker("tos_check")
hookimpl = pluggy.HookimplMarker("tos_check")


@hookspec
def register_sources(register: Callable[[Source], None]) -> None:
    """Register metadata sources: each claims files by name and reads artifacts, edges and evidence from them."""


@hookspec
def register_detectors(register: Callable[[Detector], None]) -> None:
    """Register detectors: readers of free text (a card's prose) that find statements of model generation."""


@hookspec
def register_fingerprint_files(register: Callable[[Path], None]) -> None:
    """Register content-fingerprint catalog files (YAML, docs/fingerprints.md), matched with the built-in ones."""


@hookspec
def register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register report formats, chosen with `scan --format NAME`."""


@hookspec
def register_policy_dirs(register: Callable[[Path], None]) -> None:
    """Register folders of policy YAML files that are loaded with the built-in ones."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the `tos-check` command line."""
