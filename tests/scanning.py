"""One scan with the built-in policies and catalogs, as `tos-check scan` runs it, for tests that check a
whole report rather than one source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tos_check.identity.resolver import Resolver
from tos_check.plugins import policy_dirs
from tos_check.policy.load import load_policies
from tos_check.report.model import Report
from tos_check.scan import Progress, ScanOptions, scan
from tos_check.use import DeclaredUse, UseSource

RunCli = Callable[..., tuple[int, str, str]]
"""The `run_cli` fixture: run tos-check with these arguments, get (exit code, stdout, stderr)."""

AS_OF = dt.date(2026, 1, 1)
# The use most provider clauses are about: a public, commercial, general-purpose chat model.
PUBLIC_CHAT: dict[str, Any] = {
    "activity": "fine_tune",
    "model": {"name": "acme-chat-7b", "kind": "llm", "general_purpose": True},
    "distribution": "public",
    "commercial": True,
    "organization": {"monthly_active_users": 250_000},
}


def scan_builtin(
    *paths: Path,
    use: dict[str, Any] | None = None,
    as_of: dt.date = AS_OF,
    progress: Progress | None = None,
    min_confidence: float = 0.0,
) -> Report:
    policies, problems = load_policies(policy_dirs())
    assert problems == []
    declared = UseSource(use=DeclaredUse.model_validate(use or {}), path=None, assumed=use is None)
    options = ScanOptions(as_of=as_of, progress=progress, min_confidence=min_confidence)
    return scan(list(paths), declared, policies, Resolver.builtin(), options)
