"""The DVC source on a small pipeline written for these tests (tests/fixtures/pipeline) and on broken files."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from tos_check.lineage.model import SourceResult
from tos_check.walk import ScanFile

from tos_check_dvc import DvcSource, register_sources

PIPELINE = Path(__file__).parent / "fixtures" / "pipeline"


def scan_file(path: Path, root: Path = PIPELINE) -> ScanFile:
    relative = path.relative_to(root).as_posix()
    return ScanFile(path, f"pipeline/{relative}", relative)


def read(relative: str, root: Path = PIPELINE) -> SourceResult:
    return DvcSource().read(scan_file(root / relative, root))


def test_claims_dvc_files_by_name_only() -> None:
    source = DvcSource()
    for name in ("dvc.yaml", "dvc.lock", "data/seed.jsonl.dvc", "data/alpaca.dvc", "sub/dvc.yml"):
        assert source.claims(ScanFile(Path("/x") / name, name, name)), name
    for name in ("params.yaml", "README.md", ".dvc", "data/seed.jsonl", "dvc.yaml.bak", "tos-provenance.yaml"):
        assert not source.claims(ScanFile(Path("/x") / name, name, name)), name


def test_each_stage_out_is_an_artifact_at_its_line() -> None:
    result = read("dvc.yaml")
    assert result.problems == []
    found = {(a.id, a.kind, a.location.line) for a in result.artifacts}
    assert found == {
        ("data/prompts.jsonl", "dataset", 10),
        ("data/synthetic.jsonl", "dataset", 20),
        ("data/judged.jsonl", "dataset", 26),  # written as `- data/judged.jsonl: {cache: false}`
        ("data/split/train.jsonl", "dataset", 37),  # foreach: ${item} expanded
        ("data/split/test.jsonl", "dataset", 37),
        ("models/model.safetensors", "model", 46),
    }
    synthetic = next(a for a in result.artifacts if a.id == "data/synthetic.jsonl")
    assert synthetic.paths == ("pipeline/data/synthetic.jsonl",)
    assert synthetic.location.path == "pipeline/dvc.yaml"


def test_data_deps_are_edges_and_code_deps_are_not() -> None:
    edges = {(e.relation, e.source, e.target, e.location.line) for e in read("dvc.yaml").edges}
    assert edges == {
        ("derived_from", "data/prompts.jsonl", "data/seed.jsonl", 8),
        ("derived_from", "data/synthetic.jsonl", "data/prompts.jsonl", 15),
        ("derived_from", "data/judged.jsonl", "data/synthetic.jsonl", 24),
        ("derived_from", "data/split/train.jsonl", "data/judged.jsonl", 35),
        ("derived_from", "data/split/test.jsonl", "data/judged.jsonl", 35),
        ("trained_on", "models/model.safetensors", "data/split/train.jsonl", 42),
    }
    assert not any(e.target.endswith(".py") for e in read("dvc.yaml").edges)


def test_a_generation_stage_names_its_model_through_params_yaml() -> None:
    result = read("dvc.yaml")
    synthetic = next(a for a in result.artifacts if a.id == "data/synthetic.jsonl")
    [generation] = synthetic.generated_by
    assert generation.model == "gpt-4o-mini"
    assert generation.role == "responses"
    assert generation.by == "us"
    assert generation.evidence.kind == "metadata"
    assert generation.evidence.confidence == 0.4
    assert str(generation.evidence.location) == "pipeline/params.yaml:2"
    assert generation.evidence.detail == (
        "DVC stage 'generate' generates data with --model ${generate.model} = gpt-4o-mini"
    )


def test_a_model_written_in_the_command_is_weak_evidence_at_the_cmd_line() -> None:
    judged = next(a for a in read("dvc.yaml").artifacts if a.id == "data/judged.jsonl")
    [generation] = judged.generated_by
    assert (generation.model, generation.role, generation.evidence.confidence) == (
        "gpt-4o-2024-08-06",
        "judgments",
        0.5,
    )
    assert str(generation.evidence.location) == "pipeline/dvc.yaml:22"


def test_a_training_stage_is_not_a_generation_even_with_a_model_flag() -> None:
    result = read("dvc.yaml")
    model = next(a for a in result.artifacts if a.id == "models/model.safetensors")
    assert model.generated_by == ()
    assert all(g.model != "mistralai/Mistral-7B-v0.1" for a in result.artifacts for g in a.generated_by)


def test_dvc_lock_gives_the_recorded_parameter_values_and_md5() -> None:
    result = read("dvc.lock")
    assert result.problems == []
    [artifact] = result.artifacts
    assert (artifact.id, artifact.location.line) == ("data/synthetic.jsonl", 19)
    assert artifact.names == ("md5:9a0364b9e99bb480dd25e1f0284c8555",)
    [generation] = artifact.generated_by
    assert generation.model == "gpt-4o-mini"
    assert str(generation.evidence.location) == "pipeline/dvc.lock:16"


def test_a_dot_dvc_file_tracks_its_outs_relative_to_itself() -> None:
    result = read("data/seed.jsonl.dvc")
    [artifact] = result.artifacts
    assert (artifact.id, artifact.kind, artifact.location.line) == ("data/seed.jsonl", "dataset", 5)
    assert artifact.names == ("md5:1f3870be274f6c49b3e31a0c6728957f",)
    assert result.edges == []


def test_an_imported_dot_dvc_file_is_derived_from_its_repository() -> None:
    result = read("data/alpaca.dvc")
    [artifact] = result.artifacts
    assert artifact.id == "data/alpaca_data.json"
    [edge] = result.edges
    assert (edge.relation, edge.source, edge.target) == (
        "derived_from",
        "data/alpaca_data.json",
        "https://github.com/tatsu-lab/stanford_alpaca/alpaca_data.json",
    )
    assert edge.location.line == 4


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("dvc.yaml", "stages:\n  a: [unclosed\n", 3, "invalid YAML"),
        ("dvc.yaml", "- a\n- b\n", 1, "dvc.yaml must be a mapping"),
        ("dvc.yaml", "stages: [a, b]\n", 1, "`stages` must be a mapping"),
        ("dvc.yaml", "stages:\n  a: python x.py\n", 2, "stage 'a' must be a mapping"),
        ("dvc.yaml", "stages:\n  a:\n    cmd: {x: 1}\n", 3, "`cmd` must be a command"),
        ("dvc.yaml", "stages:\n  a:\n    cmd: x\n    outs: data/x\n", 4, "`outs` must be a list"),
        ("dvc.yaml", "stages:\n  a:\n    cmd: x\n    outs:\n      - [1, 2]\n", 5, "each of `outs` must be a path"),
        ("dvc.yaml", "stages:\n  a:\n    foreach: [1]\n", 2, "has `foreach` but no `do:`"),
        ("dvc.yaml", "stages:\n  a:\n    foreach: 3\n    do: {cmd: x}\n", 3, "`foreach` must be a list"),
        ("dvc.yaml", "stages:\n  generate:\n    cmd: x\n    params: train\n", 4, "`params` must be a list"),
        ("dvc.lock", "schema: '2.0'\nstages:\n  a:\n    outs:\n    - md5: x\n", 5, "each out must have a `path`"),
        ("dvc.lock", "[1, 2]\n", 1, "dvc.lock must be a mapping"),
        ("x.dvc", "md5: abc\n", 1, "must have a list of `outs`"),
        ("x.dvc", "outs:\n- size: 3\n", 2, "each out must have a `path`"),
        ("x.dvc", "outs:\n- path: a\ndeps: a\n", 3, "`deps` must be a list"),
    ],
)
def test_what_a_file_gets_wrong_is_a_problem_at_its_line(
    tmp_path: Path, name: str, text: str, line: int | None, message: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = read(name, tmp_path)
    assert result.problems, "expected a problem"
    problem = result.problems[0]
    assert problem.path == f"pipeline/{name}"
    assert problem.line == line
    assert message in problem.message


def test_binary_and_non_utf8_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "model.dvc").write_bytes(b"\x00\x01binary")
    (tmp_path / "dvc.yaml").write_bytes(b"stages:\n  a:\n    cmd: caf\xe9\n")
    binary = read("model.dvc", tmp_path)
    assert binary.artifacts == [] and "binary content" in binary.problems[0].message
    latin = read("dvc.yaml", tmp_path)
    assert latin.problems[0].line == 3 and "not valid UTF-8" in latin.problems[0].message


def test_a_broken_params_file_is_a_problem_and_the_pipeline_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("generate:\n  model: [gpt-4\n", encoding="utf-8")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  generate:\n    cmd: python gen.py\n    params: [generate.model]\n    outs: [data/out.jsonl]\n",
        encoding="utf-8",
    )
    result = read("dvc.yaml", tmp_path)
    assert [a.id for a in result.artifacts] == ["data/out.jsonl"]
    assert [p.path for p in result.problems] == ["pipeline/params.yaml"]
    assert "invalid YAML" in result.problems[0].message


def test_a_dvc_yaml_without_stages_yields_nothing(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text("plots:\n  - metrics.json\n", encoding="utf-8")
    assert read("dvc.yaml", tmp_path) == SourceResult()


def test_register_sources_hook_registers_the_source() -> None:
    found: list[object] = []
    register_sources(found.append)
    assert [type(s).__name__ for s in found] == ["DvcSource"]


def test_the_entry_point_names_this_module() -> None:
    try:
        importlib.metadata.distribution("tos-check-dvc")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("tos-check-dvc is not installed (pip install -e plugins/tos-check-dvc)")
    [entry] = [e for e in importlib.metadata.entry_points(group="tos_check") if e.name == "dvc"]
    assert entry.value == "tos_check_dvc"
    assert entry.load().register_sources is register_sources


def test_tos_check_loads_it_as_an_external_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        importlib.metadata.distribution("tos-check-dvc")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("tos-check-dvc is not installed (pip install -e plugins/tos-check-dvc)")
    from tos_check import plugins

    monkeypatch.delenv(plugins.NO_EXTERNAL_PLUGINS_ENV, raising=False)
    plugins.plugin_manager.cache_clear()
    try:
        assert "dvc" in [s.name for s in plugins.sources()]
        info = next(i for i in plugins.describe() if i.name == "dvc")
        assert (info.builtin, info.provides) == (False, ("sources: dvc",))
    finally:
        plugins.plugin_manager.cache_clear()


@pytest.mark.parametrize(
    ("stage", "role"),
    [
        ("generate_answers", "responses"),  # "generate_" is not "rate"
        ("rate_answers", "judgments"),
        ("rank_pairs", "preferences"),
        ("rewrite_prompts", "rewrites"),
    ],
)
def test_the_role_comes_from_the_stage_name(tmp_path: Path, stage: str, role: str) -> None:
    (tmp_path / "dvc.yaml").write_text(
        f"stages:\n  {stage}:\n    cmd: python run.py --model gpt-4o\n    outs: [out.jsonl]\n", encoding="utf-8"
    )
    [artifact] = read("dvc.yaml", tmp_path).artifacts
    assert [(g.model, g.role) for g in artifact.generated_by] == [("gpt-4o", role)]
