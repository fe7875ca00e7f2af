"""Waivers: findings a team has looked at and accepted, until a date. A waiver past its date stops waiving
and says so, and one that matches no finding is stale, so the config does not fill up with waivers for data
that is long gone. `--no-waivers` (TOS_CHECK_NO_WAIVERS) ignores them all, for a CI job that must see
everything."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
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
    """One entry of `waivers:` in tos-check.yaml. Patterns are globs matched against the rule, the dataset
    id and the model string as the report writes them: `*` and `?` stay within one `/`-separated part (a
    waiver for `data/*` must not reach `data/raw/secret`), `**` crosses them, `[...]` is a set."""

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
    if not (_glob(waiver.rule).fullmatch(finding.rule) and _glob(waiver.dataset).fullmatch(finding.artifact)):
        return False
    return waiver.model is None or (finding.model is not None and bool(_glob(waiver.model).fullmatch(finding.model)))


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            parts.append(".*")
            i += 2
            continue
        char = pattern[i]
        i += 1
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[" and (end := _set_end(pattern, i)) != -1:
            body = pattern[i:end]
            negate = body.startswith("!")
            body = re.escape(body[1:] if negate else body).replace("\\-", "-")
            parts.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def _set_end(pattern: str, start: int) -> int:
    """Where the `]` closing a set opened just before `start` is (-1: none, the `[` is literal). As in the
    shell, a `]` first in the set (after `!`) belongs to it."""
    i = start + (pattern.startswith("!", start))
    i += pattern.startswith("]", i)
    return pattern.find("]", i)


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
        elif not hits:  # expired or not, a waiver that matches nothing is one to remove
            state = "stale"
        else:
            state = "expired" if today > waiver.expires else "active"
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
                f"{status.source}: waiver expired after {status.expires} (its last day); the {status.matched} "
                "finding(s) it matches are no longer waived (renew it with a new date, or remove it)"
            )
        elif status.state == "stale":
            lines.append(
                f"{status.source}: stale waiver: it matches no finding (rule {status.rule!r}, dataset "
                f"{status.dataset!r}); remove it"
            )
    return lines
