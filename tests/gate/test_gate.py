"""The gate's decisions: the same judgement a scan makes, once per distinct model string, applied column-wise."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from tests.scanning import AS_OF, PUBLIC_CHAT
from tos_check.gate.decide import DECISION_SCHEMA, Gate
from tos_check.gate.verdicts import Judge

RECORDS: list[dict[str, Any]] = [
    {"model": "gpt-4-0613", "messages": [{"role": "user", "content": "hi"}]},
    {"model": "human", "messages": [{"role": "user", "content": "written by a person"}]},
    {"model": None, "completions": [{"model": "claude-3-opus-20240229"}, {"model": "mistral-7b"}]},
    {"model": "mistral-7b"},
    {"messages": [{"role": "assistant", "content": "x", "metadata": {"model": "gemini-1.5-pro"}}]},
    {"model": "GPT-4-0613 "},
    {"model": "some-house-model-v3"},
]


def gate(**kwargs: Any) -> Gate:
    return Gate.from_config(kwargs.pop("use", PUBLIC_CHAT), fingerprints=False, as_of=AS_OF, **kwargs)


def actions(decisions: pa.Table) -> list[str]:
    return decisions["_tos_check_action"].to_pylist()  # type: ignore[no-any-return]


def test_each_record_gets_the_strongest_verdict_of_the_models_it_names() -> None:
    decisions = gate().decide(pa.Table.from_struct_array(pa.array(RECORDS)))
    assert decisions.schema == DECISION_SCHEMA and decisions.num_rows == len(RECORDS)
    assert actions(decisions) == ["quarantine", "pass", "quarantine", "pass", "quarantine", "quarantine", "pass"]
    rows = decisions.to_pylist()
    assert rows[0]["_tos_check_identity"] == "openai/gpt-4/gpt-4-0613"
    assert rows[0]["_tos_check_effect"] == "prohibited" and rows[0]["_tos_check_rule"].startswith("openai-")
    assert rows[2]["_tos_check_model"] == "claude-3-opus-20240229"  # the nested list, not the open-weights model
    assert rows[4]["_tos_check_rule"].startswith("google-")  # per-message metadata
    assert rows[5]["_tos_check_model"] == "GPT-4-0613"  # spelled differently, judged the same
    # An unresolved name is a note, shown but not held back at the default threshold.
    assert rows[6]["_tos_check_rule"] == "tos-check/unresolved-model" and rows[1]["_tos_check_reason"] is None


def test_one_judgement_per_distinct_string(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = Judge._judge

    def counting(self: Judge, model: str, *args: Any) -> Any:
        calls.append(model)
        return original(self, model, *args)

    monkeypatch.setattr(Judge, "_judge", counting)
    g = gate()
    table = pa.Table.from_struct_array(pa.array(RECORDS * 500))
    for batch in table.to_batches(max_chunksize=256):
        g.decide(batch)
    assert sorted(calls) == sorted(set(calls))
    assert len(calls) == 6  # the distinct names ('human' is none), however many records and batches


def test_dicts_and_arrow_agree_and_mixed_shapes_still_decide() -> None:
    g = gate()
    same_shape = [{"model": r.get("model") or "", "x": i} for i, r in enumerate(RECORDS)]
    arrow = [d.action for d in g.decide_records(same_shape)]
    one_by_one = [g.decide_record(r).action for r in same_shape]
    assert arrow == one_by_one
    assert [g.decide_record(r) for r in RECORDS] == g.decide_records(RECORDS)
    mixed = [{"model": "gpt-4-0613"}, {"model": 3}, {"model": ["claude-3-opus-20240229"]}, {"model": {"name": "x"}}]
    decided = g.decide_records(mixed)  # Arrow cannot hold these together: decided one by one
    assert [d.action for d in decided] == ["quarantine", "pass", "quarantine", "pass"]


def test_quarantine_threshold_and_undecided_are_the_users_choice() -> None:
    llama_use = {**PUBLIC_CHAT, "model": {**PUBLIC_CHAT["model"], "name": "Llama-3.1-Acme-8B"}}
    record = [{"model": "meta-llama/Llama-3.1-70B-Instruct"}]
    assert gate(use=llama_use).decide_records(record)[0].action == "pass"  # a warning: the name obligation is met
    held = gate(use=llama_use, quarantine_on="warning").decide_records(record)[0]
    assert held.action == "quarantine" and held.effect == "obligation"
    # Evaluating, with the monthly active users left out: Llama 3's MAU clause is undecided.
    vague = {"activity": "evaluate"}
    llama3 = [{"model": "meta-llama/Meta-Llama-3-8B-Instruct"}]
    asked = gate(use=vague, quarantine_on="note", quarantine_undecided=True).decide_records(llama3)[0]
    assert (asked.action, asked.rule) == ("quarantine", "llama-3-community-license/mau-licence")
    unasked = gate(use=vague, quarantine_on="note").decide_records(llama3)[0]
    assert (unasked.action, unasked.rule) == ("pass", "llama-3-community-license/mau-licence")  # shown, not held


def test_split_and_annotate_keep_every_record() -> None:
    table = pa.Table.from_struct_array(pa.array(RECORDS))
    passed, held = gate().split(table)
    assert passed.num_rows + held.num_rows == table.num_rows
    assert passed.schema == table.schema
    assert set(held.column_names) == set(table.column_names) | set(DECISION_SCHEMA.names)
    assert set(held["_tos_check_action"].to_pylist()) == {"quarantine"}
    empty = gate().decide(table.slice(0, 0))
    assert empty.num_rows == 0 and empty.schema == DECISION_SCHEMA


def test_fingerprints_hold_back_records_that_name_no_model() -> None:
    """A record naming no model is held by a phrase in its text; the reason says it is weak evidence; the
    Arrow path and the record-by-record path (records of mixed shapes) decide the same."""
    g = Gate.from_config(PUBLIC_CHAT, as_of=AS_OF)
    records: list[dict[str, Any]] = [
        {"response": "I'm Claude, an AI assistant made by Anthropic."},
        {"response": "Paris is the capital of France."},
        {"messages": [{"role": "assistant", "content": "As an AI language model, I cannot."}]},
        {"model": "deepseek-v3", "response": "I'm ChatGPT, hi."},
        {"model": "gpt-4-0613", "response": "I'm Claude, an AI assistant made by Anthropic."},
    ]
    decided = g.decide_records(records)
    assert [d.action for d in decided] == ["quarantine", "pass", "quarantine", "quarantine", "quarantine"]
    assert decided[0].fingerprint == "anthropic/self-id-claude" and decided[0].model == "claude"
    assert decided[0].reason is not None and "weak evidence" in decided[0].reason
    assert decided[2].fingerprint == "openai/as-an-ai-language-model"
    # The DeepSeek field alone passes (MIT); the ChatGPT phrase in its text is the stronger verdict.
    assert decided[3].fingerprint == "openai/self-id-chatgpt" and decided[3].effect == "prohibited"
    # Held back as prohibited by its own field: its text is not searched, the field's verdict is the reason.
    assert decided[4].model == "gpt-4-0613" and decided[4].fingerprint is None
    assert [g.decide_record(r) for r in records] == decided
    mixed = [*records, {"response": 42}]  # a number where others have text: Arrow cannot hold them together
    assert g.decide_records(mixed)[: len(records)] == decided
    without = Gate.from_config(PUBLIC_CHAT, as_of=AS_OF, fingerprints=False).decide_records(records)
    assert [d.action for d in without] == ["pass", "pass", "pass", "pass", "quarantine"]


def test_a_persons_turns_are_not_searched_for_fingerprints() -> None:
    """A user quoting ChatGPT is not ChatGPT's output: only turns a person did not write are searched, on
    Arrow data and record by record alike."""
    g = Gate.from_config(PUBLIC_CHAT, as_of=AS_OF)
    records: list[dict[str, Any]] = [
        {"messages": [{"role": "user", "content": "I'm ChatGPT, hi."}, {"role": "assistant", "content": "Ok."}]},
        {"messages": [{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "I'm ChatGPT, hi."}]},
        {"conversations": [{"from": "human", "value": "As an AI language model, you must."}]},
    ]
    decided = g.decide_records(records)
    assert [d.action for d in decided] == ["pass", "quarantine", "pass"]
    assert [g.decide_record(r) for r in records] == decided


def test_the_strongest_value_wins_wherever_it_sits_in_the_record() -> None:
    records: list[dict[str, Any]] = [
        {"completions": [{"model": "mistral-7b"}, {"model": "claude-3-opus-20240229"}]},
        {"completions": [{"model": "claude-3-opus-20240229"}, {"model": "mistral-7b"}]},
        {"model": "some-house-model-v3", "completions": [{"model": "mistral-7b"}, {"model": "gpt-4-0613"}]},
        {"model": "gpt-4-0613", "completions": [{"model": "some-house-model-v3"}]},
        {"model": "mistral-7b", "completions": []},
        {"completions": None},
        {"messages": [{"role": "assistant", "content": "x", "metadata": None}]},
        {"messages": [{"role": "assistant", "content": "x", "metadata": {"model": "gemini-1.5-pro"}}, None]},
    ]
    decided = gate().decide(pa.Table.from_struct_array(pa.array(records))).to_pylist()
    assert [r["_tos_check_model"] for r in decided] == [
        "claude-3-opus-20240229",
        "claude-3-opus-20240229",
        "gpt-4-0613",
        "gpt-4-0613",
        None,  # mistral-7b (open weights): no finding for this use
        None,
        None,
        "gemini-1.5-pro",
    ]
    assert [r["_tos_check_action"] for r in decided] == ["quarantine"] * 4 + ["pass"] * 3 + ["quarantine"]


def test_a_slice_of_a_batch_is_decided_as_the_same_records_in_the_whole() -> None:
    """Arrow slices share their parent's buffers with an offset: list and struct positions must follow it."""
    table = pa.Table.from_struct_array(pa.array(RECORDS * 3))
    whole = gate().decide(table).to_pylist()
    for start, length in ((2, 3), (4, 9), (1, 1), (7, 14)):
        assert gate().decide(table.slice(start, length)).to_pylist() == whole[start : start + length]
        batch = table.combine_chunks().to_batches()[0].slice(start, length)
        assert gate().decide(batch).to_pylist() == whole[start : start + length]


def test_a_column_of_many_distinct_strings_gets_the_same_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past _LOOKUP distinct strings (a column of free text), values are scored by their distinct values."""
    from tos_check.gate import decide

    days = ["2023-06-01", "2024-06-01", None]
    dated = [{**r, "created": days[i % 3]} for i, r in enumerate(RECORDS * 4)]
    table = pa.Table.from_struct_array(pa.array(dated))
    expected = gate().decide(table).to_pylist()
    undated = gate().decide(pa.Table.from_struct_array(pa.array(RECORDS))).to_pylist()
    assert len({r["_tos_check_reason"] for r in expected}) > len({r["_tos_check_reason"] for r in undated})
    monkeypatch.setattr(decide, "_LOOKUP", 2)
    small, start = gate(), 0
    for batch in table.to_batches(max_chunksize=5):
        assert small.decide(batch).to_pylist() == expected[start : start + batch.num_rows]
        start += batch.num_rows
    assert start == table.num_rows and small.decide(table).to_pylist() == expected


def test_the_reasons_are_stored_once_per_verdict_not_per_record() -> None:
    table = pa.Table.from_struct_array(pa.array(RECORDS * 1000))
    decisions = gate().decide(table)
    reasons = decisions["_tos_check_reason"].combine_chunks()
    assert pa.types.is_dictionary(reasons.type)
    assert len(reasons.dictionary) <= len(set(reasons.to_pylist()))  # the distinct reasons, not 7,000 copies
    assert reasons.to_pylist() == [d.reason for d in gate().decide_records(RECORDS * 1000)]


def test_a_records_generation_day_picks_the_terms_of_its_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenAI's terms of 2023-03-14 governed outputs of June 2023; its business terms of 2024-01-31, outputs of
    June 2024; undated outputs are judged by the terms in force on as_of, and say so."""
    calls: list[tuple[str, int]] = []
    original = Judge._judge

    def counting(self: Judge, model: str, role: Any, fingerprint: Any, confidence: Any, span: Any) -> Any:
        calls.append((model, span))
        return original(self, model, role, fingerprint, confidence, span)

    monkeypatch.setattr(Judge, "_judge", counting)
    records: list[dict[str, Any]] = [
        {"model": "gpt-4-0613", "tstamp": 1686286924.8},  # 2023-06-09, MT-Bench's field
        {"model": "gpt-4-0613", "tstamp": 1686900000},  # 2023-06-16: the same era, the same judgement
        {"model": "gpt-4-0613", "created": "2024-06-01T10:00:00Z"},
        {"model": "gpt-4-0613"},
        {"model": "gpt-4-0613", "created": "not a date"},
    ]
    g = gate()
    arrow = g.decide(pa.Table.from_struct_array(pa.array(records))).to_pylist()
    rules = [r["_tos_check_rule"] for r in arrow]
    assert rules == ["openai-terms-of-use/no-competing-models"] * 2 + ["openai-business-terms/no-competing-models"] * 3
    assert "(2023-03-14) prohibits" in arrow[0]["_tos_check_reason"]
    assert "(2024-01-31) prohibits" in arrow[2]["_tos_check_reason"]
    assert "generation date unknown" in arrow[3]["_tos_check_reason"]
    assert "generation date unknown" not in arrow[0]["_tos_check_reason"]
    assert arrow[3] == arrow[4]
    assert len(calls) == len(set(calls)) == 3  # one judgement per (string, era), not per record or per day
    assert sorted(span is None for _, span in calls) == [False, False, True]
    assert sorted(v.generated or "" for v in g.verdicts)[0] == ""  # the undated verdict says no era
    assert any(v.generated and v.generated.startswith("2023-03-14/") for v in g.verdicts)
    # record by record (as for lines Arrow cannot read together), the same
    assert [g.decide_record(r).reason for r in records] == [r["_tos_check_reason"] for r in arrow]


def test_a_column_of_free_text_gives_each_batch_only_the_strings_it_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    from tos_check.gate import decide

    records = [{"model": f"house-model-{i}"} for i in range(40)] + RECORDS
    table = pa.Table.from_struct_array(pa.array(records))
    expected = gate().decide(table).to_pylist()
    monkeypatch.setattr(decide, "_COMPACT", 3)
    g = gate()
    g.decide(table)  # every string met once
    for start in range(0, len(records), 5):
        batch = table.slice(start, 5)
        decided = g.decide(batch)
        assert decided.to_pylist() == expected[start : start + 5]
        for name in ("_tos_check_reason", "_tos_check_model"):
            column = decided[name].combine_chunks()
            assert len(column.dictionary) <= 5  # the batch's strings, not the 40-odd met so far


def test_a_null_struct_over_a_list_that_still_spans_values() -> None:
    """Arrow may keep values under a null slot: they are no record's, and must not shift the others."""
    completions = pa.array([[{"model": "gpt-4-0613"}], [{"model": "claude-3-opus-20240229"}], [{"model": "x"}]])
    meta = pa.StructArray.from_arrays([completions], ["completions"], mask=pa.array([False, True, False]))
    decided = gate().decide(pa.table({"meta": meta})).to_pylist()
    assert [d["_tos_check_model"] for d in decided] == ["gpt-4-0613", None, "x"]


def test_a_null_list_that_still_spans_values_and_fixed_size_lists() -> None:
    """The values under a null list are no record's; a sliced list column and a fixed-size one keep each
    value with its own record."""
    models = pa.array([{"model": n} for n in ("gpt-4-0613", "claude-3-opus-20240229", "mistral-7b", "x")])
    spanning = pa.ListArray.from_arrays(pa.array([0, 1, 2, 4], pa.int32()), models, mask=pa.array([False, True, False]))
    decided = gate().decide(pa.table({"completions": spanning})).to_pylist()
    assert [d["_tos_check_model"] for d in decided] == ["gpt-4-0613", None, "x"]  # mistral-7b passes: no reason
    sliced = gate().decide(pa.table({"completions": spanning.slice(1)})).to_pylist()
    assert [d["_tos_check_model"] for d in sliced] == [None, "x"]
    pairs = pa.array([{"model": n} for n in ("mistral-7b", "gpt-4-0613", "human", "x")])
    decided = gate().decide(pa.table({"completions": pa.FixedSizeListArray.from_arrays(pairs, 2)})).to_pylist()
    assert [d["_tos_check_model"] for d in decided] == ["gpt-4-0613", "x"]


def test_data_that_is_not_valid_arrow_is_refused_with_the_reason() -> None:
    """A list whose offsets span more values than it holds, as pyarrow's JSON reader makes of a list starting
    with null (apache/arrow#51305; Arrow's constructors refuse to build one): refused with a ValueError that
    says so, never decided from other records' values."""
    import io

    import pyarrow.json as pa_json

    data = b'{"completions": [null, {"model": "gpt-4-0613"}]}\n{"completions": [{"model": "mistral-7b"}]}\n'
    table = pa_json.read_json(io.BytesIO(data), read_options=pa_json.ReadOptions(block_size=len(data)))
    try:
        table.validate()
    except pa.ArrowInvalid:
        pass
    else:
        pytest.skip(f"pyarrow {pa.__version__} reads this JSON into valid Arrow data: nothing invalid to refuse")
    with pytest.raises(ValueError, match="not valid Arrow data"):
        gate().decide(table)


def test_data_nested_too_deep_is_refused_and_dicts_of_it_decided_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_NESTING levels a batch is refused before Arrow walks its types (ValueError naming the limit);
    the same records as dicts are decided one by one, from their model field."""
    from tos_check.sources.records import columns

    monkeypatch.setattr(columns, "MAX_NESTING", 3)
    records = [{"model": "gpt-4-0613", "a": [[[[1]]]]}, {"model": "mistral-7b", "a": [[[[2]]]]}]
    with pytest.raises(ValueError, match="nested more than 3 levels"):
        gate().decide(pa.Table.from_pylist(records))
    assert [d.action for d in gate().decide_records(records)] == ["quarantine", "pass"]


def test_each_day_falls_in_the_era_between_the_changes_around_it() -> None:
    import datetime as dt

    import numpy as np

    from tos_check.sources.records.dates import EARLIEST, EPOCH, LATEST, UNKNOWN

    judge = gate().judge
    changes = [(day - EPOCH).days for day in judge.changes]
    assert len(changes) > 3
    days = np.array([d + shift for d in changes for shift in (-1, 0)], np.int64)
    slots = judge.eras(days)
    assert slots.tolist() == [s for k in range(len(changes)) for s in (k + 1, k + 2)]
    assert [judge.era(EPOCH + dt.timedelta(days=int(d))) for d in days] == slots.tolist()
    outside = np.array([UNKNOWN, (EARLIEST - EPOCH).days - 1, (LATEST - EPOCH).days, 10**9], np.int64)
    assert judge.eras(outside).tolist() == [0, 0, 0, 0]  # UNDATED: no day a date field is read as
    assert judge.era(None) == 0


def test_the_judges_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from tos_check.gate import verdicts

    expected = gate().decide(pa.Table.from_struct_array(pa.array(RECORDS))).to_pylist()
    monkeypatch.setattr(verdicts, "MAX_CACHED", 2)
    g = gate()
    assert [g.decide_record(r) for r in RECORDS] == gate().decide_records(RECORDS)
    assert [g.decide_record(r).reason for r in RECORDS] == [e["_tos_check_reason"] for e in expected]
    assert len(g.judge._cache) <= 2 and len(g.judge._cover_of) <= 2


def test_a_table_in_many_chunks_is_decided_chunk_by_chunk_as_when_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON reader gives a table in chunks: each chunk's leaves are read apart (combining would copy the
    chats' text) and each value keeps its record, for nested lists, structs and texts alike."""
    from tos_check.sources.records import columns

    records: list[dict[str, Any]] = [
        {"meta": {"model": "gpt-4-0613", "text": "x"}, "messages": [{"role": "user", "content": "I'm ChatGPT, hi."}]},
        {"completions": [{"model": "mistral-7b"}, {"model": "claude-3-opus-20240229"}]},
        {"messages": [{"role": "assistant", "content": "I'm ChatGPT, hi."}]},
        {"meta": {"model": "human"}, "completions": [{"model": "gemini-1.5-pro"}]},
        {"messages": [{"role": "assistant", "content": "fine", "metadata": {"model": "claude-3-opus-20240229"}}]},
    ] * 3
    whole = pa.Table.from_struct_array(pa.array(records))
    chunked = pa.Table.from_batches(whole.to_batches(max_chunksize=2))
    assert chunked["messages"].num_chunks == 8
    expected = Gate.from_config(PUBLIC_CHAT, as_of=AS_OF).decide(whole).to_pylist()
    assert Gate.from_config(PUBLIC_CHAT, as_of=AS_OF).decide(chunked).to_pylist() == expected
    assert [e["_tos_check_model"] for e in expected[:5]] == [
        "gpt-4-0613",
        "claude-3-opus-20240229",
        "chatgpt",
        "gemini-1.5-pro",
        "claude-3-opus-20240229",
    ]
    leaf = next(leaf for leaf in columns.model_leaves(chunked.schema)[0] if leaf.field == "messages[].metadata.model")
    values, rows = columns.leaf_column(chunked, leaf)
    assert values.to_pylist()[-1] == "claude-3-opus-20240229" and rows is not None and rows[-1] == len(records) - 1
    # the chats' text is not copied to read the model beside it
    text = pa.Table.from_batches(
        pa.table({"messages": [[{"content": "x" * (1 << 20), "metadata": {"model": "a"}}]] * 4}).to_batches(
            max_chunksize=1
        )
    )
    default = pa.default_memory_pool()
    pool = pa.proxy_memory_pool(default)  # its peak counts from now
    pa.set_memory_pool(pool)
    try:
        found = columns.leaf_column(text, next(iter(columns.model_leaves(text.schema)[0])))
        models, peak = found[0].to_pylist(), pool.max_memory()
        del found  # what the pool allocated goes before the pool does
    finally:
        pa.set_memory_pool(default)
    assert models == ["a"] * 4 and peak < (1 << 20)
