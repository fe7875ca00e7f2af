"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub reads decides the shape: one rule per policy clause (its summary, citation and source as help),
`security-severity` with the `security` tag (GitHub shows a severity only for rules tagged so), results at
the metadata file and line that gave the evidence, with URIs relative to `%SRCROOT%` (the folder the scan
ran in, which in CI is the checkout; a file outside it is an absolute `file://` URI, never `../`), and
`partialFingerprints` from the finding's identity (rule, dataset, model) so an alert stays one alert, on
the right line, across runs and file moves. Waived findings are results with `suppressions`; with a
baseline or --since each result has its `baselineState`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tos_check import __version__
from tos_check.evaluate.finding import SEVERITY_RANK, Finding, finding_id
from tos_check.evaluate.notices import TOOL_CHECKS
from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Location
from tos_check.report.interface import Reporter
from tos_check.report.model import Report
from tos_check.report.signature import json_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "tosCheckFindingKey/v1"
LEVEL = {"error": "error", "warning": "warning", "note": "note"}
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}
"""GitHub's bands: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. A prohibited use is high, not critical: it
is a question of terms, not an exploitable flaw."""
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


class SarifReporter:
    name = "sarif"

    def render(self, report: Report, *, color: bool = False) -> str:
        rules = _rules(report.findings)
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        root = Path.cwd().as_posix()
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "tos-check",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.rule], root) for f in report.findings],
            "invocations": [_invocation(report)],
            "properties": {"declaredUse": report.use.model_dump(mode="json")},
        }
        if report.baseline is not None:
            run["baselineGuid"] = _guid(report.baseline.path)
        return json_text({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    return [_rule(rule, group) for rule, group in sorted(by_rule.items())]


def _rule(rule: str, findings: list[Finding]) -> dict[str, Any]:
    """A clause's facts are the same in every finding of its rule but for the version; the newest version
    seen describes the rule (the results still say which version each one was judged by)."""
    severity = min((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)
    first = max(
        findings,
        key=lambda f: (f.policy.effective_from.isoformat() if f.policy and f.policy.effective_from else "", f.id),
    )
    clause, policy = first.clause, first.policy
    own = rule.startswith("tos-check/")
    if own:  # the tool's own check: its results cite different clauses, the rule cites none
        summary = TOOL_CHECKS.get(rule.removeprefix("tos-check/"), first.message)
    else:
        summary = clause.summary if clause is not None else first.message
    tags = sorted(
        {"tos-check", "security", "training-data", *(f.effect for f in findings)}
        | {f.provider for f in findings if f.provider}
    )
    out: dict[str, Any] = {
        "id": rule,
        "name": _pascal(rule.split("/")[-1]),
        "shortDescription": {"text": _first_sentence(summary)},
        "fullDescription": {"text": summary},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "help": {
            "text": _help_text(summary, None if own else first),
            "markdown": _help_markdown(summary, None if own else first),
        },
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": PROBLEM_SEVERITY[severity],
            "precision": "high" if own or clause is None or clause.verified else "low",
        },
    }
    url = None if own else _source_url(first)
    if url:
        out["helpUri"] = url
    if policy is not None and not own:
        out["properties"]["policy"] = policy.id
    return out


def _source_url(finding: Finding) -> str | None:
    if finding.clause is not None and finding.clause.url:
        return finding.clause.url
    return finding.policy.source_url if finding.policy is not None else None


def _citation(finding: Finding) -> str | None:
    if finding.policy is None or finding.clause is None:
        return None
    where = f"{finding.policy.title or finding.policy.id} ({finding.policy.version})"
    if finding.clause.section:
        where += f", {finding.clause.section}"
    return where


def _help_text(summary: str, finding: Finding | None) -> str:
    parts = [summary]
    if finding is None:
        return summary
    citation = _citation(finding)
    if citation:
        url = _source_url(finding)
        parts.append(f"Source: {citation}" + (f" <{url}>" if url else ""))
    if finding.clause is not None and finding.clause.quote:
        parts.append(f'"{finding.clause.quote}"')
    if finding.clause is not None and not finding.clause.verified:
        parts.append("Unverified: encoded from secondary sources, not from the document's own text.")
    return "\n\n".join(parts)


def _help_markdown(summary: str, finding: Finding | None) -> str:
    parts = [_md(summary)]
    if finding is None:
        return parts[0]
    citation = _citation(finding)
    if citation:
        url = _source_url(finding)
        parts.append(f"**Source:** [{_md(citation)}]({url})" if url else f"**Source:** {_md(citation)}")
    if finding.clause is not None and finding.clause.quote:
        parts.append(f"> {_md(finding.clause.quote)}")
    if finding.clause is not None and not finding.clause.verified:
        parts.append("**Unverified:** encoded from secondary sources, not from the document's own text.")
    return "\n\n".join(parts)


def _result(finding: Finding, rule_index: int, root: str) -> dict[str, Any]:
    where = _anchor(finding)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "kind": "fail",
        "message": {"text": finding.message},
        "locations": [_location(where, root)],
        "partialFingerprints": {FINGERPRINT: finding_id(*finding.key())},
        "properties": {
            "findingId": finding.id,
            "effect": finding.effect,
            "dataset": finding.artifact,
            "model": finding.model,
            "provider": finding.provider,
            "confidence": finding.confidence,
            "depth": finding.depth,
            "policyVersion": finding.policy.version if finding.policy else None,
            "verified": finding.clause.verified if finding.clause else None,
        },
    }
    related = _related(finding, where, root)
    if related:
        result["relatedLocations"] = related
    if finding.waiver is not None:
        waiver = finding.waiver
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{waiver.reason} (approved by {waiver.approver}, expires {waiver.expires})",
                "location": _location(_parse_source(waiver.source), root),
            }
        ]
    if finding.baseline is not None:
        result["baselineState"] = finding.baseline
    return result


def _anchor(finding: Finding) -> Location:
    """The line that gave the evidence: GitHub anchors an alert on a line, so the first location that has
    one wins (the finding's own, then each hop of its chain, then its evidence)."""
    candidates = [finding.location, *(h.location for h in finding.chain), *(e.location for e in finding.evidence)]
    return next((loc for loc in candidates if loc.line is not None), finding.location)


def _related(finding: Finding, anchor: Location, root: str) -> list[dict[str, Any]]:
    seen = {(anchor.path, anchor.line)}
    out: list[dict[str, Any]] = []
    steps = [(h.location, f"{h.source} --{h.relation}--> {h.target}") for h in finding.chain]
    steps += [(e.location, f"{e.kind}: {e.detail}") for e in finding.evidence]
    for location, text in steps:
        if (location.path, location.line) in seen:
            continue
        seen.add((location.path, location.line))
        entry = _location(location, root)
        entry["id"] = len(out) + 1
        entry["message"] = {"text": text}
        out.append(entry)
    return out


def _location(where: Location, root: str) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(where.path, root)}
    if where.line is not None:
        physical["region"] = {"startLine": where.line}
    return {"physicalLocation": physical}


def _artifact_location(path: str, root: str) -> dict[str, Any]:
    """A file under `root` (the folder the scan ran in: the checkout, in CI) hangs off %SRCROOT%, however
    the path was given; any other is an absolute file URI (GitHub maps one inside the checkout itself). A
    relative URI never climbs out with `../`: a viewer would resolve it outside its source root."""
    posix = posixpath.normpath(path.replace("\\", "/"))
    absolute = posixpath.normpath(posixpath.join(root, posix))
    inside = posixpath.relpath(absolute, root)
    if inside != ".." and not inside.startswith("../"):
        return {"uri": quote(inside), "uriBaseId": SRCROOT}
    return {"uri": "file://" + quote(absolute)}


def _parse_source(source: str) -> Location:
    path, _, line = source.rpartition(":")
    return Location(path=path, line=int(line)) if path and line.isdigit() else Location(path=source)


def _invocation(report: Report) -> dict[str, Any]:
    notifications = [
        {"level": "error", "message": {"text": problem}, "descriptor": {"id": "input-problem"}}
        for problem in report.problems
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.summary.partial}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _guid(text: str) -> str:
    """A GUID that is the same for the same text, as SARIF wants GUID-shaped ids and the output must not change
    between runs."""
    digest = finding_id("guid", text) + finding_id("guid2", text)
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return (head + ".") if dot else text


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part)


def _md(text: str) -> str:
    """Markdown in a rule's help is rendered by GitHub: characters that would format or link are escaped."""
    out = text
    for char in "\\`*_[]<>|":
        out = out.replace(char, "\\" + char)
    return out


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(SarifReporter())
