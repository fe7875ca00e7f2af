"""`--format html`: what the page shows, that metadata cannot inject anything into it, that the same report
gives the same bytes, and, in a real headless chromium (marker `browser`), that it loads nothing, raises
nothing, filters and expands as it should, and draws the lineage it describes."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.scanning import AS_OF, PUBLIC_CHAT, scan_builtin
from tos_check.evaluate.finding import AppliedWaiver, Finding
from tos_check.identity.resolver import Resolver
from tos_check.plugins import policy_dirs, reporters
from tos_check.policy.load import load_policies
from tos_check.report.html import UNVERIFIED, HtmlReporter
from tos_check.report.lineage_svg import DATASETS_DRAWN, GraphEdge, GraphNode, Lineage, layers, layout, lineage_graph
from tos_check.report.model import Report
from tos_check.scan import ScanOptions, scan
from tos_check.use import load_use_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = Path("examples/fine-tune-chat")
SCREENSHOT = REPO / "build" / "test-artifacts" / "html-report.png"
JS = (REPO / "tos_check" / "report" / "html_assets" / "report.js").read_text(encoding="utf-8")
RENDER = HtmlReporter().render


def scan_example() -> Report:
    """The bundled example as `tos-check scan examples/fine-tune-chat` sees it from the repository's root."""
    policies, problems = load_policies(policy_dirs())
    assert problems == []
    with contextlib.chdir(REPO):
        declared = load_use_file(EXAMPLE / "tos-check.yaml")
        return scan([EXAMPLE], declared, policies, Resolver.builtin(), ScanOptions(as_of=AS_OF))


@functools.cache
def example() -> Report:
    return scan_example()


class Parsed(HTMLParser):
    """Every element with its attributes, and the text of each script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def findings(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == "article" and "finding" in (attrs.get("class") or "")]


def finding_block(text: str, finding: Finding) -> str:
    """The HTML of one finding's rows."""
    match = re.search(
        rf'<article class="finding[^"]*" id="finding-\d+" data-id="{finding.id}".*?</article>', text, re.S
    )
    assert match is not None, finding.rule
    return match.group(0)


# --- the format and what it shows ----------------------------------------------------------------------


def test_html_is_a_registered_format() -> None:
    assert isinstance(reporters()["html"], HtmlReporter)


def test_the_prohibited_finding_shows_its_rule_chain_evidence_and_citation() -> None:
    report = example()
    text = RENDER(report)
    (prohibited,) = [f for f in report.findings if f.effect == "prohibited"]
    assert prohibited.rule == "openai-terms-of-use/no-competing-models"
    block = finding_block(text, prohibited)
    assert prohibited.rule in block
    assert 'data-provider="openai"' in block and 'data-effect="prohibited"' in block
    for hop in prohibited.chain:
        assert f'data-source="{hop.source}" data-relation="{hop.relation}" data-target="{hop.target}"' in block, hop
        assert str(hop.location) in block  # examples/fine-tune-chat/tos-provenance.yaml:7
    for evidence in prohibited.evidence:
        assert str(evidence.location) in block
    assert "examples/fine-tune-chat/data/support-chats-gpt4/README.md:24" in block
    assert prohibited.policy is not None and prohibited.clause is not None
    assert "<strong>OpenAI Terms of Use</strong>" in block
    assert "version 2023-03-14" in block
    assert "section 2(c)(iii) Usage Requirements, Restrictions" in block
    assert "<blockquote>use output from the Services to develop models that compete with OpenAI</blockquote>" in block
    url = prohibited.policy.source_url
    assert f'<a href="{url}" rel="noopener noreferrer">{url}</a>' in block
    assert UNVERIFIED not in block


def test_a_three_hop_chain_is_shown_hop_by_hop_in_order() -> None:
    report = example()
    (finding,) = [f for f in report.findings if f.rule == "tos-check/beyond-reach"]
    block = finding_block(RENDER(report), finding)
    positions = [block.index(f'data-target="{hop.target}"') for hop in finding.chain]
    assert len(finding.chain) == 3 and positions == sorted(positions)
    assert "trained on" in block and "generated by" in block


def test_declared_use_summary_datasets_and_obligations() -> None:
    report = example()
    text = RENDER(report)
    assert 'From <span class="mono">examples/fine-tune-chat/tos-check.yaml</span>' in text
    assert "<td>Llama-3.1-Acme-Chat-8B</td>" in text and "<td>250,000</td>" in text
    summary = text[text.index('<section id="summary">') : text.index('<section id="findings">')]
    counts = re.findall(r'<div class="card (\w*)"><span class="count">([\d,]+)</span>', summary)
    assert counts[:5] == [("error", "1"), ("warning", "1"), ("note", "2"), ("", "4"), ("", "4")]
    datasets = text[text.index('<section id="datasets">') :]
    for artifact in report.artifacts:
        assert f'<div class="row dataset" data-dataset="{artifact.id}" data-status="{artifact.status}">' in datasets
    assert datasets.count('<span class="badge known">known</span>') == 4
    assert 'gpt-4-0613</span> <span class="muted">(openai, 12,000 records)' in datasets
    (named,) = [f for f in report.findings if f.rule == "llama-3.1-community-license/name-prefix"]
    block = finding_block(text, named)
    assert '<span class="badge met">met</span>' in block and "starts with" in block
    assert 'id="partial"' not in text and 'id="problems"' not in text


def test_the_page_is_self_contained_and_allows_only_its_own_script() -> None:
    text = RENDER(example())
    page = Parsed(text)
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"link", "img", "iframe", "object", "embed", "base", "form"}
    assert not [attrs for _, attrs in page.elements if "src" in attrs]
    assert "@import" not in text and "url(http" not in text and "//fonts." not in text
    (csp,) = [
        a["content"] for t, a in page.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None and csp.startswith("default-src 'none';") and "img-src data:" in csp
    ((attrs, js),) = page.scripts
    assert attrs == {} and js == JS
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert text.index("Content-Security-Policy") < text.index("<style>")


def test_an_unverified_clause_is_flagged_on_its_row(tmp_path: Path) -> None:
    (tmp_path / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: data/opus\n    kind: dataset\n    generated_by:\n"
        "      - model: claude-3-opus-20240229\n        date: 2024-03-01\n        by: us\n"
    )
    report = scan_builtin(tmp_path, use=PUBLIC_CHAT)
    text = RENDER(report)
    unverified = [f for f in report.findings if f.clause is not None and not f.clause.verified]
    verified = [f for f in report.findings if f.clause is not None and f.clause.verified]
    assert unverified
    for finding in unverified:
        head = finding_block(text, finding).split("<details>")[0]
        assert f'<span class="badge unverified">{UNVERIFIED}</span>' in head
    for finding in verified:
        assert UNVERIFIED not in finding_block(text, finding)


def test_a_waived_finding_is_shown_and_marked() -> None:
    report = example()
    waiver = AppliedWaiver(
        reason="legal approved <b>this</b>", approver="jane@example.com", expires=dt.date(2027, 1, 1), source="x:3"
    )
    findings = [f.model_copy(update={"waiver": waiver}) if f.effect == "prohibited" else f for f in report.findings]
    waived = report.model_copy(update={"findings": findings})
    text = RENDER(waived)
    assert len(Parsed(text).findings()) == len(report.findings)
    (finding,) = [f for f in findings if f.waived]
    block = finding_block(text, finding)
    assert block.startswith('<article class="finding waived"') and 'data-waived="true"' in block
    assert '<span class="badge waived">waived</span>' in block
    assert "legal approved &lt;b&gt;this&lt;/b&gt;" in block and "2027-01-01" in block
    others = [f for f in findings if not f.waived]
    assert all('data-waived="false"' in finding_block(text, f) for f in others)


def test_a_partial_scan_says_so_at_the_top() -> None:
    report = example()
    partial = report.model_copy(
        update={
            "summary": report.summary.model_copy(update={"partial": True}),
            "problems": ["data/broken.yaml:3: <b>unreadable</b>"],
        }
    )
    text = RENDER(partial)
    top = text[: text.index('<section id="use">')]
    assert '<div class="banner partial" id="partial" role="alert">' in top
    assert '<li class="mono">data/broken.yaml:3: &lt;b&gt;unreadable&lt;/b&gt;</li>' in top


def test_an_empty_scan_renders(tmp_path: Path) -> None:
    text = RENDER(scan_builtin(tmp_path))
    assert "No findings" in text and "The scan found no dataset." in text
    assert '<article class="finding' not in text and "<svg" not in text


# --- hostile metadata ----------------------------------------------------------------------------------

HOSTILE_MANIFEST = """\
artifacts:
  - id: "data/<script>alert(1)</script>\\"'"
    kind: dataset
    generated_by:
      - model: gpt-4-0613
        date: 2023-11-10
        by: us
  - id: data/odd-model
    kind: dataset
    generated_by:
      - model: "<script>alert(2)</script>\\" onmouseover=\\"alert(3)"
        date: 2024-01-01
"""
HOSTILE_CARD = """\
---
license: "javascript:alert(4)"
pretty_name: "<img src=x onerror=alert(5)>"
source_datasets:
- "javascript:alert(6)"
tags:
- "</script><script>alert(7)</script>"
---
# Data

The responses were generated with GPT-4 (gpt-4-0613) <script>alert(8)</script> in 2023.
"""


def hostile_report(folder: Path) -> Report:
    (folder / "card").mkdir(exist_ok=True)
    (folder / "tos-provenance.yaml").write_text(HOSTILE_MANIFEST)
    (folder / "card" / "README.md").write_text(HOSTILE_CARD)
    report = scan_builtin(folder, use=PUBLIC_CHAT)
    findings = []
    for finding in report.findings:  # a policy of --policies DIR is input too: its URLs are not trusted either
        if finding.policy is not None and finding.clause is not None and "<script>" in finding.artifact:
            finding = finding.model_copy(
                update={
                    "policy": finding.policy.model_copy(update={"source_url": "javascript:alert(9)"}),
                    "clause": finding.clause.model_copy(update={"url": " JaVaScRiPt:alert(10)"}),
                }
            )
        findings.append(finding)
    return report.model_copy(update={"findings": findings})


def test_hostile_metadata_is_text_never_markup(tmp_path: Path) -> None:
    report = hostile_report(tmp_path)
    assert any("<script>" in a.id for a in report.artifacts)
    assert any("<script>" in (f.model or "") for f in report.findings) or any(
        "<script>" in g.model for a in report.artifacts for g in a.generators
    )
    text = RENDER(report)
    page = Parsed(text)
    ((attrs, js),) = page.scripts  # only the page's own script
    assert attrs == {} and js == JS
    assert [name for _, attrs in page.elements for name in attrs if name.startswith("on")] == []
    assert [tag for tag, _ in page.elements if tag == "img"] == []
    hrefs = [attrs["href"] for _, attrs in page.elements if "href" in attrs]
    assert hrefs and all(href is not None and re.match(r"https?://", href) for href in hrefs)
    assert "javascript:" not in "".join(str(attrs) for _, attrs in page.elements)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;" in text
    assert "javascript:alert(9)" in text  # shown, as text
    for needle in ("<script>alert", "<img src", '" onmouseover', "</script><script>"):
        assert needle not in text


def test_hostile_urls_are_not_links(tmp_path: Path) -> None:
    text = RENDER(hostile_report(tmp_path))
    assert '<span class="mono">javascript:alert(9)</span>' in text
    assert '<span class="mono"> JaVaScRiPt:alert(10)</span>' in text


# --- the same report, the same bytes; and size ---------------------------------------------------------


def test_the_same_report_gives_the_same_bytes(tmp_path: Path) -> None:
    first = scan_example()
    assert RENDER(first) == RENDER(first)
    assert RENDER(first).encode() == RENDER(scan_example()).encode()
    assert RENDER(hostile_report(tmp_path)) == RENDER(hostile_report(tmp_path))


def grown(n: int) -> Report:
    """The example with n findings (its own, repeated) over 500 datasets."""
    report = example()
    findings = [
        report.findings[i % len(report.findings)].model_copy(
            update={"id": f"{i:016x}", "artifact": f"data/set-{i % 500:03d}"}
        )
        for i in range(n)
    ]
    return report.model_copy(update={"findings": findings})


def test_thousands_of_findings_render_in_linear_time() -> None:
    small, large = grown(500), grown(4_000)
    started = time.perf_counter()
    RENDER(small)
    small_time = time.perf_counter() - started
    started = time.perf_counter()
    text = RENDER(large)
    large_time = time.perf_counter() - started
    assert text.count('<article class="finding') == 4_000
    assert large_time < 10 * small_time + 0.5, (small_time, large_time)
    assert large_time < 3.0


# --- the lineage graph ---------------------------------------------------------------------------------


def test_the_example_lineage_has_every_dataset_and_model_and_each_hop() -> None:
    graph = lineage_graph(example())
    kinds = {node.id: node.kind for node in graph.nodes}
    assert kinds == {
        "data/helpdesk-human": "dataset",
        "data/reasoning-traces-llama": "dataset",
        "data/summaries-distilled": "dataset",
        "data/support-chats-gpt4": "dataset",
        "gpt-4-0613": "model",
        "meta-llama/Llama-3.1-70B-Instruct": "model",
        "acme/summarizer-1b": "model",
        "Qwen/Qwen2.5-0.5B": "model",
    }
    edges = {(edge.source, edge.relation, edge.target): edge.where for edge in graph.edges}
    assert edges == {
        ("data/support-chats-gpt4", "generated_by", "gpt-4-0613"): ("examples/fine-tune-chat/tos-provenance.yaml:7",),
        ("data/reasoning-traces-llama", "generated_by", "meta-llama/Llama-3.1-70B-Instruct"): (
            "examples/fine-tune-chat/tos-provenance.yaml:17",
        ),
        ("data/summaries-distilled", "generated_by", "acme/summarizer-1b"): (
            "examples/fine-tune-chat/tos-provenance.yaml:33",
        ),
        ("acme/summarizer-1b", "trained_on", "data/support-chats-gpt4"): (
            "examples/fine-tune-chat/tos-provenance.yaml:27",
        ),
        # Qwen is summarizer-1b's base: the report says only "depth 2, in the scan", not through which model
        ("data/summaries-distilled", "indirect", "Qwen/Qwen2.5-0.5B"): (),
    }
    assert layers(graph) == {
        "data/helpdesk-human": 0,
        "data/reasoning-traces-llama": 0,
        "data/summaries-distilled": 0,
        "acme/summarizer-1b": 1,
        "Qwen/Qwen2.5-0.5B": 1,
        "meta-llama/Llama-3.1-70B-Instruct": 1,
        "data/support-chats-gpt4": 2,
        "gpt-4-0613": 3,
    }


def test_a_graph_of_many_datasets_draws_the_strongest_and_says_so() -> None:
    report = example()
    graph = lineage_graph(report, limit=1)  # the prohibited dataset and where it came from
    assert {node.id for node in graph.nodes} == {"data/support-chats-gpt4", "gpt-4-0613"}
    assert [(e.source, e.target) for e in graph.edges] == [("data/support-chats-gpt4", "gpt-4-0613")]
    assert graph.left_out == 3
    assert lineage_graph(report, limit=2).left_out == 2  # the obligation dataset and its model join
    assert lineage_graph(report).left_out == 0
    many = report.model_copy(
        update={
            "artifacts": [
                *report.artifacts,
                *(report.artifacts[0].model_copy(update={"id": f"data/clear-{i:04d}"}) for i in range(DATASETS_DRAWN)),
            ]
        }
    )
    text = RENDER(many)
    assert f"Drawn: {DATASETS_DRAWN:,} of {DATASETS_DRAWN + 4:,} datasets" in text
    assert text.count('<g class="node dataset"') == DATASETS_DRAWN
    assert text.count('<div class="row dataset" data-dataset=') == DATASETS_DRAWN + 4


def test_layout_survives_a_cycle_and_never_overlaps() -> None:
    nodes = tuple(GraphNode(id=name, kind="model", status=None, provider=None) for name in "abcde")
    edges = tuple(
        GraphEdge(source=s, relation="trained_on", target=t, where=()) for s, t in ["ab", "bc", "ca", "dc", "ee"]
    )
    graph = Lineage(nodes, edges)
    assert layers(graph) == {"a": 0, "b": 1, "c": 2, "d": 0, "e": 0}  # the cycle broken at a
    placed, width, height = layout(graph)
    assert layout(graph) == (placed, width, height)
    boxes = {(p.x, p.y) for p in placed.values()}
    assert len(boxes) == len(nodes)
    assert all(0 <= p.x < width and 0 <= p.y < height for p in placed.values())


# --- in a real browser -----------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = "TOS_CHECK_REQUIRE_BROWSER"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"{reason} ({REQUIRE_BROWSER} is set, so the browser test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module, Debian's, never a download (`make browser` installs it with apt)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed; `make browser` installs Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed; pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Loaded:
    """A page opened from a file:// URL, with everything it said and asked for."""

    def __init__(self, browser: Browser, path: Path, *, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1300, "height": 900})
        self.page: Page = self.context.new_page()
        self.url = path.resolve().as_uri()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(self.url, wait_until="load")

    def visible_ids(self) -> list[str]:
        ids: list[str] = self.page.locator("article.finding:visible").evaluate_all(
            "rows => rows.map(row => row.getAttribute('data-id'))"
        )
        return ids

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def example_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(RENDER(example()), encoding="utf-8")
    return path


@pytest.fixture
def loaded(browser: Browser, example_file: Path) -> Iterator[Loaded]:
    page = Loaded(browser, example_file)
    yield page
    page.close()


@pytest.mark.browser
def test_browser_loads_the_page_without_errors_or_requests(loaded: Loaded) -> None:
    loaded.page.click("#expand")  # every part of the page open, nothing new asked for
    assert loaded.errors == []
    assert [line for line in loaded.console if line.startswith(("error", "warning"))] == []
    assert loaded.requests == [loaded.url]
    assert loaded.page.evaluate("document.scripts.length") == 1
    assert loaded.page.is_visible("#filters")
    assert loaded.page.inner_text("#shown") == "4 of 4 finding(s) shown"


@pytest.mark.browser
def test_browser_each_filter_shows_exactly_the_matching_findings(loaded: Loaded) -> None:
    report = example()
    by_facet = {
        "provider": lambda f: f.provider or "",
        "effect": lambda f: f.effect,
        "severity": lambda f: f.severity,
        "dataset": lambda f: f.artifact,
    }
    page = loaded.page
    for facet, value_of in by_facet.items():
        select = page.locator(f"#filter-{facet}")
        values = select.locator("option").evaluate_all("options => options.map(option => option.value)")
        assert values[0] == "" and sorted(values[1:]) == sorted({value_of(f) for f in report.findings}), facet
        for index, value in enumerate(values[1:], start=1):
            select.select_option(index=index)
            expected = [f.id for f in report.findings if value_of(f) == value]
            assert loaded.visible_ids() == expected, (facet, value)
            assert page.inner_text("#shown") == f"{len(expected)} of 4 finding(s) shown"
        select.select_option(index=0)
        assert loaded.visible_ids() == [f.id for f in report.findings]
    page.locator("#filter-provider").select_option("openai")
    page.locator("#filter-severity").select_option("note")
    (beyond,) = [f for f in report.findings if f.provider == "openai" and f.severity == "note"]
    assert loaded.visible_ids() == [beyond.id]
    page.locator("#filter-effect").select_option("prohibited")
    assert loaded.visible_ids() == []
    page.click("#reset")
    assert loaded.visible_ids() == [f.id for f in report.findings]
    assert loaded.errors == []


@pytest.mark.browser
def test_browser_opening_a_finding_shows_its_chain(loaded: Loaded) -> None:
    (finding,) = [f for f in example().findings if f.rule == "tos-check/beyond-reach"]
    row = loaded.page.locator(f'article.finding[data-id="{finding.id}"]')
    hops = row.locator("li.hop")
    assert not hops.first.is_visible()
    row.locator("summary").click()
    assert hops.count() == len(finding.chain) == 3
    for index, hop in enumerate(finding.chain):
        item = hops.nth(index)
        assert item.is_visible()
        text = item.inner_text()
        assert hop.target in text and str(hop.location) in text
        assert item.get_attribute("data-relation") == hop.relation
    assert row.get_by_text("Output may not be used to develop models that compete with OpenAI").first.is_visible()


@pytest.mark.browser
def test_browser_the_graph_has_one_box_per_dataset_and_model_and_every_edge(loaded: Loaded) -> None:
    report = example()
    expected_nodes = {a.id for a in report.artifacts} | {g.model for a in report.artifacts for g in a.generators}
    expected_nodes |= {end for f in report.findings for hop in f.chain for end in (hop.source, hop.target)}
    svg = loaded.page.locator("svg#lineage-graph")
    nodes = svg.locator("g.node").evaluate_all("gs => gs.map(g => g.getAttribute('data-node'))")
    assert sorted(nodes) == sorted(expected_nodes) and len(nodes) == 8
    edges = svg.locator("g.edge").evaluate_all(
        "gs => gs.map(g => [g.dataset.source, g.dataset.relation, g.dataset.target])"
    )
    hops = {(hop.source, hop.relation, hop.target) for f in report.findings for hop in f.chain}
    assert hops <= {tuple(edge) for edge in edges}
    assert len(edges) == len(lineage_graph(report).edges) == 5
    boxes = svg.locator("g.node rect").evaluate_all(
        "rects => rects.map(r => { const b = r.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })"
    )
    frame = svg.bounding_box()
    assert frame is not None
    for i, (x, y, w, h) in enumerate(boxes):
        assert frame["x"] <= x and x + w <= frame["x"] + frame["width"] + 1
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "boxes overlap"


@pytest.mark.browser
def test_browser_without_javascript_findings_still_open(browser: Browser, example_file: Path) -> None:
    loaded = Loaded(browser, example_file, javascript=False)
    try:
        assert not loaded.page.is_visible("#filters")  # controls that could not work are not shown
        assert len(loaded.visible_ids()) == 4
        loaded.page.locator("article.finding summary").first.click()
        assert loaded.page.locator("article.finding li.hop").first.is_visible()
    finally:
        loaded.close()


@pytest.mark.browser
def test_browser_hostile_metadata_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    (tmp_path / "scanned").mkdir()
    path.write_text(RENDER(hostile_report(tmp_path / "scanned")), encoding="utf-8")
    loaded = Loaded(browser, path)
    try:
        loaded.page.click("#expand")
        loaded.page.locator("svg#lineage-graph g.node").first.hover()
        assert loaded.dialogs == [] and loaded.errors == []
        assert [line for line in loaded.console if line.startswith("error")] == []
        assert loaded.requests == [loaded.url]
        assert loaded.page.evaluate("document.scripts.length") == 1
        assert loaded.page.evaluate("document.querySelectorAll('img, iframe, [onmouseover], [onerror]').length") == 0
    finally:
        loaded.close()


@pytest.mark.browser
def test_browser_thousands_of_findings_open_and_filter_quickly(browser: Browser, tmp_path: Path) -> None:
    """Each layout the page asks of the browser stays linear: hiding rows of an <ol> renumbered every later
    item (2,000 findings took 5 s to filter, 4,000 took 25 s); table rows cannot skip being laid out."""
    report = grown(2_000)
    path = tmp_path / "large.html"
    path.write_text(RENDER(report), encoding="utf-8")
    started = time.perf_counter()
    loaded = Loaded(browser, path)
    try:
        assert time.perf_counter() - started < 10
        took = loaded.page.evaluate(
            """() => {
                const select = document.getElementById('filter-severity');
                const started = performance.now();
                select.value = 'error';
                select.dispatchEvent(new Event('change'));
                document.body.offsetHeight;  // the layout the change needs, now
                return performance.now() - started;
            }"""
        )
        assert took < 2_000, took
        errors = sum(f.severity == "error" for f in report.findings)
        assert loaded.page.inner_text("#shown") == f"{errors} of 2000 finding(s) shown"
        assert loaded.errors == []
    finally:
        loaded.close()


@pytest.mark.browser
def test_browser_screenshot_of_the_example(loaded: Loaded) -> None:
    """build/test-artifacts/html-report.png, to look at: the prohibited finding opened, everything else as loaded."""
    (prohibited,) = [f for f in example().findings if f.effect == "prohibited"]
    loaded.page.locator(f'article.finding[data-id="{prohibited.id}"] summary').click()
    # A window as tall as the page: rows off screen are not laid out (content-visibility) until scrolled to.
    height = loaded.page.evaluate("document.documentElement.scrollHeight")
    loaded.page.set_viewport_size({"width": 1300, "height": height})
    loaded.page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    loaded.page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
