"""Baselines: the findings that existed when the file was made, so CI fails only on new ones.

A baseline records each finding by its identity (rule, dataset, model; `Finding.key`), never by line or
policy version: a finding stays baselined when its file moves or a newer version restates the clause.
`scan --since REF` is the same comparison with the findings of a scan at REF standing in for the file: one
mechanism, so every format (SARIF `baselineState` above all) says the same thing for both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tos_check.evaluate.finding import Finding, FindingKey
from tos_check.loader import load_document
from tos_check.problems import InputError, Problem
from tos_check.report.model import BaselineStatus, Report, SinceStatus
from tos_check.validation import validate_model

SCHEMA_VERSION: Literal[1] = 1
CREATE_HINT = "write one with `tos-check baseline create -o FILE`"


class BaselineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    dataset: str
    model: str | None = None


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: Literal["tos-check"] = "tos-check"
    kind: Literal["baseline"] = "baseline"
    schema_version: Literal[1] = SCHEMA_VERSION
    findings: list[BaselineEntry]


def baseline_text(report: Report) -> str:
    """Every finding of the report, waived ones included (a waiver can expire; the baseline should not
    forget the finding then), one entry per identity, sorted: the file diffs well in review."""
    keys = sorted({f.key() for f in report.findings}, key=lambda k: (k.rule, k.artifact, k.model or ""))
    entries = [BaselineEntry(rule=k.rule, dataset=k.artifact, model=k.model) for k in keys]
    data = BaselineFile(findings=entries).model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> list[FindingKey]:
    """Raises InputError with path:line for a file that is not a baseline this version reads."""
    display = str(path)
    doc = load_document(path, display)
    data: Any = doc.data
    if not isinstance(data, dict) or data.get("kind") != "baseline":
        raise InputError([Problem(display, doc.line_of(("kind",)), f"not a tos-check baseline; {CREATE_HINT}")])
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            [
                Problem(
                    display,
                    doc.line_of(("schema_version",)),
                    f"baseline schema_version {version!r} is not one this tos-check reads ({SCHEMA_VERSION}); "
                    f"{CREATE_HINT}",
                )
            ]
        )
    parsed = validate_model(BaselineFile, doc)
    return [FindingKey(e.rule, e.dataset, e.model) for e in parsed.findings]


def _mark(findings: list[Finding], known: set[FindingKey]) -> list[Finding]:
    """`unchanged` when an earlier state holds the finding, else `new`. A finding stays in the report either
    way: dropping it would make a SARIF viewer close the alert as fixed, and make counts disagree with the
    findings shown. One already `unchanged` (in the baseline file) stays so when a --since ref lacks it."""
    return [
        f.model_copy(update={"baseline": "unchanged" if f.baseline == "unchanged" or f.key() in known else "new"})
        for f in findings
    ]


def apply_baseline(report: Report, keys: list[FindingKey], path: str) -> Report:
    """Mark every finding `unchanged` (the baseline holds it) or `new`, and count the entries no finding
    matched any more."""
    known = set(keys)
    findings = _mark(report.findings, known)
    seen = {f.key() for f in findings}
    status = BaselineStatus(
        path=path,
        entries=len(known),
        unchanged=sum(f.key() in known for f in findings),
        new=sum(f.key() not in known for f in findings),
        gone=len(known - seen),
    )
    return report.model_copy(update={"findings": findings, "baseline": status})


def apply_since(report: Report, before: Report, ref: str, commit: str) -> Report:
    """Compare with a scan of the same paths at REF: what it found too is `unchanged`, the rest `new`."""
    known = {f.key() for f in before.findings}
    findings = _mark(report.findings, known)
    unchanged = sum(f.key() in known for f in findings)
    status = SinceStatus(ref=ref, commit=commit, unchanged=unchanged, new=len(findings) - unchanged)
    return report.model_copy(update={"findings": findings, "since": status})
