from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.sources.croissant import CroissantSource
from tos_check.walk import ScanFile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "standards" / "croissant"


def scan_file(path: Path, display: str) -> ScanFile:
    return ScanFile(path, display, display)


def read(path: Path, display: str) -> SourceResult:
    return CroissantSource().read(scan_file(path, display))


def write_and_read(tmp_path: Path, text: str | bytes, name: str = "croissant.json") -> SourceResult:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return read(path, name)


def test_registered() -> None:
    assert "croissant" in {s.name for s in sources()}


def test_claims_by_name_or_by_its_context(tmp_path: Path) -> None:
    source = CroissantSource()
    assert source.claims(scan_file(FIXTURES / "synthetic-chat" / "croissant.json", "croissant.json"))
    assert source.claims(scan_file(FIXTURES / "pass" / "metadata.json", "metadata.json"))  # sniffed @context
    other = tmp_path / "metadata.json"
    other.write_text('{"@context": "https://schema.org/", "@type": "Dataset"}')
    assert not source.claims(scan_file(other, "metadata.json"))
    assert not source.claims(scan_file(tmp_path / "croissant.yaml", "croissant.yaml"))
    assert not source.claims(scan_file(tmp_path / "missing.json", "missing.json"))


def test_reads_the_dataset_and_what_models_did_with_lines() -> None:
    result = read(FIXTURES / "synthetic-chat" / "croissant.json", "data/synthetic-chat/croissant.json")
    assert result.problems == []
    (artifact,) = result.artifacts
    assert artifact.id == "acme/synthetic-chat"  # the Hub id from `url`
    assert artifact.names == ("acme-synthetic-chat",)
    assert artifact.licenses == ("CC-BY-NC-4.0",)
    assert artifact.paths == ("data/synthetic-chat", "data/synthetic-chat/data/train.jsonl")
    assert artifact.location.line == 18
    generations = {(g.model, g.role): g for g in artifact.generated_by}
    assert set(generations) == {
        ("GPT-4", "responses"),
        ("GPT-4o-mini", "judgments"),
        ("Claude 3 Opus", "judgments"),
        ("claude-3-haiku-20240307", "judgments"),
    }
    gpt4 = generations["GPT-4", "responses"]  # the keyword GPT-4 (line 24) is the same generation, weaker
    assert (gpt4.evidence.kind, gpt4.evidence.location.line, gpt4.evidence.confidence) == ("prose", 19, 0.7)
    tools = generations["GPT-4o-mini", "judgments"]
    assert (tools.evidence.kind, tools.evidence.location.line) == ("metadata", 38)
    assert tools.evidence.detail == "rai:machineAnnotationTools: GPT-4o-mini for toxicity labels"
    assert generations["Claude 3 Opus", "judgments"].evidence.location.line == 39
    agent = generations["claude-3-haiku-20240307", "judgments"]  # a cr:Label field attributed to a model
    assert (agent.evidence.kind, agent.evidence.location.line) == ("metadata", 52)
    assert (gpt4.date_from, gpt4.date_until) == (dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    assert artifact.machine_generated is not None and artifact.machine_generated.location.line == 36
    edges = {(e.relation, e.target, e.location.line) for e in result.edges}
    assert edges == {
        ("derived_from", "HuggingFaceH4/ultrachat_200k", 23),
        ("derived_from", "acme/support-tickets", 23),
    }


def test_a_dataset_without_models_yields_none() -> None:
    result = read(FIXTURES / "pass" / "metadata.json", "pass/metadata.json")
    (artifact,) = result.artifacts
    assert (artifact.id, artifact.generated_by, artifact.machine_generated) == ("simple-pass", (), None)
    assert artifact.licenses == ("https://creativecommons.org/licenses/by/4.0/",)
    assert artifact.paths == ("pass",)  # remote files are not paths in the scan
    assert [(e.target, e.location.line) for e in result.edges] == [("urn:dataset:YFCC100M", 14)]


def test_keyword_that_is_a_model_is_a_weak_generation(tmp_path: Path) -> None:
    result = write_and_read(tmp_path, '{"@type": "sc:Dataset", "name": "x",\n "keywords": ["Synthetic", "GPT-4"]}')
    (generation,) = result.artifacts[0].generated_by
    assert (generation.model, generation.evidence.confidence, generation.evidence.location.line) == ("GPT-4", 0.6, 2)


def test_graph_form_is_read(tmp_path: Path) -> None:
    text = '{"@context": {}, "@graph": [{"@type": "Person"}, {"@type": "schema:Dataset", "name": "g"}]}'
    assert [a.id for a in write_and_read(tmp_path, text).artifacts] == ["g"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{\n  "name": "x",\n  "license": [\n', 4, "invalid JSON"),
        ("[1, 2]", 1, "expected a JSON object"),
        ('{\n "@type": "sc:Organization",\n "name": "x"}', 2, "not a Croissant dataset"),
    ],
)
def test_unreadable_files_are_problems(tmp_path: Path, text: str, line: int, words: str) -> None:
    result = write_and_read(tmp_path, text)
    (problem,) = result.problems
    assert (problem.path, problem.line) == ("croissant.json", line)
    assert words in problem.message
    assert result.artifacts == []


def test_binary_file_is_a_problem(tmp_path: Path) -> None:
    (problem,) = write_and_read(tmp_path, b"\x00\x01binary").problems
    assert "binary" in problem.message


def test_bad_values_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    text = (
        '{"@type": "sc:Dataset", "name": "x",\n "isBasedOn": [42],\n'
        ' "rai:dataCollectionTimeframe": "last spring",\n "rai:machineAnnotationTools": "GPT-4 labels"}'
    )
    result = write_and_read(tmp_path, text)
    assert sorted((p.line, p.message.split(" ")[0]) for p in result.problems) == [
        (2, "isBasedOn:"),
        (3, "rai:dataCollectionTimeframe"),
    ]
    (generation,) = result.artifacts[0].generated_by
    assert (generation.model, generation.date_from) == ("GPT-4", None)
