"""The one path walker: every file under the scanned paths, once, in a stable order, never into a loop.

Folders are followed through symlinks (the Hugging Face cache is made of them) but each real folder is
entered once, so a symlink loop ends the walk of that branch with a problem instead of running forever.
Files tos-check wrote itself (reports, baselines, gate summaries; `report/signature.py`) found in a folder
are skipped: a report left in the scanned folder must not change the next scan. A file named on the
command line is read as asked.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tos_check.encodings import WIDE, bom_encoding, head_as_utf8
from tos_check.problems import Problem
from tos_check.report.signature import is_own_output

HEAD_BYTES = 8192
"""How much of a file `ScanFile.head` holds: enough for every source to recognise what the file is."""

OUTPUT_SUFFIXES = frozenset({".json", ".sarif", ".xml", ".md", ".markdown", ".html", ".htm"})
"""Suffixes tos-check's outputs are written with; only these files are opened to look for its signature."""

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
        file once each. None lets a source claim an unreadable file so that its `read` reports why. A
        UTF-16/32 file (with its byte-order mark) is given as UTF-8, so every source recognises it as it
        would the same file saved as UTF-8; `encoding` says what is on disk.
        """
        return self._peek[0]

    @property
    def head_error(self) -> str | None:
        return self._peek[1]

    @property
    def encoding(self) -> str | None:
        """`UTF-16-LE`, `UTF-32-BE`… when a byte-order mark says the text is not UTF-8; None otherwise."""
        return self._peek[2]

    def release_head(self) -> None:
        """Forget the head once every source has looked: the scan keeps its list of files to the end, and
        8 KiB each would add up to hundreds of MB over a large tree."""
        vars(self).pop("_peek", None)

    @cached_property
    def _peek(self) -> tuple[bytes | None, str | None, str | None]:
        try:
            with self.path.open("rb") as handle:
                head = handle.read(HEAD_BYTES)
        except OSError as exc:
            return None, exc.strerror or str(exc), None
        encoding = bom_encoding(head)
        if encoding in WIDE:
            return head_as_utf8(head, encoding), None, encoding
        return head, None, None


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
        except OSError as exc:
            missing = isinstance(exc, FileNotFoundError) and not root.is_symlink()
            message = "no such file or folder; check the path given to scan" if missing else _special(str(root))
            problems.append(Problem(display, None, message))
            continue
        if stat.S_ISDIR(info.st_mode):
            files.extend(_walk_dir(root, display, problems, seen_files))
        elif not stat.S_ISREG(info.st_mode):
            problems.append(Problem(display, None, _special(str(root))))
        elif (info.st_dev, info.st_ino) not in seen_files:
            seen_files.add((info.st_dev, info.st_ino))
            files.append(ScanFile(root, display, root.name))
    return Walk(files, problems)


KINDS = {
    stat.S_IFIFO: "a pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _not_a_file(mode: int, through_link: bool) -> str:
    """What a path that is neither a file nor a folder is: reading a pipe or /dev/zero would never end."""
    kind = KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return f"{'a symlink to ' if through_link else ''}{kind}, not a file; skipped"


def _special(path: str) -> str:
    """Neither a file nor a folder: say which, so the user knows what to fix (a link to /dev/zero is not broken).
    The same words for a path given to scan and for one found in a folder."""
    try:
        link = os.path.islink(path)
        return _not_a_file(os.stat(path, follow_symlinks=True).st_mode, link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop (the link leads back to itself); skipped"
        if exc.errno == errno.ENOENT:
            return "broken symlink (what it points to does not exist); skipped"
        return f"cannot read: {exc.strerror or exc}"


def own_output(file: ScanFile) -> bool:
    """Written by tos-check (its first bytes say so). The head read here is the one sources use next."""
    suffixes = file.path.suffixes
    if not suffixes or suffixes[-1].lower() not in OUTPUT_SUFFIXES:
        return False
    return file.head is not None and is_own_output(file.head)


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
            except OSError:
                problems.append(Problem(child, None, _special(entry.path)))
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
                found = ScanFile(Path(entry.path), child, below)
                if not own_output(found):
                    yield found
            else:
                problems.append(Problem(child, None, _special(entry.path)))
        stack.extend(reversed(subfolders))
