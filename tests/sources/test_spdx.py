from __future__ import annotations

from pathlib import Path

import pytest

from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.sources.spdx import SpdxSource
from tos_check.walk import ScanFile

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "standards" / "spdx" / "support-bot.spdx3.json"


def write_and_read(tmp_path: Path, text: str, name: str = "ai.spdx3.json") -> SourceResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return SpdxSource().read(ScanFile(path, name, name))


def test_registered() -> None:
    assert "spdx" in {s.name for s in sources()}


def test_claims_by_suffix_or_spdx3_context(tmp_path: Path) -> None:
    source = SpdxSource()
    assert source.claims(ScanFile(FIXTURE, "support-bot.spdx3.json"))
    assert source.claims(ScanFile(tmp_path / "sbom.spdx.json", "sbom.spdx.json"))
    sniffed = tmp_path / "aibom.json"
    sniffed.write_text('{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}')
    assert source.claims(ScanFile(sniffed, "aibom.json"))
    plain = tmp_path / "package.json"
    plain.write_text('{"name": "x"}')
    assert not source.claims(ScanFile(plain, "package.json"))


def test_models_datasets_relationships_and_licences_with_lines() -> None:
    result = SpdxSource().read(ScanFile(FIXTURE, "bom/support-bot.spdx3.json", "support-bot.spdx3.json"))
    assert result.problems == []
    artifacts = {a.id: a for a in result.artifacts}
    assert {(a.id, a.kind) for a in result.artifacts} == {
        ("acme/support-bot-7b", "model"),
        ("mistralai/Mistral-7B-v0.1", "model"),
        ("gpt-4-0613", "model"),
        ("acme/synthetic-chat", "dataset"),
        ("acme/support-tickets", "dataset"),
    }
    bot = artifacts["acme/support-bot-7b"]
    assert (bot.licenses, bot.location.line) == (("Apache-2.0",), 22)
    assert "https://acme.example/spdx/support-bot" in bot.names
    chat = artifacts["acme/synthetic-chat"]
    assert chat.licenses == ("CC-BY-NC-4.0",)  # from the LicenseExpression element
    generations = {(g.model, g.role): g for g in chat.generated_by}
    generates = generations["gpt-4-0613", "responses"]
    assert (generates.evidence.kind, generates.evidence.location.line, generates.evidence.confidence) == (
        "metadata",
        105,
        0.9,
    )
    rated = generations["Claude 3 Opus", "judgments"]
    assert (rated.evidence.kind, rated.evidence.location.line) == ("prose", 52)
    assert artifacts["acme/support-tickets"].generated_by == ()
    edges = {(e.relation, e.source, e.target, e.location.line) for e in result.edges}
    assert edges == {
        ("trained_on", "acme/support-bot-7b", "acme/synthetic-chat", 71),
        ("base_model", "acme/support-bot-7b", "mistralai/Mistral-7B-v0.1", 88),
        ("derived_from", "acme/synthetic-chat", "acme/support-tickets", 96),
    }  # testedOn is evaluation, not lineage


def test_ancestor_of_is_read_backwards_and_unknown_targets_keep_their_reference(tmp_path: Path) -> None:
    text = """{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
 {"type": "ai_AIPackage", "spdxId": "urn:m", "name": "child-model"},
 {"type": "Relationship", "spdxId": "urn:r1", "relationshipType": "ancestorOf", "from": "urn:base", "to": ["urn:m"]},
 {"type": "Relationship", "spdxId": "urn:r2", "relationshipType": "trainedOn", "from": "urn:m",
  "to": ["https://huggingface.co/datasets/tatsu-lab/alpaca"]}
]}"""
    result = write_and_read(tmp_path, text)
    assert {(e.relation, e.source, e.target, e.location.line) for e in result.edges} == {
        ("base_model", "child-model", "urn:base", 3),
        ("trained_on", "child-model", "tatsu-lab/alpaca", 5),
    }


def test_spdx2_documents_have_nothing_to_read(tmp_path: Path) -> None:
    result = write_and_read(tmp_path, '{"spdxVersion": "SPDX-2.3", "packages": []}', "sbom.spdx.json")
    assert (result.artifacts, result.problems) == ([], [])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"@context": "x",\n "@graph": {}}', 2, "expected a list of elements"),
        ('{"@graph": [\n 7]}', 2, "not an object"),
        ('{"@graph": [\n {"type": "Relationship", "to": ["a"]}]}', 2, "needs a `from` element"),
        ('{"@graph": [', 1, "invalid JSON"),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    (problem,) = write_and_read(tmp_path, text).problems
    assert (problem.path, problem.line) == ("ai.spdx3.json", line)
    assert words in problem.message
