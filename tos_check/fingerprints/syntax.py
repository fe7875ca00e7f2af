"""The pattern subset every backend reads alike, and the two forms of a pattern the engine compiles.

A fingerprint pattern is checked against Python's own parse of it (`re._parser`): no lookaround, no
backreference, no anchor but `\\b`/`\\B`, no `.`, `\\s`, `\\W`, `\\D` or negated class (the engines disagree
on what those match, or they could match the NUL that separates texts), no inline flags, no lazy repeat.

Matching is case-insensitive for ASCII letters only. Rather than trust three engines' case-folding (RE2
folds the Kelvin sign into `k`, Python's ASCII mode does not), `expanded()` writes every ASCII letter as a
class of both cases (`[aA]`) and every engine matches case-sensitively: the same pattern text means the same
thing everywhere. `required_literals()` gives substrings one of which every match contains, so that a
backend without a multi-pattern engine can skip texts with a plain substring test.
"""

from __future__ import annotations

import functools
import re
import re._constants as _sre  # type: ignore[import-not-found]
import re._parser as _parser  # type: ignore[import-not-found]
from collections.abc import Iterator
from typing import Any

FLAGS = re.ASCII
"""How Python compiles an expanded pattern: `\\b`, `\\w`, `\\d` ASCII-only, as in RE2 and Hyperscan."""

_BASE_FLAGS = re.compile("x", FLAGS | re.IGNORECASE).flags
"""What a pattern compiles with when it sets no flag of its own."""

MAX_REPEAT = 200
"""Largest bound of a counted repeat (`[\\w ,]{0,60}`): larger ones make Hyperscan databases large."""

_REFUSED: dict[Any, str] = {
    _sre.ANY: "'.' (it could cross the NUL that separates texts in one scan): name the characters, e.g. [\\w ,]",
    _sre.NOT_LITERAL: "a negated character ([^x]): name the characters allowed instead",
    _sre.ASSERT: "lookahead/lookbehind: RE2 and Hyperscan have none",
    _sre.ASSERT_NOT: "negative lookahead/lookbehind: RE2 and Hyperscan have none",
    _sre.GROUPREF: "a backreference: RE2 and Hyperscan have none",
    _sre.GROUPREF_EXISTS: "a conditional group: RE2 and Hyperscan have none",
    _sre.MIN_REPEAT: "a lazy repeat (*?, +?, {m,n}?): write the greedy form, matching is the same here",
    _sre.POSSESSIVE_REPEAT: "a possessive repeat: RE2 and Hyperscan have none",
    _sre.ATOMIC_GROUP: "an atomic group: RE2 and Hyperscan have none",
}
_CATEGORIES = {_sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_DIGIT: r"\d"}
_ANCHORS = {_sre.AT_BOUNDARY: r"\b", _sre.AT_NON_BOUNDARY: r"\B"}
_SPECIAL = set(r".^$*+?()[]{}|\/-")
_CLASS_SPECIAL = set(r"\]^-[")


def check_pattern(pattern: str) -> str:
    """A pattern must compile, stay in the common subset, never match the empty text and never match NUL."""
    try:
        compiled = re.compile(pattern, FLAGS | re.IGNORECASE)
        tree = _parse(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    if compiled.flags != _BASE_FLAGS:
        raise ValueError(
            f"pattern {pattern!r} uses inline flags such as (?x): write the pattern as every engine reads it"
        )
    if compiled.groupindex:
        raise ValueError(f"pattern {pattern!r} has named groups; use (?:...) groups")
    if compiled.search("") is not None:
        raise ValueError(f"pattern {pattern!r} matches the empty text, so it would match every text")
    problem = _unsupported(tree)
    if problem:
        raise ValueError(f"pattern {pattern!r} uses {problem}")
    return pattern


@functools.cache
def expanded(pattern: str) -> str:
    """The pattern with each ASCII letter written in both cases and groups non-capturing: one text that
    Python (`FLAGS`), RE2, Arrow and Hyperscan all read the same way, case-sensitively."""
    return _write(_parse(pattern))


MIN_LITERAL = 3
"""Shorter required literals (`i`, `m`) are in nearly every text: not worth a test."""


@functools.cache
def required_literals(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Sets of lower-case substrings such that every match contains one of each set (the text lower-cased).

    A text missing every member of some set cannot match. Only characters that lower-casing leaves alone,
    or ASCII letters, are used, so the test never drops a text the pattern matches. Empty when the pattern
    has no literal of MIN_LITERAL characters."""
    found: list[tuple[str, ...]] = []
    run = ""
    for op, av in [*_parse(pattern), (None, None)]:
        if op is _sre.LITERAL and _stable(chr(av)):
            run += chr(av).lower()
            continue
        if run:
            found.append((run,))
            run = ""
        if op is not None:
            best = _literals([(op, av)])
            if best:
                found.append(best)
    return tuple(s for s in found if min(map(len, s)) >= MIN_LITERAL)


def _parse(pattern: str) -> list[tuple[Any, Any]]:
    return list(_parser.parse(pattern, FLAGS))


def _unsupported(items: list[tuple[Any, Any]]) -> str | None:
    """The first construct outside the common subset, walking the parse tree."""
    stack = [items]
    while stack:
        for op, av in stack.pop():
            if op in _REFUSED:
                return _REFUSED[op]
            if op is _sre.LITERAL and av == 0:
                return "a NUL character"
            if op is _sre.AT and av not in _ANCHORS:
                return "an anchor (^, $, \\A, \\Z): texts are searched anywhere; use \\b"
            if op is _sre.IN:
                for kind, value in av:
                    if kind is _sre.NEGATE:
                        return "a negated character class ([^...]): name the characters allowed instead"
                    if kind is _sre.CATEGORY and value not in _CATEGORIES:
                        return _category(value)
                    if (kind is _sre.LITERAL and value == 0) or (kind is _sre.RANGE and value[0] == 0):
                        return "a NUL character"
            elif op is _sre.CATEGORY and av not in _CATEGORIES:
                return _category(av)
            elif op is _sre.BRANCH:
                stack.extend(list(branch) for branch in av[1])
            elif op is _sre.SUBPATTERN:
                _, add_flags, del_flags, sub = av
                if add_flags or del_flags:
                    return "inline flags such as (?i): the engine applies case-insensitive matching itself"
                stack.append(list(sub))
            elif op is _sre.MAX_REPEAT:
                _, high, sub = av
                if high is not _sre.MAXREPEAT and high > MAX_REPEAT:
                    return f"a counted repeat up to {high} (at most {MAX_REPEAT})"
                inner = _repeats_and_branches(list(sub))
                if high is _sre.MAXREPEAT and inner:
                    return (
                        f"{inner} inside an unbounded repeat (+, *): Python's re can take exponential time on such "
                        "a pattern; repeat a single character or class, or bound the outer repeat"
                    )
                if high != 1 and _unbounded(list(sub)) and not _separated(list(sub)):
                    return (
                        "an unbounded repeat inside another repeat, not parted by a character it cannot match: "
                        "Python's re can take polynomial or exponential time on it; write words as "
                        "(?:[\\w-]+ ){0,3}, a class repeated and a literal it does not match"
                    )
                stack.append(list(sub))
    return None


def _walk(items: list[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    """Every node under these, depth first."""
    for op, av in items:
        yield op, av
        if op is _sre.BRANCH:
            for branch in av[1]:
                yield from _walk(list(branch))
        elif op is _sre.SUBPATTERN:
            yield from _walk(list(av[3]))
        elif op is _sre.MAX_REPEAT:
            yield from _walk(list(av[2]))


def _repeats_and_branches(items: list[tuple[Any, Any]]) -> str | None:
    for op, _ in _walk(items):
        if op is _sre.MAX_REPEAT:
            return "a repeat"
        if op is _sre.BRANCH:
            return "an alternation"
    return None


def _separated(items: list[tuple[Any, Any]]) -> bool:
    """Whether a repeated body is one unbounded repeat of a single character class and one literal character
    that class cannot match, in either order (`[\\w-]+ `, ` [\\w-]+`): each iteration then ends at a place
    the text decides, and matching stays linear whatever the engine."""
    if len(items) != 2:
        return False
    repeat, literal = items if items[0][0] is _sre.MAX_REPEAT else items[::-1]
    if repeat[0] is not _sre.MAX_REPEAT or literal[0] is not _sre.LITERAL:
        return False
    _, high, body = repeat[1]
    body = list(body)
    if high is not _sre.MAXREPEAT or len(body) != 1 or body[0][0] not in (_sre.LITERAL, _sre.IN, _sre.CATEGORY):
        return False
    one = re.compile(_write(body), FLAGS)  # the class as every engine reads it (both cases of each letter)
    char = chr(literal[1])
    return one.fullmatch(char) is None and one.fullmatch(char.swapcase()) is None


def _unbounded(items: list[tuple[Any, Any]]) -> bool:
    return any(op is _sre.MAX_REPEAT and av[1] is _sre.MAXREPEAT for op, av in _walk(items))


def _category(value: Any) -> str:
    if value in (_sre.CATEGORY_SPACE, _sre.CATEGORY_NOT_SPACE):
        return "\\s or \\S (the engines disagree on vertical tab): write the characters, e.g. [ \\n]"
    return "\\W or \\D (they match NUL): name the characters allowed instead"


# --- writing the expanded form ----------------------------------------------------------------------------


def _write(items: list[tuple[Any, Any]]) -> str:
    return "".join(_write_item(op, av) for op, av in items)


def _write_item(op: Any, av: Any) -> str:
    if op is _sre.LITERAL:
        char = chr(av)
        if char.isascii() and char.isalpha():
            return f"[{char.lower()}{char.upper()}]"
        return _escape(char, _SPECIAL)
    if op is _sre.IN:
        return "[" + "".join(_write_class_item(kind, value) for kind, value in av) + "]"
    if op is _sre.AT:
        return str(_ANCHORS[av])
    if op is _sre.CATEGORY:
        return str(_CATEGORIES[av])
    if op is _sre.BRANCH:
        return "(?:" + "|".join(_write(list(branch)) for branch in av[1]) + ")"
    if op is _sre.SUBPATTERN:
        return "(?:" + _write(list(av[3])) + ")"
    if op is _sre.MAX_REPEAT:
        low, high, sub = av
        inner = _write(list(sub))
        if not (len(sub) == 1 and sub[0][0] in (_sre.LITERAL, _sre.IN, _sre.CATEGORY)):
            inner = f"(?:{inner})"
        if high is _sre.MAXREPEAT:
            return inner + {0: "*", 1: "+"}.get(low, f"{{{low},}}")
        if (low, high) == (0, 1):
            return inner + "?"
        return inner + (f"{{{low}}}" if low == high else f"{{{low},{high}}}")
    raise ValueError(f"cannot write regular expression node {op}")  # check_pattern refuses these first


def _write_class_item(kind: Any, value: Any) -> str:
    if kind is _sre.LITERAL:
        char = chr(value)
        if char.isascii() and char.isalpha():
            return char.lower() + char.upper()
        return _escape(char, _CLASS_SPECIAL)
    if kind is _sre.RANGE:
        low, high = value
        out = f"{_escape(chr(low), _CLASS_SPECIAL)}-{_escape(chr(high), _CLASS_SPECIAL)}"
        for first, last, shift in ((ord("a"), ord("z"), -32), (ord("A"), ord("Z"), 32)):
            start, end = max(low, first), min(high, last)
            if start <= end:  # the letters of the range, in the other case
                out += f"{chr(start + shift)}-{chr(end + shift)}"
        return out
    if kind is _sre.CATEGORY:
        return str(_CATEGORIES[value])
    raise ValueError(f"cannot write character class item {kind}")


def _escape(char: str, special: set[str]) -> str:
    if char in special:
        return "\\" + char
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\x{ord(char):02x}"
    return char


# --- required literals ------------------------------------------------------------------------------------


def _literals(items: list[tuple[Any, Any]]) -> tuple[str, ...] | None:
    """The best set of alternatives one of which every match of the sequence contains: the one whose
    shortest member is longest."""
    best: tuple[str, ...] | None = None

    def consider(found: tuple[str, ...] | None) -> None:
        nonlocal best
        if found and all(found) and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    run = ""
    for op, av in items:
        if op is _sre.LITERAL and _stable(chr(av)):
            run += chr(av).lower()
            continue
        consider((run,) if run else None)
        run = ""
        if op is _sre.SUBPATTERN:
            consider(_literals(list(av[3])))
        elif op is _sre.BRANCH:
            alternatives = [_literals(list(branch)) for branch in av[1]]
            if all(alternatives):
                consider(tuple(sorted({lit for alt in alternatives if alt for lit in alt})))
        elif op is _sre.MAX_REPEAT and av[0] >= 1:
            consider(_literals(list(av[2])))
    consider((run,) if run else None)
    return best


def _stable(char: str) -> bool:
    """A character the text's lower-casing maps as the pattern's does (ASCII, or unchanged by lower())."""
    return char.isascii() or (char.lower() == char and char.upper() == char)
