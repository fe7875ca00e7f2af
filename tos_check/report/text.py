"""`--format text`: for people at a terminal. Each finding shows its chain, the clause and its citation."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tos_check.evaluate.finding import Finding
from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import Generator, Report

WIDTH = 120
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}
STATUS_STYLE = {"prohibited": "bold red", "obligation": "yellow", "notice": "cyan", "clear": "green"}


class TextReporter:
    name = "text"

    def render(self, report: Report, *, color: bool = False) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=WIDTH,
            force_terminal=color,
            no_color=not color,
            color_system="standard" if color else None,
            highlight=False,
            emoji=False,
            soft_wrap=False,
        )
        console.print(_use_line(report))
        if report.findings:
            console.print(_findings_table(report.findings))
        else:
            console.print("No findings.")
        if report.artifacts:
            console.print(_artifacts_table(report))
        for problem in report.problems:
            console.print(Text(f"problem: {problem}", style="red"))
        console.print(_summary_line(report))
        return buffer.getvalue()


def _use_line(report: Report) -> Text:
    use = report.use
    model = use.model
    parts = [
        "/".join(use.activities),
        f"{model.kind} {model.name!r}" if model.name else model.kind,
        "general-purpose" if model.general_purpose else "narrow",
        use.distribution,
        "commercial" if use.commercial else "non-commercial",
        f"competes with: {use.competes_with if isinstance(use.competes_with, str) else ', '.join(use.competes_with)}",
        f"posture: {use.posture}",
    ]
    origin = f"from {report.use_source}" if report.use_source else "assumed: no declared use found"
    return Text(f"Declared use: {', '.join(parts)} ({origin})")


def _findings_table(findings: list[Finding]) -> Table:
    table = Table(title="Findings", show_lines=True, expand=True, title_justify="left")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Finding", ratio=3)
    table.add_column("Where", ratio=1, overflow="fold")
    for finding in findings:
        table.add_row(
            Text(finding.severity.upper(), style=SEVERITY_STYLE[finding.severity]),
            _finding_cell(finding),
            Text(f"{finding.location}\nconfidence {finding.confidence:.2f}"),
        )
    return table


def _finding_cell(finding: Finding) -> Text:
    text = Text()
    text.append(f"{finding.rule}  [{finding.effect}]\n", style="bold")
    text.append(finding.message + "\n")
    if finding.chain:
        chain = finding.artifact
        for hop in finding.chain:
            chain += f" <-{hop.relation}- {hop.target}"
        text.append(f"chain: {chain}\n", style="dim")
    for obligation in finding.obligations:
        text.append(f"obligation [{obligation.status}]: {obligation.summary}\n")
    if finding.policy is not None and finding.clause is not None:
        cite = (
            f"source: {finding.policy.title or finding.policy.id} ({finding.policy.version}), {finding.clause.section}"
        )
        if finding.policy.source_url:
            cite += f" <{finding.policy.source_url}>"
        text.append(escape(cite) + "\n", style="dim")
        if finding.clause.quote:
            text.append(f'"{finding.clause.quote}"\n', style="italic dim")
    text.rstrip()
    return text


def _artifacts_table(report: Report) -> Table:
    table = Table(title="Datasets", expand=True, title_justify="left")
    table.add_column("Dataset", ratio=2, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Outputs of", ratio=3)
    for artifact in report.artifacts:
        generators = ", ".join(_generator(g) for g in artifact.generators) or "no model named in its metadata"
        table.add_row(artifact.id, Text(artifact.status, style=STATUS_STYLE[artifact.status]), generators)
    return table


def _generator(g: Generator) -> str:
    who = g.provider or ("a model described in this scan" if g.in_scan else "unknown provider")
    depth = f", depth {g.depth}" if g.depth > 1 else ""
    records = f", {g.records:,} records" if g.records is not None else ""
    return f"{g.model} ({who}{depth}{records})"


def _summary_line(report: Report) -> Text:
    counts = report.summary.findings
    line = (
        f"{counts.error} error(s), {counts.warning} warning(s), {counts.note} note(s) in "
        f"{report.summary.artifacts} dataset(s), provenance known for {report.summary.known_provenance}; "
        f"{report.summary.files_scanned} file(s) scanned"
    )
    if report.summary.partial:
        line += f"; PARTIAL: {len(report.problems)} problem(s) reading input"
    return Text(line, style="bold")


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(TextReporter())
