"""Importing Data Provenance Initiative collection metadata: real files, a real 0-byte file, a stable dump."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tos_check.known_datasets.catalog import load_known_datasets
from tos_check.known_datasets.dpi import dump_catalog, import_dpi
from tos_check.known_datasets.model import KnownDataset

Write = Callable[[str, str], Path]

DPI = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "dpi"


@pytest.fixture(scope="module")
def imported() -> tuple[dict[str, KnownDataset], list[str]]:
    if not DPI.is_dir():
        pytest.skip(f"DPI reference data not present: {DPI} (../shared is not checked out beside the repo)")
    entries, problems = import_dpi(DPI)
    return {e.id: e for e in entries}, [str(p) for p in problems]


def test_facts_read_from_real_collections(imported: tuple[dict[str, KnownDataset], list[str]]) -> None:
    entries, _ = imported
    assert len(entries) > 1300
    alpaca = entries["tatsu-lab/alpaca"]
    assert [g.model for g in alpaca.generated_by] == ["OpenAI GPT-3"]
    assert alpaca.license == "OpenAI AND CC BY-NC 4.0"
    assert alpaca.evidence == "DPI" and not alpaca.verified  # the DPI records no one who verified it
    chat = entries["lmsys/lmsys-chat-1m"]
    assert [g.model for g in chat.generated_by] == [
        "OpenAI GPT-3.5-Turbo",
        "OpenAI GPT-4",
        "Anthropic Internal Models",
        "BX LLaMa",
    ]
    assert "lmsys_chat_1m" in chat.names and chat.verified
    leetcode = entries["coig-leetcode"]  # BAAI/COIG holds several DPI datasets, so the DPI id is kept
    assert leetcode.license == "CC BY-SA 4.0"
    assert [g.model for g in leetcode.generated_by] == ["OpenAI ChatGPT"]
    assert leetcode.derived_from == ["https://github.com/doocs/leetcode"]
    megawika = entries["MegaWika-vi"]
    assert [g.model for g in megawika.generated_by] == ["BART"]


def test_the_empty_file_is_a_problem_and_the_rest_is_read(
    imported: tuple[dict[str, KnownDataset], list[str]],
) -> None:
    entries, problems = imported
    assert any("Dynosaur.json:1: invalid JSON" in p and "empty" in p for p in problems)
    assert "Anthropic/hh-rlhf" in entries


def test_a_bad_file_does_not_stop_the_others(write: Write, tmp_path: Path) -> None:
    write("data_summaries/Broken.json", '{"x": ')
    write(
        "data_summaries/Good.json",
        '{"good": {"Dataset Name": "Good", "Collection": "Good", "Hugging Face URL": '
        '"https://huggingface.co/datasets/acme/good", "Model Generated": ["OpenAI GPT-4"], '
        '"Licenses": [{"License": "Unspecified"}], "License Verified By": "", "Derived from Datasets": []}}',
    )
    write("data_summaries/_template.json", "{}")
    entries, problems = import_dpi(tmp_path)
    assert [(e.id, e.names, e.license, e.source, e.verified) for e in entries] == [
        ("acme/good", ["good"], None, "https://huggingface.co/datasets/acme/good", False)
    ]
    assert [str(p).split(": ", 1)[0] for p in problems] == [f"{tmp_path / 'data_summaries' / 'Broken.json'}:1"]


def test_dump_round_trips_through_the_catalog_loader(
    imported: tuple[dict[str, KnownDataset], list[str]], tmp_path: Path
) -> None:
    entries, _ = imported
    text = dump_catalog(list(entries.values()))
    assert text == dump_catalog(list(reversed(entries.values())))  # stable order
    path = tmp_path / "dpi.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_known_datasets([path])
    assert len(loaded) == len(entries)
    found = loaded.find("alpaca")
    assert found == entries["tatsu-lab/alpaca"]
