"""The coverage-gap list: periods when a family's models existed but no covering version is encoded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tos_check.identity.catalog import load_catalog
from tos_check.policy.coverage import Gap, family_coverage, uncovered
from tos_check.policy.load import load_policies
from tos_check.policy.overview import render_overview

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
D = dt.date

CATALOG = """\
provider: {id: acme, name: Acme}
families:
  - id: acme-old
    open_weights: false
    released: 2022-06-01
    models: [{id: acme-old-1}]
  - id: acme-large
    open_weights: false
    released: 2023-03-01
    models: [{id: acme-large-1}]
  - id: acme-open
    open_weights: true
    license: apache-2.0
    released: 2024-01-01
    models: [{id: acme-open-7b}]
  - id: acme-undated
    open_weights: false
    models: [{id: acme-undated-1}]
"""


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(D(2024, 1, 1), None)], [Gap(D(2023, 1, 1), D(2024, 1, 1))]),
        ([(D(2022, 1, 1), None)], []),
        ([(D(2023, 1, 1), D(2023, 6, 1)), (D(2023, 9, 1), None)], [Gap(D(2023, 6, 1), D(2023, 9, 1))]),
        ([(D(2022, 1, 1), D(2024, 1, 1))], [Gap(D(2024, 1, 1), None)]),
        # Two documents overlapping in time leave no gap between them; order does not matter.
        ([(D(2023, 8, 1), None), (D(2022, 1, 1), D(2023, 9, 1))], []),
        ([], [Gap(D(2023, 1, 1), None)]),
        # Two documents in force from the same day, one still in force: no gap, and no crash comparing them.
        ([(D(2022, 1, 1), None), (D(2022, 1, 1), D(2023, 6, 1))], []),
    ],
)
def test_uncovered_periods(spans: list[tuple[dt.date, dt.date | None]], expected: list[Gap]) -> None:
    assert uncovered(D(2023, 1, 1), spans) == expected


def test_family_coverage_from_catalog_and_policies(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG)
    catalog = load_catalog([tmp_path / "acme.yaml"])
    policies, problems = load_policies([FIXTURES / "acme-terms.yaml"])
    assert problems == []
    by_family = {f.family: f for f in family_coverage(policies, catalog)}
    # acme-terms starts 2023-01-01: acme-old was out for seven months before any version.
    assert by_family["acme-old"].gaps == (Gap(D(2022, 6, 1), D(2023, 1, 1)),)
    assert by_family["acme-large"].gaps == ()
    assert by_family["acme-large"].policies == ("acme-terms",)
    # acme-terms excludes the open family: no policy at all, which is a different list from a gap.
    assert by_family["acme-open"].policies == ()
    assert by_family["acme-undated"].released is None

    text = render_overview(policies, catalog)
    assert "| acme | acme-old | 2022-06-01 | 2022-06-01 to 2022-12-31 | `acme-terms` |" in text
    assert "| acme | acme-open | 2024-01-01 | apache-2.0 |" in text
    assert "- acme/acme-undated\n" in text


def test_builtin_claude_models_have_terms_from_their_release() -> None:
    """The issue's case: Claude outputs from 2023 to June 2024 must be judged by some encoded version."""
    from tos_check.identity.resolver import Resolver
    from tos_check.plugins import policy_dirs

    policies, _ = load_policies(policy_dirs())
    claude = [f for f in family_coverage(policies, Resolver.builtin().catalog) if f.provider == "anthropic"]
    assert claude and all(f.released is not None for f in claude)
    assert [f.family for f in claude if f.gaps] == []
