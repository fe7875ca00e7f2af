"""The normal form of a model name, and the shorter forms a messy name is tried under.

One model is written many ways: `GPT-3.5-Turbo`, `gpt_35_turbo`, `gpt3.5 turbo`, `openai/gpt-3.5-turbo`,
`us.anthropic.claude-3-5-sonnet-20241022-v2:0`, `TheBloke/Llama-2-13B-chat-GPTQ`. Rather than list every
spelling, the resolver compares names in a *normal form* and, when the whole name is not known, tries it
again with the parts that never change identity taken away (an org or host in front; a quantisation,
format, date or version token at the end).

Normal form: Unicode-compatibility folded, case folded, `+` spelled `plus` (so `Command R+` is not
`Command R`), a `-` between letters and digits, and every run of other characters replaced by one `-`.
So `Llama-3.1-70B`, `llama3.1:70b` and `LLaMA 3.1 70b` all become `llama-3-1-70-b`. Catalog patterns are
written against this form. The *compact* form drops the dashes too (`gpt35turbo`), so that aliases match
whatever separators, or none, a writer used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SEPARATORS = re.compile(r"[\W_]+")
_PATH_SEPARATORS = re.compile(r"[/\\]")

MAX_STRIP_STEPS = 8
"""Bound on prefix or suffix tokens taken away: real names carry a few, and this keeps the work linear."""


def normal_form(text: str) -> str:
    """The normal form described in the module docstring: `GPT-3.5 Turbo` → `gpt-3-5-turbo`."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("+", " plus ")
    return _SEPARATORS.sub("-", _LETTER_DIGIT.sub("-", folded)).strip("-")


def compact(normal: str) -> str:
    """A normal form without its dashes: `chat-gpt` and `chatgpt` are the same alias."""
    return normal.replace("-", "")


def digits_of(normal: str) -> tuple[str, ...]:
    """The number tokens of a normal form; versions and sizes carry identity, so fuzzy matching keeps them."""
    return tuple(token for token in normal.split("-") if token.isdigit())


def last_segment(name: str) -> str:
    """The part of a name that names the model, without org, router, URL or file-system path.

    `meta-llama/Llama-2-7b-hf`, `openai/gpt-4o`, `publishers/google/models/gemini-1.5-pro` and
    `/models/llama-2-7b-chat.Q4_K_M.gguf` name the model in their last segment. OpenAI fine-tunes name
    their base model first (`ft:gpt-3.5-turbo-0613:acme::8abc`, legacy `davinci:ft-acme-2023-01-01`).
    """
    text = name.strip().strip("'\"`").rstrip("/\\")
    lowered = text.casefold()
    if lowered.startswith("ft:"):
        text = text[3:].split(":", 1)[0]
    elif ":ft-" in lowered:
        text = text.split(":", 1)[0]
    return _PATH_SEPARATORS.split(text)[-1]


class Candidate(NamedTuple):
    """One normal form to look up, and what taking parts away left known about it."""

    normal: str
    same_model: bool
    """False once a variant, version or date was taken off: the family is still known, the model is not."""
    provider: str | None = None
    """Set when a provider's own prefix was taken off (`OpenAI GPT-4`): only that provider's models match."""


@dataclass(frozen=True)
class NameForms:
    """Every form of one input the resolver looks up, most faithful first."""

    exact_keys: tuple[str, ...]
    """Case-folded input and last segment, compared with canonical ids as written."""
    whole: str
    """Normal form of the whole input (`n/a` must stay `n-a`, not become its last segment `a`)."""
    segment: str
    """Normal form of the last segment: what negatives are checked against."""
    candidates: tuple[Candidate, ...]
    """Forms to look up, ordered by how much was taken away (fewest suffix, then prefix, steps)."""


class NameTrimmer:
    """Produces `NameForms`, knowing which leading and trailing tokens never change a name's identity.

    Prefixes (hosts, orgs, provider names) and *packaging* suffixes (quantisation, file format) leave the
    model as it was; *variant* suffixes (instruct, chat, snapshot date, version, context size) leave only
    its family: `Meta-Llama-3-70B-Instruct` is not the base model `Meta-Llama-3-70B`.
    """

    def __init__(
        self, prefixes: dict[str, str | None], packaging: re.Pattern[str] | None, variant: re.Pattern[str] | None
    ) -> None:
        """`prefixes` maps each prefix's normal form to the provider it names (None for hosts and regions)."""
        self._prefixes = prefixes
        self._prefix_tokens = max((p.count("-") + 1 for p in prefixes), default=0)
        self._packaging = packaging
        self._variant = variant

    def forms(self, name: str) -> NameForms:
        segment_raw = last_segment(name)
        exact_keys = tuple(dict.fromkeys(k for k in (name.strip().casefold(), segment_raw.casefold()) if k))
        whole = normal_form(name)
        segment = normal_form(segment_raw)
        if not segment:
            return NameForms(exact_keys, whole, "", ())
        candidates: dict[str, Candidate] = {}
        for trimmed, same_model, _ in self.suffix_forms(segment):
            for form, provider in self._strip_prefixes(trimmed):
                candidates.setdefault(form, Candidate(form, same_model, provider))
        return NameForms(exact_keys, whole, segment, tuple(candidates.values()))

    def _strip_prefixes(self, normal: str) -> list[tuple[str, str | None]]:
        """The name, then every name left by taking known prefixes off its front, fewest taken first.

        Shorter prefixes go first: `meta-llama-3-8-b` gives `llama-3-8-b` (prefix `meta`) before `3-8-b`
        (prefix `meta-llama`). Each form carries the provider of the last provider prefix taken off:
        `azure-openai-gpt-4` gives `gpt-4` for openai, and `deepseek-coderx` gives `coderx` for deepseek
        only, so that it can never become OpenAI's `codex`.
        """
        out: list[tuple[str, str | None]] = [(normal, None)]
        seen = {normal}
        for current, provider in out:
            tokens = current.split("-", self._prefix_tokens)
            for n in range(1, min(self._prefix_tokens, len(tokens) - 1) + 1):
                prefix = "-".join(tokens[:n])
                if prefix in self._prefixes:
                    rest = "-".join(tokens[n:])
                    if rest not in seen:
                        seen.add(rest)
                        out.append((rest, self._prefixes[prefix] or provider))
            if len(out) > MAX_STRIP_STEPS:
                break
        return out

    def suffix_forms(self, normal: str) -> list[Candidate]:
        """The name, then the names left by taking one trailing unit off at a time (packaging first)."""
        out = [Candidate(normal, True)]
        for _ in range(MAX_STRIP_STEPS):
            current, same_model, _ = out[-1]
            match = self._packaging.search(current) if self._packaging else None
            if match is None:
                match = self._variant.search(current) if self._variant else None
                same_model = False
            if match is None:
                break
            out.append(Candidate(current[: match.start()], same_model))
        return out
