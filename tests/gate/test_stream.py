"""`tos-check gate` on files: every record in exactly one sink, the raw line of anything unreadable kept with
its reason and line, sinks only under their final names once the whole run succeeded."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.scanning import PUBLIC_CHAT
from tos_check.cli import cli
from tos_check.gate import stream
from tos_check.gate.decide import Gate

GOOD = [
    {"model": "gpt-4-0613", "messages": [{"role": "user", "content": "hi"}]},
    {"model": "human", "text": "written by a person"},
    {"completions": [{"model": "claude-3-opus-20240229"}]},
    {"model": "mistral-7b"},
]


@pytest.fixture
def use(tmp_path: Path) -> Path:
    path = tmp_path / "use.yaml"
    path.write_text(json.dumps(PUBLIC_CHAT), encoding="utf-8")
    return path


def gate_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["gate", *args, "--no-fingerprints", "--as-of", "2026-01-01"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def lines(path: Path) -> list[dict[str, Any]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def test_reconciliation_with_bad_lines(tmp_path: Path, use: Path) -> None:
    source = tmp_path / "in.jsonl"
    body = jsonl(GOOD[:2]) + b"\n   \n" + b'{"model": 3, "other": {"shape": [1]}}\n' + b'{"broken": \n'
    body += b"[1, 2]\n" + b'{"model": "caf\xe9"}\n' + jsonl(GOOD[2:]) + b'{"model": "gpt-4-0613", "trunc'
    source.write_bytes(body)
    before = source.read_bytes()
    summary = tmp_path / "summary.json"
    code, err = gate_cli(
        str(source),
        "--pass",
        str(tmp_path / "p.jsonl"),
        "--quarantine",
        str(tmp_path / "q.jsonl"),
        "--use",
        str(use),
        "--summary-json",
        str(summary),
    )
    assert code == 0, err
    assert source.read_bytes() == before  # the input is never written
    passed, held = lines(tmp_path / "p.jsonl"), lines(tmp_path / "q.jsonl")
    [counts] = json.loads(summary.read_text())["inputs"]
    assert counts["read"] == 9 == counts["passed"] + counts["quarantined"] == len(passed) + len(held)
    assert counts["blank_lines"] == 2 and counts["unreadable"] == 4 and counts["balanced"] is True
    assert [r.get("model") for r in passed] == ["human", 3, "mistral-7b"]
    unreadable = {
        r["_tos_check"]["line"]: r["_tos_check"]
        for r in held
        if "raw" in r["_tos_check"] or "raw_base64" in r["_tos_check"]
    }
    assert sorted(unreadable) == [6, 7, 8, 11]
    assert unreadable[6]["raw"] == '{"broken": ' and "invalid JSON" in unreadable[6]["reason"]
    assert "not a record" in unreadable[7]["reason"]
    assert "not UTF-8" in unreadable[8]["reason"] and unreadable[8]["raw_base64"]
    assert unreadable[11]["raw"].endswith('"trunc')
    decided = [r for r in held if "rule" in r["_tos_check"]]
    assert {r["_tos_check"]["line"] for r in decided} == {1, 9}
    assert all(r["_tos_check"]["source"] == str(source) for r in held)
    assert "read 9 = passed 3 + quarantined 6" in err


def test_passed_lines_are_copied_byte_for_byte(tmp_path: Path, use: Path) -> None:
    source = tmp_path / "in.jsonl"
    body = b'{"model":"human",  "text":"spacing \\u00e9 kept"}\r\n' * 3 + b'{"model":"gpt-4-0613"}\r\n'
    source.write_bytes(body)
    assert (
        gate_cli(
            str(source),
            "--pass",
            str(tmp_path / "p.jsonl"),
            "--quarantine",
            str(tmp_path / "q.jsonl"),
            "--use",
            str(use),
        )[0]
        == 0
    )
    assert (tmp_path / "p.jsonl").read_bytes() == body.rsplit(b"\r\n", 2)[0] + b"\r\n"


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_compressed_in_and_out(tmp_path: Path, use: Path, suffix: str) -> None:
    source = tmp_path / f"in{suffix}"
    with pa.output_stream(source, compression="gzip" if suffix.endswith("gz") else "zstd") as out:
        out.write(jsonl(GOOD * 100))
    p, q = tmp_path / f"p{suffix}", tmp_path / f"q{suffix}"
    assert gate_cli(str(source), "--pass", str(p), "--quarantine", str(q), "--use", str(use))[0] == 0
    with pa.input_stream(p, compression="detect") as stream_in:
        passed = stream_in.read().splitlines()
    with pa.input_stream(q, compression="detect") as stream_in:
        held = stream_in.read().splitlines()
    assert len(passed) == 200 and len(held) == 200


def test_chunk_boundaries_do_not_split_records(tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_BYTES", 100)
    records = [{"model": "human", "text": "x" * n} for n in (10, 250, 3, 90, 400)] + GOOD
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(records))
    gate_cli(
        str(source), "--pass", str(tmp_path / "p.jsonl"), "--quarantine", str(tmp_path / "q.jsonl"), "--use", str(use)
    )
    passed, held = lines(tmp_path / "p.jsonl"), lines(tmp_path / "q.jsonl")
    assert passed == [*records[:5], GOOD[1], GOOD[3]]
    assert [r["_tos_check"]["line"] for r in held] == [6, 8]


def test_parquet_in_and_out(tmp_path: Path, use: Path) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([{"model": r.get("model"), "n": i} for i, r in enumerate(GOOD * 50)]), source)
    p, q, as_json = tmp_path / "p.parquet", tmp_path / "q.parquet", tmp_path / "p.jsonl"
    assert gate_cli(str(source), "--pass", str(p), "--quarantine", str(q), "--use", str(use))[0] == 0
    passed, held = pq.read_table(p), pq.read_table(q)
    assert passed.schema == pq.read_schema(source) and passed.num_rows + held.num_rows == 200
    assert held["_tos_check_record"].to_pylist() == list(range(0, 200, 4))
    assert set(held["_tos_check_source"].to_pylist()) == {str(source)}
    assert (
        gate_cli(str(source), "--pass", str(as_json), "--quarantine", str(tmp_path / "q.jsonl"), "--use", str(use))[0]
        == 0
    )
    assert len(lines(as_json)) == passed.num_rows


def test_empty_input_gives_empty_sinks(tmp_path: Path, use: Path) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"model": pa.array([], pa.string())}), source)
    p, q = tmp_path / "p.parquet", tmp_path / "q.parquet"
    assert gate_cli(str(source), "--pass", str(p), "--quarantine", str(q), "--use", str(use))[0] == 0
    assert pq.read_table(p).num_rows == 0 and "_tos_check_action" in pq.read_table(q).column_names


@pytest.mark.parametrize(
    ("inputs", "pass_name", "says"),
    [
        (["in.jsonl"], "in.jsonl", "is an input"),
        (["in.jsonl"], "p.parquet", "JSONL input needs JSONL sinks"),
        (["in.csv"], "p.jsonl", "unknown format"),
        (["missing.jsonl"], "p.jsonl", "no such file"),
        (["in.jsonl"], "q.jsonl", "must be different files"),
    ],
)
def test_bad_paths_are_refused_before_reading(
    tmp_path: Path, use: Path, inputs: list[str], pass_name: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("in.jsonl").write_bytes(jsonl(GOOD))
    Path("in.csv").write_text("model\ngpt-4\n")
    code, err = gate_cli(*inputs, "--pass", pass_name, "--quarantine", "q.jsonl", "--use", str(use))
    assert code == 2 and says in err
    assert Path("in.jsonl").read_bytes() == jsonl(GOOD)
    assert not Path("q.jsonl").exists() or (pass_name == "q.jsonl" and not Path("q.jsonl").exists())


def test_an_interrupted_run_leaves_no_sink(tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_BYTES", 64)
    calls = []
    original = Gate.verdict_ids

    def interrupt(self: Gate, data: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(self, data)

    monkeypatch.setattr(Gate, "verdict_ids", interrupt)
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(GOOD * 20))
    result = CliRunner().invoke(
        cli,
        [
            "gate",
            str(source),
            "--pass",
            str(tmp_path / "p.jsonl"),
            "--quarantine",
            str(tmp_path / "q.jsonl"),
            "--use",
            str(use),
            "--no-fingerprints",
        ],
    )
    assert result.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "use.yaml"]


def test_a_corrupt_compressed_input_fails_and_writes_nothing(tmp_path: Path, use: Path) -> None:
    source = tmp_path / "in.jsonl.gz"
    source.write_bytes(gzip.compress(jsonl(GOOD * 1000))[:500])
    code, err = gate_cli(
        str(source), "--pass", str(tmp_path / "p.jsonl"), "--quarantine", str(tmp_path / "q.jsonl"), "--use", str(use)
    )
    assert code == 2 and f"{source}: cannot be read through" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl.gz", "use.yaml"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1}',
        b"{}",
        b"{ }",
        b'{"a": {"b": {}}}  \r',
        b'\xef\xbb\xbf{"text": "caf\xc3\xa9 }"}',
        b'{"_tos_check": {"action": "old"}, "a": [1, 2]}',
        b'{"note": "a value that says _tos_check"}',
        b'{"\\u005ftos_check": null, "b": 2}',
    ],
)
def test_a_held_line_is_the_record_with_its_decision_added(raw: bytes) -> None:
    """The decision is spliced into the record's own bytes; what a JSON reader reads back is the record with
    one more key (a stale decision replaced), whatever the record's spacing, emptiness or byte-order mark."""
    from tos_check.gate.decide import Decision
    from tos_check.gate.stream import RECORD_KEY, _decision_prefix, _held_line

    decision = Decision("quarantine", reason='error x/y [prohibited]: "quoted" é', rule="x/y")
    keyed = RECORD_KEY in json.loads(raw.decode("utf-8-sig"))  # as the gate knows it: from the parsed record
    line = b"".join(_held_line(raw, _decision_prefix(decision, "in.jsonl"), 42, keyed))
    assert b"\n" not in line
    record = json.loads(raw.decode("utf-8-sig"))
    record[RECORD_KEY] = {
        "action": "quarantine",
        "reason": decision.reason,
        "rule": "x/y",
        "source": "in.jsonl",
        "line": 42,
    }
    assert json.loads(line, object_pairs_hook=_no_repeated_keys) == record


def test_parquet_batches_follow_the_size_of_the_rows(
    tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of kilobytes are read a few at a time (memory stays bounded whatever the row size), with the same
    sinks as in one batch."""
    from tos_check.sources.records import parquet

    source = tmp_path / "in.parquet"
    rows = [{"model": r.get("model"), "text": "x" * 5000 + str(i)} for i, r in enumerate(GOOD * 10)]
    pq.write_table(pa.Table.from_pylist(rows), source)
    whole = [(tmp_path / f"whole-{n}.parquet") for n in ("p", "q")]
    assert gate_cli(str(source), "--pass", str(whole[0]), "--quarantine", str(whole[1]), "--use", str(use))[0] == 0
    monkeypatch.setattr(parquet, "BATCH_BYTES", 20_000)
    assert parquet.batch_rows(pq.ParquetFile(source)) in range(1, 10)
    small = [(tmp_path / f"small-{n}.parquet") for n in ("p", "q")]
    assert gate_cli(str(source), "--pass", str(small[0]), "--quarantine", str(small[1]), "--use", str(use))[0] == 0
    for a, b in zip(whole, small, strict=True):
        assert pq.read_table(a).equals(pq.read_table(b))
    assert pq.read_table(small[1])["_tos_check_record"].to_pylist() == list(range(0, 40, 4))


@pytest.mark.parametrize("size", [1, 3, 7, 64])
@pytest.mark.parametrize("data", [b"", b"a\n", b"ab\ncd", b"a\n\nbcdefghijkl\nmn\n", b"no newline at all"])
def test_whole_lines_cut_only_after_a_newline(size: int, data: bytes) -> None:
    import io

    chunks = list(stream.whole_lines(io.BytesIO(data), size))
    assert b"".join(chunks) == data
    assert all(chunk.endswith(b"\n") for chunk in chunks[:-1]) and all(chunks)


def test_a_held_record_that_holds_a_decision_already_gets_one_decision(tmp_path: Path, use: Path) -> None:
    """Gating a quarantine file again: each held record ends with the new decision only, whether its old one
    is spelled plainly, escaped or null, and whether the chunk reads whole or line by line; a record beside
    it is still spliced byte for byte."""
    records = [
        b'{"model": "gpt-4-0613", "_tos_check": {"action": "old"}}',
        b'{"model": "gpt-4-0613", "\\u005ftos_check": {"action": "old"}}',
        b'{"model": "claude-3-opus-20240229", "n": 1E2, "text": "caf\\u00e9 says \\"_tos_check\\""}',
        b'{"model": "gpt-4-0613", "_tos_check": null}',
        b'{"model": "gpt-4-0613", "_tos\\u005Fcheck": null}',
    ]
    for tail in (b"", b"\n{not json"):  # the second: a chunk Arrow cannot read, decided line by line
        source = tmp_path / "in.jsonl"
        source.write_bytes(b"\n".join(records) + tail + b"\n")
        code, _ = gate_cli(str(source), *sinks(tmp_path, "jsonl"), "--use", str(use))
        assert code == 0
        lines = (tmp_path / "q.jsonl").read_bytes().splitlines()
        held = [json.loads(line, object_pairs_hook=_no_repeated_keys) for line in lines]
        assert [h["_tos_check"]["line"] for h in held[:5]] == [1, 2, 3, 4, 5]
        assert all(h["_tos_check"]["action"] == "quarantine" for h in held[:5])
        assert lines[2].startswith(records[2][:-1] + b", ")  # its own bytes, the decision added after them


@pytest.mark.parametrize(
    ("body", "why", "blank"),
    [
        (
            b'{"model": "mistral-7b"}\n{"model": "gpt-4-0613", "text": "\xff"}\n{"model": "mistral-7b"}\n',
            "not UTF-8",
            0,
        ),
        (
            b'{"model": "mistral-7b"}\n{"model": "x"} {"model": "gpt-4-0613"}\n   \n{"model": "mistral-7b"}\n',
            "invalid JSON",
            1,
        ),
    ],
)
def test_lines_arrow_would_misread_are_read_one_by_one(
    tmp_path: Path, use: Path, body: bytes, why: str, blank: int
) -> None:
    """Bytes that are not UTF-8 inside a string (Arrow's reader takes them), and two records on one line
    beside a blank line (the row count matches the line count): the line is quarantined as unreadable, with
    its number; the records around it are decided as usual."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(body)
    summary = tmp_path / "summary.json"
    code, _ = gate_cli(str(source), *sinks(tmp_path, "jsonl"), "--use", str(use), "--summary-json", str(summary))
    assert code == 0
    held = [json.loads(line)["_tos_check"] for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [(h["line"], h["reason"].split(":")[1].strip()) for h in held] == [(2, why)]
    assert (tmp_path / "p.jsonl").read_bytes() == b'{"model": "mistral-7b"}\n' * 2
    [totals] = json.loads(summary.read_text())["inputs"]
    assert (totals["read"], totals["passed"], totals["unreadable"], totals["blank_lines"]) == (3, 2, 1, blank)


def sinks(folder: Path, suffix: str) -> list[str]:
    return ["--pass", str(folder / f"p.{suffix}"), "--quarantine", str(folder / f"q.{suffix}")]


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"a key repeated: {keys}"
    return dict(pairs)


@pytest.mark.parametrize("remembered", [1, 4096])
def test_each_held_record_says_its_own_file_and_decision(
    tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch, remembered: int
) -> None:
    """Serialised decisions are remembered for the run, per input file: the second file's records name
    their own file, and a run that must forget them (past _PREFIXES) writes the same."""
    monkeypatch.setattr(stream, "CHUNK_BYTES", 200)
    monkeypatch.setattr(stream, "_PREFIXES", remembered)
    records = [*GOOD, {"model": "gemini-1.5-pro"}, {"model": "llama-2-7b-chat"}] * 5
    inputs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for path in inputs:
        path.write_bytes(jsonl(records))
    assert gate_cli(*map(str, inputs), *sinks(tmp_path, "jsonl"), "--use", str(use))[0] == 0
    held = [json.loads(line) for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    per_file = len(held) // 2
    assert per_file == 20 and [h["_tos_check"]["source"] for h in held] == [
        str(p) for p in inputs for _ in range(per_file)
    ]
    expected = Gate.from_config(PUBLIC_CHAT, as_of=dt.date(2026, 1, 1), fingerprints=False).decide_records(records)
    decided = [d for d in expected if d.action == "quarantine"] * 2
    assert [(h["_tos_check"]["model"], h["_tos_check"]["rule"]) for h in held] == [(d.model, d.rule) for d in decided]


def _both_paths(
    tmp_path: Path, use: Path, body: bytes, monkeypatch: pytest.MonkeyPatch, *, on_arrow: bool = False
) -> tuple[tuple[bytes, bytes, dict[str, Any]], tuple[bytes, bytes, dict[str, Any]]]:
    """(pass sink, quarantine sink, summary) of the gate on `body`, as it runs (with `on_arrow`, failing if
    any chunk is read line by line) and with every chunk read line by line."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(body)

    def run(folder: Path) -> tuple[bytes, bytes, dict[str, Any]]:
        folder.mkdir()
        summary = folder / "summary.json"
        code, out = gate_cli(str(source), *sinks(folder, "jsonl"), "--use", str(use), "--summary-json", str(summary))
        assert code == 0, out
        [totals] = json.loads(summary.read_text())["inputs"]
        return (folder / "p.jsonl").read_bytes(), (folder / "q.jsonl").read_bytes(), totals

    def by_lines(*args: Any) -> None:
        raise AssertionError("read line by line")

    with monkeypatch.context() as patch:
        if on_arrow:
            patch.setattr(stream.GateRun, "_jsonl_lines", by_lines)
        as_run = run(tmp_path / "as-run")
    with monkeypatch.context() as patch:
        patch.setattr(stream, "_read_lines", lambda chunk, lines: None)
        return as_run, run(tmp_path / "by-line")


def test_blank_lines_keep_a_chunk_on_arrows_path_and_lines_numbered(
    tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blank lines between records (empty, spaces, a CRLF file's lone '\\r') are counted and left out, and the
    chunk is still decided column-wise: each held record names its own line, and both sinks and the summary
    are what reading the chunk line by line gives."""
    body = (
        b'\n{"model": "mistral-7b"}\n\n   \n{"model": "gpt-4-0613", "n": 1}\n\r\n'
        b'{"model": "mistral-7b", "n": 2}\n{"model": "gpt-4-0613", "n": 3}\n\n'
    )
    as_run, by_line = _both_paths(tmp_path, use, body, monkeypatch, on_arrow=True)
    passed, held, totals = as_run
    assert passed == b'{"model": "mistral-7b"}\n{"model": "mistral-7b", "n": 2}\n'
    assert [json.loads(line)["_tos_check"]["line"] for line in held.splitlines()] == [5, 8]
    assert (totals["read"], totals["passed"], totals["quarantined"], totals["blank_lines"]) == (4, 2, 2, 5)
    assert by_line == as_run


@pytest.mark.parametrize(
    "body",
    [
        # two records on a line, made up for in the count by a record spread over two lines
        b'{"model": "mistral-7b"} {"model": "gpt-4-0613"}\n{"model": "mistral-7b"}\n\n{"model":\n"mistral-7b"}\n',
        b'{"model":\n"gpt-4-0613"}\n\n{"model": "gpt-4-0613"} {"model": "mistral-7b"}\n',
        b'{"model": "mistral-7b"} {"model": "gpt-4-0613"}\n{"model":\n"mistral-7b"}\n',
        # a value that is not an object, which Arrow reads as a row of nulls
        b'{"model": "mistral-7b"}\nnull\n\n{"model": "gpt-4-0613"}\n',
        b'{"model": "mistral-7b"}\n  null  \n{"model": "gpt-4-0613"}\n',
    ],
)
def test_lines_that_are_not_one_object_each_never_shift_decisions(
    tmp_path: Path, use: Path, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow reads a record spread over lines, two records on one line, and a `null`, so its row count alone
    cannot tell which line is which record: such a chunk is read line by line, and no gpt-4 record (held under
    this use) ever reaches the pass sink."""
    as_run, by_line = _both_paths(tmp_path, use, body, monkeypatch)
    assert as_run == by_line
    passed, _, totals = as_run
    assert b"gpt-4" not in passed
    assert totals["balanced"] is True


def test_a_list_arrow_reads_short_is_read_line_by_line(
    tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyarrow 26 reads a list starting with null shorter than its offsets (apache/arrow#51305): the chunk is
    decided from the lines as parsed, not failed as unreadable."""
    body = (
        b'{"completions": [null, {"model": "gpt-4-0613"}]}\n{"completions": [{"model": "mistral-7b"}]}\n'
        b'{"completions": [null, null, {"model": "mistral-7b"}]}\n'
    )
    as_run, by_line = _both_paths(tmp_path, use, body, monkeypatch)
    assert as_run == by_line
    passed, held, totals = as_run
    assert [json.loads(line)["_tos_check"]["line"] for line in held.splitlines()] == [1]
    assert passed.count(b"\n") == 2 and totals["unreadable"] == 0


def test_a_chunk_starting_with_null_is_not_given_to_arrows_reader(tmp_path: Path, use: Path) -> None:
    """pyarrow's JSON reader crashes the process on a first value `null` (apache/arrow#47409): run in a child
    process, so that a crash fails this test instead of ending the test run."""
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    source.write_bytes(b'null\n{"model": "gpt-4-0613"}\n{"model": "mistral-7b"}\n')
    code = "import sys; from tos_check.cli import main; sys.argv = ['tos-check', 'gate', *sys.argv[1:]]; main()"
    args = [str(source), *sinks(tmp_path, "jsonl"), "--use", str(use)]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.jsonl").read_bytes() == b'{"model": "mistral-7b"}\n'
    reasons = [json.loads(line)["_tos_check"]["reason"] for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert len(reasons) == 2 and "not a record" in reasons[0]


@pytest.mark.parametrize(
    "line",
    [
        b'{"model": "gpt-4-0613", "model": "mistral-7b"}',
        b'{"completions": [{"model": "gpt-4-0613", "text": "a", "model": "human"}]}',
    ],
)
def test_a_record_with_a_repeated_key_is_quarantined_as_it_was(
    tmp_path: Path, use: Path, line: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which value of a repeated key counts is left open by JSON (Python's reader keeps the last): a record
    could name a held model and then a harmless one. It is quarantined as unreadable, with the key named,
    whichever way its chunk is read."""
    as_run, by_line = _both_paths(tmp_path, use, line + b'\n{"model": "mistral-7b"}\n', monkeypatch)
    assert as_run == by_line
    passed, held, totals = as_run
    assert passed == b'{"model": "mistral-7b"}\n'
    [record] = [json.loads(x)["_tos_check"] for x in held.splitlines()]
    assert "repeated key: 'model'" in record["reason"] and record["line"] == 1
    assert totals["unreadable"] == 1


@pytest.mark.parametrize(
    "table",
    [
        pa.Table.from_arrays([pa.array(["gpt-4-0613"]), pa.array(["mistral-7b"])], names=["model", "model"]),
        pa.table(
            {
                "completions": pa.ListArray.from_arrays(
                    pa.array([0, 1], pa.int32()),
                    pa.StructArray.from_arrays([pa.array(["gpt-4-0613"]), pa.array(["human"])], ["model", "model"]),
                )
            }
        ),
    ],
)
def test_parquet_with_a_model_field_twice_is_refused_naming_it(tmp_path: Path, use: Path, table: pa.Table) -> None:
    """Two fields of one name where a model is read: which names the model is left open, so the file is not
    gated (nothing written, exit 2) and the scan reports it as not read, each naming the field."""
    source = tmp_path / "in.parquet"
    pq.write_table(table, source)
    code, out = gate_cli(str(source), *sinks(tmp_path, "parquet"), "--use", str(use))
    assert code == 2 and "shares its name with another" in out
    assert not (tmp_path / "p.parquet").exists() and not (tmp_path / "q.parquet").exists()
    with pytest.raises(ValueError, match="shares its name"):
        Gate.from_config(PUBLIC_CHAT, as_of=dt.date(2026, 1, 1)).decide(table)


def test_a_text_field_twice_matters_only_with_fingerprints(tmp_path: Path, use: Path) -> None:
    """Text is read only to search it for fingerprints: a `text` field named twice refuses the file only when
    fingerprints are on; without them the records are decided from their model field."""
    table = pa.Table.from_arrays(
        [pa.array(["gpt-4-0613", "mistral-7b"]), pa.array(["a", "b"]), pa.array(["c", "d"])], ["model", "text", "text"]
    )
    decided = Gate.from_config(PUBLIC_CHAT, as_of=dt.date(2026, 1, 1), fingerprints=False).decide(table)
    assert decided["_tos_check_action"].to_pylist() == ["quarantine", "pass"]
    with pytest.raises(ValueError, match="text: a field on the way shares its name"):
        Gate.from_config(PUBLIC_CHAT, as_of=dt.date(2026, 1, 1), fingerprints=True).decide(table)


def test_a_field_whose_type_changes_within_a_chunk_is_read_line_by_line(
    tmp_path: Path, use: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field a list in one record and a string in a later one: pyarrow 26's reader crashed the process when
    they fell in different blocks of one read (a chunk was read in 1 MiB blocks). Run in a child process, so
    that a crash fails this test instead of ending the test run."""
    import subprocess
    import sys

    first = b'{"model": "mistral-7b", "tags": ["a"]}\n'
    body = first + b'{"model": "mistral-7b"}\n' * 60_000 + b'{"model": "gpt-4-0613", "tags": "a"}\n'
    source = tmp_path / "in.jsonl"
    source.write_bytes(body)
    code = "import sys; from tos_check.cli import main; sys.argv = ['tos-check', 'gate', *sys.argv[1:]]; main()"
    args = [str(source), *sinks(tmp_path, "jsonl"), "--use", str(use)]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.jsonl").read_bytes() == body[: -len(b'{"model": "gpt-4-0613", "tags": "a"}\n')]
    [held] = (tmp_path / "q.jsonl").read_bytes().splitlines()
    assert json.loads(held)["_tos_check"]["line"] == 60_002


def test_a_date_field_twice_leaves_the_records_undated(tmp_path: Path, use: Path) -> None:
    """Two `created` columns: which holds the day is left open, so the records are judged as undated (their
    reason says so), in the gate and in a scan, instead of failing."""
    from tests.sources.test_records import generations, read

    table = pa.Table.from_arrays(
        [pa.array(["gpt-4-0613"]), pa.array(["2023-06-01"]), pa.array(["2024-06-01"])], ["model", "created", "created"]
    )
    source = tmp_path / "in.parquet"
    pq.write_table(table, source)
    code, out = gate_cli(str(source), *sinks(tmp_path, "parquet"), "--use", str(use))
    assert code == 0, out
    [reason] = pq.ParquetFile(tmp_path / "q.parquet").read().column("_tos_check_reason").to_pylist()
    assert "generation date unknown" in reason
    result = read(source)
    assert result.problems == [] and set(generations(result)) == {("gpt-4-0613", "responses")}


def test_a_lone_surrogate_in_a_record_is_written_not_a_crash(tmp_path: Path, use: Path) -> None:
    """JSON's escape `\\ud800` makes a string UTF-8 cannot encode: the gate writes held records as valid
    JSON and a scan writes its JSON report, with the model named (the surrogate as U+FFFD)."""
    body = (
        b'{"model": "gpt-4-0613\\ud800"}\n{"_tos_check": 1, "model": "gpt-4-0613", "t": "\\udc00"}\n'
        b'{"model": "mistral-7b"}\n'
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "in.jsonl").write_bytes(body)
    code, out = gate_cli(str(data / "in.jsonl"), *sinks(tmp_path, "jsonl"), "--use", str(use))
    assert code == 0, out
    held = [json.loads(line) for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [h["_tos_check"]["model"] for h in held] == ["gpt-4-0613\ufffd", "gpt-4-0613"]
    assert held[1]["t"] == "\udc00"  # the record's own value, kept (escaped)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["scan", str(data), "--use", str(use), "--format", "json", "-o", str(report)])
    assert result.exit_code == 1, result.output
    details = [e["detail"] for f in json.loads(report.read_text(encoding="utf-8"))["findings"] for e in f["evidence"]]
    assert "model: gpt-4-0613\ufffd (in 1 of 3 records)" in details


@pytest.mark.parametrize(("depth", "why"), [(100, "no-competing-models"), (9000, "nested too deeply")])
def test_records_nested_deep_are_decided_or_quarantined_never_a_crash(
    tmp_path: Path, use: Path, depth: int, why: str
) -> None:
    """Lists and objects nested deeper than the gate walks (64 levels): Arrow's C++ walked such types
    recursively (hashing a schema 8,000 levels deep crashed the process) and so did the gate in Python. The
    records are decided one by one from their model field, or, deeper than Python's reader goes, quarantined
    as unreadable. In a child process, so that a crash fails this test instead of ending the test run."""
    import subprocess
    import sys

    lists = b'{"model": "gpt-4-0613", "a": ' + b"[" * depth + b"]" * depth + b"}\n"
    objects = b'{"model": "gpt-4-0613", "b": ' + b'{"b": ' * depth + b"1" + b"}" * depth + b"}\n"
    source = tmp_path / "in.jsonl"
    source.write_bytes(lists + b'{"model": "mistral-7b"}\n' + objects)
    code = "import sys; from tos_check.cli import main; sys.argv = ['tos-check', 'gate', *sys.argv[1:]]; main()"
    args = [str(source), *sinks(tmp_path, "jsonl"), "--use", str(use), "--no-fingerprints"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.jsonl").read_bytes() == b'{"model": "mistral-7b"}\n'
    held = [json.loads(line)["_tos_check"] for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [h["line"] for h in held] == [1, 3] and all(why in h["reason"] for h in held)
