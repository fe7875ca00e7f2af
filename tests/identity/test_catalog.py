"""The catalog as data: its file format, the errors a bad file gives, and the built-in catalog's own health."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.identity.name_lists import DEV_LIST, EXTRA_LIST, read_rows
from tos_check.identity.catalog import builtin_paths, load_catalog
from tos_check.identity.catalog_model import CatalogFile
from tos_check.identity.resolver import Resolver
from tos_check.loader import load_document
from tos_check.problems import InputError
from tos_check.validation import validate_model

Write = Callable[[str, str], Path]

ACME = """\
provider:
  id: acme
  name: Acme
  prefixes: [acme]
families:
  - id: acme-1
    open_weights: false
    aliases: [Acme One]
    models:
      - id: acme-1-large
        aliases: [Acme Large]
    patterns:
      - 'acme-1(-(small|large))?'
  - id: acme-open
    open_weights: true
    license: apache-2.0
    models:
      - id: acme-open-7b
      - id: acme-open-70b
        license: acme-license
        patterns:
          - 'acme-open-70-b'
    patterns:
      - 'acme-open(-\\d+-b)?'
"""


def _problems(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_catalog(paths)
    return [str(p) for p in caught.value.problems]


def test_a_plugin_catalog_adds_a_provider(write: Write) -> None:
    resolver = Resolver.from_paths([write("acme.yaml", ACME)])
    large = resolver.resolve("ACME Large")
    assert (large.provider, large.family, large.model) == ("acme", "acme-1", "acme-1-large")
    assert resolver.resolve("acme-open-13b").license == "apache-2.0"
    # A model's pattern carries its licence to other spellings without claiming the model id.
    seventy = resolver.resolve("acme/acme-open-70b-GPTQ")
    assert (seventy.model, seventy.license) == ("acme-open-70b", "acme-license")
    assert resolver.resolve("acme-open-70b-instruct").model is None
    assert resolver.resolve("acme-open-70b-instruct").license == "acme-license"
    # The built-ins are still there.
    assert resolver.resolve("gpt-4").provider == "openai"


def test_a_catalog_can_stand_alone(write: Write) -> None:
    resolver = Resolver.from_paths([write("acme.yaml", ACME)], include_builtin=False)
    assert resolver.resolve("acme-1").provider == "acme"
    assert not resolver.resolve("gpt-4").known


def test_unknown_keys_invalid_patterns_and_non_normal_patterns_name_file_and_line(write: Write) -> None:
    path = write(
        "bad.yaml",
        """\
provider: {id: acme, name: Acme}
families:
  - id: acme-1
    open_weights: false
    models:
      - id: acme-1-large
        aliasses: [Acme Large]
    patterns:
      - 'acme-(1'
      - 'Acme-1\\.5'
""",
    )
    problems = _problems([path])
    assert problems[0].startswith(f"{path}:7: unknown key 'aliasses'")
    assert problems[1].startswith(f"{path}:9: ") and "invalid regular expression 'acme-(1'" in problems[1]
    assert problems[2].startswith(f"{path}:10: ") and "not written in normal form" in problems[2]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("families:\n  - id: x\n    open_weights: false\n", 1, "`families` needs a `provider`"),
        ("negatives:\n  - reason: nothing listed\n", 2, "needs `names` or `patterns`"),
        ("provider: {id: Acme, name: Acme}\n", 1, "provider.id"),
        ("provider: {id: acme, name: Acme}\nfamilies:\n  - id: a\n", 3, "open_weights: required key is missing"),
        ("host_prefixes: ['--']\n", 1, "has no letters or digits"),
        ("packaging_suffixes: ['(?P<q>gptq)']\n", 1, "named groups"),
        ("variant_suffixes: ['(chat)?']\n", 1, "matches the empty name"),
        ("variant_suffixes: ['a)|(b']\n", 1, "invalid regular expression"),  # would close the group it is put in
        ("variant_suffixes: ['(?i)chat']\n", 1, "invalid regular expression"),
        ("variant_suffixes: ['(a)\\1']\n", 1, "refers to a group"),
        ("variant_suffixes: ['(a)?(?(1)b|c)']\n", 1, "refers to a group"),
        ("host_prefixes: [acme]\nprovider: {id: acme, name: Acme, prefixes: [ACME]}\n", 2, "already stands for a host"),
        ("provider: {id: acme, name: Acme}\nfamilies: [\n", 3, "invalid YAML"),
    ],
)
def test_schema_errors(write: Write, text: str, line: int, message: str) -> None:
    path = write("bad.yaml", text)
    problems = _problems([path])
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), problems


def test_clashes_across_files_name_both_places(write: Write) -> None:
    first = write(
        "a.yaml",
        "provider: {id: acme, name: Acme}\nfamilies:\n  - id: one\n    open_weights: false\n"
        "    models:\n      - id: acme-1\n        aliases: [Acme One]\n",
    )
    second = write(
        "b.yaml",
        "provider: {id: acme, name: ACME Corp}\nfamilies:\n  - id: two\n    open_weights: false\n"
        "    models:\n      - id: acme-2\n        aliases: [acme_one]\n      - id: ACME-1\n"
        "  - id: one\n    open_weights: false\n",
    )
    problems = _problems([first, second])
    assert problems == [
        f"{second}:1: provider 'acme' is named 'ACME Corp' here (first defined at {first}:1); "
        "remove or rename one of them",
        f"{second}:7: 'acme_one' already names acme/one model acme-1; one name cannot mean two models "
        f"(first defined at {first}:7); remove or rename one of them",
        f"{second}:8: model id 'ACME-1' is defined twice (first defined at {first}:6); remove or rename one of them",
        f"{second}:9: family 'one' of 'acme' is defined twice (first defined at {first}:3); "
        "remove or rename one of them",
    ]


def test_every_problem_in_every_file_is_reported_at_once(write: Write) -> None:
    one = write("one.yaml", "provider: {id: acme}\n")
    two = write("two.yaml", "negatives: [{reason: x}]\n")
    problems = _problems([one, two])
    assert {p.split(":", 1)[0] for p in problems} == {str(one), str(two)}


# The built-in catalog's health: these are the tests a data change must keep passing.


def _builtin_entries() -> tuple[list[tuple[str, str, str, str | None]], list[tuple[re.Pattern[str], str, str]]]:
    """Every id and alias (with the provider, family and model it names) and every pattern in the catalog."""
    names: list[tuple[str, str, str, str | None]] = []
    patterns: list[tuple[re.Pattern[str], str, str]] = []
    for path in builtin_paths():
        data = validate_model(CatalogFile, load_document(path))
        if data.provider is None:
            continue
        provider = data.provider.id
        for family in data.families:
            names.extend((alias, provider, family.id, None) for alias in family.aliases)
            patterns.extend((re.compile(p), provider, family.id) for p in family.patterns)
            for model in family.models:
                names.append((model.id, provider, family.id, model.id))
                names.extend((alias, provider, family.id, model.id) for alias in model.aliases)
                patterns.extend((re.compile(p), provider, family.id) for p in model.patterns)
    return names, patterns


def test_builtin_catalog_loads_and_covers_the_provider_ids_policies_use(resolver: Resolver) -> None:
    expected = {
        "openai", "anthropic", "google", "meta", "mistral", "alibaba-qwen", "deepseek", "xai", "cohere", "ai21",
        "nvidia", "amazon", "microsoft", "01-ai", "zhipu", "moonshot", "databricks", "tii",
    }  # fmt: skip
    assert expected <= set(resolver.catalog.providers)


def test_every_builtin_id_and_alias_resolves_to_itself(resolver: Resolver) -> None:
    names, _ = _builtin_entries()
    wrong = [
        (name, (provider, family, model), (i.provider, i.family, i.model))
        for name, provider, family, model in names
        if ((i := resolver.resolve(name)).provider, i.family, i.model) != (provider, family, model)
    ]
    assert wrong == []


def test_no_pattern_claims_another_familys_names(resolver: Resolver) -> None:
    """Pattern order must never decide between families: every name is matched by one family's patterns."""
    names, patterns = _builtin_entries()
    spellings = [name for name, *_ in names]
    for path in (DEV_LIST, EXTRA_LIST):
        if path.exists():
            spellings.extend(row.input for row in read_rows(path) if row.provider is not None)
    overlaps = {}
    for spelling in spellings:
        for candidate in resolver.catalog.trimmer.forms(spelling).candidates:
            families = {(p, f) for rx, p, f in patterns if rx.fullmatch(candidate.normal)}
            if len(families) > 1:
                overlaps[(spelling, candidate.normal)] = families
    assert overlaps == {}


#: Open-weight families whose licence is not yet checked against the publisher's text.
UNCHECKED_LICENCES = {("alibaba-qwen", "qwen-3.5")}


def test_open_weight_families_name_their_licence(resolver: Resolver) -> None:
    missing = {key for key, whole in resolver.catalog.families.items() if whole.open_weights and whole.license is None}
    assert missing == UNCHECKED_LICENCES


def test_every_builtin_family_has_a_release_date() -> None:
    """Without one, docs/policies.md cannot list the family's coverage gaps."""
    from tos_check.identity.resolver import Resolver

    catalog = Resolver.builtin().catalog
    assert sorted(set(catalog.families) - set(catalog.released)) == []


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("gpt-4(-turbo)?", "g"),
        ("4-o(-mini)?", "4"),
        ("g?pt-4", None),  # optional first letter
        ("g*pt", None),
        ("g{0,1}pt", None),
        ("gpt|claude", None),  # alternation at the top: either first letter
        ("gpt-(4|5)", "g"),  # alternation inside a group only
        ("g[|]|claude", None),  # a '|' in a class is a member; the one after it is at the top
        ("g[]|]x|claude", None),  # a ']' first in a class is a member, not its end
        ("g[^]|]x|claude", None),
        (r"g[\]|]x|claude", None),  # an escaped ']' in a class is a member
        (r"g[\](]|claude", None),  # ... also first in it
        (r"g[a(]x", "g"),  # a '(' in a class opens no group
        ("g(?#c)?pt-4", None),  # a comment between a letter and its '?'
        ("gpt(?#()|claude", None),
        (r"g\|x", "g"),  # an escaped '|' is a literal
        ("(code)?gemma", None),
        (r"\d+-b", None),
    ],
)
def test_a_patterns_first_character_is_fixed_only_when_plain(pattern: str, first: str | None) -> None:
    from tos_check.identity.catalog import _first_character

    assert _first_character(pattern) == first


def test_patterns_dispatched_by_first_character_match_as_one_regex_in_catalog_order(resolver: Resolver) -> None:
    """The catalog's patterns are split by a name's first character for speed; which pattern matches a name
    (the first in catalog order) must be what one regex of them all, tried in order, gives."""
    from tos_check.identity.catalog import _Builder
    from tos_check.validation import load_valid_files

    builder = _Builder()
    for doc, data in load_valid_files(builtin_paths(), CatalogFile, []):
        builder.add(doc, data)
    whole = re.compile("|".join(f"(?P<p{i}>{p})" for i, (p, _) in enumerate(builder.patterns)))
    targets = [target for _, target in builder.patterns]
    names, _ = _builtin_entries()
    spellings = [name for name, *_ in names]
    for path in (DEV_LIST, EXTRA_LIST):
        if path.exists():
            spellings.extend(row.input for row in read_rows(path))
    catalog = resolver.catalog
    normals = {c.normal for s in spellings for c in catalog.trimmer.forms(s).candidates}
    normals |= {n[1:] for n in normals} | {"", "-", "9", "zz-gpt-4"}  # first characters no pattern starts with
    differ, matched = [], 0
    for normal in sorted(normals):
        found = whole.fullmatch(normal)
        expected = targets[int(found.lastgroup[1:])] if found and found.lastgroup else None
        matched += expected is not None
        if catalog.match_pattern(normal) != expected:
            differ.append(normal)
    assert differ == []
    assert matched > 100  # the check saw many names that a pattern does match
