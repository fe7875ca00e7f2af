"""`--format html`: one self-contained page for a reviewer who is not an engineer.

The page loads nothing: its CSS and JavaScript (plain, no library) are inlined from `html_assets/`, and a
Content-Security-Policy forbids every fetch and every script but its own (by hash). Every string from the
report came from scanned metadata and is escaped; only http(s) URLs become links. The lineage graph is an
inline SVG laid out by `lineage_svg`; nothing depends on time or chance, so the same report gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources

from tos_check.evaluate.finding import EFFECT_RANK, SEVERITY_RANK, Finding
from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Location
from tos_check.report.interface import Reporter
from tos_check.report.lineage_svg import NO_PROVIDER, RELATION_WORDS, draw, lineage_graph
from tos_check.report.model import ArtifactStatus, Generator, Report
from tos_check.report.signature import HTML_GENERATOR

UNVERIFIED = "unverified: encoded from secondary sources"
_LINKABLE = re.compile(r"https?://[^\s\"'<>`\x00-\x1f\x7f]+", re.IGNORECASE)


def _e(value: object) -> str:
    """Text from the report, safe inside an element or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _link(url: str | None) -> str:
    """An http(s) URL as a link; anything else (javascript:, data:, a relative path) as plain text."""
    if not url:
        return ""
    if _LINKABLE.fullmatch(url) is None:
        return f'<span class="mono">{_e(url)}</span>'
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(url)}</a>'


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {_e(kind)}">{_e(text)}</span>'


def _where(location: Location | None) -> str:
    return "" if location is None else f'<span class="mono where">{_e(location)}</span>'


@cache
def _asset(name: str) -> str:
    return resources.files("tos_check.report").joinpath("html_assets", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


class HtmlReporter:
    name = "html"

    def render(self, report: Report, *, color: bool = False) -> str:
        css, js = _asset("report.css"), _asset("report.js")
        csp = (
            f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; img-src data:; "
            "base-uri 'none'; form-action 'none'"
        )
        out: list[str] = [
            "<!DOCTYPE html>\n",
            f'<html lang="en">\n<head>\n<meta charset="utf-8">\n{HTML_GENERATOR}\n',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>tos-check report: {_e(_headline(report))}</title>\n",
            f"<style>{css}</style>\n</head>\n<body>\n",
        ]
        _header(out, report)
        _problems(out, report)
        _declared_use(out, report)
        _summary(out, report)
        _findings(out, report)
        _waivers(out, report)
        _graph(out, report)
        _datasets(out, report)
        out.append(
            f"<footer>Written by {_e(report.tool.name)} {_e(report.tool.version)}, report schema "
            f"{_e(report.schema_version)}. This page is self-contained: it loads nothing from the network.</footer>\n"
        )
        out.append(f"<script>{js}</script>\n</body>\n</html>\n")
        return "".join(out)


def _headline(report: Report) -> str:
    counts = report.summary.findings
    return f"{counts.error} error(s), {counts.warning} warning(s), {counts.note} note(s)"


# --- top of the page: what was checked, against what, and whether the scan can be trusted ----------------


def _header(out: list[str], report: Report) -> None:
    out.append("<header>\n<h1>Training data terms check</h1>\n")
    out.append(
        '<p class="lede">Which of the scanned training data came from AI model outputs whose terms restrict the '
        "declared use below. Each finding names the clause, the version of the terms in force when the outputs "
        "were made, and the files and lines that show how the data got here.</p>\n</header>\n"
    )


def _problems(out: list[str], report: Report) -> None:
    if report.summary.partial:
        out.append(
            '<div class="banner partial" id="partial" role="alert"><strong>Partial scan: some input could not be '
            f"read ({len(report.problems)} problem(s)). The result cannot be trusted whole: what was not read may "
            "hold more findings.</strong>\n"
        )
    elif report.problems:
        out.append('<div class="banner info" id="problems-banner"><strong>Problems reading input</strong>\n')
    if report.problems:
        out.append('<ul id="problems">')
        out.extend(f'<li class="mono">{_e(problem)}</li>' for problem in report.problems)
        out.append("</ul>\n")
    if report.summary.partial or report.problems:
        out.append("</div>\n")


_USE_LABELS = {
    "activity": "What the data is for",
    "model.name": "Model being built",
    "model.kind": "Kind of model",
    "model.base": "Base model",
    "model.general_purpose": "General-purpose",
    "distribution": "Distribution",
    "commercial": "Commercial",
    "competes_with": "Competes with",
    "organization.monthly_active_users": "Monthly active users",
    "posture": "How third-party outputs count",
}


def _flatten(data: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _plain(value: object) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value) or "none"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _declared_use(out: list[str], report: Report) -> None:
    out.append('<section id="use">\n<h2>Declared use</h2>\n')
    if report.use_source:
        out.append(f'<p>From <span class="mono">{_e(report.use_source)}</span>.</p>\n')
    else:
        out.append(
            '<p class="unverified-note">No declared use was found: the cautious defaults below were assumed.</p>\n'
        )
    out.append('<table class="facts">\n')
    for key, value in _flatten(report.use.model_dump(mode="json")):
        label = _USE_LABELS.get(key, key.replace(".", ": ").replace("_", " ").capitalize())
        out.append(f'<tr><th scope="row">{_e(label)}</th><td>{_e(_plain(value))}</td></tr>\n')
    out.append("</table>\n")
    if report.as_of is not None:
        out.append(
            f"<p>Outputs of unknown date were judged by the terms in force on {_e(report.as_of.isoformat())}.</p>\n"
        )
    out.append("</section>\n")


def _summary(out: list[str], report: Report) -> None:
    summary = report.summary
    counts = summary.findings
    waived = sum(f.waived for f in report.findings)
    cards = [
        ("error", counts.error, "error(s): a clause prohibits this use"),
        ("warning", counts.warning, "warning(s): obligations, or a broad reading"),
        ("note", counts.note, "note(s): notices"),
        ("", summary.artifacts, "dataset(s) scanned"),
        ("", summary.known_provenance, f"of {summary.artifacts} with provenance known"),
        ("", summary.files_scanned, "file(s) read"),
    ]
    if summary.training_datasets:
        cards.append(
            ("", summary.training_datasets, f"named as training data ({summary.training_known_provenance} known)")
        )
    if summary.records_scanned:
        cards.append(("", summary.records_scanned, "record(s) scanned"))
    if waived:
        cards.append(("", waived, "finding(s) waived (shown, marked)"))
    out.append('<section id="summary">\n<h2>Summary</h2>\n<div class="cards">\n')
    for kind, number, what in cards:
        out.append(f'<div class="card {kind}"><span class="count">{number:,}</span>')
        out.append(f'<span class="what">{_e(what)}</span></div>\n')
    out.append("</div>\n")
    if report.baseline is not None:
        base = report.baseline
        out.append(
            f'<p>Compared with the baseline <span class="mono">{_e(base.path)}</span> ({base.entries:,} entries): '
            f"{base.unchanged:,} finding(s) unchanged (shown, not failing the run), {base.new:,} new, "
            f"{base.gone:,} baseline entries no longer found.</p>\n"
        )
    if report.since is not None:
        since = report.since
        out.append(
            f'<p>Compared with <span class="mono">{_e(since.ref)}</span> (commit '
            f'<span class="mono">{_e(since.commit)}</span>): {since.new:,} new finding(s); {since.unchanged:,} that '
            "commit has too are unchanged (shown, not failing the run).</p>\n"
        )
    for decoded in report.encodings:
        out.append(
            f'<p class="muted">Read as {_e(decoded.encoding)} (its byte-order mark says so): '
            f'<span class="mono">{_e(decoded.path)}</span></p>\n'
        )
    out.append("</section>\n")


# --- findings: a table, filterable, each row opening onto its chain, evidence and citation ---------------

_FILTERS: tuple[tuple[str, str], ...] = (
    ("provider", "Provider"),
    ("effect", "Effect"),
    ("severity", "Severity"),
    ("dataset", "Dataset"),
)


def _facets(finding: Finding) -> dict[str, str]:
    return {
        "provider": finding.provider or "",
        "effect": finding.effect,
        "severity": finding.severity,
        "dataset": finding.artifact,
    }


def _options(facet: str, values: Iterable[str]) -> list[str]:
    """Severities and effects from the strongest; providers and datasets by name, an unknown provider last."""

    def order(value: str) -> tuple[int, str]:
        if facet == "severity":
            return (SEVERITY_RANK.get(value, 99), value)
        if facet == "effect":
            return (EFFECT_RANK.get(value, 99), value)
        return (1 if value == "" else 0, value)

    return sorted(values, key=order)


def _findings(out: list[str], report: Report) -> None:
    out.append('<section id="findings">\n<h2>Findings</h2>\n')
    if not report.findings:
        out.append("<p>No findings: no scanned dataset holds outputs whose terms restrict the declared use.</p>\n")
        out.append("</section>\n")
        return
    facets = [_facets(f) for f in report.findings]
    out.append('<div class="filters" id="filters" hidden>\n')
    for facet, label in _FILTERS:
        counted: dict[str, int] = defaultdict(int)
        for values in facets:
            counted[values[facet]] += 1
        out.append(f'<label>{_e(label)}<select data-filter="{facet}" id="filter-{facet}">')
        out.append('<option value="">all</option>')
        for value in _options(facet, counted):
            shown = value or NO_PROVIDER
            out.append(f'<option value="{_e(value)}">{_e(shown)} ({counted[value]:,})</option>')
        out.append("</select></label>\n")
    out.append(
        '<button type="button" id="reset">Show all</button>'
        '<button type="button" id="expand">Open all shown</button>'
        '<button type="button" id="collapse">Close all</button>'
        '<span class="shown" id="shown" aria-live="polite"></span>\n</div>\n'
    )
    # Grid rows in plain blocks, neither a <table> (the browser cannot skip laying out table rows off screen)
    # nor an <ol> (hiding one list item renumbers every later one: filtering 4,000 findings took 25 s).
    out.append('<div class="row heading" aria-hidden="true">')
    out.extend(f"<span>{name}</span>" for name in COLUMNS)
    out.append('</div>\n<div class="findings" id="findings-list">\n')
    found_before = report.found_before()
    for index, (finding, values) in enumerate(zip(report.findings, facets, strict=True), start=1):
        _finding(out, index, finding, values, found_before)
    out.append("</div>\n</section>\n")


COLUMNS = ("Severity", "Effect", "Rule", "Dataset", "Provider and model", "Confidence", "Where")


def _finding(out: list[str], index: int, finding: Finding, values: dict[str, str], found_before: str) -> None:
    data = " ".join(f'data-{facet}="{_e(value)}"' for facet, value in values.items())
    waived = " waived" if finding.waived else ""
    out.append(
        f'<article class="finding{waived}" id="finding-{index}" data-id="{_e(finding.id)}" '
        f'data-waived="{"true" if finding.waived else "false"}" {data}>\n'
    )
    badges = []
    if finding.waived:
        badges.append(_badge("waived", "waived"))
    elif finding.baseline == "unchanged":
        badges.append(_badge("unchanged", "waived"))
    if finding.clause is not None and not finding.clause.verified:
        badges.append(_badge(UNVERIFIED, "unverified"))
    model = finding.model or "no model named"
    provider = finding.provider or NO_PROVIDER
    cells = (
        _badge(finding.severity, finding.severity),
        _badge(finding.effect, finding.effect),
        f'<span class="rule">{_e(finding.rule)}</span> {" ".join(badges)}',
        f'<span class="mono">{_e(finding.artifact)}</span>',
        f'{_e(provider)}<br><span class="mono">{_e(model)}</span>',
        f"{finding.confidence:.2f}",
        _where(finding.location),
    )
    out.append('<div class="row head">')
    out.extend(f'<span data-column="{name}">{cell}</span>' for name, cell in zip(COLUMNS, cells, strict=True))
    out.append("</div>\n<details>")
    out.append(f'<summary>{_e(finding.message)}</summary>\n<div class="detail">\n')
    _acceptance(out, finding, found_before)
    _chain(out, finding)
    _clause(out, finding)
    _obligations(out, finding)
    _evidence(out, finding)
    _facts(out, finding)
    out.append("</div></details>\n</article>\n")


def _acceptance(out: list[str], finding: Finding, found_before: str) -> None:
    waiver = finding.waiver
    if waiver is not None:
        out.append(
            f'<p class="accepted"><strong>Waived</strong> by {_e(waiver.approver)} until '
            f"{_e(waiver.expires.isoformat())}: {_e(waiver.reason)} "
            f'<span class="muted">(<span class="mono">{_e(waiver.source)}</span>)</span>. It does not fail the run; '
            "it is shown so that the acceptance can be reviewed.</p>\n"
        )
    elif finding.baseline == "unchanged":
        out.append(
            f'<p class="accepted"><strong>Unchanged</strong>: found before, in {_e(found_before)}; it does not fail '
            "the run; it is shown so that the acceptance can be reviewed.</p>\n"
        )


def _chain(out: list[str], finding: Finding) -> None:
    if not finding.chain:
        return
    out.append('<h3>How the outputs got into the data</h3>\n<ol class="chain">\n')
    out.append(f'<li><span class="node">{_e(finding.artifact)}</span></li>\n')
    for hop in finding.chain:
        words = RELATION_WORDS.get(hop.relation, hop.relation)
        out.append(
            f'<li class="hop" data-source="{_e(hop.source)}" data-relation="{_e(hop.relation)}" '
            f'data-target="{_e(hop.target)}"><span class="relation">&#8627; {_e(words)}</span>'
            f'<span class="node">{_e(hop.target)}</span> <span class="muted">({_where(hop.location)})</span></li>\n'
        )
    out.append("</ol>\n")


def _clause(out: list[str], finding: Finding) -> None:
    clause, policy = finding.clause, finding.policy
    if clause is None and policy is None:
        return
    out.append('<h3>The clause</h3>\n<div class="clause">\n')
    if clause is not None:
        if not clause.verified:
            out.append(
                f'<p>{_badge(UNVERIFIED, "unverified")} <span class="unverified-note">The provider\'s own text of '
                "this version was not read; the clause is encoded from later documents or secondary sources.</span>"
                "</p>\n"
            )
        out.append(f"<p>{_e(clause.summary)}</p>\n")
    cite: list[str] = []
    if policy is not None:
        named = f"<strong>{_e(policy.title or policy.id)}</strong>"
        if policy.title:
            named += f' (<span class="mono">{_e(policy.id)}</span>)'
        cite.append(named)
        cite.append(f"version {_e(policy.version)}")
        if policy.effective_from is not None:
            cite.append(f"in force from {_e(policy.effective_from.isoformat())}")
    if clause is not None:
        cite.append(f'clause <span class="mono">{_e(clause.id)}</span>')
        if clause.section:
            cite.append(f"section {_e(clause.section)}")
    out.append(f'<p class="citation">Source: {", ".join(cite)}</p>\n')
    if clause is not None and clause.quote:
        out.append(f"<blockquote>{_e(clause.quote)}</blockquote>\n")
    clause_url = clause.url if clause is not None else None
    if clause_url:
        out.append(f"<p>Clause text at: {_link(clause_url)}</p>\n")
    if policy is not None and policy.source_url and policy.source_url != clause_url:
        out.append(f"<p>Document: {_link(policy.source_url)}</p>\n")
    out.append("</div>\n")


def _obligations(out: list[str], finding: Finding) -> None:
    if not finding.obligations:
        return
    out.append('<h3>Obligations</h3>\n<table class="obligations"><thead><tr><th>Status</th><th>Obligation</th>')
    out.append("<th>Why</th></tr></thead><tbody>\n")
    for obligation in finding.obligations:
        out.append(
            f"<tr><td>{_badge(obligation.status, obligation.status)}</td><td>{_e(obligation.summary)}</td>"
            f"<td>{_e(obligation.detail or '')}</td></tr>\n"
        )
    out.append("</tbody></table>\n")


def _evidence(out: list[str], finding: Finding) -> None:
    if not finding.evidence:
        return
    out.append('<h3>Evidence</h3>\n<ul class="evidence">\n')
    for item in finding.evidence:
        out.append(
            f"<li>{_where(item.location)}: {_e(item.detail)} "
            f'<span class="muted">({_e(item.kind)}, confidence {item.confidence:.2f})</span></li>\n'
        )
    out.append("</ul>\n")


_VERSION_BASIS = {
    "generation_date": "the terms in force when the outputs were generated",
    "assumed_today": "today's terms (the generation date is unknown)",
    "current_licence": "the current licence",
    "none": "not applicable",
}


def _facts(out: list[str], finding: Finding) -> None:
    facts: list[tuple[str, str]] = [
        ("Confidence", f"{finding.confidence:.2f}"),
        ("Model hops", str(finding.depth)),
    ]
    if finding.model_family:
        facts.append(("Model family", finding.model_family))
    if finding.generated:
        facts.append(("Generated", finding.generated))
    facts.append(("Version judged", _VERSION_BASIS.get(finding.version_basis, finding.version_basis)))
    if finding.by:
        facts.append(("Who called the model", "we did" if finding.by == "us" else "a third party"))
    if finding.carried_by:
        facts.append(("Terms carried by the data licence", finding.carried_by))
    if finding.undecided:
        facts.append(("Undecided until the declared use states", ", ".join(finding.undecided)))
    facts.append(("Finding id", finding.id))
    out.append('<dl class="more-facts">')
    out.extend(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in facts)
    out.append("</dl>\n")


def _waivers(out: list[str], report: Report) -> None:
    if not report.waivers:
        return
    out.append(
        '<section id="waivers">\n<h2>Waivers</h2>\n<table class="waivers"><thead><tr><th>State</th><th>Rule</th>'
        "<th>Dataset</th><th>Model</th><th>Reason</th><th>Approved by</th><th>Expires</th><th>Matched</th>"
        "<th>Written at</th></tr></thead><tbody>\n"
    )
    for waiver in report.waivers:
        out.append(
            f'<tr><td>{_badge(waiver.state, "waiver-" + waiver.state)}</td><td class="mono">{_e(waiver.rule)}</td>'
            f'<td class="mono">{_e(waiver.dataset)}</td><td class="mono">{_e(waiver.model or "any")}</td>'
            f"<td>{_e(waiver.reason)}</td><td>{_e(waiver.approver)}</td><td>{_e(waiver.expires.isoformat())}</td>"
            f'<td>{waiver.matched:,}</td><td class="mono">{_e(waiver.source)}</td></tr>\n'
        )
    out.append("</tbody></table>\n</section>\n")


# --- datasets ------------------------------------------------------------------------------------------


def _generator_text(generator: Generator) -> str:
    who = generator.provider or ("described in this scan" if generator.in_scan else NO_PROVIDER)
    parts = [who]
    if generator.depth > 1:
        parts.append(f"{generator.depth} model hops away")
    if generator.records is not None:
        parts.append(f"{generator.records:,} records")
    return f'<span class="mono">{_e(generator.model)}</span> <span class="muted">({_e(", ".join(parts))})</span>'


def _datasets(out: list[str], report: Report) -> None:
    out.append('<section id="datasets">\n<h2>Datasets</h2>\n')
    if not report.artifacts:
        out.append("<p>The scan found no dataset.</p>\n</section>\n")
        return
    out.append('<div class="row dataset heading" aria-hidden="true">')
    out.extend(f"<span>{name}</span>" for name in DATASET_COLUMNS)
    out.append('</div>\n<div class="datasets" id="datasets-list">\n')
    for artifact in report.artifacts:
        _dataset_row(out, artifact)
    out.append("</div>\n</section>\n")


DATASET_COLUMNS = (
    "Dataset",
    "Status",
    "Provenance",
    "Outputs of",
    "Licences",
    "Named as training data at",
    "Described at",
)


def _dataset_row(out: list[str], artifact: ArtifactStatus) -> None:
    provenance = "known" if artifact.provenance_known else "unknown"
    status = _badge(artifact.status, artifact.status)
    if artifact.undecided:
        status += f'<br><span class="muted">undecided until the use states: {_e(", ".join(artifact.undecided))}</span>'
    generators = "<br>".join(_generator_text(g) for g in artifact.generators) or (
        '<span class="muted">no model named in its metadata</span>'
    )
    licenses = ", ".join(_e(name) for name in artifact.licenses) or '<span class="muted">none stated</span>'
    used_in = "<br>".join(_where(where) for where in artifact.used_in)
    cells = (
        f'<span class="mono">{_e(artifact.id)}</span>',
        status,
        _badge(provenance, provenance),
        generators,
        licenses,
        used_in,
        _where(artifact.location),
    )
    out.append(f'<div class="row dataset" data-dataset="{_e(artifact.id)}" data-status="{_e(artifact.status)}">')
    out.extend(f'<span data-column="{name}">{cell}</span>' for name, cell in zip(DATASET_COLUMNS, cells, strict=True))
    out.append("</div>\n")


# --- the lineage graph (laid out and drawn by lineage_svg) ------------------------------------------------


def _graph(out: list[str], report: Report) -> None:
    out.append('<section id="lineage">\n<h2>Lineage</h2>\n')
    graph = lineage_graph(report)
    if not graph.nodes:
        out.append("<p>Nothing to draw: the scan found no dataset.</p>\n</section>\n")
        return
    out.append(
        "<p>Each arrow points from a dataset or model to where it came from, so the data being checked starts on "
        "the left. Datasets are coloured by status; models have rounded corners. Hover over a box or an arrow "
        "for its full name and the lines that state it.</p>\n"
    )
    if graph.left_out:
        drawn = sum(node.status is not None for node in graph.nodes)
        out.append(
            f'<p class="unverified-note" id="graph-left-out">Drawn: {drawn:,} of {drawn + graph.left_out:,} datasets, '
            "those with the strongest status and everything they came from. The Datasets table below lists every "
            "one.</p>\n"
        )
    draw(graph, out)
    out.append("</section>\n")


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(HtmlReporter())
