"""`--format text`: for people at a terminal. Each finding shows its chain hop by hop, the clause and its citation."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from tos_check.evaluate.finding import Finding
from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import ArtifactStatus, Generator, Report

WIDTH = 120
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}
STATUS_STYLE = {
    "prohibited": "bold red",
    "obligation": "yellow",
    "undecided": "magenta",
    "notice": "cyan",
    "clear": "green",
}


INDENT = " " * 9
"""Findings are blocks: the severity in the margin, everything else indented under the rule."""


class TextReporter:
    """Plain blocks, wrapped here and printed without layout: a scan of thousands of files has thousands of
    findings, and measuring them as table cells took rich ~1.6 ms each (20 s for 12,000)."""

    name = "text"

    def render(self, report: Report, *, color: bool = False) -> str:
        out = _Out()
        out.append(_use_line(report) + "\n")
        if report.findings:
            out.append("\nFindings\n", style="bold")
            for finding in report.findings:
                _finding_block(out, finding)
        else:
            out.append("\nNo findings.\n")
        if report.artifacts:
            out.append("\nDatasets\n", style="bold")
            for artifact in report.artifacts:
                _artifact_block(out, artifact)
        if report.problems or report.encodings:
            out.append("\n")
        for decoded in report.encodings:
            out.append(f"read as {decoded.encoding} (its byte-order mark says so): {decoded.path}\n", style="dim")
        for problem in report.problems:
            out.append(f"problem: {problem}\n", style="red")
        out.append("\n")
        out.append(_summary_line(report) + "\n", style="bold")
        return out.render(color)


class _Out:
    """Text with a style per piece. Without colour it is only joined: rich styles it for a terminal."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, str | None]] = []

    def append(self, text: str, style: str | None = None) -> None:
        self.pieces.append((text, style))

    def render(self, color: bool) -> str:
        if not color:
            return "".join(text for text, _ in self.pieces)
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=WIDTH, force_terminal=True, color_system="standard", highlight=False, emoji=False
        )
        styled = Text()
        for text, style in self.pieces:
            styled.append(text, style=style)
        console.print(styled, soft_wrap=True, markup=False, end="")
        return buffer.getvalue()


def _wrapped(text: str, indent: str = INDENT) -> str:
    lines = textwrap.wrap(
        text,
        WIDTH - 1,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines) + "\n"


def _use_line(report: Report) -> str:
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
    return f"Declared use: {', '.join(parts)} ({origin})"


def _finding_block(out: _Out, finding: Finding) -> None:
    out.append("\n")
    out.append(f"{finding.severity.upper():<9}", style=SEVERITY_STYLE[finding.severity])
    out.append(f"{finding.rule}  [{finding.effect}]", style="bold")
    if finding.waiver is not None:
        out.append(f"  WAIVED until {finding.waiver.expires}", style="dim")
    elif finding.baseline == "unchanged":
        out.append("  UNCHANGED", style="dim")
    out.append("\n")
    out.append(f"{INDENT}{finding.location}  (confidence {finding.confidence:.2f})\n")
    out.append(_wrapped(finding.message))
    if finding.chain:
        out.append(f"{INDENT}chain: {finding.artifact}\n", style="dim")
        for hop in finding.chain:
            out.append(f"{INDENT}  <-{hop.relation}- {hop.target}  ({hop.location})\n", style="dim")
    if finding.waiver is not None:
        waiver = finding.waiver
        out.append(_wrapped(f"waived by {waiver.approver} ({waiver.source}): {waiver.reason}"), style="dim")
    for obligation in finding.obligations:
        out.append(_wrapped(f"obligation [{obligation.status}]: {obligation.summary}"))
    if finding.policy is not None and finding.clause is not None:
        cite = (
            f"source: {finding.policy.title or finding.policy.id} ({finding.policy.version}), {finding.clause.section}"
        )
        url = finding.clause.url or finding.policy.source_url
        if url:
            cite += f" <{url}>"
        out.append(_wrapped(cite), style="dim")
        if finding.clause.quote:
            out.append(_wrapped(f'"{finding.clause.quote}"'), style="italic dim")


def _artifact_block(out: _Out, artifact: ArtifactStatus) -> None:
    out.append(f"{artifact.status:<11}", style=STATUS_STYLE[artifact.status])
    out.append(f"{artifact.id}\n")
    generators = ", ".join(_generator(g) for g in artifact.generators) or "no model named in its metadata"
    out.append(_wrapped(f"outputs of: {generators}", " " * 11))
    if artifact.undecided:
        out.append(
            _wrapped("undecided until the declared use states: " + ", ".join(artifact.undecided), " " * 11),
            style=STATUS_STYLE["undecided"],
        )
    if artifact.used_in:
        out.append(
            _wrapped("named as training data at: " + ", ".join(str(where) for where in artifact.used_in), " " * 11)
        )


def _generator(g: Generator) -> str:
    who = g.provider or ("a model described in this scan" if g.in_scan else "unknown provider")
    depth = f", depth {g.depth}" if g.depth > 1 else ""
    records = f", {g.records:,} records" if g.records is not None else ""
    return f"{g.model} ({who}{depth}{records})"


def _summary_line(report: Report) -> str:
    counts = report.summary.findings
    line = (
        f"{counts.error} error(s), {counts.warning} warning(s), {counts.note} note(s) in "
        f"{report.summary.artifacts} dataset(s), provenance known for {report.summary.known_provenance}; "
        f"{report.summary.files_scanned} file(s) scanned"
    )
    if report.summary.training_datasets:
        line += (
            f"; named as training data: {report.summary.training_datasets} dataset(s), provenance known for "
            f"{report.summary.training_known_provenance}"
        )
    waived = sum(f.waiver is not None for f in report.findings)
    unchanged = sum(f.waiver is None and f.baseline == "unchanged" for f in report.findings)
    if waived or unchanged:
        line += f"; accepted: {waived} waived, {unchanged} unchanged"
    if report.since is not None:
        line += f"; since {report.since.ref}: {report.since.new} new, {report.since.unchanged} unchanged"
    if report.summary.partial:
        line += f"; PARTIAL: {len(report.problems)} problem(s) reading input"
    return line


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(TextReporter())
