"""The declared use: what the scanned data is about to be used for. Every clause is evaluated against it.

It is read from `tos-check.yaml` (under `use:`), from `[tool.tos-check.use]` in pyproject.toml, or from a
file given to `--use`. Unknown keys and bad values are errors with file and line: a typo in a compliance
setting must never fall back to a default silently.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check.loader import Document, load_document, read_text
from tos_check.problems import InputError, Problem
from tos_check.validation import validate_model

Activity = Literal["train", "fine_tune", "distill", "evaluate", "generate_data", "other"]
ModelKind = Literal["llm", "multimodal", "embedding", "classifier", "other"]

TRAINING_ACTIVITIES: frozenset[str] = frozenset({"train", "fine_tune", "distill"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelBeingBuilt(_Strict):
    name: str | None = Field(None, description="Name of the model being built; naming obligations check it.")
    kind: ModelKind = "llm"
    base: str | list[str] | None = Field(None, description="Base model(s) the new model starts from.")
    general_purpose: bool = True

    @property
    def bases(self) -> list[str]:
        if self.base is None:
            return []
        return [self.base] if isinstance(self.base, str) else list(self.base)


class Organization(_Strict):
    monthly_active_users: int | None = Field(None, ge=0)


class DeclaredUse(_Strict):
    """Defaults are the cautious reading: a public, commercial, general-purpose LLM trained on the data."""

    activity: Activity | list[Activity] = "train"
    model: ModelBeingBuilt = ModelBeingBuilt()
    distribution: Literal["internal", "public"] = "public"
    commercial: bool = True
    competes_with: Literal["auto", "none"] | list[str] = "auto"
    organization: Organization = Organization()
    posture: Literal["strict", "contractual"] = "strict"

    @property
    def activities(self) -> list[str]:
        return [self.activity] if isinstance(self.activity, str) else list(self.activity)

    def competes_with_provider(self, provider: str) -> bool:
        """`auto`: a general-purpose LLM (or multimodal model) competes with every LLM provider."""
        if self.competes_with == "none":
            return False
        if self.competes_with == "auto":
            return self.model.general_purpose and self.model.kind in ("llm", "multimodal")
        return provider in self.competes_with


class UseSource(BaseModel):
    """Where the declared use came from, so that reports can say which file decided it."""

    use: DeclaredUse
    path: str | None
    assumed: bool = False


def load_use_file(path: Path) -> UseSource:
    """A `--use FILE`: the file is the declared use itself (or a tos-check.yaml with a `use:` key)."""
    doc = load_document(path, str(path))
    data = doc.data
    if isinstance(data, dict) and set(data) == {"use"}:
        return UseSource(use=validate_model(DeclaredUse, doc, data["use"], ("use",)), path=str(path))
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), doc.line_of(()), "a declared use must be a mapping of keys")])
    return UseSource(use=validate_model(DeclaredUse, doc, data), path=str(path))


def use_from_config(doc: Document) -> DeclaredUse | None:
    data = doc.data
    if not isinstance(data, dict) or data.get("use") is None:
        return None
    return validate_model(DeclaredUse, doc, data["use"], ("use",))


def load_pyproject_use(path: Path) -> UseSource | None:
    """`[tool.tos-check.use]` in pyproject.toml; lines are found by key, since tomllib keeps none."""
    text = read_text(path, str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_error_line(str(exc))
        raise InputError([Problem(str(path), line, f"invalid TOML: {exc}")]) from None
    except RecursionError:
        raise InputError([Problem(str(path), None, "invalid TOML: nested too deep to read")]) from None
    section: dict[str, object] = data
    keys = ("tool", "tos-check", "use")
    for depth, key in enumerate(keys, start=1):
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            name = ".".join(keys[:depth])
            raise InputError(
                [Problem(str(path), None, f"{name} must be a table, so that [tool.tos-check.use] can be read")]
            )
        section = value
    doc = Document(str(path), {"use": section}, None, lambda: _toml_lines(text, section))
    return UseSource(use=validate_model(DeclaredUse, doc, section, ("use",)), path=str(path))


def _toml_error_line(message: str) -> int | None:
    """Python before 3.14 gives the line only inside its message."""
    marker = "(at line "
    if marker in message:
        digits = message.split(marker, 1)[1].split(",", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def _toml_lines(text: str, section: dict[str, object]) -> dict[tuple[str | int, ...], int]:
    lines: dict[tuple[str | int, ...], int] = {}
    in_use = False
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            header = line.strip("[] ")
            in_use = header == "tool.tos-check.use" or header.startswith("tool.tos-check.use.")
            table = tuple(header.split(".")[3:]) if in_use else ()
            if in_use:
                lines.setdefault(("use", *table), number)
            continue
        if in_use and "=" in line and not line.startswith("#"):
            key = line.split("=", 1)[0].strip().strip('"')
            lines[("use", *table, *key.split("."))] = number
    return lines
