"""Content fingerprints in a scan: the text of records that name no model, counted per model, as weak evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.scanning import PUBLIC_CHAT, scan_builtin
from tos_check.fingerprints.model import MAX_CONFIDENCE
from tos_check.lineage.model import GeneratedBy
from tos_check.sources.records import RecordsSource, tally
from tos_check.walk import ScanFile

CHATGPT = "I'm ChatGPT, a large language model trained by OpenAI."
CLAUDE = "Hello! I'm Claude, an AI assistant made by Anthropic."
BOILERPLATE = "As an AI language model, I cannot browse the internet."

RECORDS: list[dict[str, Any]] = [
    {"prompt": "Who are you?", "response": CHATGPT},
    {"prompt": "Search for me.", "response": BOILERPLATE},
    {"prompt": "Plain.", "response": "Paris is the capital of France."},
    {"prompt": "Who?", "response": CLAUDE, "model": "human"},  # "human" names no model: searched
    {"prompt": "Labelled.", "response": CHATGPT, "model": "gpt-4-0613"},  # its field explains it: not searched
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": BOILERPLATE}]},
    {"prompt": "Both.", "response": CHATGPT, "completion": "As an AI language model, twice in one record."},
]
"""Per fingerprint model: chatgpt in records 0 and 6; gpt-3.5-turbo in 1, 5 and 6 (record 6 has one text of
each); claude in 3. Record 4 names its model, so its text is not searched."""


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def table_of(records: list[dict[str, Any]]) -> pa.Table:
    """Every record's fields (from_pylist would keep the first record's only)."""
    return pa.Table.from_struct_array(pa.array(records))


def fingerprinted(path: Path) -> dict[str, GeneratedBy]:
    file = ScanFile(path, path.name, path.name)
    (artifact,) = RecordsSource().read(file).artifacts
    return {g.model: g for g in artifact.generated_by if g.evidence.kind == "fingerprint"}


def summary(found: dict[str, GeneratedBy]) -> dict[str, tuple[int | None, int | None]]:
    return {model: (g.records, g.evidence.location.record) for model, g in found.items()}


EXPECTED = {"chatgpt": (2, 0), "gpt-3.5-turbo": (3, 1), "claude": (1, 3)}


def test_jsonl_records_are_counted_per_model(tmp_path: Path) -> None:
    found = fingerprinted(write_jsonl(tmp_path / "chat.jsonl", RECORDS))
    assert summary(found) == EXPECTED
    assert found["chatgpt"].evidence.location.line == 1 and found["claude"].evidence.location.line == 4
    for g in found.values():
        assert g.evidence.confidence <= MAX_CONFIDENCE and "weak evidence" in g.evidence.detail
        assert f"of {len(RECORDS)} records" in g.evidence.detail
    assert "openai/as-an-ai-language-model" in found["gpt-3.5-turbo"].evidence.detail


def test_parquet_gives_the_same_counts_as_jsonl(tmp_path: Path) -> None:
    pq.write_table(table_of(RECORDS), tmp_path / "chat.parquet", row_group_size=2)
    assert summary(fingerprinted(tmp_path / "chat.parquet")) == EXPECTED


def test_parquet_batches_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tos_check.sources.records import parquet

    pq.write_table(table_of(RECORDS * 5), tmp_path / "chat.parquet")
    monkeypatch.setattr(parquet, "BATCH_ROWS", 3)  # records of one model spread over many batches
    assert summary(fingerprinted(tmp_path / "chat.parquet")) == {m: (n * 5, r) for m, (n, r) in EXPECTED.items()}


def test_matching_in_batches_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", RECORDS * 3)
    whole = summary(fingerprinted(path))
    monkeypatch.setattr(tally, "FINGERPRINT_BATCH", 2)  # a record's texts split across two batches too
    assert summary(fingerprinted(path)) == whole == {m: (n * 3, r) for m, (n, r) in EXPECTED.items()}


def test_a_model_the_fields_name_is_not_repeated_from_fingerprints(tmp_path: Path) -> None:
    records = [{"model": "chatgpt", "response": "hi"}, {"response": CHATGPT}]
    file = write_jsonl(tmp_path / "chat.jsonl", records)
    (artifact,) = RecordsSource().read(ScanFile(file, file.name, file.name)).artifacts
    assert [(g.model, g.evidence.kind) for g in artifact.generated_by] == [("chatgpt", "record")]


def test_a_scan_reports_a_fingerprint_as_a_weak_finding_not_a_fact(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "chat.jsonl", [{"prompt": "Who?", "response": CLAUDE}, {"prompt": "x", "response": "y"}])
    report = scan_builtin(tmp_path, use=PUBLIC_CHAT)
    findings = [f for f in report.findings if f.model == "claude"]
    assert findings, "Anthropic's terms forbid training a competing public chat model"
    for finding in findings:
        assert finding.evidence[0].kind == "fingerprint"
        assert finding.confidence <= MAX_CONFIDENCE
        assert "reads like claude" in finding.message and "weak evidence" in finding.message
        assert "generated by" not in finding.message
    (status,) = report.artifacts
    assert not status.provenance_known  # a phrase does not tell where the data came from
    # --min-confidence above every fingerprint's drops them all.
    strict = scan_builtin(tmp_path, use=PUBLIC_CHAT, min_confidence=MAX_CONFIDENCE + 0.01)
    assert not [f for f in strict.findings if f.evidence[0].kind == "fingerprint"]


SPEAKERS: list[dict[str, Any]] = [
    # a person quoting a model in their own turn: not the model's words in the data
    {"messages": [{"role": "user", "content": CHATGPT}, {"role": "assistant", "content": "Noted."}]},
    # the speaker after the text, and a nested field between them: the speaker column is found all the same
    {"messages": [{"content": CLAUDE, "meta": {"lang": "en", "turn": "1"}, "role": "Assistant"}]},
    {"conversations": [{"from": "human", "value": BOILERPLATE}, {"from": "gpt", "value": "Sure."}]},
    {"conversations": [{"from": "human", "value": "Who are you?"}, {"from": "gpt", "value": BOILERPLATE}]},
]


def test_a_persons_turns_are_not_searched(tmp_path: Path) -> None:
    """Turns whose speaker field says a person wrote them (role user, from human) are left out, in JSONL and
    in Parquet (whose speaker column is read beside the text)."""
    expected = {"claude": (1, 1), "gpt-3.5-turbo": (1, 3)}
    assert summary(fingerprinted(write_jsonl(tmp_path / "chat.jsonl", SPEAKERS))) == expected
    for i, record in enumerate(SPEAKERS):
        pq.write_table(table_of([record]), tmp_path / f"chat-{i}.parquet")
        found = summary(fingerprinted(tmp_path / f"chat-{i}.parquet"))
        assert found == {m: (1, 0) for m, (_, r) in expected.items() if r == i}, i
