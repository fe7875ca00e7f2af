"""Load the fingerprint catalog: YAML files read with the project's loader, validated, ids checked unique.

Every problem in every file is reported at once, as `path:line: message`, like the identity catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tos_check.fingerprints.model import CatalogFile, Fingerprint
from tos_check.hookspecs import hookimpl
from tos_check.problems import InputError, Problem
from tos_check.validation import load_valid_files

BUILTIN_DIR = Path(__file__).resolve().parent / "catalog"


def builtin_paths() -> list[Path]:
    """The packaged catalog files in a stable order: library order (which match wins a tie) follows it."""
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def load_fingerprints(paths: Iterable[Path]) -> list[Fingerprint]:
    """Every fingerprint of the files, in file order then entry order; raises InputError with all problems."""
    problems: list[Problem] = []
    found: list[Fingerprint] = []
    first: dict[str, str] = {}
    for doc, data in load_valid_files(paths, CatalogFile, problems):
        for i, fingerprint in enumerate(data.fingerprints):
            line = doc.line_of(("fingerprints", i, "id"))
            where = f"{doc.path}:{line}" if line is not None else doc.path
            if fingerprint.id in first:
                message = (
                    f"fingerprint id {fingerprint.id!r} is defined twice (first at {first[fingerprint.id]}); rename one"
                )
                problems.append(Problem(doc.path, line, message))
                continue
            first[fingerprint.id] = where
            found.append(fingerprint)
    if problems:
        raise InputError(problems)
    return found


@hookimpl
def register_fingerprint_files(register: Callable[[Path], None]) -> None:
    for path in builtin_paths():
        register(path)
