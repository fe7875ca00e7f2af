"""The identity catalog's file format: what one YAML file under `identity/catalog/` may say.

A catalog file describes one provider (its families and models, with aliases and patterns), or the shared
rules every name goes through (known negatives, host prefixes, identity-neutral suffixes, prose
stopwords), or both. Unknown keys are errors: a misspelt `aliasses:` must not silently drop aliases.
The format is documented with examples in docs/identity.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_ID = r"^[a-z0-9][a-z0-9.\-]*$"
_UNESCAPED_UPPER = re.compile(r"(?<!\\)[A-Z]")
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _check_pattern(pattern: str) -> str:
    """A pattern must compile on its own, mean the same joined with the others into the resolver's regexes
    (each a group in an alternation: no named groups, no references to a group, which would count from
    another pattern's), and be written in normal form."""
    if _GROUP_REFERENCE.search(pattern):
        raise ValueError(
            f"pattern {pattern!r} refers to a group; patterns are joined into one regex, where a group's number "
            "counts from the patterns before it: spell the text out"
        )
    try:
        compiled = re.compile(pattern)
        re.compile(f"(?P<p0>{pattern})")  # as the resolver's regexes hold it (a global flag must come first)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    if compiled.groupindex:
        raise ValueError(f"pattern {pattern!r} has named groups; use plain (...) or (?:...) groups")
    if _UNESCAPED_UPPER.search(pattern) or "_" in pattern or " " in pattern or r"\." in pattern:
        raise ValueError(
            f"pattern {pattern!r} is not written in normal form: names are matched lowercased, with '-' "
            "between words and between letters and digits (write 'gpt-3-5-turbo', not 'GPT-3\\.5_turbo')"
        )
    if compiled.fullmatch(""):
        raise ValueError(f"pattern {pattern!r} matches the empty name; it would match anything stripped bare")
    return pattern


def _check_name(name: str) -> str:
    if not any(ch.isalnum() for ch in name):
        raise ValueError(f"{name!r} has no letters or digits, so it cannot name anything")
    return name


Pattern = Annotated[str, AfterValidator(_check_pattern)]
Name = Annotated[str, AfterValidator(_check_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelEntry(_Strict):
    """One model: its canonical id (as the provider writes it) and the other names it goes by."""

    id: Name = Field(description="Canonical id, e.g. gpt-4-0613 or Llama-2-7b-chat-hf.")
    aliases: list[Name] = Field([], description="Other exact spellings; compared without case or separators.")
    patterns: list[Pattern] = Field([], description="Regexes over the normal form, matched in full.")
    open_weights: bool | None = Field(None, description="Overrides the family's, e.g. an API-only snapshot.")
    license: str | None = Field(None, description="Overrides the family's licence for this release.")


class FamilyEntry(_Strict):
    """Models whose outputs fall under the same terms: the unit policies name in `covers.families`."""

    id: str = Field(pattern=_ID, description="Family id, e.g. gpt-4, llama-3.1, mistral-7b.")
    name: str | None = None
    open_weights: bool = Field(description="Weights published for anyone to run (their licence then governs).")
    license: str | None = Field(None, description="Licence of the open weights, e.g. apache-2.0, mit, llama3.1.")
    aliases: list[Name] = Field([], description="Names of the family as a whole (no one model), e.g. GPT-3.5.")
    released: dt.date | None = Field(
        None,
        description="When the family's first model became publicly available: from then on its outputs exist, "
        "so `tos-check policies overview` lists any time before the first encoded version of its terms.",
    )
    patterns: list[Pattern] = []
    models: list[ModelEntry] = []


class ProviderEntry(_Strict):
    id: str = Field(pattern=_ID, description="Provider id used in reports and policies, e.g. openai.")
    name: str = Field(min_length=1, description="Display name, e.g. OpenAI.")
    prefixes: list[Name] = Field(
        [], description="Words that may stand before a model name and mean this provider (`OpenAI GPT-4`)."
    )


class NegativeEntry(_Strict):
    """Names that look like a provider's model but are not (gpt-neox, gpt4all) or name no model (human)."""

    reason: str = Field(min_length=1, description="Why these are not a provider's model; shown to reviewers.")
    names: list[Name] = Field([], description="Whole names, compared without case or separators.")
    patterns: list[Pattern] = Field([], description="Regexes over the normal form, matched on whole tokens.")

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if not self.names and not self.patterns:
            raise ValueError("a negative entry needs `names` or `patterns`")
        return self


class CatalogFile(_Strict):
    provider: ProviderEntry | None = None
    families: list[FamilyEntry] = []
    negatives: list[NegativeEntry] = []
    host_prefixes: list[Name] = Field(
        [], description="Hosts, routers and regions that may stand before any model name (azure, bedrock, us)."
    )
    packaging_suffixes: list[Pattern] = Field(
        [], description="Trailing tokens that leave the same model: quantisation, file format (gptq, gguf)."
    )
    variant_suffixes: list[Pattern] = Field(
        [], description="Trailing tokens that leave the same family: instruct, chat, date, version, 32k."
    )
    prose_stopwords: list[Name] = Field(
        [], description="Names that resolve as identifiers but are ordinary words in prose (command)."
    )

    @model_validator(mode="after")
    def _families_need_a_provider(self) -> Self:
        if self.families and self.provider is None:
            raise ValueError("`families` needs a `provider` block naming whose families they are")
        return self
