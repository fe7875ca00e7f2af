"""What a resolved model string is. The fields are the `resolve --format json` contract (design.md 4.1)."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

MatchedBy = Literal["exact", "alias", "pattern", "fuzzy"]


class Identity(BaseModel):
    model_config = ConfigDict(frozen=True)

    input: str
    provider: str | None = Field(None, description="Provider id (e.g. openai, meta); null when unknown.")
    family: str | None = None
    model: str | None = Field(None, description="Canonical model id when known, else null.")
    open_weights: bool = False
    license: str | None = Field(None, description="Licence of an open-weight release (e.g. apache-2.0, mit).")
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    matched_by: MatchedBy | None = None

    @property
    def known(self) -> bool:
        return self.provider is not None


class Mention(BaseModel):
    """A model name found inside free text (a card's prose), with its character span."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    text: str
    identity: Identity


class IdentityResolver(Protocol):
    """What the evaluator needs from identity resolution; the catalog resolver is one, a test double another."""

    def resolve(self, name: str) -> Identity: ...
