"""The built-in known-datasets catalog: it loads, its models resolve, it covers real configs, lookups work."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tos_check.identity.resolver import Resolver
from tos_check.known_datasets.catalog import builtin, builtin_paths, load_known_datasets
from tos_check.problems import InputError

Write = Callable[[str, str], Path]

CONFIGS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "configs"

DELIBERATE_UNKNOWN_MODELS = {
    "Anthropic context-distilled 52B language model": "hh-rlhf's responses come from unreleased Anthropic research "
    "models the card names only this way; no identity to resolve to, and the data is not under API terms",
    "Glaive in-house model": "Glaive AI never named the model behind its function-calling data",
    "unnamed model": "the card says the data is synthetic but names no model; kept so it is not taken as human",
    "RLHFlow/ArmoRM-Llama3-8B-v0.1": "a reward model (a Llama-3-8B fine-tune by RLHFlow), not in the identity "
    "catalog; its labels only pick between Llama-3.1 responses",
}

DELIBERATELY_ABSENT = {
    "fozziethebeat/alpaca_messages_2k_dpo_test": "axolotl test fixture of unknown make-up",
    "olivermolenschot/alpaca_messages_dpo_test": "axolotl test fixture of unknown make-up",
    "ai2-adapt-dev/DaringAnteater-prefs-RM-filter": "AI2 staging preference set; its card states nothing",
    "ai2-adapt-dev/Llama-3.1-if_taxonomy_tulu": "AI2 staging set; its card states nothing",
    "ai2-adapt-dev/WildChat-prefs-280824": "AI2 staging preference set; its card states nothing",
    "allenai/tulu-v.3.9-mix-preview-noncommercial": "a preview mix, superseded by allenai/tulu-3-sft-mixture",
    "allenai/tulu-v3-mix-preview-4096-OLMoE": "a preview mix, superseded by allenai/tulu-3-sft-mixture",
    "natolambert/tulu-v2-sft-mixture-cot": "a personal split of allenai/tulu-v2-sft-mixture",
    "natolambert/tulu-v2-sft-mixture-flan": "a personal split of allenai/tulu-v2-sft-mixture",
    "natolambert/tulu-v2-sft-mixture-lima": "a personal split of allenai/tulu-v2-sft-mixture",
    "natolambert/tulu-v2-sft-mixture-science": "a personal split of allenai/tulu-v2-sft-mixture",
}


def test_builtin_catalog_loads_with_enough_entries() -> None:
    catalog = builtin()
    assert len(catalog) >= 60
    assert any(entry.verified for entry in catalog)
    assert builtin() is catalog  # cached


def test_every_generating_model_resolves_or_is_a_deliberate_unknown() -> None:
    resolver = Resolver.builtin()
    unresolved = {
        gen.model for entry in builtin() for gen in entry.generated_by if not resolver.resolve(gen.model).known
    }
    assert unresolved == set(DELIBERATE_UNKNOWN_MODELS)


@pytest.mark.parametrize(
    ("model", "provider"),
    [("text-davinci-003", "openai"), ("meta-llama/Meta-Llama-3-70B-Instruct", "meta"), ("gpt-4o", "openai")],
)
def test_key_models_resolve_to_their_provider(model: str, provider: str) -> None:
    assert Resolver.builtin().resolve(model).provider == provider


def test_human_sets_name_no_model_and_verified_entries_name_a_source() -> None:
    for entry in builtin():
        if entry.human_written:
            assert not [g for g in entry.generated_by if g.role == "responses"], entry.id
        if entry.verified:
            assert entry.source and entry.source.startswith("https://"), entry.id


def _config_dataset_ids(path: Path) -> set[str]:
    """Hub ids a training config trains on: open-instruct mixers, alignment-handbook mixtures, axolotl paths."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: set[str] = set()
    mixer = data.get("dataset_mixer")
    if isinstance(mixer, dict):
        found |= set(mixer)
    for item in (data.get("dataset_mixture") or {}).get("datasets", []):
        found.add(item["id"])
    if isinstance(data.get("dataset_name"), str):
        found.add(data["dataset_name"])
    for key in ("datasets", "test_datasets"):
        found |= {d["path"] for d in data.get(key) or [] if isinstance(d, dict) and "path" in d}
    # Local files and absolute paths are not public Hub datasets.
    return {d for d in found if d.count("/") == 1 and not d.startswith((".", "/"))}


def test_datasets_named_in_real_training_configs_are_known_or_deliberately_absent() -> None:
    if not CONFIGS.is_dir():
        pytest.skip(f"reference configs not present: {CONFIGS} (../shared is not checked out beside the repo)")
    catalog = builtin()
    named: set[str] = set()
    for folder in ("open-instruct", "alignment-handbook", "axolotl", "magpie"):
        for path in sorted((CONFIGS / folder).glob("*.y*ml")):
            named |= _config_dataset_ids(path)
    assert len(named) > 40
    missing = sorted(d for d in named if catalog.find(d) is None and d not in DELIBERATELY_ABSENT)
    assert missing == []
    stale = sorted(d for d in DELIBERATELY_ABSENT if catalog.find(d) is not None or d not in named)
    assert stale == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Alpaca", "tatsu-lab/alpaca"),
        ("alpaca_gpt4_en", "vicgalle/alpaca-gpt4"),
        ("ULTRACHAT_200K", "HuggingFaceH4/ultrachat_200k"),
        ("glaive_toolcall_en", "glaiveai/glaive-function-calling-v2"),
        ("https://huggingface.co/datasets/Open-Orca/SlimOrca/", "Open-Orca/SlimOrca"),
        ("OpenHermes-2.5", "teknium/OpenHermes-2.5"),  # the last segment, unambiguous
        ("WizardLM/WizardLM_evol_instruct_V2_196k", "WizardLMTeam/WizardLM_evol_instruct_V2_196k"),
        ("ai2-adapt-dev/personahub_math_v5_regen_149960", "allenai/tulu-3-sft-personas-math"),
        ("hh-rlhf", "Anthropic/hh-rlhf"),
    ],
)
def test_lookup_by_common_names(name: str, expected: str) -> None:
    found = builtin().find(name)
    assert found is not None and found.id == expected


def test_lookup_misses_forks_and_ambiguous_segments(write: Write) -> None:
    assert builtin().find("someone/alpaca") is None  # a fork under another org may hold other data
    assert builtin().find("no-such-dataset") is None
    path = write("two.yaml", "datasets:\n  - id: acme/chat\n  - id: other/chat\n  - id: acme/solo\n")
    catalog = load_known_datasets([path])
    assert catalog.find("chat") is None  # two orgs publish a set of that name: no guessing
    found = catalog.find("solo")
    assert found is not None and found.id == "acme/solo"


def test_lines_of_llama_factory_names_exist_in_dataset_info() -> None:
    info = CONFIGS / "llama-factory" / "dataset_info.json"
    if not info.is_file():
        pytest.skip(f"reference config not present: {info}")

    names = set(json.loads(info.read_text(encoding="utf-8")))
    for name in ("alpaca_en", "alpaca_gpt4_en", "glaive_toolcall_en", "ultrachat_200k", "slimorca", "lima"):
        assert name in names
        assert builtin().find(name) is not None, name


def test_entry_location_points_at_the_id_line() -> None:
    catalog = builtin()
    entry = catalog.find("tatsu-lab/alpaca")
    assert entry is not None
    path, line = catalog.entry_location(entry)
    assert path.endswith("instruction.yaml") and line is not None
    assert Path(path).read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- id: tatsu-lab/alpaca"


def test_builtin_paths_are_the_yaml_files() -> None:
    assert {p.name for p in builtin_paths()} >= {"instruction.yaml", "preference.yaml", "human.yaml"}


# --- errors in catalog files ---------------------------------------------------------------------------------


def _problems(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_known_datasets(paths)
    return [str(p) for p in caught.value.problems]


def test_a_name_claimed_twice_across_files_names_both_places(write: Write) -> None:
    a = write("a.yaml", "datasets:\n  - id: acme/chat\n    names: [Acme Chat]\n")
    b = write("b.yaml", "datasets:\n  - id: other/chat\n    names:\n      - other\n      - ACME CHAT\n")
    assert _problems([a, b]) == [
        f"{b}:5: 'ACME CHAT' already names 'acme/chat' (at {a}:3); one name cannot mean two datasets: "
        "remove it here, or merge the two entries if they are the same data"
    ]


def test_a_duplicate_id_is_an_error_at_its_line(write: Write) -> None:
    path = write("dup.yaml", "datasets:\n  - id: acme/chat\n  - id: Acme/Chat\n")
    (problem,) = _problems([path])
    assert problem.startswith(f"{path}:3: 'Acme/Chat' already names 'acme/chat' (at {path}:2)")


def test_schema_errors_name_file_and_line(write: Write) -> None:
    path = write(
        "bad.yaml",
        """\
datasets:
  - id: acme/chat
    generated-by: []
  - id: acme/two
    generated_by:
      - model: gpt-4
        role: answers
  - id: acme/three
    generated_by:
      - model: gpt-4
        date: 2024-02-30
  - id: acme/four
    verified: true
""",
    )
    problems = _problems([path])
    assert any(p.startswith(f"{path}:3: unknown key 'generated-by'") for p in problems)
    assert any(p.startswith(f"{path}:7: datasets.1.generated_by.0.role:") for p in problems)
    assert any(p.startswith(f"{path}:11: datasets.2.generated_by.0.date:") for p in problems)
    assert any(p.startswith(f"{path}:12: ") and "needs the `source`" in p for p in problems)


def test_month_dates_cover_the_whole_month(write: Write) -> None:
    path = write(
        "ok.yaml",
        "datasets:\n  - id: acme/chat\n    generated_by:\n      - {model: gpt-4, date: 2023-02/2023-03-10}\n",
    )
    (entry,) = load_known_datasets([path])
    start, until = entry.generated_by[0].period()
    assert (str(start), str(until)) == ("2023-02-01", "2023-03-10")
    late = write(
        "late.yaml", "datasets:\n  - id: a/b\n    generated_by:\n      - {model: gpt-4, date: 2023-05/2023-04}\n"
    )
    assert "ends before it starts" in _problems([late])[0]
