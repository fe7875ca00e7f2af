"""Which fields of a record name the model that wrote (part of) it, and in what role.

A record names its model in a field (`generator`, `model_id`), in a nested list (UltraFeedback's
`completions[].model`, `messages[].model`), or in nested metadata (`metadata.model`,
`gen_response_configs.output_generator`). Only field names decide: a value is recorded as written and
resolved later by the evaluator. ShareGPT's `"from": "gpt"` is a speaker label, not a model field, so it is
never read as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tos_check.policy.model import Role

_RESPONSES = """
    model model_name model_id models generator generator_model generator_name generation_model generated_by
    output_generator output_model response_model response_generator completion_model answer_model
    teacher_model source_model assistant_model llm_name
"""
_PROMPTS = """
    input_generator instruction_model instruction_generator prompt_model prompt_generator question_model
    question_generator query_model query_generator user_model
"""
_PREFERENCES = """
    chosen_model rejected_model chosen_generator rejected_generator ranker ranker_model ranking_model
    preference_model
"""
_JUDGMENTS = """
    annotator annotator_model annotation_model judge judge_model judge_name judged_by rater rater_model grader
    grader_model evaluator evaluator_model critic critic_model critique_model reward_model scorer scorer_model
    labeler labeler_model labeling_model feedback_model
"""
_REWRITES = """
    rewrite_model rewriter rewriter_model paraphrase_model paraphraser paraphraser_model translation_model
    translator_model refine_model refiner_model
"""

FIELD_ROLES: dict[str, Role] = {
    **dict.fromkeys(_RESPONSES.split(), "responses"),
    **dict.fromkeys(_PROMPTS.split(), "prompts"),
    **dict.fromkeys(_PREFERENCES.split(), "preferences"),
    **dict.fromkeys(_JUDGMENTS.split(), "judgments"),
    **dict.fromkeys(_REWRITES.split(), "rewrites"),
}
"""Field name (lower case, `-` and spaces read as `_`) → the role of that model's outputs in the record."""

_NUMBERED = re.compile(r"^(model|generator|model_name|annotator|judge)_?(\d+|[ab])$")
"""Pairwise fields: AlpacaEval's `generator_1`/`generator_2`, Chatbot Arena's `model_a`/`model_b`."""

NOT_A_MODEL = frozenset(
    {
        "",
        "-",
        "n/a",
        "na",
        "nan",
        "none",
        "null",
        "unknown",
        "human",
        "humans",
        "human_written",
        "human-written",
        "human written",
        "user",
        "gold",
        "reference",
        "ground_truth",
        "ground truth",
        "original",
    }
)
"""Values of model fields that say no model wrote the record (or say nothing)."""

MAX_NAME_LENGTH = 200
"""A model field's value longer than this (or spanning lines) is text, not a model name."""

MAX_DEPTH = 6
"""How deep records are searched; model fields sit near the top, and walls of nesting are not worth it."""

_MISSING = object()
_CACHE_LIMIT = 100_000
_role_cache: dict[str, Role | None] = {}
_name_cache: dict[str, str | None] = {}


def role_of_field(key: str) -> Role | None:
    """The role a field's model wrote in, or None when the field does not name a model."""
    try:
        return _role_cache[key]
    except KeyError:
        pass
    normal = key.strip().lower().replace("-", "_").replace(" ", "_")
    role = FIELD_ROLES.get(normal)
    if role is None and _NUMBERED.match(normal):
        role = "judgments" if normal.startswith(("annotator", "judge")) else "responses"
    if len(_role_cache) < _CACHE_LIMIT:
        _role_cache[key] = role
    return role


def model_name(value: Any) -> str | None:
    """The value as a model name, or None when it cannot be one (a number, text, `human`, empty)."""
    if type(value) is not str or len(value) > MAX_NAME_LENGTH + 64:  # no long text kept alive in the cache
        return None
    try:
        return _name_cache[value]
    except KeyError:
        pass
    name: str | None = value.strip() if value.isascii() else _encodable(value.strip())
    assert name is not None
    if len(name) > MAX_NAME_LENGTH or "\n" in name or name.lower() in NOT_A_MODEL or name.replace(".", "", 1).isdigit():
        name = None
    if len(_name_cache) < _CACHE_LIMIT:
        _name_cache[value] = name
    return name


def _encodable(text: str) -> str:
    """The text with each lone surrogate replaced by U+FFFD: a JSON reader makes one of the escape `\\ud800`,
    and UTF-8 cannot encode it, so no report or sink naming the model could be written."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def models_in(record: dict[str, Any]) -> list[tuple[str, Role, str, str]]:
    """Every (model, role, field path, field name) a record names: top-level fields first, then nested ones.

    Runs once per record, so it is written for speed: a queue instead of recursion, caches for field names
    and values (both repeat from record to record), and no work on values whose field is not a model field.
    """
    found: list[tuple[str, Role, str, str]] = []
    queue: list[tuple[dict[str, Any], str, int]] = [(record, "", 0)]
    roles = _role_cache
    i = 0
    while i < len(queue):
        node, prefix, depth = queue[i]
        i += 1
        for key, value in node.items():
            role = roles.get(key, _MISSING)
            if role is _MISSING:
                if type(key) is not str:
                    continue
                role = role_of_field(key)
            if role is not None:
                kind = type(value)
                if kind is str:
                    name = model_name(value)
                    if name is not None:
                        found.append((name, role, prefix + key, key))  # type: ignore[arg-type]
                    continue
                if kind is list:
                    for item in value:
                        name = model_name(item)
                        if name is not None:
                            found.append((name, role, f"{prefix}{key}[]", key))  # type: ignore[arg-type]
                    continue
                if kind is dict:
                    name = model_name(value.get("name") or value.get("id"))
                    if name is not None:
                        found.append((name, role, prefix + key, key))  # type: ignore[arg-type]
                        continue
            if depth >= MAX_DEPTH:
                continue
            kind = type(value)
            if kind is dict:
                queue.append((value, f"{prefix}{key}.", depth + 1))
            elif kind is list and value and type(value[0]) is dict:
                inner = f"{prefix}{key}[]."
                queue.extend((item, inner, depth + 1) for item in value if type(item) is dict)
    return found


TEXT_FIELDS = frozenset(
    {
        "output",
        "outputs",
        "response",
        "responses",
        "completion",
        "answer",
        "chosen",
        "rejected",
        "content",
        "value",
        "text",
        "generation",
        "assistant",
    }
)
"""Fields whose text is searched for content fingerprints: what a model wrote, or a turn of a chat whose
speaker is not a person (SPEAKER_FIELDS, PERSON_SPEAKERS)."""

SPEAKER_FIELDS = frozenset({"role", "from", "speaker", "author"})
"""Fields that say who wrote a chat turn: `role` (OpenAI messages), `from` (ShareGPT), `speaker`, `author`."""

PERSON_SPEAKERS = frozenset({"user", "human", "system", "prompter", "customer", "client"})
"""Speakers that are people (or the prompt author's instructions): their turns are not searched. ShareGPT's
`"from": "gpt"` is the assistant's turn, searched like any other."""


def _by_a_person(node: dict[str, Any]) -> bool:
    for key in SPEAKER_FIELDS:
        value = node.get(key)
        if isinstance(value, str) and value.strip().lower() in PERSON_SPEAKERS:
            return True
    return False


def text_role(key: str) -> Role | None:
    """`responses` for a field whose text may be a model's words (TEXT_FIELDS), else None."""
    return "responses" if key.strip().lower() in TEXT_FIELDS else None


def texts_in(record: dict[str, Any], depth: int = 0) -> Iterator[str]:
    """The strings of a record's text fields (TEXT_FIELDS), nested ones included, in record order; a chat
    turn a person wrote (its speaker field says so) is left out."""
    if depth and _by_a_person(record):
        return
    for key, value in record.items():
        if isinstance(value, str):
            if isinstance(key, str) and text_role(key):
                yield value
        elif isinstance(value, dict) and depth < MAX_DEPTH:
            yield from texts_in(value, depth + 1)
        elif isinstance(value, list) and depth < MAX_DEPTH:
            for item in value:
                if isinstance(item, dict):
                    yield from texts_in(item, depth + 1)
                elif isinstance(item, str) and isinstance(key, str) and text_role(key):
                    yield item
