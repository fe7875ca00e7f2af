"""`--format markdown`: a pull-request comment. The verdict and counts first, then a table of the findings
at the run's `fail_on` threshold (what a reviewer must act on), the rest folded in `<details>`. GitHub
refuses comments over 65,536 characters, so the text stops short of that with how many findings were left
out. The first line is a hidden marker, so a CI step can find its own comment again and edit it."""

from __future__ import annotations

from collections.abc import Callable

from tos_check.evaluate.finding import Finding
from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import Report
from tos_check.report.signature import MARKDOWN_MARKER

MAX_CHARS = 60_000
"""Room under GitHub's 65,536 for what a CI step adds around the report."""


class MarkdownReporter:
    name = "markdown"

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self.max_chars = max_chars

    def render(self, report: Report, *, color: bool = False) -> str:
        head = _head(report)
        acting = [f for f in report.findings if report.at_threshold(f)]
        others = [f for f in report.findings if not report.at_threshold(f)]
        tail = _tail(report)
        budget = self.max_chars - len(head) - len(tail) - 200
        body, left_out = _sections(acting, others, budget)
        if left_out:
            body.append(f"\n_{left_out} more finding(s) not shown; the full report: `--format html` or `json`._\n")
        return head + "".join(body) + tail


def _head(report: Report) -> str:
    counts = report.summary.findings
    failing = report.failing()
    threshold = f"(fail-on: {report.fail_on})"
    if report.summary.partial:
        verdict = "⚠️ **tos-check: partial scan**: some input could not be read, the result cannot be trusted"
    elif failing:
        verdict = f"❌ **tos-check: {len(failing)} failing finding(s)** in the training data's terms {threshold}"
    else:
        verdict = f"✅ **tos-check: nothing fails** {threshold}"
    lines = [
        MARKDOWN_MARKER,
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
        lines += [f"Baseline: {b.unchanged} finding(s) unchanged, {b.new} new, {b.gone} entries gone.", ""]
    if report.since is not None:
        s = report.since
        lines += [f"Since `{_code(s.ref)}` ({s.commit[:12]}): {s.new} new finding(s), {s.unchanged} unchanged.", ""]
    return "\n".join(lines) + "\n"


def _use(report: Report) -> str:
    use = report.use
    name = f" {use.model.name!r}" if use.model.name else ""
    commercial = "commercial" if use.commercial else "non-commercial"
    return f"{'/'.join(use.activities)} a {use.model.kind}{name}, {use.distribution}, {commercial}"


TABLE_HEAD = "| | rule | dataset | model | where | terms |\n|---|---|---|---|---|---|\n"


def _sections(acting: list[Finding], others: list[Finding], budget: int) -> tuple[list[str], int]:
    """The table of findings at the threshold, then the folded rest, each row while it fits; returns the
    text and how many findings did not fit."""
    body: list[str] = []
    shown = 0
    if acting:
        rows = _table(acting, budget)
        body += [TABLE_HEAD, *rows, "\n"]
        shown += len(rows)
        budget -= sum(map(len, body))
    if others and shown == len(acting):
        opening = f"<details><summary>{len(others)} finding(s) below the fail-on threshold</summary>\n\n"
        closing = "\n</details>\n"
        rows = _table(others, budget - len(opening) - len(closing))
        body += [opening, TABLE_HEAD, *rows, closing]
        shown += len(rows)
    return body, len(acting) + len(others) - shown


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
        mark = "unchanged"
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
