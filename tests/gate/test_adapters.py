"""The gate in pipelines, for real: one JSONL file through `tos-check gate`, the Python API, Hugging Face
`datasets` (built locally from the file) and Ray Data (on a local Ray started here) gives the same records
passed and the same reasons. docs/pipelines.md points here."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import re
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tos_check.cli import cli
from tos_check.gate.decide import DECISION_SCHEMA, PREFIX, Gate

# Nothing here may reach a network: datasets and Ray are told so before they are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

AS_OF = dt.date(2026, 1, 1)
USE: dict[str, Any] = {
    "activity": "fine_tune",
    "model": {"kind": "llm", "general_purpose": True},
    "distribution": "public",
    "commercial": True,
}


RECORDS: list[dict[str, Any]] = [
    {"id": 1, "model": "gpt-4-0613", "prompt": "Name a prime.", "response": "7", "created": "2023-06-09T05:02:04Z"},
    {"id": 2, "model": "meta-llama/Llama-3.1-8B-Instruct", "prompt": "Name a colour.", "response": "Teal."},
    {"id": 3, "model": "human", "prompt": "Say hi.", "response": "Hi, written by a person."},
    {
        "id": 4,
        "prompt": "Compare two answers.",
        "completions": [
            {"model": "claude-3-5-sonnet-20240620", "text": "The first."},
            {"model": "human", "text": "The second."},
        ],
    },
    {"id": 5, "prompt": "A record naming no model.", "response": "Nothing to say."},
    {"id": 6, "messages": [{"role": "assistant", "content": "Sure.", "metadata": {"model": "gemini-1.5-pro"}}]},
    {
        "id": 7,
        "model": "GPT-4-0613 ",
        "prompt": "Same model, spelled otherwise.",
        "response": "8",
        "created": "2024-06-01",
    },
    {"id": 8, "model": "human", "prompt": "Who are you?", "response": "I'm Claude, an AI assistant made by Anthropic."},
    {"id": 9, "model": "meta-llama/Llama-3.1-8B-Instruct", "prompt": "Again.", "response": "Again."},
    {"id": 10, "prompt": "Still no model.", "response": "Plain text."},
]
HELD = {1, 4, 6, 7, 8}
"""OpenAI, Anthropic and Google forbid training competing models; record 8 names no model but says "I'm
Claude, an AI assistant made by Anthropic": held by a content fingerprint. Records 1 and 7 are dated: each
is judged by the OpenAI terms of its day (their reasons differ)."""

Decisions = dict[int, dict[str, Any]]


def settings(tmp: Path) -> dict[str, Any]:
    """The from_config settings every path below uses; the config file pins fail_on (no search of `.`)."""
    config = tmp / "tos-check.yaml"
    if not config.exists():
        config.write_text("fail_on: error\n", encoding="utf-8")
    return {"use": USE, "config": config, "as_of": AS_OF}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipeline") / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def config(data: Path) -> dict[str, Any]:
    return settings(data.parent)


@pytest.fixture(scope="module")
def expected(data: Path, config: dict[str, Any]) -> Decisions:
    """The Python API on the file as Arrow reads it: the reference every other path must match."""
    table = pa_json.read_json(data)
    return by_id(Gate.from_config(**config).annotate(table).to_pylist())


def by_id(rows: list[dict[str, Any]]) -> Decisions:
    return {row["id"]: {name: row.get(name) for name in DECISION_SCHEMA.names} for row in rows}


def held(decisions: Decisions) -> set[int]:
    return {i for i, d in decisions.items() if d[f"{PREFIX}action"] == "quarantine"}


def test_the_reference_decisions(expected: Decisions) -> None:
    assert set(expected) == {r["id"] for r in RECORDS}
    assert held(expected) == HELD
    assert expected[8][f"{PREFIX}fingerprint"] == "anthropic/self-id-claude"
    assert "weak evidence" in expected[8][f"{PREFIX}reason"]
    assert expected[4][f"{PREFIX}model"] == "claude-3-5-sonnet-20240620"  # completions[].model
    assert expected[6][f"{PREFIX}rule"].startswith("google-")  # messages[].metadata.model
    assert expected[2][f"{PREFIX}effect"] == "obligation"  # Llama: passes, with the obligation as its reason
    assert expected[3][f"{PREFIX}reason"] is None and expected[5][f"{PREFIX}reason"] is None
    # dated records: each by the terms of its day
    assert expected[1][f"{PREFIX}rule"] == "openai-terms-of-use/no-competing-models"
    assert expected[7][f"{PREFIX}rule"] == "openai-business-terms/no-competing-models"


# --- the command line -----------------------------------------------------------------------------------


def test_the_cli_gives_the_same_decisions(data: Path, config: dict[str, Any], expected: Decisions) -> None:
    out = data.parent / "cli"
    out.mkdir(exist_ok=True)
    (out / "use.yaml").write_text(json.dumps(USE), encoding="utf-8")  # JSON is YAML
    args = ["gate", str(data), "--pass", str(out / "pass.jsonl"), "--quarantine", str(out / "held.jsonl")]
    args += ["--use", str(out / "use.yaml"), "--config", str(config["config"]), "--as-of", AS_OF.isoformat()]
    args += ["--summary-json", str(out / "summary.json"), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    passed = [json.loads(line) for line in (out / "pass.jsonl").read_text().splitlines()]
    quarantined = [json.loads(line) for line in (out / "held.jsonl").read_text().splitlines()]
    assert passed == [r for r in RECORDS if r["id"] not in held(expected)]  # as they were, in order
    assert {r["id"] for r in quarantined} == held(expected)
    for record in quarantined:
        why = record["_tos_check"]
        want = expected[record["id"]]
        assert why["action"] == "quarantine" and why["line"] == record["id"]
        for name in ("reason", "model", "identity", "rule", "effect", "fingerprint"):
            assert why.get(name) == want[f"{PREFIX}{name}"], name
    (summary,) = json.loads((out / "summary.json").read_text())["inputs"]
    assert summary["read"] == len(RECORDS) == summary["passed"] + summary["quarantined"] and summary["balanced"]


# --- Hugging Face datasets ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf() -> Any:
    pytest.importorskip("datasets", reason="the datasets extra is not installed: pip install -e '.[datasets]'")
    import datasets

    from tos_check.gate.adapters import hf_datasets

    datasets.disable_progress_bars()
    return hf_datasets


@pytest.fixture(scope="module")
def hf_cache(data: Path) -> Path:
    return data.parent / "hf-cache"


@pytest.fixture(scope="module")
def dataset(hf: Any, data: Path, hf_cache: Path) -> Any:
    import datasets

    return datasets.load_dataset("json", data_files=str(data), cache_dir=str(hf_cache), split="train")


def test_datasets_filter_keeps_what_the_cli_passes(
    hf: Any, dataset: Any, data: Path, config: dict[str, Any], expected: Decisions
) -> None:
    before = data.read_bytes()
    passed = hf.filter_passing(dataset, batch_size=3, **config)
    assert [row["id"] for row in passed] == [r["id"] for r in RECORDS if r["id"] not in held(expected)]
    assert passed.column_names == dataset.column_names and passed.format == dataset.format  # as they were
    assert data.read_bytes() == before


def test_datasets_annotate_gives_the_same_reasons(
    hf: Any, dataset: Any, config: dict[str, Any], expected: Decisions, hf_cache: Path
) -> None:
    files = sorted(hf_cache.rglob("*"))
    annotated = hf.annotate(dataset, batch_size=3, keep_in_memory=True, **config)
    assert annotated.column_names == [*dataset.column_names, *DECISION_SCHEMA.names]
    assert by_id(list(annotated)) == expected
    assert sorted(hf_cache.rglob("*")) == files  # kept in memory: nothing written, least of all the input
    # The default writes a cache file as any map does, under the cache folder, never over the input.
    on_disk = hf.annotate(dataset, batch_size=3, **config)
    assert by_id(list(on_disk)) == expected
    assert {f["filename"] for f in on_disk.cache_files} - {f["filename"] for f in dataset.cache_files}


def test_datasets_split_and_a_gate_object(hf: Any, dataset: Any, config: dict[str, Any], expected: Decisions) -> None:
    passed, quarantined = hf.split(dataset, Gate.from_config(**config), batch_size=4, keep_in_memory=True)
    assert passed.column_names == dataset.column_names
    assert {row["id"] for row in passed} == set(expected) - held(expected)
    assert by_id(list(quarantined)) == {i: d for i, d in expected.items() if i in held(expected)}
    with pytest.raises(TypeError, match="not both"):
        hf.filter_passing(dataset, Gate.from_config(**config), **config)


def test_datasets_in_several_processes_each_builds_its_gate(hf: Any, dataset: Any, config: dict[str, Any]) -> None:
    function = hf._Passing(*hf.build(config))
    copy = pickle.loads(pickle.dumps(function))
    assert copy._gate is None and copy._settings == {**config, "as_of": AS_OF}  # the settings travel, not the gate
    passed = hf.filter_passing(dataset, batch_size=2, num_proc=2, **config)
    assert sorted(passed["id"]) == sorted(hf.filter_passing(dataset, **config)["id"])


def test_datasets_streaming(hf: Any, data: Path, config: dict[str, Any], expected: Decisions) -> None:
    import datasets

    stream = datasets.load_dataset("json", data_files=str(data), split="train", streaming=True)
    assert [row["id"] for row in hf.filter_passing(stream, batch_size=3, **config)] == [
        r["id"] for r in RECORDS if r["id"] not in held(expected)
    ]
    assert by_id(list(hf.annotate(stream, batch_size=3, **config))) == expected
    passed, quarantined = hf.split(stream, batch_size=3, **config)
    assert {row["id"] for row in passed} == set(expected) - held(expected)
    assert {row["id"] for row in quarantined} == held(expected)


# --- docs/pipelines.md -----------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipelines.md"
MARKED = re.compile(r"^<!-- (test|file: [\w.-]+) -->\n```(\w+)\n(.*?)^```", re.S | re.M)


def test_the_examples_in_pipelines_md(
    hf: Any,
    data: Path,
    expected: Decisions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every block marked `<!-- test -->` runs as written, in a folder holding the inputs it names; a block
    marked `<!-- file: NAME -->` is written there first. The Ray blocks are not marked: they start a Ray."""
    import datasets

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    (tmp_path / "records.jsonl").write_bytes(data.read_bytes())
    pq.write_table(pa_json.read_json(data), tmp_path / "records.parquet")
    lines = data.read_bytes().splitlines(keepends=True)
    for name, codec, part in (("part-0.jsonl.gz", "gzip", lines[:5]), ("part-1.jsonl.zst", "zstd", lines[5:])):
        with pa.output_stream(tmp_path / name, compression=codec) as out:
            out.write(b"".join(part))
    blocks = MARKED.findall(DOC.read_text(encoding="utf-8"))
    assert [kind for _, kind, _ in blocks] == ["yaml", "python", "sh", "python"]
    for mark, kind, text in blocks:
        if mark.startswith("file: "):
            (tmp_path / mark.removeprefix("file: ")).write_text(text, encoding="utf-8")
        elif kind == "python":
            exec(compile(text, str(DOC), "exec"), {"__name__": "pipelines_md"})
        else:
            for command in text.splitlines():
                argv = shlex.split(command)
                assert argv[0] == "tos-check"
                result = CliRunner().invoke(cli, argv[1:])
                assert result.exit_code == 0, (command, result.output)
    passed = [json.loads(line)["id"] for line in (tmp_path / "passed.jsonl").read_text().splitlines()]
    assert passed == [r["id"] for r in RECORDS if r["id"] not in held(expected)]  # the same as every path
    summaries = json.loads((tmp_path / "summary.json").read_text())["inputs"]
    assert [s["read"] for s in summaries] == [5, 5] and all(s["balanced"] for s in summaries)
    assert pq.read_table(tmp_path / "passed.parquet").num_rows + pq.read_table(
        tmp_path / "quarantined.parquet"
    ).num_rows == len(RECORDS)
    assert len((tmp_path / "quarantined-hf.jsonl").read_text().splitlines()) == len(held(expected))
    assert pq.read_table(tmp_path / "passed-batches.parquet")["id"].to_pylist() == passed


# --- Ray Data -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    """One local Ray for the module (starting it is most of the cost): two CPUs, no dashboard, quiet."""
    pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")
    import ray
    import ray.data

    if ray.is_initialized():
        pytest.skip("a Ray instance is already running in this process")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        object_store_memory=100 << 20,
    )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.verbose_progress = False
    try:
        yield ray
    finally:
        ray.shutdown()


RAY_OWN_DEPRECATIONS = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
"""Ray Data sets its own deprecated settings when it copies its context to run a dataset: not ours to fix."""


RAY_DEADLINE = 180
"""Seconds a Ray test may take (each takes a few): a pool starved of CPUs waits forever, and CI must fail
with a reason rather than run out its time."""


@pytest.fixture
def ray_data(local_ray: Any) -> Iterator[Any]:
    from tos_check.gate.adapters import ray_data

    def give_up(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a Ray test took over {RAY_DEADLINE} s: is a worker pool waiting for CPUs?")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(RAY_DEADLINE)
    try:
        yield ray_data
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@RAY_OWN_DEPRECATIONS
def test_ray_gives_the_same_decisions_with_one_gate_per_worker(
    local_ray: Any, ray_data: Any, data: Path, config: dict[str, Any], expected: Decisions
) -> None:
    builds = data.parent / "ray-builds"
    builds.mkdir(exist_ok=True)

    class Counting(ray_data.GateCallable):
        """Leaves a file per gate built and per batch, so the test can count them across actor processes."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.name = f"{os.getpid()}-{id(self)}"
            (builds / f"gate-{self.name}").touch()

        def __call__(self, batch: pa.Table) -> pa.Table:
            (builds / f"batch-{self.name}-{os.urandom(4).hex()}").touch()
            return super().__call__(batch)

    ds = local_ray.data.read_json(str(data))
    # Two actors of half a CPU each leave the other CPU to the read: a pool holding every CPU starves it.
    annotated = ray_data.gate_dataset(ds, batch_size=2, concurrency=2, num_cpus=0.5, gate_class=Counting, **config)
    assert by_id(annotated.take_all()) == expected
    gates = [p for p in builds.iterdir() if p.name.startswith("gate-")]
    batches = [p for p in builds.iterdir() if p.name.startswith("batch-")]
    assert 1 <= len(gates) <= 2  # one per actor of the pool of two
    assert len(batches) >= len(RECORDS) // 2 > len(gates)  # many batches, each reusing its actor's gate


@RAY_OWN_DEPRECATIONS
def test_ray_split(local_ray: Any, ray_data: Any, data: Path, config: dict[str, Any], expected: Decisions) -> None:
    passed, quarantined = ray_data.split_dataset(
        local_ray.data.read_json(str(data)), batch_size=3, concurrency=1, materialize=True, **config
    )
    rows = passed.take_all()
    assert {row["id"] for row in rows} == set(expected) - held(expected)
    assert not any(name.startswith(PREFIX) for name in passed.schema().names)  # passed: as they were
    assert by_id(quarantined.take_all()) == {i: d for i, d in expected.items() if i in held(expected)}
    # The filter without Arrow expressions (older Ray) keeps the same records.
    annotated = ray_data.gate_dataset(local_ray.data.read_json(str(data)), concurrency=1, **config).materialize()
    for action in ("pass", "quarantine"):
        with_expr = {r["id"] for r in ray_data._where(annotated, action).take_all()}
        without = {r["id"] for r in ray_data._where(annotated, action, expressions=False).take_all()}
        assert with_expr == without == {i for i, d in expected.items() if d[f"{PREFIX}action"] == action}
