"""Model names inside prose: what must be found, with its span, and what must not fire."""

from __future__ import annotations

import re

import pytest

from tos_check.identity.mentions import _trie
from tos_check.identity.resolver import Resolver


def _found(resolver: Resolver, text: str) -> list[tuple[str, str | None, str | None]]:
    mentions = resolver.find_mentions(text)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
    return [(m.text, m.identity.provider, m.identity.family) for m in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The responses were generated with GPT-4 and then filtered.", [("GPT-4", "openai", "gpt-4")]),
        (
            "We collected responses from Claude 3 Opus and GPT-3.5 Turbo.",
            [("Claude 3 Opus", "anthropic", "claude-3"), ("GPT-3.5 Turbo", "openai", "gpt-3.5")],
        ),
        ("Raw gpt-3.5-turbo completions were kept.", [("gpt-3.5-turbo", "openai", "gpt-3.5")]),
        ("Fine-tuned from Llama-3.1-70B-Instruct.", [("Llama-3.1-70B-Instruct", "meta", "llama-3.1")]),
        ("The GPT-4-generated answers were checked.", [("GPT-4", "openai", "gpt-4")]),
        ("Commercial Models: GPT-4, GPT-3.5 Turbo, Bard", [
            ("GPT-4", "openai", "gpt-4"), ("GPT-3.5 Turbo", "openai", "gpt-3.5"), ("Bard", "google", "bard"),
        ]),
        # The card of orca-math-word-problems-200k.
        ("All the answers in this dataset is generated using Azure GPT4-Turbo.", [("GPT4-Turbo", "openai", "gpt-4")]),
        ("Alpaca was trained on text-davinci-003 outputs.", [("text-davinci-003", "openai", "gpt-3")]),
        ("DeepSeek-R1-Distill-Qwen-32B outperforms OpenAI-o1-mini.", [
            ("DeepSeek-R1-Distill-Qwen-32B", "deepseek", "deepseek-r1"), ("OpenAI-o1-mini", "openai", "o1"),
        ]),
        ("We fine-tuned meta-llama/Llama-2-7b-hf and TheBloke/Llama-2-13B-chat-GPTQ.", [
            ("meta-llama/Llama-2-7b-hf", "meta", "llama-2"), ("TheBloke/Llama-2-13B-chat-GPTQ", "meta", "llama-2"),
        ]),
        ("Distilled from Mixtral 8x7B and Gemma-2-27b-it.", [
            ("Mixtral 8x7B", "mistral", "mixtral"), ("Gemma-2-27b-it", "google", "gemma-2"),
        ]),
        ("ChatGPT's answers", [("ChatGPT", "openai", "chatgpt")]),
        ("Compared with GPT-3.5/GPT-4/Claude.", [
            ("GPT-3.5", "openai", "gpt-3.5"), ("GPT-4", "openai", "gpt-4"), ("Claude", "anthropic", "claude"),
        ]),
        ("Weights: https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3", [
            ("huggingface.co/mistralai/Mistral-7B-Instruct-v0.3", "mistral", "mistral-7b"),
        ]),
        ("Saved under path/to/llama-7b.", [("llama-7b", "meta", "llama")]),
    ],
)  # fmt: skip
def test_finds(resolver: Resolver, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _found(resolver, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GPT alone names no model.",
        'ShareGPT conversations, where each turn has "from": "gpt".',
        "An OpenAI-compatible endpoint serves the model.",
        "We compare with gpt-neox-20b, GPT-J, gpt-j and gpt4all.",
        "Alpaca and Vicuna are LLaMA fine-tunes.".replace("LLaMA ", "community "),
        "Open-Orca/Mistral-7B-OpenOrca and teknium/OpenHermes-2.5-Mistral-7B are fine-tunes.",
        "Llama-3-8B-Magpie-Align-v0.1 is our aligned model.",
        "Claude Shannon founded information theory.",
        "Run the command line tool and build with llama.cpp.",
        "https://huggingface.co/datasets/Magpie-Align/Magpie-Llama-3.1-Pro-1M-v0.1",
        "We used a text classifier and the text-embedding endpoint.",
        # Links to docs and code are not mentions of a model's outputs.
        "See https://huggingface.co/docs/transformers/main/model_doc/llama and github.com/meta-llama/llama3.",
    ],
)
def test_does_not_fire(resolver: Resolver, text: str) -> None:
    assert _found(resolver, text) == []


def test_mentions_never_use_the_fuzzy_stage(resolver: Resolver) -> None:
    assert resolver.find_mentions("answers from Calude-3-Opus") == []
    assert resolver.resolve("Calude-3-Opus").matched_by == "fuzzy"


def test_a_card_with_many_mentions(resolver: Resolver) -> None:
    text = (
        "- Commercial Models: GPT-4, GPT-3.5 Turbo, Bard\n"
        "- LLaMA family:\n  1. LLaMA-2-7B-chat, LLaMA-2-13B-chat, LLaMA-2-70B-chat\n  2. UltraLM-13B, UltraLM-65B\n"
        "  3. WizardLM-7B, WizardLM-13B, WizardLM-70B\n  4. Vicuna-33B\n"
        "- Non-LLaMA series:\n  1. Falcon-40B-instruct\n  2. MPT-30B-chat\n  3. StarChat-Beta\n  4. Pythia-12B\n"
    )
    families = [m.identity.family for m in resolver.find_mentions(text)]
    assert families == ["gpt-4", "gpt-3.5", "bard", "llama", "llama-2", "llama-2", "llama-2", "falcon"]


def test_the_prefix_tree_of_heads_matches_what_a_flat_alternation_matches() -> None:
    heads = {"c", "chat", "chatglm", "chatgpt", "claude", "code", "codellama", "o", "open", "openai", "gpt"}
    flat = re.compile("|".join(sorted(heads, key=lambda h: (-len(h), h))))
    tree = re.compile(_trie(heads))
    for probe in [*heads, "ch", "chatg", "codel", "op", "x", "chatgptx", "openais", "chatgpt-4", "c4ai", ""]:
        assert (tree.fullmatch(probe) is None) == (flat.fullmatch(probe) is None), probe
        longest, expected = tree.match(probe), flat.match(probe)
        assert (longest and longest.group()) == (expected and expected.group()), probe
