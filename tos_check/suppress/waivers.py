"""Waivers: findings a team has looked at and accepted, until a date. A waiver past its date stops waiving
and says so, and one that matches no finding is stale, so the config does not fill up with waivers for data
that is long gone. `--no-waivers` (TOS_CHECK_NO_WAIVERS) ignores them all, for a CI job that must see
everything."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tos_check.evaluate.finding import AppliedWaiver, Finding
from tos_check.report.model import Report, WaiverStatus


def _iso_date(value: object) -> object:
    """YAML gives a date for `2027-01-31` and a string when quoted; both mean the day. Anything else (a
    number, a date and time, 'next month') is not an expiry date, and pydantic's laxer reading of numbers as
    timestamps would hide that."""
    if isinstance(value, dt.datetime):
        raise ValueError("is a date and time; write the day only (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class Waiver(BaseModel):
    """One entry of `waivers:` in tos-check.yaml. Patterns are shell globs (`*`, `?`, `[...]`), matched
    against the rule, the dataset id and the model string as the report writes them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=1, description="Rule id or glob: openai-terms-of-use/no-competing-models.")
    dataset: str = Field(min_length=1, description="Dataset id or glob, as the report writes it: data/support-*.")
    model: str | None = Field(None, min_length=1, description="Model string or glob; any model when left out.")
    reason: str = Field(min_length=1, description="Why the finding is accepted.")
    approver: str = Field(min_length=1, description="Who accepted it.")
    expires: IsoDate = Field(description="The last day the waiver waives (YYYY-MM-DD).")


@dataclass(frozen=True)
class PlacedWaiver:
    waiver: Waiver
    source: str
    """path:line of the entry, for every message about it."""


def matches(waiver: Waiver, finding: Finding) -> bool:
    if not (fnmatchcase(finding.rule, waiver.rule) and fnmatchcase(finding.artifact, waiver.dataset)):
        return False
    return waiver.model is None or (finding.model is not None and fnmatchcase(finding.model, waiver.model))


def apply_waivers(report: Report, waivers: list[PlacedWaiver], today: dt.date, *, enabled: bool = True) -> Report:
    """Mark what each active waiver accepts (the first waiver in file order that matches a finding is the
    one it cites) and say what every waiver did."""
    findings = list(report.findings)
    statuses = []
    for placed in waivers:
        waiver = placed.waiver
        hits = [i for i, finding in enumerate(findings) if matches(waiver, finding)]
        if not enabled:
            state = "ignored"
        elif today > waiver.expires:
            state = "expired"
        else:
            state = "active" if hits else "stale"
        if state == "active":
            applied = AppliedWaiver(
                reason=waiver.reason, approver=waiver.approver, expires=waiver.expires, source=placed.source
            )
            for i in hits:
                if findings[i].waiver is None:
                    findings[i] = findings[i].model_copy(update={"waiver": applied})
        statuses.append(
            WaiverStatus(
                source=placed.source,
                rule=waiver.rule,
                dataset=waiver.dataset,
                model=waiver.model,
                reason=waiver.reason,
                approver=waiver.approver,
                expires=waiver.expires,
                state=state,
                matched=len(hits),
            )
        )
    return report.model_copy(update={"findings": findings, "waivers": statuses})


def waiver_warnings(report: Report) -> list[str]:
    """One line for each waiver that no longer does what its author meant, for stderr."""
    lines = []
    for status in report.waivers:
        if status.state == "expired":
            lines.append(
                f"{status.source}: waiver expired on {status.expires}; the {status.matched} finding(s) it "
                "matches are no longer waived (renew it with a new date, or remove it)"
            )
        elif status.state == "stale":
            lines.append(
                f"{status.source}: stale waiver: it matches no finding (rule {status.rule!r}, dataset "
                f"{status.dataset!r}); remove it"
            )
    return lines
