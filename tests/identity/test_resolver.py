"""Resolving one model string: the stages, their confidences, the hard cases, the cache."""

from __future__ import annotations

import time

import pytest

from tos_check.identity.catalog import builtin_paths
from tos_check.identity.model import Identity
from tos_check.identity.resolver import (
    ALIAS_CONFIDENCE,
    EXACT_CONFIDENCE,
    FUZZY_CUTOFF,
    FUZZY_MAX_CONFIDENCE,
    PATTERN_CONFIDENCE,
    Resolver,
)


def _key(identity: Identity) -> tuple[str | None, str | None]:
    return identity.provider, identity.family


# Stages


def test_exact_canonical_id(resolver: Resolver) -> None:
    identity = resolver.resolve("gpt-4-0613")
    assert (identity.matched_by, identity.confidence) == ("exact", EXACT_CONFIDENCE)
    assert (identity.provider, identity.family, identity.model) == ("openai", "gpt-4", "gpt-4-0613")


def test_exact_after_dropping_an_org_or_router_prefix(resolver: Resolver) -> None:
    identity = resolver.resolve("openai/gpt-4o")
    assert (identity.matched_by, identity.model) == ("exact", "gpt-4o")


def test_alias_ignores_case_and_separators(resolver: Resolver) -> None:
    for spelling in ("GPT 4", "gpt_4", "GPT4"):
        identity = resolver.resolve(spelling)
        assert (identity.matched_by, identity.confidence, identity.model) == ("alias", ALIAS_CONFIDENCE, "gpt-4")


def test_pattern_covers_id_schemes(resolver: Resolver) -> None:
    identity = resolver.resolve("llama-2-70b-chat")
    assert (identity.matched_by, identity.confidence) == ("pattern", PATTERN_CONFIDENCE)
    assert _key(identity) == ("meta", "llama-2")
    assert identity.model is None  # a pattern names a family, not one model


def test_fuzzy_catches_a_typo_with_lower_confidence(resolver: Resolver) -> None:
    identity = resolver.resolve("gpt-4-turob")
    assert _key(identity) == ("openai", "gpt-4")
    assert identity.matched_by == "fuzzy"
    assert FUZZY_MAX_CONFIDENCE * FUZZY_CUTOFF / 100 <= identity.confidence <= FUZZY_MAX_CONFIDENCE
    assert _key(resolver.resolve("lama-2-7b-chat")) == ("meta", "llama-2")


def test_a_providers_prefix_only_lets_that_providers_models_match(resolver: Resolver) -> None:
    """`deepseek-coderx` once became OpenAI's `codex` through the fragment `coderx`; a prefix binds."""
    assert not resolver.resolve("deepseek-coderx804").known
    assert not resolver.resolve("OpenAI Claude").known
    assert _key(resolver.resolve("databricks-meta-llama-3-1-70b-instruct")) == ("meta", "llama-3.1")
    assert _key(resolver.resolve("Azure OpenAI GPT-4")) == ("openai", "gpt-4")


def test_fuzzy_never_changes_a_number(resolver: Resolver) -> None:
    """Versions and sizes carry identity: llama-2-7b is not llama-2-70b, gpt-4 is not gpt-3."""
    assert not resolver.resolve("gpt-9-turbo").known
    assert not resolver.resolve("claude-7-opus").known


def test_unknown_is_an_identity_with_nothing_known(resolver: Resolver) -> None:
    identity = resolver.resolve("my-in-house-model-v3")
    assert identity == Identity(
        input="my-in-house-model-v3", provider=None, family=None, model=None, open_weights=False, confidence=0.0,
        matched_by=None,
    )  # fmt: skip
    assert not identity.known


def test_json_shape_is_the_resolve_contract(resolver: Resolver) -> None:
    dumped = resolver.resolve("gpt-oss-20b").model_dump(mode="json")
    assert dumped == {
        "input": "gpt-oss-20b", "provider": "openai", "family": "gpt-oss", "model": "gpt-oss-20b",
        "open_weights": True, "license": "apache-2.0", "confidence": 1.0, "matched_by": "exact",
    }  # fmt: skip


# The cases the catalog was designed around


@pytest.mark.parametrize(
    ("name", "provider", "family"),
    [
        # API ids
        ("gpt-4o-2024-05-13", "openai", "gpt-4o"),
        ("o1-mini", "openai", "o1"),
        ("claude-3-5-sonnet-20240620", "anthropic", "claude-3.5"),
        ("gemini-1.5-pro-002", "google", "gemini-1.5"),
        ("command-r-plus", "cohere", "command-r-plus"),
        ("text-davinci-002", "openai", "gpt-3"),
        ("davinci", "openai", "gpt-3"),
        ("ft:gpt-3.5-turbo-0613:acme::8abc123", "openai", "gpt-3.5"),
        # Cloud ids
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic", "claude-3.5"),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic", "claude-3.5"),
        ("anthropic.claude-v2", "anthropic", "claude-2"),
        ("anthropic.claude-v2:1", "anthropic", "claude-2"),
        ("meta.llama3-1-70b-instruct-v1:0", "meta", "llama-3.1"),
        ("amazon.titan-text-premier-v1:0", "amazon", "titan"),
        ("claude-3-opus@20240229", "anthropic", "claude-3"),
        ("text-bison@002", "google", "palm-2"),
        ("text-unicorn@001", "google", "palm-2"),
        ("gpt-35-turbo", "openai", "gpt-3.5"),
        ("gpt-35-turbo-16k", "openai", "gpt-3.5"),
        ("mistral.mixtral-8x7b-instruct-v0:1", "mistral", "mixtral"),
        ("cohere.command-r-plus-v1:0", "cohere", "command-r-plus"),
        # Router and host ids
        ("openai/gpt-4o", "openai", "gpt-4o"),
        ("anthropic/claude-3.5-sonnet", "anthropic", "claude-3.5"),
        ("google/gemini-flash-1.5", "google", "gemini-1.5"),
        ("meta-llama/llama-3.1-70b-instruct", "meta", "llama-3.1"),
        ("accounts/fireworks/models/llama-v3p1-70b-instruct", "meta", "llama-3.1"),
        ("llama3-70b-8192", "meta", "llama-3"),
        ("mixtral-8x7b-32768", "mistral", "mixtral"),
        ("Meta-Llama-3.1-70B-Instruct-Turbo", "meta", "llama-3.1"),
        # Hugging Face repos, re-uploads and quantisations
        ("meta-llama/Llama-2-7b-hf", "meta", "llama-2"),
        ("TheBloke/Llama-2-13B-chat-GPTQ", "meta", "llama-2"),
        ("unsloth/llama-3-8b-Instruct-bnb-4bit", "meta", "llama-3"),
        ("llama-2-7b-chat.Q4_K_M.gguf", "meta", "llama-2"),
        ("Qwen/Qwen2.5-7B-Instruct", "alibaba-qwen", "qwen-2.5"),
        ("mistralai/Mistral-7B-Instruct-v0.2", "mistral", "mistral-7b"),
        ("google/gemma-2b-it", "google", "gemma"),
        ("google/gemma-2-2b-it", "google", "gemma-2"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek", "deepseek-r1"),
        ("nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", "nvidia", "nemotron"),
        # ollama tags
        ("llama3.1:8b", "meta", "llama-3.1"),
        ("gemma2:9b", "google", "gemma-2"),
        ("mistral", "mistral", "mistral-7b"),
        ("deepseek-r1:14b", "deepseek", "deepseek-r1"),
        # Catalogue spellings and free text
        ("OpenAI GPT-3.5-Turbo", "openai", "gpt-3.5"),
        ("Anthropic Claude", "anthropic", "claude"),
        ("GPT4", "openai", "gpt-4"),
        ("GPT-4", "openai", "gpt-4"),
        ("ChatGPT", "openai", "chatgpt"),
        ("chat-gpt", "openai", "chatgpt"),
        ("Claude 3 Opus", "anthropic", "claude-3"),
        ("Bard", "google", "bard"),
        ("PaLM 2", "google", "palm-2"),
        ("Command R+", "cohere", "command-r-plus"),
        # API models of open-weight providers are their own families
        ("deepseek-chat", "deepseek", "deepseek-chat"),
        ("deepseek-reasoner", "deepseek", "deepseek-reasoner"),
        ("qwen-max", "alibaba-qwen", "qwen-max"),
    ],
)
def test_resolves(resolver: Resolver, name: str, provider: str, family: str) -> None:
    assert _key(resolver.resolve(name)) == (provider, family)


@pytest.mark.parametrize(
    "name",
    [
        # Named after GPT, not OpenAI's
        "EleutherAI/gpt-neox-20b", "EleutherAI/gpt-neo-2.7B", "EleutherAI/gpt-j-6b", "GPT-J", "nomic-ai/gpt4all-j",
        "togethercomputer/GPT-JT-6B-v1", "cerebras/Cerebras-GPT-13B", "microsoft/DialoGPT-medium", "distilgpt2",
        # Other makers' models
        "bigcode/starcoder", "stabilityai/stablelm-tuned-alpha-7b", "bigscience/bloom", "google/flan-t5-xxl",
        # Third-party fine-tunes named after their base
        "lmsys/vicuna-13b-v1.5", "WizardLM/WizardLM-13B-V1.2", "teknium/OpenHermes-2.5-Mistral-7B",
        "Open-Orca/Mistral-7B-OpenOrca", "HuggingFaceH4/zephyr-7b-beta", "TheBloke/vicuna-13B-v1.5-GPTQ",
        "claude2-alpaca-13b", "Magpie-Align/Llama-3-8B-Magpie-Align-v0.1", "garage-bAInd/Platypus2-70B-instruct",
        # Not a model at all
        "human", "human-annotated", "n/a", "none", "unknown", "gpt", "GPT", "", "   ", "-",
    ],
)  # fmt: skip
def test_never_a_provider(resolver: Resolver, name: str) -> None:
    assert resolver.resolve(name).provider is None


@pytest.mark.parametrize(
    ("name", "family", "licence"),
    [
        ("gpt-oss-20b", "gpt-oss", "apache-2.0"),
        ("openai-community/gpt2", "gpt-2", "mit"),
        ("gpt2", "gpt-2", "mit"),
        ("deepseek-ai/DeepSeek-R1", "deepseek-r1", "mit"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek-r1", "llama3.3"),  # distilled onto Llama 3.3
        ("mistralai/Mistral-7B-v0.1", "mistral-7b", "apache-2.0"),
        ("mistralai/Codestral-22B-v0.1", "codestral", "mnpl-0.1"),
        ("google/gemma-3-1b-it", "gemma-3", "gemma"),
        ("meta-llama/Llama-3.1-8B", "llama-3.1", "llama3.1"),
    ],
)
def test_open_weight_releases_carry_their_licence(resolver: Resolver, name: str, family: str, licence: str) -> None:
    identity = resolver.resolve(name)
    assert (identity.family, identity.open_weights, identity.license) == (family, True, licence)


@pytest.mark.parametrize(
    "name", ["gpt-4o", "claude-3-opus-20240229", "codestral-latest", "mistral-large-2407", "deepseek-chat"]
)
def test_api_models_are_not_open_weights(resolver: Resolver, name: str) -> None:
    identity = resolver.resolve(name)
    assert identity.known and not identity.open_weights and identity.license is None


def test_packaging_keeps_the_model_but_variants_keep_only_the_family(resolver: Resolver) -> None:
    quantised = resolver.resolve("TheBloke/Mistral-7B-Instruct-v0.2-GPTQ")
    assert quantised.model == "Mistral-7B-Instruct-v0.2"
    instruct = resolver.resolve("meta-llama/Meta-Llama-3-70B-Instruct")
    assert (instruct.family, instruct.model) == ("llama-3", None)  # not the base model Meta-Llama-3-70B


# Cache


def test_repeated_inputs_return_the_same_object_without_recomputing(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = Resolver(Resolver.builtin().catalog)
    calls: list[str] = []
    identify = resolver._identify

    def counting(name: str, *, fuzzy: bool) -> Identity:
        calls.append(name)
        return identify(name, fuzzy=fuzzy)

    monkeypatch.setattr(resolver, "_identify", counting)
    first = resolver.resolve("gpt-4-0613")
    assert resolver.resolve("gpt-4-0613") is first
    assert resolver.resolve("GPT-4-0613") is not first  # a different input string is its own entry
    assert calls == ["gpt-4-0613", "GPT-4-0613"]


def test_each_resolver_has_its_own_cache_and_the_builtin_one_is_shared() -> None:
    assert Resolver.builtin() is Resolver.builtin()
    other = Resolver(Resolver.builtin().catalog)
    assert other.resolve("gpt-4") is not Resolver.builtin().resolve("gpt-4")


def test_many_distinct_names_resolve_quickly() -> None:
    resolver = Resolver(Resolver.builtin().catalog)
    bases = ["gpt-4", "claude-3-opus", "llama-2-7b-chat", "qwen2.5-7b", "vicuna-13b", "no-such-model"]
    names = [f"org{i % 97}/{bases[i % len(bases)]}-{i}" for i in range(5000)]
    start = time.perf_counter()
    for name in names:
        resolver.resolve(name)
    # About 0.3 s on a laptop; the bound only catches a pathological slowdown (100k names must take seconds).
    assert time.perf_counter() - start < 10


LOOKALIKES = [
    "EleutherAI/gpt-neox-20b", "EleutherAI/gpt-neo-2.7B", "EleutherAI/gpt-j-6b", "nomic-ai/gpt4all-j",
    "bigcode/starcoder", "stabilityai/stablelm-tuned-alpha-7b", "lmsys/vicuna-13b-v1.5", "WizardLM/WizardLM-13B-V1.2",
    "teknium/OpenHermes-2.5-Mistral-7B", "garage-bAInd/Platypus2-70B-instruct", "Open-Orca/Mistral-7B-OpenOrca",
    "mosaicml/mpt-7b-chat", "microsoft/Orca-2-13b", "openlm-research/open_llama_7b", "cerebras/Cerebras-GPT-13B",
    "distilgpt2", "baichuan-inc/Baichuan2-13B-Chat", "claude2-alpaca-13b", "llama-2-7b-guanaco", "koala-13b",
    "olmo-7b", "llemma-7b", "gpt-sw3", "human", "human-annotated", "n/a", "none", "unknown", "gpt",
]  # fmt: skip


def test_fuzzy_cutoff_alone_keeps_lookalikes_out() -> None:
    """The negative list is a second line: without it, these still resolve to nothing (best score 84 < 90)."""
    without_negatives = Resolver.from_paths(
        [p for p in builtin_paths() if p.name != "negatives.yaml"], include_builtin=False
    )
    assert [name for name in LOOKALIKES if without_negatives.resolve(name).known] == []


@pytest.mark.parametrize(
    ("typo", "family"),
    [
        ("gpt-4-turob", "gpt-4"), ("Azure GPT-4 Trubo", "gpt-4"), ("calude-3-opus", "claude-3"),
        ("mistrel-7b-instruct", "mistral-7b"), ("mixtrall-8x7b", "mixtral"), ("gemnini-1.5-pro", "gemini-1.5"),
        ("claud-2", "claude-2"), ("gpt-3.5-trubo", "gpt-3.5"), ("deepsek-coder-33b", "deepseek-coder"),
    ],
)  # fmt: skip
def test_fuzzy_cutoff_lets_single_typos_in(resolver: Resolver, typo: str, family: str) -> None:
    identity = resolver.resolve(typo)
    assert (identity.family, identity.matched_by) == (family, "fuzzy")
