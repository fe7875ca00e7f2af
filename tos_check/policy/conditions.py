"""Evaluate a clause's condition against the facts of one use, in three values: true, false, or unknown.

Unknown is not false. A clause that applies "above 700 million monthly active users" cannot be decided for
a use that does not state its user count, and the report must say so rather than pass it silently; the
fields that were missing are collected so the finding can name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tos_check.policy.model import (
    All,
    Any_,
    Condition,
    Contains,
    ContainsAny,
    Equals,
    Exists,
    Gt,
    Gte,
    In,
    Lt,
    Lte,
    Not,
    StartsWith,
)


@dataclass
class Outcome:
    value: bool | None
    missing: set[str] = field(default_factory=set)


def evaluate(condition: Condition | None, facts: Mapping[str, Any]) -> Outcome:
    """`facts` maps each field to its value; a field that is absent or None is unknown."""
    if condition is None:
        return Outcome(True)
    return _eval(condition, facts)


def _eval(cond: Condition, facts: Mapping[str, Any]) -> Outcome:
    if isinstance(cond, All):
        return _all([_eval(c, facts) for c in cond.all])
    if isinstance(cond, Any_):
        return _any([_eval(c, facts) for c in cond.any])
    if isinstance(cond, Not):
        inner = _eval(cond.not_, facts)
        return Outcome(None if inner.value is None else not inner.value, inner.missing)
    value = facts.get(cond.field)
    if isinstance(cond, Exists):
        return Outcome((value is not None) == cond.exists)
    if value is None:
        return Outcome(None, {cond.field})
    return Outcome(_leaf(cond, value))


def _leaf(cond: Condition, value: Any) -> bool:
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    if isinstance(cond, Equals):
        return bool(value == cond.equals)
    if isinstance(cond, In):
        return any(_same(v, option) for v in items for option in cond.in_)
    if isinstance(cond, Contains):
        return any(_same(v, cond.contains) for v in items)
    if isinstance(cond, ContainsAny):
        return any(_same(v, option) for v in items for option in cond.contains_any)
    if isinstance(cond, StartsWith):
        return any(isinstance(v, str) and v.lower().startswith(cond.starts_with.lower()) for v in items)
    if isinstance(cond, Gt | Gte | Lt | Lte):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if isinstance(cond, Gt):
            return value > cond.gt
        if isinstance(cond, Gte):
            return value >= cond.gte
        if isinstance(cond, Lt):
            return value < cond.lt
        return value <= cond.lte
    raise TypeError(f"unhandled condition {type(cond).__name__}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def _all(parts: list[Outcome]) -> Outcome:
    if any(p.value is False for p in parts):
        return Outcome(False)
    missing = set().union(*(p.missing for p in parts))
    return Outcome(None if any(p.value is None for p in parts) else True, missing)


def _any(parts: list[Outcome]) -> Outcome:
    if any(p.value is True for p in parts):
        return Outcome(True)
    missing = set().union(*(p.missing for p in parts))
    return Outcome(None if any(p.value is None for p in parts) else False, missing)
