"""The normal form and the trimmed forms a name is looked up under."""

from __future__ import annotations

import re

import pytest

from tos_check.identity.names import NameTrimmer, compact, digits_of, last_segment, normal_form


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("GPT-3.5-Turbo", "gpt-3-5-turbo"),
        ("gpt_35_turbo", "gpt-35-turbo"),
        ("llama3.1:70b", "llama-3-1-70-b"),
        ("LLaMA 3.1 70B", "llama-3-1-70-b"),
        ("claude-3-opus@20240229", "claude-3-opus-20240229"),
        ("Command R+", "command-r-plus"),
        ("Mixtral-8x7B", "mixtral-8-x-7-b"),
        ("DALL·E 3", "dall-e-3"),
        ("  --GPT\uff14--  ", "gpt-4"),  # a full-width digit four, NFKC-folded
        ("n/a", "n-a"),
        ("", ""),
    ],
)
def test_normal_form(text: str, normal: str) -> None:
    assert normal_form(text) == normal


def test_compact_and_digits() -> None:
    assert compact(normal_form("chat-gpt")) == compact(normal_form("ChatGPT")) == "chatgpt"
    assert digits_of("llama-3-1-70-b-instruct") == ("3", "1", "70")


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("meta-llama/Llama-2-7b-hf", "Llama-2-7b-hf"),
        ("openai/gpt-4o", "gpt-4o"),
        ("publishers/google/models/gemini-1.5-pro-002", "gemini-1.5-pro-002"),
        ("https://huggingface.co/meta-llama/Llama-2-7b-hf/", "Llama-2-7b-hf"),
        ("/models/llama-2-7b-chat.Q4_K_M.gguf", "llama-2-7b-chat.Q4_K_M.gguf"),
        (r"C:\models\mistral-7b", "mistral-7b"),
        ("ft:gpt-3.5-turbo-0613:acme::8abc123", "gpt-3.5-turbo-0613"),
        ("davinci:ft-acme-2023-01-01-00-00-00", "davinci"),
        ("llama3.1:8b", "llama3.1:8b"),
        ("  'gpt-4'  ", "gpt-4"),
    ],
)
def test_last_segment(name: str, segment: str) -> None:
    assert last_segment(name) == segment


def _trimmer() -> NameTrimmer:
    return NameTrimmer(
        {"meta": "meta", "meta-llama": "meta", "us": None, "anthropic": "anthropic"},
        re.compile(r"-(?:gptq|\d+-bit)$"),
        re.compile(r"-(?:instruct|chat|v-\d+(-\d+)*|\d{8})$"),
    )


def test_forms_strip_packaging_before_variants_and_keep_track_of_the_model() -> None:
    forms = _trimmer().forms("TheBloke/Llama-2-13B-chat-GPTQ")
    assert forms.segment == "llama-2-13-b-chat-gptq"
    assert [(c.normal, c.same_model) for c in forms.candidates] == [
        ("llama-2-13-b-chat-gptq", True),
        ("llama-2-13-b-chat", True),  # packaging gone: still the same model
        ("llama-2-13-b", False),  # variant gone: only the family is known
    ]


def test_forms_try_shorter_prefixes_first_and_remember_whose_prefix_it_was() -> None:
    forms = _trimmer().forms("Meta-Llama-3-8B")
    assert [(c.normal, c.provider) for c in forms.candidates] == [
        ("meta-llama-3-8-b", None),
        ("llama-3-8-b", "meta"),
        ("3-8-b", "meta"),
    ]


def test_forms_strip_region_and_provider_prefixes_and_version_suffixes() -> None:
    forms = _trimmer().forms("us.anthropic.claude-3-5-sonnet-20241022-v2:0")
    normals = [c.normal for c in forms.candidates]
    assert normals[0] == "us-anthropic-claude-3-5-sonnet-20241022-v-2-0"
    assert "claude-3-5-sonnet-20241022" in normals
    assert forms.candidates[-1] == ("claude-3-5-sonnet", False, "anthropic")  # a region names no provider


def test_forms_keep_the_whole_name_for_negatives_and_exact_keys() -> None:
    forms = _trimmer().forms("n/a")
    assert forms.whole == "n-a"
    assert forms.exact_keys == ("n/a", "a")


def test_forms_of_a_name_without_letters_or_digits_is_empty() -> None:
    assert _trimmer().forms("--").candidates == ()
