from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from tos_check.policy.conditions import evaluate
from tos_check.policy.model import Condition

FACTS: dict[str, Any] = {
    "activity": ["fine_tune", "evaluate"],
    "model.name": "Llama-3-Acme",
    "model.kind": "llm",
    "commercial": True,
    "organization.monthly_active_users": None,
    "generation.depth": 2,
}


def cond(data: Any) -> Any:
    return TypeAdapter(Condition).validate_python(data)


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ({"field": "commercial", "equals": True}, True),
        ({"field": "model.kind", "in": ["embedding", "classifier"]}, False),
        ({"field": "activity", "contains": "FINE_TUNE"}, True),
        ({"field": "activity", "contains_any": ["train", "distill"]}, False),
        ({"field": "model.name", "starts_with": "llama"}, True),
        ({"field": "generation.depth", "gte": 2}, True),
        ({"field": "generation.depth", "lt": 2}, False),
        ({"field": "model.name", "exists": True}, True),
        ({"field": "organization.monthly_active_users", "exists": False}, True),
        ({"not": {"field": "commercial", "equals": True}}, False),
        ({"all": [{"field": "commercial", "equals": True}, {"field": "model.kind", "equals": "llm"}]}, True),
        ({"any": [{"field": "commercial", "equals": False}, {"field": "model.kind", "equals": "llm"}]}, True),
        ({"field": "model.kind", "gt": 3}, False),
    ],
)
def test_leaf_and_combinators(condition: Any, value: bool) -> None:
    assert evaluate(cond(condition), FACTS).value is value


def test_missing_value_is_unknown_and_named() -> None:
    outcome = evaluate(cond({"field": "organization.monthly_active_users", "gt": 700_000_000}), FACTS)
    assert outcome.value is None
    assert outcome.missing == {"organization.monthly_active_users"}


def test_unknown_is_absorbed_by_a_decisive_operand() -> None:
    unknown = {"field": "organization.monthly_active_users", "gt": 1}
    assert evaluate(cond({"all": [unknown, {"field": "commercial", "equals": False}]}), FACTS).value is False
    assert evaluate(cond({"any": [unknown, {"field": "commercial", "equals": True}]}), FACTS).value is True
    both = evaluate(cond({"all": [unknown, {"field": "commercial", "equals": True}]}), FACTS)
    assert both.value is None and both.missing == {"organization.monthly_active_users"}
    assert evaluate(cond({"not": unknown}), FACTS).value is None


def test_no_condition_always_holds() -> None:
    assert evaluate(None, {}).value is True
