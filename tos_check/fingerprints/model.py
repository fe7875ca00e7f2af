"""The fingerprint catalog's file format: what one YAML file under `fingerprints/catalog/` may say.

A fingerprint is a phrase that betrays which provider's model wrote a text ("I'm Claude, an AI assistant
made by Anthropic"), written as a regular expression in the subset that Python `re`, RE2 and Hyperscan
read alike, so that every matching backend gives the same answer. Unknown keys are errors. The format and
the reasons for each rule are in docs/fingerprints.md.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tos_check.fingerprints.syntax import check_pattern

Kind = Literal["self-identification", "refusal", "knowledge-cutoff", "boilerplate"]

MAX_CONFIDENCE = 0.6
"""A phrase is weak evidence on its own: models repeat what they were trained on (DeepSeek-V3 has called
itself ChatGPT), and a system prompt can make any model say any name."""

_ID = r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$"

Pattern = Annotated[str, AfterValidator(check_pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Examples(_Strict):
    positive: list[str] = Field(min_length=2, description="Texts this fingerprint must match (it, not another).")
    negative: list[str] = Field(
        min_length=2, description="Texts no fingerprint may match: mentions, quotes, look-alikes."
    )


class Fingerprint(_Strict):
    """One phrase that betrays a provider's model, with the model it is taken to mean and why."""

    id: str = Field(pattern=_ID, description="Stable id, `<provider>/<name>`, e.g. openai/self-id-chatgpt.")
    provider: str = Field(description="Provider id as in identity/catalog/*.yaml, e.g. openai.")
    model: str = Field(min_length=1, description="A model string the resolver maps to `provider`, e.g. gpt-3.5-turbo.")
    kind: Kind
    pattern: Pattern = Field(description="Regular expression in the common subset; matched case-insensitively.")
    confidence: float = Field(gt=0.0, le=MAX_CONFIDENCE, description="Evidence confidence, at most 0.6.")
    source: str | None = Field(None, pattern=r"^https?://\S+$", description="Where the phrase is documented.")
    rationale: str | None = Field(None, min_length=1, description="Why the phrase betrays the provider.")
    examples: Examples

    @model_validator(mode="after")
    def _says_why(self) -> Self:
        if self.source is None and self.rationale is None:
            raise ValueError("a fingerprint needs a `source` (URL) or a `rationale` saying why it betrays the provider")
        if not self.id.startswith(f"{self.provider}/"):
            raise ValueError(f"id {self.id!r} should start with its provider, {self.provider + '/'!r}")
        return self


class CatalogFile(_Strict):
    fingerprints: list[Fingerprint] = Field(min_length=1)
