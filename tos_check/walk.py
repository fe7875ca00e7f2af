"""The one path walker: every file under the scanned paths, once, in a stable order, never into a loop.

Folders are followed through symlinks (the Hugging Face cache is made of them) but each real folder is
entered once, so a symlink loop ends the walk of that branch with a problem instead of running forever.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tos_check.problems import Problem

HEAD_BYTES = 8192
"""How much of a file `ScanFile.head` holds: enough for every source to recognise what the file is."""

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"})


@dataclass(frozen=True)
class ScanFile:
    path: Path
    display: str
    """The path as reports show it: the scanned path as given, then the rest, with forward slashes."""
    relative: str = ""
    """The path below the scanned folder: what ids are made of, so they do not depend on where a repo lives."""

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.display)

    @property
    def head(self) -> bytes | None:
        """The first `HEAD_BYTES` of the file, or None when it cannot be opened (`head_error` says why).

        Sources that recognise a file by its first bytes share this one read instead of opening the
        file once each. None lets a source claim an unreadable file so that its `read` reports why.
        """
        return self._peek[0]

    @property
    def head_error(self) -> str | None:
        return self._peek[1]

    def release_head(self) -> None:
        """Forget the head once every source has looked: the scan keeps its list of files to the end, and
        8 KiB each would add up to hundreds of MB over a large tree."""
        vars(self).pop("_peek", None)

    @cached_property
    def _peek(self) -> tuple[bytes | None, str | None]:
        try:
            with self.path.open("rb") as handle:
                return handle.read(HEAD_BYTES), None
        except OSError as exc:
            return None, exc.strerror or str(exc)


@dataclass
class Walk:
    files: list[ScanFile]
    problems: list[Problem]


def walk(paths: list[Path]) -> Walk:
    files: list[ScanFile] = []
    problems: list[Problem] = []
    seen_files: set[tuple[int, int]] = set()
    for root in paths:
        display = _display(str(root))
        try:
            info = root.stat()
        except FileNotFoundError:
            what = "broken symlink" if root.is_symlink() else "no such file or folder"
            problems.append(Problem(display, None, f"{what}; check the path given to scan"))
            continue
        except OSError as exc:
            problems.append(Problem(display, None, f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(info.st_mode):
            files.extend(_walk_dir(root, display, problems, seen_files))
        elif not stat.S_ISREG(info.st_mode):
            problems.append(Problem(display, None, "not a regular file (a pipe, socket or device); skipped"))
        elif (info.st_dev, info.st_ino) not in seen_files:
            seen_files.add((info.st_dev, info.st_ino))
            files.append(ScanFile(root, display, root.name))
    return Walk(files, problems)


def _display(text: str) -> str:
    normal = posixpath.normpath(text.replace(os.sep, "/"))
    return normal


def _walk_dir(
    root: Path, display: str, problems: list[Problem], seen_files: set[tuple[int, int]]
) -> Iterator[ScanFile]:
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str, str]] = [(root, display, "")]
    while stack:
        folder, shown, relative = stack.pop()
        try:
            info = folder.stat()
        except OSError as exc:
            problems.append(Problem(shown, None, f"cannot enter folder: {exc.strerror or exc}"))
            continue
        key = (info.st_dev, info.st_ino)
        if key in visited:
            problems.append(
                Problem(shown, None, "symlink loop: this folder was already scanned through another path; skipped")
            )
            continue
        visited.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(shown, None, f"cannot list folder: {exc.strerror or exc}"))
            continue
        subfolders: list[tuple[Path, str, str]] = []
        for entry in entries:
            child = posixpath.join(shown, entry.name) if shown != "." else entry.name
            below = f"{relative}/{entry.name}" if relative else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError as exc:
                problems.append(Problem(child, None, f"cannot read: {exc.strerror or exc}"))
                continue
            if is_dir:
                if entry.name == ".git" and os.path.isfile(os.path.join(entry.path, "HEAD")):
                    # A repository's history is read by the git source (with git); its internals are never walked.
                    yield ScanFile(Path(entry.path, "HEAD"), posixpath.join(child, "HEAD"), f"{below}/HEAD")
                elif entry.name not in SKIPPED_DIRS:
                    subfolders.append((Path(entry.path), child, below))
            elif is_file:
                try:
                    target = entry.stat()  # follows a symlink: the file it leads to is read once
                except OSError as exc:
                    problems.append(Problem(child, None, f"cannot read: {exc.strerror or exc}"))
                    continue
                file_key = (target.st_dev, target.st_ino)
                if file_key in seen_files:
                    continue
                seen_files.add(file_key)
                yield ScanFile(Path(entry.path), child, below)
            elif entry.is_symlink():
                problems.append(Problem(child, None, "broken symlink or symlink loop; skipped"))
            else:
                problems.append(Problem(child, None, "not a regular file (a pipe, socket or device); skipped"))
        stack.extend(reversed(subfolders))
