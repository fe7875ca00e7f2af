from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.stubs import StubResolver
from tos_check.policy.load import covers, load_policies, load_policy_file
from tos_check.policy.testing import run_tests
from tos_check.problems import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
FIXTURE_TEXT = (FIXTURES / "acme-terms.yaml").read_text()


def test_fixture_loads_and_its_own_tests_pass() -> None:
    policies, problems = load_policies([FIXTURES])
    assert problems == []
    results = run_tests(policies, StubResolver(), dt.date(2026, 1, 1))
    assert [r.failures for r in results] == [()] * 4


def test_a_wrong_expectation_fails_with_the_reason(tmp_path: Path) -> None:
    text = FIXTURE_TEXT.replace(
        "expect: {effect: prohibited, clauses: [no-competing-models]",
        "expect: {effect: clear, clauses: [no-competing-models]",
    )
    (tmp_path / "acme.yaml").write_text(text)
    policies, _ = load_policies([tmp_path])
    results = run_tests(policies, StubResolver(), dt.date(2026, 1, 1))
    failed = [r for r in results if not r.passed]
    assert len(failed) == 1
    assert "expected effect clear, got prohibited" in failed[0].failures[0]


def test_schema_error_names_line_and_schema_path(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        FIXTURE_TEXT.replace(
            "effect: prohibited\n        summary: Outputs may not be used to develop",
            "effect: forbidden\n        summary: Outputs may not be used to develop",
        )
    )
    with pytest.raises(InputError) as err:
        load_policy_file(path)
    (problem,) = err.value.problems
    assert problem.line == FIXTURE_TEXT.splitlines().index("        effect: prohibited", 25) + 1
    assert "'forbidden' is not one of" in problem.message
    assert "(properties/versions/items" in problem.message


def test_unknown_key_in_a_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(FIXTURE_TEXT.replace("kind: terms_of_service\n", "kind: terms_of_service\nowner: me\n"))
    with pytest.raises(InputError) as err:
        load_policy_file(path)
    assert err.value.problems[0].line == 6
    assert "unknown key 'owner'" in err.value.problems[0].message


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(FIXTURE_TEXT.replace("    effective_until: 2024-06-01\n", "    effective_until: 2024-07-01\n"))
    with pytest.raises(InputError) as err:
        load_policy_file(path)
    assert "overlaps version '2023-01-01'" in err.value.problems[0].message


def test_test_naming_an_unknown_clause_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(FIXTURE_TEXT.replace("clauses: [no-competing-models]", "clauses: [no-such-clause]"))
    with pytest.raises(InputError, match="unknown clause 'no-such-clause'"):
        load_policy_file(path)


def test_duplicate_policy_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FIXTURE_TEXT)
    (tmp_path / "b.yaml").write_text(FIXTURE_TEXT)
    policies, problems = load_policies([tmp_path])
    assert len(policies.policies) == 1
    assert "already defined" in problems[0].message


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FIXTURE_TEXT)
    (tmp_path / "b.yaml").write_text("id: [\n")
    policies, problems = load_policies([tmp_path])
    assert [p.policy.id for p in policies.policies] == ["acme-terms"]
    assert problems[0].path.endswith("b.yaml")


def test_coverage_excludes_open_weights_unless_named() -> None:
    policy = load_policy_file(FIXTURES / "acme-terms.yaml")
    resolver = StubResolver()
    assert covers(policy, resolver.resolve("acme-large"))
    assert not covers(policy, resolver.resolve("acme-open-7b"))
    assert not covers(policy, resolver.resolve("gpt-4"))
    assert not covers(policy, resolver.resolve("unknown-thing"))


def test_coverage_by_licence_reaches_fine_tunes_by_others() -> None:
    from tos_check.identity.model import Identity
    from tos_check.policy.model import Policy

    policy = load_policy_file(FIXTURES / "acme-terms.yaml")
    licensed = Policy.model_validate(
        {**policy.model_dump(by_alias=True), "covers": {"licenses": ["acme-license"], "exclude_families": ["odd"]}}
    )
    fine_tune = Identity(input="x", provider="other-lab", family="tuned", open_weights=True, license="acme-license")
    assert covers(licensed, fine_tune)
    assert not covers(licensed, fine_tune.model_copy(update={"license": "apache-2.0"}))
    assert not covers(licensed, fine_tune.model_copy(update={"open_weights": False}))
    assert not covers(licensed, fine_tune.model_copy(update={"family": "odd"}))


def test_a_policy_set_answers_coverage_per_model_not_per_spelling() -> None:
    """PolicySet.covering remembers its answers by what coverage depends on: two spellings of one model share
    one answer, and identities that differ in anything `covers` reads each get their own."""
    from tos_check.identity.model import Identity
    from tos_check.policy.load import LoadedPolicy, PolicySet
    from tos_check.policy.model import Policy

    policy = load_policy_file(FIXTURES / "acme-terms.yaml")
    licensed = Policy.model_validate(
        {**policy.model_dump(by_alias=True), "covers": {"licenses": ["acme-license"], "exclude_families": ["odd"]}}
    )
    policies = PolicySet([LoadedPolicy(licensed, "licensed.yaml")])
    fine_tune = Identity(input="x", provider="other-lab", family="tuned", open_weights=True, license="acme-license")
    assert policies.covering(fine_tune) == [licensed]
    assert policies.covering(fine_tune.model_copy(update={"input": "X ", "confidence": 0.5})) == [licensed]
    for change in ({"license": "apache-2.0"}, {"open_weights": False}, {"family": "odd"}, {"provider": None}):
        assert policies.covering(fine_tune.model_copy(update=change)) == [], change
    assert len(policies._covering) == 5


def test_committed_policy_overview_is_current() -> None:
    from tos_check.identity.resolver import Resolver
    from tos_check.plugins import policy_dirs
    from tos_check.policy.overview import render_overview

    policies, problems = load_policies(policy_dirs())
    assert not problems
    committed = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()
    assert committed == render_overview(policies, Resolver.builtin().catalog), (
        "run `tos-check policies overview -o docs/policies.md`"
    )
    assert len(policies.policies) >= 25


def test_every_builtin_policy_has_cases_for_each_side() -> None:
    from tos_check.plugins import policy_dirs

    policies, _ = load_policies(policy_dirs())
    thin = []
    for loaded in policies.policies:
        effects = [case.expect.effect for case in loaded.policy.tests]
        if len(effects) < 3 or "clear" not in effects or all(e == "clear" for e in effects):
            thin.append((loaded.policy.id, effects))
    assert thin == []


def test_every_clause_cites_a_section_and_a_retrieval_date() -> None:
    from tos_check.plugins import policy_dirs

    policies, _ = load_policies(policy_dirs())
    for loaded in policies.policies:
        for version in loaded.policy.versions:
            for clause in version.clauses:
                assert clause.citation.section.strip(), (loaded.policy.id, clause.id)
    # Unverified clauses must be said so in the policy's notes, so a reader sees it without opening clauses.
    for loaded in policies.policies:
        if any(not c.verified for v in loaded.policy.versions for c in v.clauses):
            assert loaded.policy.notes, f"{loaded.policy.id} has unverified clauses but no notes"
