"""Where the policy library is silent: the periods in which a catalogued family's models existed but no
version of any document governing them is encoded.

Data generated in such a period gets a `no-version` notice instead of a verdict, so a dataset written by
the model then comes out clear. The gaps are computed from the same data the evaluator reads (the catalog's
`released` dates, the policies' `covers` and version dates) and listed in docs/policies.md, so the list
cannot drift from what a scan does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tos_check.identity.catalog import Catalog, Target
from tos_check.identity.model import Identity
from tos_check.policy.load import PolicySet


@dataclass(frozen=True)
class Gap:
    """From `start` (inclusive) to `end` (exclusive; None = to this day) no covering version is in force."""

    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class FamilyCoverage:
    provider: str
    family: str
    released: dt.date | None
    license: str | None
    policies: tuple[str, ...]
    gaps: tuple[Gap, ...]
    models_only: bool = False  # covered only through some of its models (named in `covers.models`)


def family_coverage(policies: PolicySet, catalog: Catalog) -> list[FamilyCoverage]:
    """Every catalogued family, with the policies that cover it and the gaps in their versions' dates."""
    members: dict[tuple[str, str], list[Target]] = {}
    for target in catalog.exact.values():
        members.setdefault((target.provider, target.family), []).append(target)
    out: list[FamilyCoverage] = []
    for key, target in sorted(catalog.families.items()):
        covering = {p.id: p for p in policies.covering(_identity(target))}
        models_only = not covering
        for model in members.get(key, []):
            covering.update((p.id, p) for p in policies.covering(_identity(model)))
        released = catalog.released.get(key)
        spans = [(v.effective_from, v.effective_until) for p in covering.values() for v in p.versions]
        gaps = tuple(uncovered(released, spans)) if released is not None and covering else ()
        ids = tuple(sorted(covering))
        out.append(FamilyCoverage(*key, released, target.license, ids, gaps, models_only and bool(covering)))
    return out


def _identity(target: Target) -> Identity:
    return Identity(
        input=target.model or target.family,
        provider=target.provider,
        family=target.family,
        model=target.model,
        open_weights=target.open_weights,
        license=target.license,
    )


def uncovered(start: dt.date, spans: list[tuple[dt.date, dt.date | None]]) -> list[Gap]:
    """The parts of [start, today-and-on) that no span [from, until) covers; an open span runs for ever."""
    gaps: list[Gap] = []
    cursor: dt.date | None = start
    for begin, end in sorted(spans, key=lambda span: (span[0], span[1] or dt.date.max)):
        if cursor is None:
            break
        if end is not None and end <= cursor:
            continue
        if begin > cursor:
            gaps.append(Gap(cursor, begin))
        cursor = None if end is None else max(cursor, end)
    if cursor is not None:
        gaps.append(Gap(cursor, None))
    return gaps
