from __future__ import annotations

from pathlib import Path

import pytest

from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.sources.cyclonedx import CycloneDxSource
from tos_check.walk import ScanFile

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "standards" / "cyclonedx" / "support-bot.cdx.json"


def write_and_read(tmp_path: Path, text: str, name: str = "bom.json") -> SourceResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return CycloneDxSource().read(ScanFile(path, name, name))


def test_registered() -> None:
    assert "cyclonedx" in {s.name for s in sources()}


def test_claims_by_name_or_bom_format(tmp_path: Path) -> None:
    source = CycloneDxSource()
    assert source.claims(ScanFile(tmp_path / "bom.json", "bom.json"))
    assert source.claims(ScanFile(FIXTURE, "support-bot.cdx.json"))
    sniffed = tmp_path / "ml-bom.json"
    sniffed.write_text('{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6"\n}')
    assert source.claims(ScanFile(sniffed, "ml-bom.json"))
    plain = tmp_path / "tsconfig.json"
    plain.write_text("{}")
    assert not source.claims(ScanFile(plain, "tsconfig.json"))


def test_models_data_and_lineage_with_lines() -> None:
    result = CycloneDxSource().read(ScanFile(FIXTURE, "bom/support-bot.cdx.json", "support-bot.cdx.json"))
    assert result.problems == []
    artifacts = {a.id: a for a in result.artifacts}
    assert {(a.id, a.kind) for a in result.artifacts} == {
        ("acme/support-bot-7b", "model"),
        ("acme/support-tickets", "dataset"),  # inline modelCard dataset
        ("acme/synthetic-chat", "dataset"),
    }  # the transformers library is not an artifact
    bot = artifacts["acme/support-bot-7b"]
    assert (bot.licenses, bot.location.line) == (("Apache-2.0",), 12)
    chat = artifacts["acme/synthetic-chat"]
    assert chat.licenses == ("CC-BY-NC-4.0",)
    generations = {(g.model, g.role): g for g in chat.generated_by}
    ancestor = generations["gpt-4-0613", "responses"]
    assert (ancestor.evidence.kind, ancestor.evidence.location.line, ancestor.evidence.confidence) == (
        "metadata",
        56,
        0.7,
    )
    prose = generations["Claude 3 Opus", "judgments"]
    assert (prose.evidence.kind, prose.evidence.location.line) == ("prose", 63)
    edges = {(e.relation, e.source, e.target, e.location.line) for e in result.edges}
    assert edges == {
        ("trained_on", "acme/support-bot-7b", "acme/synthetic-chat", 32),
        ("trained_on", "acme/support-bot-7b", "acme/support-tickets", 33),
        ("base_model", "acme/support-bot-7b", "mistralai/Mistral-7B-v0.1", 22),
        ("derived_from", "acme/synthetic-chat", "HuggingFaceH4/ultrachat_200k", 55),
    }


def test_a_dataset_ref_nobody_describes_stays_a_reference(tmp_path: Path) -> None:
    text = """{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
 {"type": "machine-learning-model", "name": "m", "purl": "pkg:huggingface/acme/m@abc",
  "modelCard": {"modelParameters": {"datasets": [{"ref": "urn:cdx:elsewhere/data"}]}}}]}"""
    result = write_and_read(tmp_path, text)
    assert [(e.relation, e.target, e.location.line) for e in result.edges] == [
        ("trained_on", "urn:cdx:elsewhere/data", 3)
    ]
    assert result.artifacts[0].names == ("acme/m",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"bomFormat": "SPDX",\n "x": 1}', 1, "not a CycloneDX BOM"),
        ('{"bomFormat": "CycloneDX",\n "components": {}}', 2, "components: expected a list"),
        ('{"bomFormat": "CycloneDX", "components": [\n "lib"]}', 2, "not an object"),
        (
            '{"bomFormat": "CycloneDX", "components": [{"type": "machine-learning-model", "name": "m",\n'
            ' "modelCard": {"modelParameters": {"datasets": [\n "d"]}}}]}',
            3,
            "modelCard dataset",
        ),
        ("{\n", 2, "invalid JSON"),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    (problem,) = write_and_read(tmp_path, text).problems
    assert (problem.path, problem.line) == ("bom.json", line)
    assert words in problem.message
