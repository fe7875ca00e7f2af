from __future__ import annotations

import json
from pathlib import Path

import pytest

from tos_check.plugins import sources
from tos_check.sources.dpi import DpiSource
from tos_check.walk import ScanFile, walk

DPI = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "dpi"
GOOD = """{
  "good": {
    "Dataset Name": "Good",
    "Hugging Face URL": "https://huggingface.co/datasets/acme/good",
    "Model Generated": [
      "OpenAI GPT-4",
      "templates"
    ],
    "Licenses": [{"License": "CC BY-NC 4.0"}, {"License": "OpenAI"}],
    "Derived from Datasets": ["alpaca"]
  },
  "human": {"Dataset Name": "Human", "Model Generated": [], "Licenses": [], "Derived from Datasets": []}
}
"""


def corpus() -> Path:
    if not DPI.is_dir():
        pytest.skip(f"DPI samples not present: {DPI} (../shared/corpora is not checked out beside the repo)")
    return DPI


def write(tmp_path: Path, name: str, text: str) -> ScanFile:
    path = tmp_path / "data_summaries" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return ScanFile(path, f"data_summaries/{name}", f"data_summaries/{name}")


def test_registered() -> None:
    assert "dpi" in {s.name for s in sources()}


def test_claims_collection_files_only() -> None:
    source = DpiSource()
    assert source.claims(ScanFile(Path("x/data_summaries/Alpaca.json"), "x/data_summaries/Alpaca.json"))
    assert not source.claims(ScanFile(Path("x/data_summaries/_template.json"), "x/data_summaries/_template.json"))
    assert not source.claims(ScanFile(Path("x/data_summaries-speech/A.json"), "x/data_summaries-speech/A.json"))
    assert not source.claims(ScanFile(Path("x/data_summaries/notes.md"), "x/data_summaries/notes.md"))


def test_datasets_with_models_licences_and_lines(tmp_path: Path) -> None:
    result = DpiSource().read(write(tmp_path, "Good.json", GOOD))
    assert result.problems == []
    good, human = result.artifacts
    assert (good.id, good.names, good.licenses, good.location.line) == (
        "acme/good",
        ("good",),  # "Good" is the same name
        ("CC BY-NC 4.0", "OpenAI"),
        2,
    )
    assert [(g.model, g.role, g.evidence.kind, g.evidence.location.line) for g in good.generated_by] == [
        ("OpenAI GPT-4", "other", "metadata", 6),
    ]
    # "templates" says the text is generated without naming a model: machine-generated, generator unknown.
    assert good.machine_generated is not None and good.machine_generated.location.line == 7
    assert [(e.relation, e.source, e.target, e.location.line) for e in result.edges] == [
        ("derived_from", "acme/good", "alpaca", 10)
    ]
    assert (human.id, human.generated_by) == ("human", ())


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "the file is empty"),
        ("[1]", 1, "expected an object keyed by dataset id"),
        ('{\n"x": 3}', 2, "not an object"),
    ],
)
def test_bad_collections_are_problems(tmp_path: Path, text: str, line: int, words: str) -> None:
    result = DpiSource().read(write(tmp_path, "Bad.json", text))
    (problem,) = result.problems
    assert (problem.path, problem.line) == ("data_summaries/Bad.json", line)
    assert words in problem.message
    assert result.artifacts == []


def test_real_collections() -> None:
    source = DpiSource()
    files = [f for f in walk([corpus()]).files if source.claims(f)]
    assert len(files) == 61  # 61 collection files; _template.json and the speech/video folders are not claimed
    results = {f.path.name: source.read(f) for f in files}
    (dynosaur,) = results["Dynosaur.json"].problems  # 0 bytes in the snapshot: reported with its path, the rest read
    assert dynosaur.path.endswith("data_summaries/Dynosaur.json") and dynosaur.line == 1
    assert "empty" in dynosaur.message
    assert sum(len(r.artifacts) for r in results.values()) == 1406
    artifacts = [a for r in results.values() for a in r.artifacts]
    assert sum(bool(a.generated_by) for a in artifacts) == 193
    # 265 datasets say they are model-generated; 72 of them name only a placeholder ("Other", "templates").
    assert sum(bool(a.generated_by) or a.machine_generated is not None for a in artifacts) == 265
    assert all(not r.problems for name, r in results.items() if name != "Dynosaur.json")

    (chat,) = results["lmsys_chat_1m.json"].artifacts
    assert chat.id == "lmsys/lmsys-chat-1m" and "lmsys_chat_1m" in chat.names
    assert chat.licenses == ("LMSYS-Chat-1M Dataset License", "OpenAI", "Anthropic", "Llama 2")
    assert [(g.model, g.evidence.location.line) for g in chat.generated_by] == [
        ("OpenAI GPT-3.5-Turbo", 42),
        ("OpenAI GPT-4", 43),
        ("Anthropic Internal Models", 44),
        ("BX LLaMa", 45),
    ]
    leetcode = next(a for a in results["COIG.json"].artifacts if a.id == "coig-leetcode")
    assert (leetcode.location.line, leetcode.licenses) == (335, ("CC BY-SA 4.0",))
    assert [(g.model, g.evidence.location.line) for g in leetcode.generated_by] == [("OpenAI ChatGPT", 360)]
    megawika = next(a for a in results["MegaWika.json"].artifacts if a.id == "MegaWika-vi")
    assert [g.model for g in megawika.generated_by] == ["BART"]


def test_placeholder_model_values_mean_machine_generated_by_an_unnamed_model(tmp_path: Path) -> None:
    from tos_check.known_datasets.dpi import is_placeholder

    assert is_placeholder("Other") and is_placeholder(" templates ") and not is_placeholder("OpenAI GPT-4")
    # Found by tests/test_fuzz.py: a value with no letter or digit once crashed the source.
    assert is_placeholder(":") and is_placeholder(" - ")
    folder = tmp_path / "data_summaries"
    folder.mkdir()
    record = {
        "Unique Dataset Identifier": "toy-set",
        "Dataset Name": "Toy Set",
        "Collection": "Toy",
        "Model Generated": ["Other", "OpenAI GPT-4"],
    }
    (folder / "Toy.json").write_text(json.dumps({"toy-set": record}, indent=2))
    file = ScanFile(folder / "Toy.json", "data_summaries/Toy.json", "data_summaries/Toy.json")
    result = DpiSource().read(file)
    (artifact,) = result.artifacts
    assert [g.model for g in artifact.generated_by] == ["OpenAI GPT-4"]
    assert artifact.machine_generated is not None
    assert artifact.machine_generated.detail == "DPI toy-set: Model Generated: Other"
