from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.sources.distilabel import DistilabelSource, roles_of_task
from tos_check.walk import ScanFile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "distilabel"
CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


def read(path: Path, display: str | None = None) -> SourceResult:
    file = ScanFile(path, display or f"gen/{path.name}", path.name)
    assert DistilabelSource().claims(file)
    return DistilabelSource().read(file)


def summary(result: SourceResult) -> list[tuple[str, str, int | None]]:
    (artifact,) = result.artifacts
    return [(g.model, g.role, g.evidence.location.line) for g in artifact.generated_by]


def test_claims_pipeline_files_by_name_or_by_their_first_keys(tmp_path: Path) -> None:
    source = DistilabelSource()
    assert source.claims(ScanFile(tmp_path / "pipeline.yaml", "pipeline.yaml"))
    assert source.claims(ScanFile(tmp_path / "Pipeline.yml", "Pipeline.yml"))
    renamed = tmp_path / "ultrafeedback-gen.yaml"
    shutil.copy(FIXTURES / "pipeline.yaml", renamed)
    assert source.claims(ScanFile(renamed, renamed.name))
    axolotl = tmp_path / "train.yaml"
    axolotl.write_text("base_model: mistralai/Mistral-7B-v0.1\ndatasets:\n  - path: a\n")
    assert not source.claims(ScanFile(axolotl, axolotl.name))
    assert not source.claims(ScanFile(tmp_path / "missing.yaml", "missing.yaml"))
    assert not source.claims(ScanFile(tmp_path / "records.jsonl", "records.jsonl"))


def test_each_step_llm_becomes_a_generation_with_the_task_role() -> None:
    result = read(FIXTURES / "pipeline.yaml")
    (artifact,) = result.artifacts
    assert (artifact.id, artifact.kind, artifact.paths) == (
        "ultrafeedback-mini",
        "dataset",
        ("gen/pipeline.yaml", "gen"),
    )
    assert artifact.location.line == 4
    assert summary(result) == [
        ("claude-3-5-sonnet-20240620", "prompts", 17),
        ("meta-llama/Meta-Llama-3.1-70B-Instruct", "responses", 28),
        ("Qwen/Qwen2.5-7B-Instruct", "responses", 42),
        ("gpt-4o", "judgments", 54),
        ("mistralai/Mixtral-8x22B-Instruct-v0.1", "responses", 67),
        ("Qwen/Qwen2-72B-Instruct", "responses", 72),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "prompts", 87),
    ]
    ultrafeedback = artifact.generated_by[3]
    assert ultrafeedback.evidence.kind == "metadata"
    assert ultrafeedback.evidence.confidence == 0.9
    assert ultrafeedback.evidence.detail == (
        "step 'ultrafeedback' (UltraFeedback) calls OpenAILLM model: gpt-4o via api.openai.com"
    )
    assert artifact.generated_by[1].evidence.detail.endswith(
        "InferenceEndpointsLLM model_id: meta-llama/Meta-Llama-3.1-70B-Instruct"
    )


def test_an_llm_without_a_model_marks_the_data_machine_generated_at_its_line() -> None:
    # Not unreadable input (no problem, no exit 2): model-written data whose model is unknown, which the
    # evaluator reports as tos-check/unknown-generator.
    result = read(FIXTURES / "pipeline.yaml")
    assert result.problems == []
    (artifact,) = result.artifacts
    assert artifact.machine_generated is not None
    assert artifact.machine_generated.location.line == 97
    assert artifact.machine_generated.detail.startswith("step 'mystery' calls OpenAILLM without naming a model")


@pytest.mark.parametrize(
    ("task", "roles"),
    [
        ("TextGeneration", ("responses",)),
        ("ChatGeneration", ("responses",)),
        ("SelfInstruct", ("prompts",)),
        ("EvolInstruct", ("prompts",)),
        ("EvolComplexityGenerator", ("prompts",)),
        ("UltraFeedback", ("judgments",)),
        ("PrometheusEval", ("judgments",)),
        ("QualityScorer", ("judgments",)),
        ("InstructionBacktranslation", ("judgments",)),
        ("PairRM", ("preferences",)),
        ("EvolQuality", ("rewrites",)),
        ("Magpie", ("prompts", "responses")),
        ("MagpieGenerator", ("prompts", "responses")),
    ],
)
def test_roles_of_tasks(task: str, roles: tuple[str, ...]) -> None:
    assert roles_of_task(task, {}) == roles


def test_magpie_writes_responses_unless_only_instructions() -> None:
    assert roles_of_task("Magpie", {"only_instruction": True}) == ("prompts",)


def test_another_tools_pipeline_yaml_yields_nothing() -> None:
    assert read(FIXTURES / "ci" / "pipeline.yml") == SourceResult()


def test_wrong_shapes_are_problems_and_the_rest_is_read() -> None:
    result = read(FIXTURES / "broken-steps.yaml")
    assert [(p.line, p.message) for p in result.problems] == [
        (4, "each item of pipeline.steps should be a mapping with `step:`")
    ]
    assert summary(result) == [("gpt-4o-mini", "responses", 8)]


def test_steps_not_a_list_and_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text("pipeline:\n  name: p\n  steps: {a: 1}\n")
    assert [(p.line, p.message) for p in read(path).problems] == [(3, "pipeline.steps should be a list of steps")]
    path.write_text("pipeline:\n  steps: [\n")
    result = read(path)
    assert result.artifacts == []
    assert result.problems[0].message.startswith("invalid YAML")


def test_nameless_pipeline_is_named_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text("pipeline:\n  steps: []\n")
    result = DistilabelSource().read(ScanFile(path, "pipeline.yaml", "pipeline.yaml"))
    assert [(a.id, a.paths) for a in result.artifacts] == [("pipeline.yaml", ("pipeline.yaml",))]


def test_registered_as_a_builtin_source() -> None:
    names = {source.name for source in sources()}
    assert {"distilabel", "records"} <= names


def test_real_distilabel_test_pipeline() -> None:
    path = CORPORA / "configs" / "distilabel" / "tests__unit__cli__test_pipeline.yaml"
    if not path.exists():
        pytest.skip(f"reference data not present: {path} (../shared/corpora is not checked out beside the repo)")
    result = read(path, "configs/distilabel/test_pipeline.yaml")
    assert result.problems == []
    (artifact,) = result.artifacts
    assert artifact.id == "test-pipeline"
    assert summary(result) == [("gpt-3.5-turbo", "responses", 40), ("gpt-3.5-turbo", "responses", 94)]
    assert artifact.generated_by[0].evidence.detail == (
        "step 'text_generation_gpt' (TextGeneration) calls OpenAILLM model: gpt-3.5-turbo via api.openai.com"
    )
