"""Turn pydantic and JSON Schema errors into `path:line: message` problems a user can act on."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
from pydantic import BaseModel, ValidationError

from tos_check.loader import Document, Loc, load_document
from tos_check.problems import InputError, Problem

M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], doc: Document, data: Any = None, base: Loc = ()) -> M:
    """Validate `data` (default: the whole document) into `model`, or raise with one problem per error."""
    value = doc.data if data is None else data
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InputError(list(pydantic_problems(exc, doc, value, base))) from None


def load_valid_files(paths: Iterable[Path], model: type[M], problems: list[Problem]) -> list[tuple[Document, M]]:
    """Each file read and validated into `model`; a file that cannot be is left out, its problems added to
    `problems`, so that a catalog reports every problem in every file at once."""
    loaded: list[tuple[Document, M]] = []
    for path in paths:
        try:
            doc = load_document(path)
            loaded.append((doc, validate_model(model, doc)))
        except InputError as exc:
            problems.extend(exc.problems)
    return loaded


def pydantic_problems(exc: ValidationError, doc: Document, value: Any, base: Loc = ()) -> Iterable[Problem]:
    for err in exc.errors():
        loc = (*base, *_data_loc(err["loc"], value))
        yield Problem(doc.path, doc.line_of(loc), _pydantic_message(err, loc, base))


def schema_problems(schema: dict[str, Any], doc: Document, data: Any = None, base: Loc = ()) -> list[Problem]:
    """Every JSON Schema violation, reported at its deepest cause with the schema path that rejected it."""
    value = doc.data if data is None else data
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = []
    for error in validator.iter_errors(value):
        leaf = _deepest(error)
        loc: Loc = (*base, *leaf.absolute_path)
        extra = _extra_keys(leaf)
        if extra:
            loc = (*loc, extra[0])  # point at the unknown key itself
        where = ".".join(str(p) for p in loc[: len(base) + len(leaf.absolute_path)]) or "(top level)"
        schema_path = "/".join(str(p) for p in leaf.absolute_schema_path)
        problems.append(Problem(doc.path, doc.line_of(loc), f"{where}: {_schema_message(leaf)} ({schema_path})"))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.message))


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For anyOf/oneOf failures, the branch that got furthest explains the mistake best."""
    if not error.context:
        return error
    best = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.absolute_schema_path)))
    if len(best.absolute_path) <= len(error.absolute_path) and error.validator in ("anyOf", "oneOf"):
        # No branch got further into the data: the value's shape is wrong; say which shapes are allowed.
        return error
    return _deepest(best)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(_properties(error)))
        return f"unknown key {', '.join(map(repr, _extra_keys(error)))}; allowed keys: {allowed}"
    if error.validator in ("anyOf", "oneOf"):
        return f"{_short(error.instance)} does not match any allowed form"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        return f"{_short(error.instance)} is not one of {', '.join(map(repr, error.validator_value))}"
    if error.validator == "const":
        return f"{_short(error.instance)} must be {error.validator_value!r}"
    return str(error.message)


def _properties(error: jsonschema.ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return [str(k) for k in schema.get("properties") or {}]


def _extra_keys(error: jsonschema.ValidationError) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    return sorted(str(k) for k in set(error.instance) - set(_properties(error)))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _data_loc(loc: tuple[int | str, ...], value: Any) -> Loc:
    """Drop the union-branch labels pydantic puts in locations (`list[str]`, `function-after[...]`); keep
    the keys and indexes of the data. The data decides: a key the file really has is kept even when it
    looks like a label (a key `([` written by mistake must still be named)."""
    out: list[str | int] = []
    node = value
    for part in loc:
        in_data = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not in_data and isinstance(part, str) and ("[" in part or part.startswith("function-")):
            continue
        node = node[part] if in_data else None  # a missing key is named; nothing below it is data
        out.append(part)
    return tuple(out)


def _pydantic_message(err: Any, loc: Loc, base: Loc) -> str:
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = ".".join(str(p) for p in loc[:-1]) or "the top level"
        return f"unknown key {loc[-1]!r} in {parent}; check the spelling against the documented keys"
    if kind == "missing":
        return f"{where}: required key is missing"
    return f"{where}: {err['msg']}"
