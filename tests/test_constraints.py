"""constraints.txt is what `make test` and CI install from: every dependency must be pinned there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {canonical(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0]) for req in requirements}


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt:{number}: {line!r} is not pinned with =="
        found[canonical(name)] = version
    return found


def test_every_declared_dependency_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = requirement_names(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared |= requirement_names(extra)
    declared |= requirement_names(tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"])
    missing = sorted(declared - set(pins()) - {"tos-check"})
    assert missing == [], f"not pinned in constraints.txt (run `make lock`): {missing}"
