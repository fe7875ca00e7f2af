"""The committed JSON Schemas are exactly what the models accept, and both reject the same bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from tos_check.loader import load_document
from tos_check.policy.model import Policy
from tos_check.schemas import SCHEMA_NAMES, generate_schema, load_schema, render_schema

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "acme-terms.yaml"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_is_generated_from_the_models(name: str) -> None:
    committed = (Path(__file__).resolve().parents[2] / "tos_check" / "schemas" / f"{name}.schema.json").read_text()
    assert committed == render_schema(generate_schema(name)), "run `python -m tos_check.schemas` and commit"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_json_schema(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema(name))


def _base() -> dict[str, Any]:
    data = load_document(FIXTURE).data
    assert isinstance(data, dict)
    return data


def _mutations() -> list[tuple[str, Any]]:
    """Each breaks one rule of the format; schema and models must both refuse it."""

    def at(path: list[str | int], value: Any) -> Any:
        def apply(data: dict[str, Any]) -> None:
            target: Any = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return apply

    def drop(path: list[str | int]) -> Any:
        def apply(data: dict[str, Any]) -> None:
            target: Any = data
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]

        return apply

    clause = ["versions", 1, "clauses", 0]
    return [
        ("unknown top-level key", at(["owner"], "x")),
        ("missing title", drop(["title"])),
        ("bad effect", at([*clause, "effect"], "forbidden")),
        ("bad severity", at([*clause, "severity"], "fatal")),
        ("unknown condition field", at([*clause, "when"], {"field": "user.age", "gt": 1})),
        ("condition with two operators", at([*clause, "when"], {"field": "commercial", "equals": True, "gt": 1})),
        ("condition with no operator", at([*clause, "when"], {"field": "commercial"})),
        ("empty all", at([*clause, "when"], {"all": []})),
        ("quote over 25 words", at([*clause, "citation", "quote"], " ".join(["word"] * 26))),
        ("citation url not http", at([*clause, "citation", "url"], "file:///etc/passwd")),
        ("bad date", at(["versions", 0, "effective_from"], "2023-02-30")),
        ("bad id", at(["id"], "Acme Terms")),
        ("no versions", at(["versions"], [])),
        ("bad reach", at([*clause, "reach"], {"kind": "forever"})),
        ("bad obligation kind", at(["versions", 1, "clauses", 1, "obligations", 0, "kind"], "pay")),
        ("unknown use key in a test", at(["tests", 0, "use"], {"activity": "train", "colour": "red"})),
        ("bad expected effect", at(["tests", 0, "expect", "effect"], "forbidden")),
    ]


def test_fixture_is_valid_for_both() -> None:
    data = _base()
    jsonschema.Draft202012Validator(load_schema("policy"), format_checker=jsonschema.FormatChecker()).validate(data)
    Policy.model_validate(data)


@pytest.mark.parametrize(("label", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_schema_and_models_refuse_the_same_mistakes(label: str, mutate: Any) -> None:
    data = copy.deepcopy(_base())
    mutate(data)
    validator = jsonschema.Draft202012Validator(load_schema("policy"), format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(data)), f"schema accepted: {label}"
    with pytest.raises(ValidationError):
        Policy.model_validate(data)


def test_quote_of_exactly_25_words_is_accepted_by_both() -> None:
    data = copy.deepcopy(_base())
    data["versions"][1]["clauses"][0]["citation"]["quote"] = " ".join(["word"] * 25)
    jsonschema.Draft202012Validator(load_schema("policy")).validate(json.loads(json.dumps(data)))
    Policy.model_validate(data)
