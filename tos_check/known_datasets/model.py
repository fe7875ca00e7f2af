"""The known-datasets catalog's file format: what one YAML file under `known_datasets/catalog/` may say.

Each entry records what a dataset's makers state about where its text came from: which models wrote which
part (prompts, responses, preference labels ...), when, under which licence, and where that statement can be
read. Unknown keys are errors: a misspelt `generated-by:` must not silently make a dataset look human.
The format is documented with examples in docs/known-datasets.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tos_check.policy.model import Role

_PERIOD = r"\d{4}-\d{2}(?:-\d{2})?"
DATE_OR_RANGE = rf"^{_PERIOD}(?:/{_PERIOD})?$"
"""A day or a month (sources often give only the month), or an ISO interval of them: `2023-03/2023-04-15`."""

Evidence = Literal["card", "paper", "repository", "DPI"]


def _has_text(value: str) -> str:
    if not any(ch.isalnum() for ch in value):
        raise ValueError(f"{value!r} has no letters or digits, so it cannot name anything")
    return value.strip()


def _check_period(value: str) -> str:
    """Each end must be a real day or month, so that `2024-02-30` is caught where it is written."""
    for part in value.split("/"):
        _day(part, end=True)
    return value


Name = Annotated[str, AfterValidator(_has_text)]
Period = Annotated[str, Field(pattern=DATE_OR_RANGE), AfterValidator(_check_period)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Generation(_Strict):
    """One model's outputs in the dataset, as the source states them."""

    model: Name = Field(description="Any model string the resolver understands, e.g. gpt-4-0613.")
    role: Role = Field("responses", description="What the model wrote: prompts, responses, preferences ...")
    date: Period | None = Field(
        None, description="When the outputs were generated, if the source says: a day, a month or a range."
    )
    note: str | None = Field(None, description="What the source says, in a few words, for reviewers.")

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        start, until = self.period()
        if start is not None and until is not None and until < start:
            raise ValueError(f"date range {self.date!r} ends before it starts")
        return self

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day of `date` (a month covers all its days), for picking the policy version."""
        if self.date is None:
            return None, None
        first, _, last = self.date.partition("/")
        return _day(first, end=False), _day(last or first, end=True)


def _day(text: str, *, end: bool) -> dt.date:
    """A `YYYY-MM-DD` day, or the first or last day of a `YYYY-MM` month; raises ValueError if impossible."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    year, month = parts
    return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)


class KnownDataset(_Strict):
    """One public dataset and the models whose outputs it holds, with where those facts were read."""

    id: Name = Field(description="The Hugging Face id (`tatsu-lab/alpaca`), or the id its maker uses.")
    names: list[Name] = Field(
        [], description="Other names for the same data: common names, tool aliases (alpaca_en), mirrors."
    )
    license: str | None = Field(None, description="The licence as the source states it (SPDX-like id).")
    generated_by: list[Generation] = Field([], description="Models whose outputs are in the data.")
    human_written: bool = Field(False, description="Written and labelled by people, no model outputs.")
    derived_from: list[Name] = Field([], description="Ids of the datasets it was built from.")
    source: str | None = Field(None, description="URL of the card, paper or record the facts come from.")
    verified: bool = Field(False, description="True only if someone read these facts in `source` itself.")
    evidence: Evidence = Field("card", description="What kind of document `source` is.")
    note: str | None = Field(None, description="Anything a reviewer should know that the fields cannot say.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.verified and not self.source:
            raise ValueError("`verified: true` needs the `source` the facts were read in")
        if self.human_written and any(g.role == "responses" for g in self.generated_by):
            raise ValueError("`human_written: true` contradicts a model in `generated_by` with role responses")
        return self

    def all_names(self) -> list[str]:
        """The id and every other name, in file order."""
        return [self.id, *self.names]


class CatalogFile(_Strict):
    datasets: list[KnownDataset] = Field(min_length=1)
