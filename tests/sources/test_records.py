from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tos_check.lineage.graph import LineageGraph
from tos_check.lineage.model import GeneratedBy, SourceResult
from tos_check.sources.manifest import ManifestSource
from tos_check.sources.records import RecordsSource, parquet, tally, text
from tos_check.sources.records.fields import models_in, role_of_field
from tos_check.walk import ScanFile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def scan_file(path: Path, display: str | None = None) -> ScanFile:
    return ScanFile(path, display or f"data/{path.name}", path.name)


def read(path: Path) -> SourceResult:
    file = scan_file(path)
    assert RecordsSource().claims(file)
    return RecordsSource().read(file)


def generations(result: SourceResult) -> dict[tuple[str, str], GeneratedBy]:
    (artifact,) = result.artifacts
    return {(g.model, g.role): g for g in artifact.generated_by}


def where(gen: GeneratedBy) -> tuple[int | None, int | None]:
    return gen.evidence.location.line, gen.evidence.location.record


# --- claiming ---------------------------------------------------------------------------------------------------


def test_claims_data_files_by_suffix_and_json_only_when_it_is_an_array(tmp_path: Path) -> None:
    source = RecordsSource()
    for name in ("a.jsonl", "a.JSONL", "a.jsonl.gz", "a.ndjson", "a.parquet", "a.csv", "a.tsv"):
        assert source.claims(ScanFile(tmp_path / name, name)), name
    for name in ("README.md", "config.yaml", "a.txt", "a.arrow"):
        assert not source.claims(ScanFile(tmp_path / name, name)), name
    (tmp_path / "records.json").write_text('\ufeff \n  [{"model": "gpt-4"}]')
    (tmp_path / "config.json").write_text('{"model_name_or_path": "gpt2"}')
    assert source.claims(ScanFile(tmp_path / "records.json", "records.json"))
    assert not source.claims(ScanFile(tmp_path / "config.json", "config.json"))
    # A .json that cannot be opened (gone since the walk, unreadable) is claimed so that reading reports it.
    gone = ScanFile(tmp_path / "missing.json", "missing.json")
    assert source.claims(gone)
    assert [p.message for p in source.read(gone).problems] == ["cannot read the file: No such file or directory"]


# --- fields -------------------------------------------------------------------------------------------------------


def test_field_names_decide_the_role() -> None:
    assert role_of_field("generator") == "responses"
    assert role_of_field("Generation-Model") == "responses"
    assert role_of_field("generator_2") == "responses"
    assert role_of_field("model_a") == "responses"
    assert role_of_field("input_generator") == "prompts"
    assert role_of_field("chosen_model") == "preferences"
    assert role_of_field("annotator") == "judgments"
    assert role_of_field("rewrite_model") == "rewrites"
    assert role_of_field("from") is None
    assert role_of_field("modelling_notes") is None


def test_sharegpt_from_gpt_is_a_speaker_label_not_a_model() -> None:
    record = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "ChatGPT here"}]}
    assert models_in(record) == []


def test_values_that_name_no_model_are_skipped() -> None:
    record = {"model": "human", "generator": "", "model_id": 3, "judge": "long text\nover lines", "rater": None}
    assert models_in(record) == []
    assert models_in({"model": {"name": "gpt-4", "temperature": 0}}) == [("gpt-4", "responses", "model", "model")]


# --- JSON Lines ---------------------------------------------------------------------------------------------------


def test_ultrafeedback_completions_count_each_record_once() -> None:
    result = read(FIXTURES / "ultrafeedback.jsonl")
    assert result.problems == []
    assert result.records_scanned == 3  # the blank line is not a record
    (artifact,) = result.artifacts
    assert (artifact.id, artifact.kind, artifact.paths) == (
        "ultrafeedback.jsonl",
        "dataset",
        ("data/ultrafeedback.jsonl",),
    )
    found = generations(result)
    assert set(found) == {("gpt-4", "responses"), ("llama-2-70b-chat", "responses"), ("wizardlm-13b", "responses")}
    gpt4 = found["gpt-4", "responses"]
    assert gpt4.records == 2  # named in `models` and in `completions[].model`: counted once per record
    assert where(gpt4) == (1, 0)
    assert gpt4.evidence.kind == "record"
    assert gpt4.evidence.confidence == 0.95
    assert gpt4.evidence.detail == "models[]: gpt-4 (in 2 of 3 records)"
    assert where(found["wizardlm-13b", "responses"]) == (2, 1)


def test_nested_metadata_and_message_models_with_their_roles() -> None:
    found = generations(read(FIXTURES / "chat.jsonl"))
    assert where(found["vicuna-13b", "responses"]) == (1, 0)
    judge = found["gpt-4-0613", "judgments"]
    assert judge.evidence.detail.startswith("metadata.judge_model: gpt-4-0613")
    claude = found["claude-2.1", "responses"]
    assert (where(claude), claude.evidence.detail.split(":")[0]) == ((2, 1), "messages[].model")
    assert where(found["meta-llama/Meta-Llama-3-70B-Instruct", "prompts"]) == (3, 2)
    assert found["gpt-3.5-turbo", "rewrites"].records == 1


def test_bad_lines_are_problems_with_their_line_and_reading_goes_on() -> None:
    result = read(FIXTURES / "broken.jsonl")
    assert result.records_scanned == 2
    messages = {(p.line, p.message.split(":")[0]) for p in result.problems}
    assert messages == {
        (2, "invalid JSON"),
        (3, "a JSON list, not an object"),
        (5, "truncated last line (no closing newline, JSON incomplete)"),
    }
    found = generations(result)
    assert found["gpt-4", "responses"].records == 1
    assert where(found["claude-3-haiku-20240307", "responses"]) == (4, 1)


BINARY = "binary content (NUL bytes): not UTF-8 text, nor UTF-16/32 with a byte-order mark; nothing read"


def test_binary_junk_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"\x00\x01\x02garbage\n" * 5000)
    result = read(path)
    assert [p.message for p in result.problems] == [BINARY]
    assert result.artifacts == []


def test_many_bad_lines_stop_with_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b"caf\xe9 is not json\n" * 1000)
    result = read(path)
    assert len(result.problems) == tally.MAX_BAD_RECORDS + 1
    assert result.problems[0].line == 1
    assert result.problems[0].message.startswith("not valid UTF-8")
    assert result.problems[-1].line == tally.MAX_BAD_RECORDS + 1
    assert "stopped reading here" in result.problems[-1].message
    assert result.artifacts == []


def test_an_overlong_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "MAX_RECORD_BYTES", 64)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"model": "gpt-4", "text": "x" * 500}) + "\n" + '{"model": "claude-2"}\n')
    result = read(path)
    assert [(p.line, p.message) for p in result.problems] == [(1, "line longer than 0 MiB; skipped")]
    assert set(generations(result)) == {("claude-2", "responses")}


def test_gzipped_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"generator": "gpt-4o"}\n{"generator": "gpt-4o"}\n'))
    result = read(path)
    assert result.problems == []
    assert generations(result)["gpt-4o", "responses"].records == 2


def test_damaged_gzip_is_a_problem_and_what_came_before_counts(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"generator": "gpt-4o"}\n' * 2000)[:-30])
    result = read(path)
    assert len(result.problems) == 1
    assert result.problems[0].message.startswith("not a readable gzip file")
    assert result.records_scanned > 0


def test_too_many_distinct_models_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally, "MAX_MODELS", 3)
    path = tmp_path / "cars.jsonl"
    path.write_text("".join(json.dumps({"model": f"Corolla {i}"}) + "\n" for i in range(10)))
    result = read(path)
    assert len(generations(result)) == 3
    assert [p.line for p in result.problems] == [4]
    assert "more than 3 different values in model fields" in result.problems[0].message
    assert result.records_scanned == 10


def test_unreadable_paths_are_problems(tmp_path: Path) -> None:
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    result = RecordsSource().read(scan_file(folder))
    assert [p.message for p in result.problems] == ["is a directory, expected a records file"]
    missing = RecordsSource().read(scan_file(tmp_path / "missing.csv"))
    assert missing.problems[0].message.startswith("cannot read the file")


# --- JSON arrays --------------------------------------------------------------------------------------------------


def test_json_array_evidence_points_at_the_model_key() -> None:
    result = read(FIXTURES / "arena.json")
    assert result.problems == []
    assert result.records_scanned == 2
    found = generations(result)
    assert where(found["gpt-4-0314", "responses"]) == (4, 0)
    assert found["gpt-4-0314", "responses"].records == 2
    assert where(found["claude-v1", "responses"]) == (5, 0)
    assert where(found["gpt-4", "judgments"]) == (7, 0)
    assert where(found["vicuna-13b", "responses"]) == (11, 1)


def test_json_array_read_in_tiny_chunks_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read(FIXTURES / "arena.json")
    monkeypatch.setattr(text, "CHUNK", 7)
    assert read(FIXTURES / "arena.json") == whole


def test_sharegpt_file_names_no_model() -> None:
    result = read(FIXTURES / "sharegpt.json")
    assert result.problems == []
    assert result.records_scanned == 2
    assert result.artifacts[0].generated_by == ()


@pytest.mark.parametrize(
    ("content", "line", "start"),
    [
        ('[\n  {"model": "gpt-4"},\n  {"model": "gpt-4", "te', 3, "the JSON array ends early"),
        ('[\n  {"model": "gpt-4"}\n  {"model": "claude-2"}\n]', 3, "invalid JSON: expected ',' or ']'"),
        ('[\n  {"model": "gpt-4"},\n  {"model": gpt-4}\n]', 3, "invalid JSON: "),
        ('[\n  {"model": "gpt-4"},\n  "text"\n]', 3, "item is a JSON string, not an object"),
        ('[\n  {"model": "gpt-4"}', 2, "the JSON array ends early"),
    ],
)
def test_json_array_errors(tmp_path: Path, content: str, line: int, start: str) -> None:
    path = tmp_path / "records.json"
    path.write_text(content)
    result = read(path)
    assert [p.line for p in result.problems] == [line]
    assert result.problems[0].message.startswith(start), result.problems[0].message
    assert generations(result)["gpt-4", "responses"].records == 1


def test_json_array_of_names_is_not_records(tmp_path: Path) -> None:
    path = tmp_path / "formats.json"
    path.write_text('["Zero-shot", "Few-shot"]')
    assert read(path) == SourceResult()
    path.write_text("[]")
    result = read(path)
    assert (result.problems, result.records_scanned, result.artifacts[0].generated_by) == ([], 0, ())


def test_json_array_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_bytes(b'[{"model": "caf\xe9"}]')
    result = read(path)
    assert [p.message for p in result.problems] == ["not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


# --- CSV and TSV --------------------------------------------------------------------------------------------------


def test_preference_csv_columns_and_row_lines() -> None:
    result = read(FIXTURES / "preferences.csv")
    assert result.problems == []
    assert result.records_scanned == 2
    found = generations(result)
    assert found["gpt-4-turbo", "preferences"].records == 2
    assert where(found["llama-2-7b-chat", "preferences"]) == (2, 0)
    assert where(found["mistral-7b-instruct", "preferences"]) == (3, 1)  # the row starts on line 3, spans two
    assert found["gpt-4", "judgments"].records == 2


def test_tsv_and_human_rows() -> None:
    found = generations(read(FIXTURES / "outputs.tsv"))
    assert list(found) == [("gemini-pro", "responses")]  # the row saying `human` names no model
    human = read(FIXTURES / "human.csv")
    assert (human.records_scanned, human.artifacts[0].generated_by) == (2, ())


def test_bad_csv_rows_and_bytes_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"id,model\n1,gpt-4\n2,bro\rken\n3,caf\xe9\n")
    result = read(path)
    assert [p.line for p in result.problems] == [3, 4]
    assert result.problems[0].message.startswith("invalid CSV row")
    assert result.problems[1].message.startswith("not valid UTF-8")
    assert set(generations(result)) == {("gpt-4", "responses"), ("caf\ufffd", "responses")}


def test_a_quote_left_open_at_the_end_of_a_csv_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('prompt,response,model\n"hi","there",gpt-4\n"cut off,x,claude-2\n')
    result = read(path)
    assert [p.line for p in result.problems] == [3]
    # Python's csv module says what it found; ours is the frame around it.
    assert result.problems[0].message.startswith("invalid CSV row: ")
    assert result.problems[0].message.endswith(" (row skipped)")
    assert set(generations(result)) == {("gpt-4", "responses")}


# --- Parquet ------------------------------------------------------------------------------------------------------


def write_parquet(path: Path) -> None:
    table = pa.table(
        {
            "prompt": ["a", "b", "c", "d"],
            "completions": [
                [{"model": "gpt-4", "text": "x" * 100}, {"model": "llama-2-70b-chat", "text": "y"}],
                [],
                None,
                [{"model": "gpt-4", "text": "z"}, {"model": "gpt-4", "text": "w"}],
            ],
            "generator": pa.array(["gpt-4", None, "claude-2", "human"]).dictionary_encode(),
            "meta": [
                {"judge": "gpt-4-turbo", "score": 1},
                None,
                {"judge": None, "score": 2},
                {"judge": "x", "score": 3},
            ],
            "tags": [{"k": "v"}, {}, {}, {}],
        },
    )
    table = table.set_column(4, "tags", pa.array([[("k", "v")], [], [], []], pa.map_(pa.string(), pa.string())))
    pq.write_table(table, path)


def test_parquet_reads_only_model_columns_and_counts_records(tmp_path: Path) -> None:
    path = tmp_path / "prefs.parquet"
    write_parquet(path)
    result = read(path)
    assert result.problems == []
    assert result.records_scanned == 4
    found = generations(result)
    gpt4 = found["gpt-4", "responses"]
    assert (gpt4.records, where(gpt4), gpt4.evidence.detail) == (
        2,
        (None, 0),
        "completions[].model: gpt-4 (in 2 of 4 records)",
    )
    assert where(found["claude-2", "responses"]) == (None, 2)
    assert found["gpt-4-turbo", "judgments"].evidence.detail.startswith("meta.judge: gpt-4-turbo")
    assert ("human", "responses") not in found
    assert set(found) == {
        ("gpt-4", "responses"),
        ("llama-2-70b-chat", "responses"),
        ("claude-2", "responses"),
        ("gpt-4-turbo", "judgments"),
        ("x", "judgments"),
    }


def test_parquet_in_small_batches_gives_the_same_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prefs.parquet"
    write_parquet(path)
    whole = read(path)
    monkeypatch.setattr(parquet, "BATCH_ROWS", 1)
    assert read(path) == whole


def test_parquet_without_model_columns_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"text": ["a", "b", "c"]}), path)
    result = read(path)
    assert (result.records_scanned, result.artifacts[0].generated_by, result.problems) == (3, (), [])


def test_parquet_with_a_model_field_twice_is_a_problem_naming_it(tmp_path: Path) -> None:
    """Two fields named `model` side by side: which names the model is left open, so the file is reported
    as not read, with the field, and a field of another name repeated elsewhere does not matter."""
    path = tmp_path / "twice.parquet"
    models = pa.StructArray.from_arrays([pa.array(["gpt-4"]), pa.array(["human"])], ["model", "model"])
    pq.write_table(pa.table({"completions": pa.ListArray.from_arrays(pa.array([0, 1], pa.int32()), models)}), path)
    result = read(path)
    assert [p.message.split(":")[:2] for p in result.problems] == [["not read", " completions[].model"]]
    fine = tmp_path / "fine.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["gpt-4"]), pa.array([1]), pa.array([2])], ["model", "n", "n"]), fine)
    result = read(fine)
    assert result.problems == [] and set(generations(result)) == {("gpt-4", "responses")}


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("this is not parquet")
    result = read(path)
    assert len(result.problems) == 1
    assert result.problems[0].message.startswith("not a readable Parquet file")
    assert result.artifacts == []


# --- joining -----------------------------------------------------------------------------------------------------


def test_a_manifest_path_joins_the_records_artifact(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: chat-sft\n    kind: dataset\n    path: chat.jsonl\n"
    )
    (tmp_path / "proj" / "chat.jsonl").write_text((FIXTURES / "chat.jsonl").read_text())
    result = ManifestSource().read(ScanFile(tmp_path / "proj" / "tos-provenance.yaml", "proj/tos-provenance.yaml"))
    result.extend(RecordsSource().read(ScanFile(tmp_path / "proj" / "chat.jsonl", "proj/chat.jsonl", "chat.jsonl")))
    graph = LineageGraph.build(result)
    (dataset,) = graph.datasets()
    assert dataset.id == "chat-sft"
    assert ("vicuna-13b", "responses") in {(g.model, g.role) for g in dataset.generated_by}


# --- real samples -------------------------------------------------------------------------------------------------


def corpus(name: str) -> Path:
    path = CORPORA / "records" / name
    if not path.exists():
        pytest.skip(f"reference data not present: {path} (../shared/corpora is not checked out beside the repo)")
    return path


@pytest.mark.parametrize(
    ("name", "model", "records"),
    [
        ("alpaca_eval_gpt4_model_outputs_first40.json", "gpt4", 40),
        ("alpaca_eval_claude-3-opus_model_outputs_first40.json", "claude-3-opus-20240229", 40),
        ("alpaca_eval_gemini-pro_model_outputs_first40.json", "gemini-pro", 40),
        ("alpaca_eval_claude2-alpaca-13b_model_outputs_first40.json", "claude2-alpaca-13b", 40),
        ("alpaca_eval_Meta-Llama-3-70B-Instruct_model_outputs_first40.json", "Meta-Llama-3-70B-Instruct", 40),
    ],
)
def test_real_alpaca_eval_outputs(name: str, model: str, records: int) -> None:
    result = read(corpus(name))
    assert result.problems == []
    assert result.records_scanned == records
    (gen,) = result.artifacts[0].generated_by
    assert (gen.model, gen.role, gen.records) == (model, "responses", records)
    assert where(gen) == (6, 0)  # `"generator": ...` is the fifth line of the first record
    assert gen.evidence.detail == f"generator: {model} (in {records} of {records} records)"


def test_real_alpaca_eval_annotations_have_two_generators_and_a_judge() -> None:
    result = read(corpus("alpaca_eval_gpt4_annotations_first30.json"))
    assert result.records_scanned == 30
    found = generations(result)
    assert set(found) == {
        ("text_davinci_003", "responses"),
        ("gpt4", "responses"),
        ("alpaca_eval_gpt4", "judgments"),
    }
    assert where(found["text_davinci_003", "responses"]) == (5, 0)
    assert where(found["gpt4", "responses"]) == (8, 0)
    assert where(found["alpaca_eval_gpt4", "judgments"]) == (9, 0)
    assert all(g.records == 30 for g in found.values())


def test_real_magpie_and_mt_bench_models() -> None:
    magpie = generations(read(corpus("magpie_example_instructions_5res_armorm.json")))
    gen = magpie["meta-llama/Meta-Llama-3-8B-Instruct", "responses"]
    assert (gen.records, where(gen)) == (5, (35, 0))
    assert gen.evidence.detail.startswith("gen_response_configs.output_generator:")
    mt_bench = read(corpus("mt_bench_reference_answer_gpt-4.jsonl"))
    gen = generations(mt_bench)["gpt-4", "responses"]
    assert (gen.records, where(gen), mt_bench.records_scanned) == (30, (1, 0), 30)


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("fastchat_dummy_conversation.json", 256),  # "from": "gpt" throughout, and no model
        ("alpaca_seed_tasks.jsonl", 175),
        ("hh-rlhf_harmless-base_test_first60.jsonl", 60),
        ("mt_bench_question.jsonl", 80),
        ("wizardlm_testset.jsonl", 218),
    ],
)
def test_real_files_without_model_fields(name: str, records: int) -> None:
    result = read(corpus(name))
    assert result.problems == []
    assert result.records_scanned == records
    assert result.artifacts[0].generated_by == ()


def test_real_dpi_constants_list_is_claimed_but_not_records() -> None:
    path = CORPORA / "dpi" / "constants" / "data_formats.json"
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    assert read(path) == SourceResult()


def test_a_binary_file_named_json_is_claimed_and_reported_not_skipped(tmp_path: Path) -> None:
    from tos_check.walk import ScanFile

    path = tmp_path / "weights.json"
    path.write_bytes(b"\x00\x01\x02 not json at all")
    file = ScanFile(path, "weights.json", "weights.json")
    source = RecordsSource()
    assert source.claims(file)
    (problem,) = source.read(file).problems
    assert str(problem) == f"weights.json: {BINARY}"
    config = tmp_path / "config.json"
    config.write_text('{"model_type": "llama"}')
    assert not source.claims(ScanFile(config, "config.json", "config.json"))  # a mapping is not records


# --- generation dates -----------------------------------------------------------------------------------------


def test_records_that_all_say_their_day_date_the_models_outputs(tmp_path: Path) -> None:
    path = tmp_path / "logged.jsonl"
    lines = [
        {"model": "gpt-4-0613", "created": 1686286924, "response": "a"},  # 2023-06-09
        {"model": "gpt-4-0613", "created": "2023-07-01T10:00:00Z", "response": "b"},
        {"model": "claude-2", "created": "2024-01-02", "response": "c"},
        {"model": "claude-2", "response": "d"},  # undated: claude-2's outputs as a whole are undated
        {"model": "llama-2-70b-chat", "timestamp": "not a day", "response": "e"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    found = generations(read(path))
    gpt4 = found["gpt-4-0613", "responses"]
    assert (gpt4.date_from, gpt4.date_until) == (dt.date(2023, 6, 9), dt.date(2023, 7, 1))
    assert (found["claude-2", "responses"].date_from, found["claude-2", "responses"].date_until) == (None, None)
    assert found["llama-2-70b-chat", "responses"].date_from is None
    # the same records in Parquet (the dates an Arrow timestamp column): the same periods
    rows = [{**line, "created": _as_timestamp(line.get("created"))} for line in lines[:2] + lines[3:4]]
    schema = pa.schema([("model", pa.string()), ("created", pa.timestamp("s", tz="UTC")), ("response", pa.string())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp_path / "logged.parquet")
    from_parquet = generations(read(tmp_path / "logged.parquet"))
    gpt4 = from_parquet["gpt-4-0613", "responses"]
    assert (gpt4.date_from, gpt4.date_until) == (dt.date(2023, 6, 9), dt.date(2023, 7, 1))
    assert from_parquet["claude-2", "responses"].date_from is None


def test_csv_records_are_dated_by_iso_days(tmp_path: Path) -> None:
    """CSV values are text: an ISO day is read; digits are not taken for a clock."""
    path = tmp_path / "prefs.csv"
    path.write_text(
        "model,created,response\ngpt-4-0613,2023-06-09,a\ngpt-4-0613,2023-06-20T10:00:00Z,b\nclaude-2,1686286924,c\n",
        encoding="utf-8",
    )
    found = generations(read(path))
    gpt4 = found["gpt-4-0613", "responses"]
    assert (gpt4.date_from, gpt4.date_until) == (dt.date(2023, 6, 9), dt.date(2023, 6, 20))
    assert found["claude-2", "responses"].date_from is None


def _as_timestamp(value: object) -> dt.datetime | None:
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def test_mt_bench_answers_are_judged_by_the_terms_of_their_day() -> None:
    """MT-Bench's GPT-4 reference answers carry `tstamp` (epoch seconds, June 2023): the scan judges them by
    OpenAI's terms of use of 2023-03-14, not by the terms in force on the day of the scan."""
    from tests.conftest import shared_path
    from tests.scanning import PUBLIC_CHAT, scan_builtin

    path = shared_path("corpora", "records", "mt_bench_reference_answer_gpt-4.jsonl")
    gpt4 = generations(read(path))["gpt-4", "responses"]
    assert (gpt4.date_from, gpt4.date_until) == (dt.date(2023, 6, 9), dt.date(2023, 6, 9))
    findings = [f for f in scan_builtin(path, use=PUBLIC_CHAT).findings if f.model == "gpt-4"]
    assert findings and {(f.policy.id, f.policy.version) for f in findings if f.policy} == {
        ("openai-terms-of-use", "2023-03-14")
    }
    assert all("generation date unknown" not in f.message for f in findings)
