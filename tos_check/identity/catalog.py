"""Load catalog files and compile them into the lookup tables the resolver uses.

Loading is where data mistakes are caught, each with its file and line: an alias that two models claim,
a model id defined twice, a provider named two ways, a pattern that is not valid or not in normal form.
Everything is compiled once (one dict per stage, the patterns as one regex per first character a name can
start with, one regex for all negatives) so that resolving a name costs a few dict lookups and regex
matches, whatever the catalog size.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tos_check.identity.catalog_model import CatalogFile, FamilyEntry, ModelEntry
from tos_check.identity.names import NameForms, NameTrimmer, compact, digits_of, normal_form
from tos_check.loader import Document, Loc
from tos_check.problems import InputError, Problem
from tos_check.validation import load_valid_files

BUILTIN_DIR = Path(__file__).resolve().parent / "catalog"


def builtin_paths() -> list[Path]:
    """The packaged catalog files, in a stable order (pattern order follows file order)."""
    return sorted(BUILTIN_DIR.glob("*.yaml"))


@dataclass(frozen=True)
class Target:
    """What a name resolves to: one model of a family, or the family itself (model None)."""

    provider: str
    family: str
    model: str | None
    open_weights: bool
    license: str | None


@dataclass(frozen=True)
class _Origin:
    """Where an entry was written, so that a clash can name both places."""

    path: str
    line: int | None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass
class Catalog:
    """The compiled catalog. Build it with `load_catalog`; the resolver only reads it."""

    exact: dict[str, Target] = field(default_factory=dict)
    aliases: dict[str, Target] = field(default_factory=dict)
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    """The patterns by the first character of the names they can match ("" for names no pattern starts with
    plainly): see `_dispatch`."""
    pattern_targets: dict[str, Target] = field(default_factory=dict)
    negative_names: frozenset[str] = frozenset()
    negatives: re.Pattern[str] | None = None
    trimmer: NameTrimmer = field(default_factory=lambda: NameTrimmer({}, None, None))
    prose_stopwords: frozenset[str] = frozenset()
    fuzzy_choices: dict[tuple[str, ...], tuple[list[str], list[Target]]] = field(default_factory=dict)
    heads: frozenset[str] = frozenset()
    providers: dict[str, str] = field(default_factory=dict)
    families: dict[tuple[str, str], Target] = field(default_factory=dict)
    released: dict[tuple[str, str], dt.date] = field(default_factory=dict)

    def is_negative(self, forms: NameForms) -> bool:
        """Known not to be a provider's model: such names never resolve, not even fuzzily."""
        if compact(forms.whole) in self.negative_names or compact(forms.segment) in self.negative_names:
            return True
        return self.negatives is not None and self.negatives.search(forms.segment) is not None

    def match_pattern(self, normal: str) -> Target | None:
        """The target of the first catalog pattern that matches the whole normal form, if any."""
        found = self.patterns.get(normal[:1]) or self.patterns.get("")
        if found is None:
            return None
        match = found.fullmatch(normal)
        if match is None or match.lastgroup is None:
            return None
        return self.pattern_targets[match.lastgroup]


def load_catalog(paths: Iterable[Path]) -> Catalog:
    """Read, validate and compile catalog files; every problem in every file is reported at once."""
    problems: list[Problem] = []
    loaded = load_valid_files(paths, CatalogFile, problems)
    builder = _Builder()
    for doc, data in loaded:
        builder.add(doc, data)
    problems.extend(builder.problems)
    if problems:
        raise InputError(problems)
    return builder.build()


class _Builder:
    """Collects validated files into one catalog, recording where each entry came from to report clashes."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.catalog = Catalog()
        self.origins: dict[tuple[str, str], _Origin] = {}
        self.patterns: list[tuple[str, Target]] = []
        self.negative_names: set[str] = set()
        self.negative_patterns: list[str] = []
        self.prefixes: dict[str, str | None] = {}
        self.packaging: list[str] = []
        self.variants: list[str] = []
        self.stopwords: set[str] = set()
        self.fuzzy: list[tuple[str, Target]] = []
        self.heads: set[str] = set()

    def add(self, doc: Document, data: CatalogFile) -> None:
        self._add_rules(doc, data)
        if data.provider is None:
            return
        provider = data.provider
        here = self._origin(doc, ("provider", "id"))
        known_name = self.catalog.providers.get(provider.id)
        if known_name is not None and known_name != provider.name:
            self._clash(here, f"provider {provider.id!r} is named {provider.name!r} here", ("provider", provider.id))
        else:
            self.catalog.providers[provider.id] = provider.name
            self.origins.setdefault(("provider", provider.id), here)
        for k, prefix in enumerate(provider.prefixes):
            self._add_prefix(doc, prefix, provider.id, ("provider", "prefixes", k))
        for i, family in enumerate(data.families):
            self._add_family(doc, provider.id, family, ("families", i))

    def _add_rules(self, doc: Document, data: CatalogFile) -> None:
        for negative in data.negatives:
            self.negative_names.update(compact(normal_form(n)) for n in negative.names)
            self.negative_patterns.extend(negative.patterns)
        for k, prefix in enumerate(data.host_prefixes):
            self._add_prefix(doc, prefix, None, ("host_prefixes", k))
        self.packaging.extend(data.packaging_suffixes)
        self.variants.extend(data.variant_suffixes)
        self.stopwords.update(normal_form(w) for w in data.prose_stopwords)

    def _add_prefix(self, doc: Document, prefix: str, provider: str | None, loc: Loc) -> None:
        """A prefix names one provider, or is a host that names none; it cannot be both or name two."""
        normal = normal_form(prefix)
        here = self._origin(doc, loc)
        if normal in self.prefixes and self.prefixes[normal] != provider:
            named = self.prefixes[normal] or "a host"
            self._clash(here, f"prefix {prefix!r} already stands for {named}", ("prefix", normal))
            return
        self.prefixes[normal] = provider
        self.origins.setdefault(("prefix", normal), here)

    def _add_family(self, doc: Document, provider: str, family: FamilyEntry, loc: Loc) -> None:
        key = ("family", f"{provider}/{family.id}")
        here = self._origin(doc, (*loc, "id"))
        if key in self.origins:
            self._clash(here, f"family {family.id!r} of {provider!r} is defined twice", key)
            return
        self.origins[key] = here
        whole = Target(provider, family.id, None, family.open_weights, family.license)
        self.catalog.families[(provider, family.id)] = whole
        if family.released is not None:
            self.catalog.released[(provider, family.id)] = family.released
        self.heads.add(_head(family.id))
        for j, model in enumerate(family.models):
            self._add_model(doc, whole, model, (*loc, "models", j))
        for k, alias in enumerate(family.aliases):
            self._add_alias(doc, whole, alias, (*loc, "aliases", k))
        self.patterns.extend((pattern, whole) for pattern in family.patterns)

    def _add_model(self, doc: Document, family: Target, model: ModelEntry, loc: Loc) -> None:
        open_weights = family.open_weights if model.open_weights is None else model.open_weights
        license_ = model.license if model.license is not None else family.license if open_weights else None
        target = Target(family.provider, family.family, model.id, open_weights, license_)
        key = ("model", model.id.casefold())
        here = self._origin(doc, (*loc, "id"))
        if key in self.origins:
            self._clash(here, f"model id {model.id!r} is defined twice", key)
            return
        self.origins[key] = here
        self.catalog.exact[model.id.casefold()] = target
        self._add_alias(doc, target, model.id, (*loc, "id"))
        # A model's patterns carry its licence and open_weights to other spellings (other sizes of the same
        # release, say) but only its id and aliases name the model itself.
        release = Target(family.provider, family.family, None, open_weights, license_)
        for k, alias in enumerate(model.aliases):
            self._add_alias(doc, target, alias, (*loc, "aliases", k))
        self.patterns.extend((pattern, release) for pattern in model.patterns)

    def _add_alias(self, doc: Document, target: Target, alias: str, loc: Loc) -> None:
        normal = normal_form(alias)
        key = compact(normal)
        known = self.catalog.aliases.get(key)
        here = self._origin(doc, loc)
        if known is not None and known != target:
            message = f"{alias!r} already names {_describe(known)}; one name cannot mean two models"
            self._clash(here, message, ("alias", key))
            return
        self.catalog.aliases[key] = target
        self.origins.setdefault(("alias", key), here)
        self.fuzzy.append((normal, target))
        self.heads.add(_head(alias))

    def _origin(self, doc: Document, loc: Loc) -> _Origin:
        return _Origin(doc.path, doc.line_of(loc))

    def _clash(self, here: _Origin, message: str, first_key: tuple[str, str]) -> None:
        first = self.origins.get(first_key)
        where = f" (first defined at {first})" if first is not None else ""
        self.problems.append(Problem(here.path, here.line, f"{message}{where}; remove or rename one of them"))

    def build(self) -> Catalog:
        catalog = self.catalog
        if self.patterns:
            catalog.patterns = _dispatch([p for p, _ in self.patterns])
            catalog.pattern_targets = {f"p{i}": target for i, (_, target) in enumerate(self.patterns)}
        catalog.negative_names = frozenset(self.negative_names)
        if self.negative_patterns:
            catalog.negatives = re.compile(f"(?:^|-)(?:{'|'.join(self.negative_patterns)})(?:-|$)")
        catalog.trimmer = NameTrimmer(self.prefixes, _suffix_regex(self.packaging), _suffix_regex(self.variants))
        catalog.prose_stopwords = frozenset(self.stopwords)
        catalog.fuzzy_choices = _fuzzy_choices(self.fuzzy, catalog.trimmer)
        catalog.heads = frozenset(h for h in self.heads if h)
        return catalog


def _dispatch(patterns: list[str]) -> dict[str, re.Pattern[str]]:
    """The patterns as one regex per first character a name can start with, each an alternation of the
    patterns (in catalog order, group `p<i>` for the i-th) that can match a name starting with it: those that
    start with that character plainly, and those whose first character is not fixed. The first pattern of a
    regex to match is the first of the whole catalog to match, since no other can. One regex of all patterns
    tried each in turn, about 40 us a name; this is a few times faster, and a dataset's hundreds of distinct
    model strings are each resolved on first sight."""
    firsts = [_first_character(p) for p in patterns]
    regexes: dict[str, re.Pattern[str]] = {}
    for first in [*sorted({f for f in firsts if f is not None}), ""]:
        chosen = [f"(?P<p{i}>{p})" for i, (p, f) in enumerate(zip(patterns, firsts, strict=True)) if f in (first, None)]
        if chosen:
            regexes[first] = re.compile("|".join(chosen))
    return regexes


def _first_character(pattern: str) -> str | None:
    """The character every match of `pattern` starts with, when the pattern says so plainly: a letter or digit,
    not repeated or made optional, with no alternation outside a group (and no comment, which could stand
    between the letter and what makes it optional). None when it may start otherwise."""
    if not (pattern[:1].isascii() and pattern[:1].isalnum()) or pattern[1:2] in ("?", "*", "+", "{"):
        return None
    if "(?#" in pattern:
        return None
    depth, i = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 1
        elif ch == "[":  # a class: to its closing ']' (one first in it, after any '^', is a member)
            i += 1
            i += pattern[i : i + 1] == "^"
            i += pattern[i : i + 1] == "]"
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return None
        i += 1
    return pattern[0]


def _suffix_regex(alternatives: list[str]) -> re.Pattern[str] | None:
    """One regex for a list of suffix patterns, matching whole trailing tokens (never the whole name)."""
    return re.compile(f"-(?:{'|'.join(alternatives)})$") if alternatives else None


def _fuzzy_choices(
    names: list[tuple[str, Target]], trimmer: NameTrimmer
) -> dict[tuple[str, ...], tuple[list[str], list[Target]]]:
    """Fuzzy choices: every id and alias with its trimmed forms, grouped by their number tokens.

    Forms without their packaging or variant suffixes let a misspelt short name meet its catalog entry on
    equal terms (`lama-2-7b` against `llama-2-7-b`, not `llama-2-7-b-hf`). Prefixes stay: a bare fragment
    like `llm-7-b` (from `deepseek-llm-7b`) would be close to too much. A form that two families share is
    left out: fuzzy matching must never have to choose between families.
    """
    chosen: dict[str, Target | None] = {normal: target for normal, target in names}
    untrimmed = set(chosen)
    for normal, target in names:
        for candidate in trimmer.suffix_forms(normal)[1:]:
            if candidate.normal in untrimmed:
                continue  # a name as written beats a trimmed form of another
            form = target if candidate.same_model else replace(target, model=None)
            known = chosen.setdefault(candidate.normal, form)
            if known is not None and known != form:
                # Two models share this form: keep it for their family, unless their families or terms differ.
                merged = replace(form, model=None)
                chosen[candidate.normal] = merged if replace(known, model=None) == merged else None
    grouped: dict[tuple[str, ...], tuple[list[str], list[Target]]] = {}
    for normal, found in chosen.items():
        if found is not None:
            choices, targets = grouped.setdefault(digits_of(normal), ([], []))
            choices.append(normal)
            targets.append(found)
    return grouped


def _head(name: str) -> str:
    """The leading letters of a name (`gpt` of `GPT-4`, `qwen` of `Qwen2.5`): where prose mentions start."""
    normal = normal_form(name)
    first = normal.split("-", 1)[0]
    return first if first.isalpha() else ""


def _describe(target: Target) -> str:
    model = f" model {target.model}" if target.model else ""
    return f"{target.provider}/{target.family}{model}"
