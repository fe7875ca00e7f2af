"""The JSON Schemas users validate against, generated from the models that tos-check itself uses.

The committed `*.schema.json` files are what `tos-check schema NAME` prints and what loading validates
with; `python -m tos_check.schemas` rewrites them, and a test fails when they differ from the models.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel

SCHEMA_NAMES = ("policy", "use", "manifest", "report")
BASE_ID = "https://tos-check.dev/schemas/"


def _model(name: str) -> type[BaseModel]:
    if name == "policy":
        from tos_check.policy.model import Policy

        return Policy
    if name == "use":
        from tos_check.use import DeclaredUse

        return DeclaredUse
    if name == "manifest":
        from tos_check.sources.manifest import Manifest

        return Manifest
    if name == "report":
        from tos_check.report.model import Report

        return Report
    raise KeyError(name)


def generate_schema(name: str) -> dict[str, Any]:
    # A report is output (serialized); the others are input that tos-check validates.
    if name == "report":
        schema = _model(name).model_json_schema(by_alias=True, mode="serialization")
    else:
        schema = _model(name).model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE_ID}{name}.schema.json", **schema}


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_text(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def write_all() -> None:
    folder = resources.files(__package__)
    for name in SCHEMA_NAMES:
        path = folder.joinpath(f"{name}.schema.json")
        with resources.as_file(path) as file:
            file.write_text(render_schema(generate_schema(name)), encoding="utf-8")
