"""Score the resolver on lists of real-world spellings: the dev sample and our own corpus-derived list.

A row is right when provider and family match (and open_weights, where the row gives it); a `none` row
is right only when the resolver returns no provider. The bar is 95% overall, and no negative row may
ever get a provider: naming the wrong provider's terms is worse than naming none. Run with -s to see the
figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.identity.name_lists import DEV_LIST, EXTRA_LIST, read_rows
from tos_check.identity.resolver import Resolver

THRESHOLD = 0.95


def _score(resolver: Resolver, path: Path, label: str) -> None:
    rows = read_rows(path)
    wrong = []
    false_providers = []
    for row in rows:
        identity = resolver.resolve(row.input)
        if row.judge(identity.provider, identity.family, identity.open_weights):
            continue
        got = f"{identity.provider}/{identity.family} open_weights={identity.open_weights}"
        wrong.append(f"{row.input!r}: expected {row.provider}/{row.family}, got {got}")
        if row.provider is None:
            false_providers.append(wrong[-1])
    right = len(rows) - len(wrong)
    print(f"{label}: {right}/{len(rows)} = {right / len(rows):.1%}")
    for line in wrong:
        print(f"  miss {line}")
    assert not false_providers, f"negative rows resolved to a provider: {false_providers}"
    assert right / len(rows) >= THRESHOLD, f"{label} scored {right}/{len(rows)}, below {THRESHOLD:.0%}"


def test_dev_list(resolver: Resolver) -> None:
    if not DEV_LIST.exists():
        pytest.skip(f"dev list not present: {DEV_LIST} (../shared is not checked out beside the repo)")
    _score(resolver, DEV_LIST, "resolver (model-names-dev.tsv)")


def test_extra_list(resolver: Resolver) -> None:
    _score(resolver, EXTRA_LIST, "resolver (names-extra.tsv)")


def test_extra_list_is_large_enough_and_well_formed() -> None:
    rows = read_rows(EXTRA_LIST)
    assert len(rows) >= 60
    assert len({row.input for row in rows}) == len(rows), "duplicate inputs"
    assert all(row.note for row in rows), "every row says where the spelling was seen"
