"""Training configs: every dataset a run trains on, with the file and line it was named on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.scanning import scan_builtin
from tos_check.known_datasets.catalog import builtin as known_datasets
from tos_check.lineage.known import graph_with_known_datasets
from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.report.model import Report
from tos_check.sources.configs import TrainingConfigSource
from tos_check.sources.configs.run import is_local
from tos_check.walk import ScanFile, walk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "configs"
SOURCE = TrainingConfigSource()


def scan_file(path: Path, display: str | None = None, relative: str | None = None) -> ScanFile:
    shown = display or path.name
    return ScanFile(path, shown, relative if relative is not None else shown)


def read(path: Path, display: str | None = None) -> SourceResult:
    file = scan_file(path, display)
    assert SOURCE.claims(file), f"{path} should be claimed"
    return SOURCE.read(file)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def edges(result: SourceResult) -> set[tuple[str, str, str, int | None]]:
    return {(e.relation, e.source, e.target, e.location.line) for e in result.edges}


def datasets(result: SourceResult) -> dict[str, tuple[int | None, bool]]:
    """Each dataset artifact: the line it was first named on, and whether it is trained on."""
    return {a.id: (a.location.line, a.in_use) for a in result.artifacts if a.kind == "dataset"}


# --- the source is a plugin ---------------------------------------------------------------------------------


def test_registered_as_a_builtin_source() -> None:
    assert "training-configs" in {s.name for s in sources()}


# --- which files are claimed --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("train.yaml", "base_model: x/y\ndatasets:\n  - path: a/b\n"),
        ("config.yml", "# comment\nmodel_name_or_path: x/y\ndataset_mixer:\n  a/b: 1.0\n"),
        ("sft.yaml", "dataset: alpaca_en\nstage: sft\n"),
        ("args.json", '{"model_name_or_path": "x/y", "dataset_name": "a/b"}'),
        ("dataset_info.json", "{}"),
        ("runs.yaml", "defaults:\n  datasets:\n    - webgpt\n"),
    ],
)
def test_claims_training_configs_by_name_and_a_peek(tmp_path: Path, name: str, text: str) -> None:
    assert SOURCE.claims(scan_file(write(tmp_path, name, text)))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tos-check.yaml", "use:\n  activity: train\ndatasets: []\n"),
        ("tos-provenance.yaml", "artifacts:\n  - id: x\n    kind: dataset\n"),
        ("sft.tos-provenance.yml", "datasets: []\n"),
        ("README.md", "---\ndatasets: [a/b]\n---\n"),
        ("policy.yaml", "id: acme-terms\nprovider: acme\nversions: []\n"),
        ("pipeline.yaml", "distilabel:\n  version: 1.0.0\npipeline:\n  name: x\n"),
        ("settings.yaml", "log_level: info\nport: 8080\n"),
        ("records.json", '[{"instruction": "hi", "output": "hello"}]'),
        ("config.json", '{"_name_or_path": "x/y", "model_type": "llama"}'),
        ("notes.txt", "dataset_name: a/b\n"),
        ("nested.yaml", "training:\n    dataset_name: a/b\n"),
    ],
)
def test_does_not_claim_other_files(tmp_path: Path, name: str, text: str) -> None:
    assert not SOURCE.claims(scan_file(write(tmp_path, name, text)))


def test_does_not_claim_ci_workflows(tmp_path: Path) -> None:
    path = write(tmp_path, ".github/workflows/train.yml", "dataset_name: a/b\n")
    assert not SOURCE.claims(ScanFile(path, ".github/workflows/train.yml", ".github/workflows/train.yml"))


def test_distilabel_pipeline_in_the_corpus_is_not_claimed() -> None:
    folder = shared_path("corpora", "configs", "distilabel")
    for path in sorted(folder.iterdir()):
        assert not SOURCE.claims(scan_file(path))


def test_claiming_an_unreadable_file_is_false_not_an_error(tmp_path: Path) -> None:
    assert not SOURCE.claims(scan_file(tmp_path / "missing.yaml"))


# --- axolotl ------------------------------------------------------------------------------------------------


def test_axolotl_datasets_base_model_and_run() -> None:
    result = read(FIXTURES / "axolotl.yml", "cfg/axolotl.yml")
    assert result.problems == []
    run = result.artifacts[0]
    assert (run.id, run.kind, run.location.line) == ("acme/acme-7b-dpo", "model", 20)
    assert run.paths == ("cfg/outputs/acme-7b",)
    assert datasets(result) == {
        "HuggingFaceH4/ultrachat_200k": (6, True),
        "cfg/data/our-chats.jsonl": (9, True),  # a local file is known by where it is, beside the config
        "acme/internal-prefs": (12, True),  # `name: v2` is a Hub configuration, not a dataset
        "acme/heldout": (16, False),  # test_datasets: named, not trained on
    }
    local = next(a for a in result.artifacts if a.id == "cfg/data/our-chats.jsonl")
    assert local.paths == ("cfg/data/our-chats.jsonl",)
    assert all(a.external for a in result.artifacts if a.kind == "dataset")
    assert edges(result) == {
        ("base_model", "acme/acme-7b-dpo", "mistralai/Mistral-7B-v0.1", 1),
        ("trained_on", "acme/acme-7b-dpo", "HuggingFaceH4/ultrachat_200k", 6),
        ("trained_on", "acme/acme-7b-dpo", "cfg/data/our-chats.jsonl", 9),
        ("trained_on", "acme/acme-7b-dpo", "acme/internal-prefs", 12),
    }


def test_axolotl_pretraining_dataset_as_a_single_name(tmp_path: Path) -> None:
    path = write(tmp_path, "pt.yaml", "base_model: x/base\npretraining_dataset: allenai/c4\nmicro_batch_size: 1\n")
    result = read(path)
    assert datasets(result) == {"allenai/c4": (2, True)}
    assert result.artifacts[0].id == "pt.yaml"  # no hub_model_id: the config's path names the run


def test_axolotl_wrong_shapes_are_problems_with_lines(tmp_path: Path) -> None:
    text = (
        "base_model: x/base\n"
        "datasets:\n"
        "  - type: alpaca\n"  # 3: no path
        "  - path: [a, b]\n"  # 4: path is a list
        "  - 42\n"  # 5: not a dataset
        "  - path: good/one\n"  # 6
        "test_datasets: 7\n"  # 7: wrong shape
    )
    result = read(write(tmp_path, "bad.yaml", text))
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (3, "datasets"),
        (4, "datasets"),
        (5, "datasets"),
        (7, "test_datasets"),
    ]
    assert "found no path" in result.problems[0].message
    assert datasets(result) == {"good/one": (6, True)}


# --- TRL / open-instruct / alignment-handbook ---------------------------------------------------------------


def test_open_instruct_dataset_mixer() -> None:
    result = read(FIXTURES / "open-instruct.yaml")
    assert result.problems == []
    run = result.artifacts[0]
    assert run.id == "open-instruct.yaml"
    assert run.paths == ()  # /output/ is a container path, not in the scan
    assert datasets(result) == {"ai2-adapt-dev/oasst1_converted": (5, True), "acme/unknown-mix": (6, True)}
    assert ("base_model", "open-instruct.yaml", "meta-llama/Llama-3.1-8B", 1) in edges(result)


def test_flat_mixer_list_and_eval_list() -> None:
    result = read(FIXTURES / "mixer-list.yaml")
    assert result.problems == []
    assert datasets(result) == {
        "allenai/tulu-3-sft-olmo-2-mixture": (3, True),
        "acme/extra-sft": (5, True),
        "acme/eval-set": (7, False),
    }


def test_alignment_handbook_dataset_mixture() -> None:
    result = read(FIXTURES / "handbook.yaml")
    assert result.problems == []
    assert result.artifacts[0].id == "acme/smol-sft"
    assert datasets(result) == {"HuggingFaceTB/smoltalk": (4, True), "acme/more-chats": (7, True)}


def test_trl_arguments_in_json() -> None:
    result = read(FIXTURES / "trl-args.json")
    assert result.problems == []
    assert datasets(result) == {"trl-lib/Capybara": (3, True)}
    assert ("base_model", "trl-args.json", "Qwen/Qwen2.5-0.5B", 2) in edges(result)


def test_trl_wrong_shapes_are_problems(tmp_path: Path) -> None:
    text = (
        "model_name_or_path: x/base\n"
        "dataset_mixer: a/b\n"  # 2
        "dataset_mixer_list: [a/c, 1.0, {x: 1}]\n"  # 3
        "dataset_mixture:\n"  # 4
        "  datasets:\n"
        "    - split: train\n"  # 6: no id
        "dataset_name: [ok/one, [nested]]\n"  # 7
    )
    result = read(write(tmp_path, "trl.yaml", text))
    assert [p.line for p in result.problems] == [2, 3, 6, 7]
    assert "expected a mapping of dataset -> weight" in result.problems[0].message
    assert datasets(result) == {"a/c": (3, True), "ok/one": (7, True)}


def test_mixer_weight_that_is_not_a_number(tmp_path: Path) -> None:
    result = read(write(tmp_path, "mix.yaml", "model_name_or_path: x\ndataset_mixer:\n  a/b: lots\n"))
    assert [(p.line, "should be a number" in p.message) for p in result.problems] == [(3, True)]
    assert datasets(result) == {"a/b": (3, True)}  # still trained on: the weight does not change that


# --- LLaMA-Factory ------------------------------------------------------------------------------------------


def test_llama_factory_run_names_datasets_as_written() -> None:
    result = read(FIXTURES / "llama-factory" / "train_lora.yaml", "lf/train_lora.yaml")
    assert result.problems == []
    assert datasets(result) == {"alpaca_gpt4_en": (5, True), "acme_chats": (5, True), "acme_eval": (6, False)}
    assert ("base_model", "lf/train_lora.yaml", "Qwen/Qwen2.5-7B-Instruct", 2) in edges(result)


def test_llama_factory_registry_names_datasets_without_using_them() -> None:
    result = read(FIXTURES / "llama-factory" / "data" / "dataset_info.json", "lf/data/dataset_info.json")
    assert result.problems == []
    assert result.edges == []
    by_id = {a.id: a for a in result.artifacts}
    assert set(by_id) == {"alpaca_gpt4_en", "acme_chats", "acme_eval"}
    assert by_id["alpaca_gpt4_en"].names == ("llamafactory/alpaca_gpt4_en",)
    assert by_id["alpaca_gpt4_en"].location.line == 2
    assert by_id["acme_chats"].paths == ("lf/data/acme_chats.json",)
    assert all(a.external and not a.in_use for a in result.artifacts)


def test_registry_and_run_meet_in_the_graph() -> None:
    combined = SourceResult()
    combined.extend(read(FIXTURES / "llama-factory" / "train_lora.yaml", "lf/train_lora.yaml"))
    combined.extend(read(FIXTURES / "llama-factory" / "data" / "dataset_info.json", "lf/data/dataset_info.json"))
    graph = graph_with_known_datasets(combined, known_datasets())
    judged = {a.id: a for a in graph.datasets()}
    assert set(judged) == {"alpaca_gpt4_en", "acme_chats"}  # acme_eval is only evaluated on
    assert judged["alpaca_gpt4_en"].catalogued
    assert "llamafactory/alpaca_gpt4_en" in judged["alpaca_gpt4_en"].names
    assert "lf/data/acme_chats.json" in judged["acme_chats"].paths


def test_a_datasets_library_info_file_is_not_a_registry() -> None:
    result = read(FIXTURES / "not-configs" / "dataset_info.json")
    assert result == SourceResult()


def test_registry_entries_of_the_wrong_shape(tmp_path: Path) -> None:
    text = '{\n  "a": "not an entry",\n  "b": {"hf_hub_url": ["x"]},\n  "c": {"hf_hub_url": "org/c"}\n}\n'
    result = read(write(tmp_path, "dataset_info.json", text))
    assert [p.line for p in result.problems] == [2, 3]
    assert {a.id for a in result.artifacts} == {"b", "c"}


# --- Open-Assistant -----------------------------------------------------------------------------------------


def test_open_assistant_sections_are_runs() -> None:
    result = read(FIXTURES / "open-assistant.yaml", "oa/config.yaml")
    assert result.problems == []
    runs = {a.id: a.location.line for a in result.artifacts if a.kind == "model"}
    assert runs == {"oa/config.yaml#defaults": 1, "oa/config.yaml#sft-datasets": 12, "oa/config.yaml#pythia-12b": 23}
    assert datasets(result) == {
        "webgpt": (4, True),
        "soda": (5, True),
        "oasst_export": (14, True),
        "alpaca": (17, True),
        "oig_file": (18, True),
        "dolly15k": (21, True),
    }
    by_id = {a.id: a for a in result.artifacts}
    assert by_id["oasst_export"].names == ("OpenAssistant/oasst1",)
    assert by_id["oig_file"].names == ("laion/OIG",)
    assert all(a.paths == () for a in result.artifacts if a.kind == "model")
    assert ("base_model", "oa/config.yaml#pythia-12b", "EleutherAI/pythia-12b-deduped", 24) in edges(result)
    assert ("trained_on", "oa/config.yaml#sft-datasets", "dolly15k", 21) in edges(result)


def test_open_assistant_wrong_items(tmp_path: Path) -> None:
    text = "run:\n  datasets:\n    - {a: 1, b: 2}\n    - [x]\n    - good\n  datasets_extra: nope\n"
    result = read(write(tmp_path, "oa.yaml", text))
    assert [p.line for p in result.problems] == [3, 4, 6]
    assert datasets(result) == {"good": (5, True)}


# --- repeated keys, unreadable files, things that are not configs -------------------------------------------


def test_repeated_keys_last_wins_and_only_read_keys_are_problems() -> None:
    result = read(FIXTURES / "repeated-keys.yaml")
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [(6, "duplicate key 'dataset_mixer'")]
    assert datasets(result) == {"acme/second-mix": (7, True)}  # as the training tool reads it


@pytest.mark.parametrize(
    ("name", "content", "line", "fragment"),
    [
        ("bad.yaml", "base_model: x\ndatasets:\n  - path: [unclosed\n", 4, "invalid YAML"),
        ("bad.json", '{"model_name_or_path": "x",\n "dataset_name": }', 2, "invalid JSON"),
        ("binary.json", b'{"dataset_name": "x"}\x00\x00\x00', None, "binary content"),
        ("latin.yaml", "dataset_name: caf\xe9/x\n".encode("latin-1"), 1, "not valid UTF-8"),
        ("tagged.yaml", "dataset_name: !!python/object:os.system x\n", 1, "tag"),
    ],
)
def test_unreadable_configs_are_problems_naming_file_and_line(
    tmp_path: Path, name: str, content: str | bytes, line: int | None, fragment: str
) -> None:
    result = read(write(tmp_path, name, content))
    assert result.artifacts == [] and result.edges == []
    (problem,) = result.problems
    assert (problem.path, problem.line) == (name, line)
    assert fragment in problem.message


def test_a_file_too_large_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tos_check.loader as loader

    path = write(tmp_path, "big.yaml", "dataset_name: a/b\n" + "# padding\n" * 100)
    monkeypatch.setattr(loader.read_text, "__defaults__", (None, 100))
    (problem,) = read(path).problems
    assert "larger than" in problem.message


def test_a_file_that_disappears_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "gone.yaml", "dataset_name: a/b\n")
    file = scan_file(path)
    assert SOURCE.claims(file)
    path.unlink()
    (problem,) = SOURCE.read(file).problems
    assert "no such file" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "- dataset_name: a/b\n",  # a list, not a mapping
        "dataset_name\n",  # a single value
        "",  # empty
    ],
)
def test_claimed_files_that_are_not_mappings_give_nothing(tmp_path: Path, text: str) -> None:
    assert SOURCE.read(scan_file(write(tmp_path, "x.yaml", text))) == SourceResult()


def test_a_yaml_with_tool_like_keys_that_is_no_config_gives_nothing() -> None:
    path = FIXTURES / "not-configs" / "docker-compose-like.yaml"
    assert SOURCE.claims(scan_file(path))  # the peek sees `datasets:` ...
    assert SOURCE.read(scan_file(path)) == SourceResult()  # ... but it is not a training config


@pytest.mark.parametrize(
    ("reference", "local"),
    [
        ("org/name", False),
        ("alpaca", False),
        ("data/train.jsonl", True),
        ("./data", True),
        ("/mnt/x/y", True),
        ("a/b/c", True),
        ("C:\\data\\x", True),
    ],
)
def test_local_references(reference: str, local: bool) -> None:
    assert is_local(reference) is local


def test_output_is_deterministic() -> None:
    first = read(FIXTURES / "open-assistant.yaml")
    second = read(FIXTURES / "open-assistant.yaml")
    assert first == second


# --- the real configs in ../shared/corpora/configs ----------------------------------------------------------

TULU3 = (
    "tulu3_70b_preview_mix_v3.8-commercial.yaml",
    "tulu3_70b_preview_mix_v3.8-noncommercial.yaml",
    "tulu3_70b_preview_mix_v3.9-noncommercial.yaml",
    "tulu3_8b_preview_mix_v3.0.yaml",
    "tulu3_preview_pref_v3.3.yaml",
)

# (folder/file, dataset as written, line, trained on): checked by reading each file.
REAL_DATASETS = [
    ("alignment-handbook/constitutional-ai__sft__config_anthropic.yaml", "HuggingFaceH4/cai-conversation-harmless", 11),
    ("alignment-handbook/constitutional-ai__sft__config_anthropic.yaml", "HuggingFaceH4/ultrachat_200k", 17),
    ("alignment-handbook/smollm2__sft__config.yaml", "HuggingFaceTB/smoltalk", 9),
    ("alignment-handbook/starchat2-15b__sft__config_v0.1.yaml", "HuggingFaceH4/capybara", 35),
    ("alignment-handbook/zephyr-7b-beta__dpo__config_full.yaml", "HuggingFaceH4/ultrafeedback_binarized", 8),
    ("alignment-handbook/zephyr-7b-beta__sft__config_full.yaml", "HuggingFaceH4/ultrachat_200k", 11),
    ("axolotl/gemma2__qlora.yml", "cgato/SlimOrcaDedupCleaned", 16),
    ("axolotl/gemma2__reward-model.yaml", "argilla/distilabel-intel-orca-dpo-pairs", 12),
    ("axolotl/llama-3__fft-8b.yaml", "tatsu-lab/alpaca", 6),
    ("axolotl/llama-3__instruct-dpo-lora-8b.yml", "fozziethebeat/alpaca_messages_2k_dpo_test", 18),
    ("axolotl/llama-3__instruct-lora-8b.yml", "fozziethebeat/alpaca_messages_2k_test", 13),
    ("axolotl/llama-3__lora-1b.yml", "teknium/GPT4-LLM-Cleaned", 6),
    ("axolotl/llama-3__qlora-1b-kto.yaml", "argilla/ultrafeedback-binarized-preferences-cleaned-kto", 13),
    ("axolotl/mistral__bigstral__bigstral-ds-zero3.yaml", "tatsu-lab/alpaca", 22),
    ("axolotl/mistral__config.yml", "mhenrichsen/alpaca_2k_test", 9),
    ("axolotl/mistral__dpo__mistral-dpo-qlora.yml", "olivermolenschot/alpaca_messages_dpo_test", 19),
    ("axolotl/mistral__lora.yml", "mhenrichsen/alpaca_2k_test", 12),
    ("axolotl/mistral__mistral-qlora-fsdp.yml", "tatsu-lab/alpaca", 14),
    ("axolotl/mistral__mixtral__mixtral-8x22b-qlora-fsdp.yml", "tatsu-lab/alpaca", 12),
    ("llama-factory/ktransformers__train_lora__deepseek_v2_lora_sft_kt.yaml", "identity", 13),
    ("llama-factory/ktransformers__train_lora__deepseek_v2_lora_sft_kt.yaml", "alpaca_en_demo", 13),
    ("llama-factory/ktransformers__train_lora__deepseek_v3_int8_lora_sft_kt.yaml", "alpaca_en_demo", 14),
    ("llama-factory/ktransformers__train_lora__deepseek_v3_lora_sft_kt.yaml", "identity", 13),
    ("llama-factory/ktransformers__train_lora__qwen3_5moe_lora_sft_kt.yaml", "alpaca_en_demo", 13),
    ("llama-factory/ktransformers__train_lora__qwen3moe_lora_sft_kt.yaml", "identity", 13),
    ("llama-factory/ktransformers__train_lora__qwen3vlmoe_lora_sft_kt.yaml", "mllm_demo", 16),
    ("magpie/Llama-3-8B-Magpie-Align-SFT-v0.3.yaml", "Magpie-Align/Magpie-Qwen2-Pro-200K-Chinese", 14),
    ("magpie/Llama-3-8B-Magpie-Pro-SFT-300K-v0.1.yaml", "Magpie-Align/Magpie-Pro-300K-Filtered", 11),
    ("magpie/Llama-3.1-8B-Magpie-Align-SFT-v0.2.yaml", "Magpie-Align/Magpie-Llama-3.1-Pro-500K-Filtered", 14),
    ("magpie/Llama-3.1-8B-Magpie-Align-v0.2.yaml", "Magpie-Align/Llama-3.1-70B-PO-100K-armorm", 8),
    ("open-assistant/model_training__config.yaml", "webgpt", 27),
    ("open-assistant/model_training__config.yaml", "oasst_export", 189),
    ("open-assistant/model_training__config.yaml", "dolphin-mix", 877),
    ("open-assistant/model_training__config_rm.yaml", "augment_oasst", 51),
    ("open-assistant/model_training__config_rm.yaml", "hf_summary_pairs", 64),
    ("open-instruct/olmo2_1124_7b_dpo.yaml", "allenai/olmo-2-1124-13b-preference-mix", 4),
    ("open-instruct/olmo2_1124_7b_sft.yaml", "allenai/tulu-3-sft-olmo-2-mixture", 5),
    ("open-instruct/olmo_7b_17_sft.yaml", "allenai/tulu-v2-sft-mixture-olmo-4096", 5),
    ("open-instruct/olmoe_preview_mix_v3.1.yaml", "ai2-adapt-dev/daring-anteater-specialized", 7),
    ("open-instruct/tulu2_7b_remix.yaml", "Vtuber-plan/sharegpt-cleaned", 11),
    ("open-instruct/tulu2_7b_remix.yaml", "natolambert/tulu-v2-sft-mixture-science", 17),
    ("open-instruct/tulu3_70b_preview_mix_v3.8-commercial.yaml", "ai2-adapt-dev/table_gpt_converted", 30),
    (
        "open-instruct/tulu3_70b_preview_mix_v3.8-noncommercial.yaml",
        "/oe-adapt-default/jacobm/tulu-3-dev/data/tulu_v3.8_preview_nc.jsonl",
        7,
    ),
    ("open-instruct/tulu3_70b_preview_mix_v3.9-noncommercial.yaml", "allenai/tulu-v.3.9-mix-preview-noncommercial", 7),
    ("open-instruct/tulu3_8b_preview_mix_v3.0.yaml", "ai2-adapt-dev/codefeedback-single-turn-reformat", 11),
    ("open-instruct/tulu3_preview_pref_v3.3.yaml", "ai2-adapt-dev/Llama-3.1-if_taxonomy_tulu", 12),
]


def real(relative: str) -> SourceResult:
    path = shared_path("corpora", "configs", relative)
    return read(path, f"configs/{relative}")


def test_every_real_config_is_read_without_problems() -> None:
    root = shared_path("corpora", "configs")
    claimed = 0
    for file in walk([root]).files:
        if not SOURCE.claims(file):
            assert file.path.parent.name == "distilabel", f"{file.display} should be claimed"
            continue
        claimed += 1
        result = SOURCE.read(file)
        assert result.problems == [], file.display
        assert result.artifacts, f"{file.display} gave nothing"
        for artifact in result.artifacts:
            if artifact.kind == "dataset":
                assert artifact.location.line is not None, (file.display, artifact.id)
        for edge in result.edges:
            assert edge.location.line is not None, (file.display, edge.target)
    assert claimed == 41


@pytest.mark.parametrize(("relative", "dataset", "line"), REAL_DATASETS)
def test_real_configs_name_their_datasets_on_their_lines(relative: str, dataset: str, line: int) -> None:
    result = real(relative)
    trained = {(e.target, e.location.line) for e in result.edges if e.relation == "trained_on"}
    assert (dataset, line) in trained
    (artifact,) = [a for a in result.artifacts if a.id == dataset]
    assert artifact.in_use and artifact.external and artifact.location.path == f"configs/{relative}"


def test_real_runs_and_base_models() -> None:
    magpie_dpo = real("magpie/Llama-3.1-8B-Magpie-Align-v0.2.yaml")
    assert magpie_dpo.artifacts[0].id == "Magpie-Align/Llama-3.1-8B-Magpie-Align-v0.2"
    assert (
        "base_model",
        "Magpie-Align/Llama-3.1-8B-Magpie-Align-v0.2",
        "Magpie-Align/Llama-3.1-8B-Magpie-Align-SFT-v0.2",
        2,
    ) in edges(magpie_dpo)
    zephyr = real("alignment-handbook/zephyr-7b-beta__dpo__config_full.yaml")
    assert ("base_model", "zephyr-7b-dpo-full", "alignment-handbook/zephyr-7b-sft-full", 2) in edges(zephyr)
    # the Tulu 3.0 preview mix repeats `checkpointing_steps`, which is not about data: no problem
    tulu = real("open-instruct/tulu3_8b_preview_mix_v3.0.yaml")
    assert tulu.problems == [] and len(datasets(tulu)) == 4
    # commented-out datasets are not datasets
    nc = real("open-instruct/tulu3_70b_preview_mix_v3.9-noncommercial.yaml")
    assert set(datasets(nc)) == {"allenai/tulu-v.3.9-mix-preview-noncommercial"}


def test_real_llama_factory_registry() -> None:
    result = real("llama-factory/dataset_info.json")
    assert result.problems == [] and result.edges == []
    assert len(result.artifacts) == 104
    by_id = {a.id: a for a in result.artifacts}
    assert by_id["alpaca_gpt4_en"].names == ("llamafactory/alpaca_gpt4_en",)
    assert by_id["guanaco"].names == ("JosephusCheung/GuanacoDataset", "AI-ModelScope/GuanacoDataset")
    assert by_id["identity"].paths == ("configs/llama-factory/identity.json",)
    assert not any(a.in_use for a in result.artifacts)


@pytest.fixture(scope="module")
def corpus_report() -> Report:
    return scan_builtin(shared_path("corpora", "configs"), use={}, as_of=dt.date(2025, 6, 1))


def test_scan_of_real_configs_has_no_problems(corpus_report: Report) -> None:
    assert corpus_report.problems == []


def test_tulu3_ai2_adapt_dev_ids_are_training_data_and_unknown_ones_are_noticed(corpus_report: Report) -> None:
    root = shared_path("corpora", "configs", "open-instruct")
    ids: set[str] = set()
    for name in TULU3:
        ids |= {a.id for a in read(root / name).artifacts if a.id.startswith("ai2-adapt-dev/")}
    assert len(ids) == 19
    statuses = {a.id: a for a in corpus_report.artifacts}
    assert ids <= set(statuses), "every ai2-adapt-dev dataset in the Tulu 3 mixes is judged as training data"
    unknown = {i for i in ids if known_datasets().find(i) is None}
    assert "ai2-adapt-dev/DaringAnteater-prefs-RM-filter" in unknown
    noticed = {f.artifact: f.location for f in corpus_report.findings if f.rule == "tos-check/unknown-provenance"}
    for dataset in unknown:
        assert dataset in noticed, dataset
        assert statuses[dataset].generators == []
        assert noticed[dataset].path.startswith(str(root))
    where = noticed["ai2-adapt-dev/DaringAnteater-prefs-RM-filter"]
    assert (Path(where.path).name, where.line) == ("tulu3_preview_pref_v3.3.yaml", 8)


def test_well_known_ids_get_their_generators_from_the_catalog(corpus_report: Report) -> None:
    statuses = {a.id: a for a in corpus_report.artifacts}
    ultrachat = statuses["HuggingFaceH4/ultrachat_200k"]
    assert "gpt-3.5-turbo" in {g.model for g in ultrachat.generators}
    assert ultrachat.location.line in (11, 17)  # named by the zephyr and constitutional-ai configs
    catalog_evidence = [
        e
        for f in corpus_report.findings
        if f.artifact == "HuggingFaceH4/ultrachat_200k"
        for e in f.evidence
        if e.kind == "catalog"
    ]
    assert catalog_evidence
    # Open-Assistant names as written, described by the catalog
    assert "text-davinci-003" in {g.model for g in statuses["alpaca"].generators}
    assert "gpt-3.5-turbo" in {g.model for g in statuses["gpt4all"].generators}
    assert statuses["dolly15k"].status == "clear"  # human-written, and the catalog says so


def test_findings_on_a_dataset_only_named_point_at_the_config_line_that_trains_on_it(tmp_path: Path) -> None:
    (tmp_path / "lora.yml").write_text(
        "base_model: mistralai/Mistral-7B-v0.1\ndatasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\n"
    )
    report = scan_builtin(tmp_path, use={"commercial": True})
    config_line = (f"{tmp_path.as_posix()}/lora.yml", 3)
    alpaca = [f for f in report.findings if f.artifact == "tatsu-lab/alpaca"]
    assert alpaca and {(f.location.path, f.location.line) for f in alpaca} == {config_line}
    # The chain still says where the story of the data was learned: the catalog.
    assert any(h.location.path.endswith("known_datasets/catalog/instruction.yaml") for f in alpaca for h in f.chain)
    [status] = [a for a in report.artifacts if a.id == "tatsu-lab/alpaca"]
    assert [(w.path, w.line) for w in status.used_in] == [config_line]


def test_the_same_relative_path_in_two_projects_is_two_datasets(tmp_path: Path) -> None:
    for project, record in (
        ("proj-a", '{"prompt": "p", "response": "r", "source": "staff"}'),
        ("proj-b", '{"prompt": "p", "response": "r", "model": "gpt-4"}'),
    ):
        (tmp_path / project / "data").mkdir(parents=True)
        (tmp_path / project / "train.yml").write_text(
            "base_model: m/x\ndatasets:\n  - path: data/train.jsonl\n    type: alpaca\n"
        )
        (tmp_path / project / "data" / "train.jsonl").write_text(record + "\n")
    report = scan_builtin(tmp_path)
    statuses = {a.id: (a.status, [(w.path.rsplit("/", 2)[-2], w.line) for w in a.used_in]) for a in report.artifacts}
    assert statuses["proj-b/data/train.jsonl"] == ("prohibited", [("proj-b", 3)])
    assert statuses["proj-a/data/train.jsonl"][1] == [("proj-a", 3)]
    assert statuses["proj-a/data/train.jsonl"][0] != "prohibited"
    assert {f.artifact for f in report.findings if f.model == "gpt-4"} == {"proj-b/data/train.jsonl"}
