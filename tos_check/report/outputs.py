"""Where each report goes. `--format NAME[=PATH]` is repeatable, so one scan writes every report CI needs
(`--format sarif=tos.sarif --format junit=tos.xml`); a format without a path goes to `--output`, or to
stdout; `-` as a path is stdout, as for most command-line tools. Files are written whole or not at all: to
a temporary file beside the target, then renamed over it, so a reader (an upload step, a browser) never
sees half a report."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tos_check.atomic import commit, create, discard, temporary_path
from tos_check.problems import InputError, Problem


@dataclass(frozen=True)
class Output:
    format: str
    path: Path | None
    """None: stdout."""


STDOUT = "-"


class OutputSpecError(ValueError):
    """A --format/--output combination that cannot be what the user meant; the message says why."""


def parse_outputs(specs: Collection[str], output: Path | None, available: Collection[str]) -> list[Output]:
    if not specs:
        specs = ["text"]
    outputs = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        name = name.strip()
        if name not in available:
            raise OutputSpecError(f"unknown format {name!r}; available: {', '.join(sorted(available))}")
        if sep and not path.strip():
            raise OutputSpecError(f"{spec!r} names no file; write {name}=PATH, or {name} alone for stdout")
        outputs.append(Output(name, Path(path) if sep and path.strip() != STDOUT else None))
    unplaced = [o for o in outputs if o.path is None]
    if output is not None and str(output) != STDOUT:
        if len(unplaced) != 1:
            raise OutputSpecError(
                "--output names one file, for the one format given without a path; give each format its own "
                "file with --format NAME=PATH"
            )
        outputs = [Output(o.format, output) if o.path is None else o for o in outputs]
    elif len(unplaced) > 1:
        formats = ", ".join(o.format for o in unplaced)
        raise OutputSpecError(f"only one report can go to stdout ({formats} would); write the others to files")
    targets = [os.path.abspath(o.path) for o in outputs if o.path is not None]
    doubled = sorted({t for t in targets if targets.count(t) > 1})
    if doubled:
        raise OutputSpecError(f"two reports would be written to {doubled[0]}")
    return outputs


def unwritable(outputs: list[Output]) -> list[Problem]:
    """Checked before the scan, so a typo in a path does not cost a long scan first."""
    problems = []
    for out in outputs:
        if out.path is None:
            continue
        folder = out.path.parent
        if out.path.is_dir():
            why = "is a folder"
        elif not folder.is_dir():
            why = f"its folder {str(folder)!r} does not exist"
        elif not os.access(folder, os.W_OK | os.X_OK):
            why = "its folder is not writable"
        elif out.path.exists() and not os.access(out.path, os.W_OK):
            why = "the file is not writable"
        else:
            continue
        problems.append(Problem(str(out.path), None, f"cannot write the {out.format} report here: {why}"))
    return problems


def write_atomically(path: Path, text: str) -> None:
    """Raises InputError naming the file when the write fails; the target is then untouched, and no
    temporary file is left behind, whatever ended the write (Ctrl-C too)."""
    tmp = temporary_path(path)
    try:
        with os.fdopen(create(tmp), "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        commit(tmp, path)
    except BaseException as exc:
        discard(tmp)
        if isinstance(exc, OSError):
            raise InputError([Problem(str(path), None, f"cannot write the report: {exc.strerror or exc}")]) from None
        raise
