"""Resolve a messy model string to the provider, family and model behind it.

Stages, in order, each with the confidence it earns (docs/identity.md explains the choices):

1. exact (1.0): the name, or its last path segment, is a canonical id as the catalog writes it;
2. alias (0.97): a form of the name equals a canonical id or alias once case and separators are ignored;
3. pattern (0.9): a form of the name matches a catalog pattern in full;
4. fuzzy (at most 0.8): the closest catalog name with the same number tokens scores at least
   `FUZZY_CUTOFF` (rapidfuzz ratio on normal forms); the confidence scales with the score.

"Forms" are the name's normal form with host/org prefixes and identity-neutral suffixes (quantisation,
format, date, version) taken away, fewest first (see `names.py`). Names the catalog lists as negatives
(`gpt-neox`, `gpt4all`, `vicuna`, `human`) are unknown before any stage runs. Unknown is an `Identity`
with provider None and confidence 0: callers decide what an unresolved name means, never this module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

from tos_check.identity.catalog import Catalog, Target, builtin_paths, load_catalog
from tos_check.identity.mentions import MentionScanner
from tos_check.identity.model import Identity, MatchedBy, Mention
from tos_check.identity.names import Candidate, NameForms, compact, digits_of

EXACT_CONFIDENCE = 1.0
ALIAS_CONFIDENCE = 0.97
PATTERN_CONFIDENCE = 0.9
FUZZY_MAX_CONFIDENCE = 0.8

FUZZY_CUTOFF = 90.0
"""Lowest rapidfuzz ratio (0-100) a fuzzy match may have. A single typo scores 90 or more (`gpt-4-turob` ~
`gpt-4-turbo` 90.9, `calude-3-opus` ~ `claude-3-opus` 92.3); the closest lookalikes from other makers,
even with the negative list switched off, score at most 84 (`llemma-7-b` ~ `gemma-7-b` 84.2, `open-llama-7-b`
~ `codellama-7-b` 81.5, `gpt-neox-20-b` ~ `gpt-oss-20-b` 80). Wrongly naming a provider is worse than
naming none, so the cut-off sits at the typo end of that gap. See docs/identity.md."""

FUZZY_MIN_LENGTH = 5
"""Shorter names (`gpt`, `t-5`, `none`) are too close to too much; they resolve exactly or not at all."""

MAX_CACHED = 1_000_000
"""Distinct inputs remembered per resolver; past this the cache starts again rather than grow unbounded."""


class Resolver:
    """Resolves names against one compiled catalog, remembering every answer for its lifetime."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._cache: dict[str, Identity] = {}
        self._strict_cache: dict[str, Identity] = {}
        self._negative_cache: dict[str, bool] = {}
        self._scanner = MentionScanner(
            catalog.heads, self._resolve_strict, self._is_negative_name, catalog.prose_stopwords
        )

    @classmethod
    def builtin(cls) -> Resolver:
        """The resolver over the packaged catalog, loaded on first use and shared after that."""
        return _builtin()

    @classmethod
    def from_paths(cls, paths: Iterable[Path], *, include_builtin: bool = True) -> Resolver:
        """A resolver over extra catalog files (from plugins or a project), by default added to the built-ins."""
        extra = list(paths)
        return cls(load_catalog([*builtin_paths(), *extra] if include_builtin else extra))

    def resolve(self, name: str) -> Identity:
        """The identity behind `name`; the same input always returns the same (cached) object."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        identity = self._identify(name, fuzzy=True)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[name] = identity
        return identity

    def find_mentions(self, text: str) -> list[Mention]:
        """Model names in free text, in order, each with its span and identity (never fuzzy)."""
        return self._scanner.scan(text)

    def _resolve_strict(self, name: str) -> Identity:
        """Candidates found in prose repeat across cards ("GPT-4", "ChatGPT"): remembered like `resolve`'s."""
        cached = self._strict_cache.get(name)
        if cached is None:
            if len(self._strict_cache) >= MAX_CACHED:
                self._strict_cache.clear()
            cached = self._strict_cache[name] = self._identify(name, fuzzy=False)
        return cached

    def _is_negative_name(self, name: str) -> bool:
        cached = self._negative_cache.get(name)
        if cached is None:
            if len(self._negative_cache) >= MAX_CACHED:
                self._negative_cache.clear()
            cached = self._negative_cache[name] = self.catalog.is_negative(self.catalog.trimmer.forms(name))
        return cached

    def _identify(self, name: str, *, fuzzy: bool) -> Identity:
        catalog = self.catalog
        forms = catalog.trimmer.forms(name)
        if not forms.candidates or catalog.is_negative(forms):
            return Identity(input=name)
        for key in forms.exact_keys:
            target = catalog.exact.get(key)
            if target is not None:
                return _identity(name, target, "exact", EXACT_CONFIDENCE)
        for candidate in forms.candidates:
            target = _kept(catalog.aliases.get(compact(candidate.normal)), candidate)
            if target is not None:
                return _identity(name, target, "alias", ALIAS_CONFIDENCE)
            target = _kept(catalog.match_pattern(candidate.normal), candidate)
            if target is not None:
                return _identity(name, target, "pattern", PATTERN_CONFIDENCE)
        if fuzzy:
            return self._fuzzy(name, forms)
        return Identity(input=name)

    def _fuzzy(self, name: str, forms: NameForms) -> Identity:
        """Closest catalog name among those with the same number tokens, when it is close enough."""
        best: tuple[Target, float] | None = None
        for candidate in dict.fromkeys((forms.candidates[0], forms.candidates[-1])):
            if len(candidate.normal) < FUZZY_MIN_LENGTH:
                continue
            bucket = self.catalog.fuzzy_choices.get(digits_of(candidate.normal))
            if bucket is None:
                continue
            choices, targets = bucket
            # Choices are stored in normal form already, so no processor runs per comparison.
            hit = process.extractOne(
                candidate.normal, choices, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_CUTOFF
            )
            kept = _kept(targets[hit[2]], candidate) if hit is not None else None
            if hit is not None and kept is not None and (best is None or hit[1] > best[1]):
                best = (kept, float(hit[1]))
        if best is None:
            return Identity(input=name)
        target, score = best
        return _identity(name, target, "fuzzy", round(FUZZY_MAX_CONFIDENCE * score / 100.0, 3))


@functools.cache
def _builtin() -> Resolver:
    return Resolver(load_catalog(builtin_paths()))


def _kept(target: Target | None, candidate: Candidate) -> Target | None:
    """What a match on a trimmed form still tells, or None if the form's provider prefix rules it out.

    The model is kept only if no variant or version was trimmed off to reach the form.
    """
    if target is None or (candidate.provider is not None and target.provider != candidate.provider):
        return None
    return target if candidate.same_model or target.model is None else replace(target, model=None)


def _identity(name: str, target: Target, matched_by: MatchedBy, confidence: float) -> Identity:
    return Identity(
        input=name,
        provider=target.provider,
        family=target.family,
        model=target.model,
        open_weights=target.open_weights,
        license=target.license,
        confidence=confidence,
        matched_by=matched_by,
    )
