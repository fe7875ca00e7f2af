"""`--format markdown`: a pull-request comment. The verdict and counts first, then a table of the error
findings a reviewer must act on, the rest folded in `<details>`. GitHub refuses comments over 65,536
characters, so the text stops short of that with how many findings were left out."""

from __future__ import annotations

from collections.abc import Callable

from tos_check.evaluate.finding import Finding
from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import Report

MAX_CHARS = 60_000
"""Room under GitHub's 65,536 for what a CI step adds around the report."""


class MarkdownReporter:
    name = "markdown"

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars

    def render(self, report: Report, *, color: bool = False) -> str:
        head = _head(report)
        errors = [f for f in report.findings if f.severity == "error"]
        others = [f for f in report.findings if f.severity != "error"]
        tail = _tail(report)
        budget = self.max_chars - len(head) - len(tail) - 200
        body, left_out = _sections(errors, others, budget)
        if left_out:
            body.append(f"\n_{left_out} more finding(s) not shown; the full report: `--format html` or `json`._\n")
        return head + "".join(body) + tail


def _head(report: Report) -> str:
    counts = report.summary.findings
    failing = [f for f in report.findings if f.severity == "error" and not f.accepted]
    if report.summary.partial:
        verdict = "⚠️ **tos-check: partial scan**: some input could not be read, the result cannot be trusted"
    elif failing:
        verdict = f"❌ **tos-check: {len(failing)} error(s)** in the training data's terms"
    else:
        verdict = "✅ **tos-check: no errors**"
    lines = [
        f"### {verdict}",
        "",
        f"Declared use: {_cell(_use(report))}",
        "",
        "| errors | warnings | notes | datasets | provenance known | accepted |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {counts.error} | {counts.warning} | {counts.note} | {report.summary.artifacts} | "
        f"{report.summary.known_provenance} | {sum(f.accepted for f in report.findings)} |",
        "",
    ]
    if report.baseline is not None:
        b = report.baseline
        lines += [f"Baseline: {b.unchanged} finding(s) baselined, {b.new} new, {b.gone} entries gone.", ""]
    if report.since is not None:
        s = report.since
        lines += [f"Only findings new since `{_code(s.ref)}` ({s.commit[:12]}); {s.hidden} older ones not shown.", ""]
    return "\n".join(lines) + "\n"


def _use(report: Report) -> str:
    use = report.use
    name = f" {use.model.name!r}" if use.model.name else ""
    commercial = "commercial" if use.commercial else "non-commercial"
    return f"{'/'.join(use.activities)} a {use.model.kind}{name}, {use.distribution}, {commercial}"


TABLE_HEAD = "| | rule | dataset | model | where | terms |\n|---|---|---|---|---|---|\n"


def _sections(errors: list[Finding], others: list[Finding], budget: int) -> tuple[list[str], int]:
    """The error table, then the folded rest, each row while it fits; returns the text and how many
    findings did not fit."""
    body: list[str] = []
    shown = 0
    if errors:
        rows = _table(errors, budget)
        body += [TABLE_HEAD, *rows, "\n"]
        shown += len(rows)
        budget -= sum(map(len, body))
    if others and shown == len(errors):
        opening = f"<details><summary>{len(others)} warning(s) and note(s)</summary>\n\n"
        closing = "\n</details>\n"
        rows = _table(others, budget - len(opening) - len(closing))
        body += [opening, TABLE_HEAD, *rows, closing]
        shown += len(rows)
    return body, len(errors) + len(others) - shown


def _table(findings: list[Finding], budget: int) -> list[str]:
    rows: list[str] = []
    used = len(TABLE_HEAD)
    for finding in findings:
        row = _row(finding)
        if used + len(row) > budget:
            break
        rows.append(row)
        used += len(row)
    return rows


def _row(finding: Finding) -> str:
    mark = {"error": "❌", "warning": "⚠️", "note": "📝"}[finding.severity]
    if finding.waiver is not None:
        mark = "🔕 waived"
    elif finding.baseline == "unchanged":
        mark = "baselined"
    terms = "-"
    if finding.policy is not None and finding.clause is not None:
        policy, clause = finding.policy, finding.clause
        terms = f"{policy.title or policy.id} ({policy.version}), {clause.section or clause.id}"
        url = finding.clause.url or finding.policy.source_url
        terms = f"[{_cell(terms)}]({url})" if url and url.startswith(("https://", "http://")) else _cell(terms)
        if not finding.clause.verified:
            terms += " (unverified)"
    cells = [
        mark,
        f"`{_code(finding.rule)}` [{finding.effect}]",
        _cell(finding.artifact),
        _cell(finding.model or "-"),
        f"`{_code(str(finding.location))}`",
        terms,
    ]
    return "| " + " | ".join(cells) + " |\n"


def _tail(report: Report) -> str:
    if not report.problems:
        return ""
    shown = report.problems[:20]
    lines = ["", f"<details><summary>{len(report.problems)} input problem(s)</summary>", ""]
    lines += [f"- `{_code(p)}`" for p in shown]
    if len(report.problems) > len(shown):
        lines.append(f"- … {len(report.problems) - len(shown)} more")
    return "\n".join([*lines, "", "</details>", ""])


def _cell(text: str) -> str:
    """Metadata text in a table cell: nothing in it may end the cell, start HTML, or format."""
    out = text.replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "|`*_[]#!~":
        out = out.replace(char, "\\" + char)
    return out[:300]


def _code(text: str) -> str:
    """Inside backticks nothing is formatted, but a backtick or a pipe would still end the span or cell."""
    return text.replace("`", "'").replace("|", "¦").replace("\n", " ")[:300]


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(MarkdownReporter())
