"""The scanned paths as they were at a git commit, for `scan --since REF`: findings that scan has too are
`unchanged`, as reviewers want on a pull request.

Read with git's plumbing (`rev-parse`, `ls-tree`, `cat-file --batch`) into a temporary folder outside the
work tree: nothing is written to the repository, its index or its work tree, and no archive format or
attribute (`export-ignore`) stands between the commit and what is scanned. A committed symlink is made
again where it leads: into the copy when it leads to a copied path of the repository, else to where it
leads from the work tree (as the scan of the work tree reads it), so a link never breaks the comparison.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from tos_check.problems import InputError, Problem

OPTION = "--since"
CHUNK = 1 << 20


@dataclass(frozen=True)
class RefTree:
    ref: str
    commit: str
    root: Path
    """The repository's top folder in the work tree."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:  # cwd always exists (resolve_ref sees to it): it is git that is missing
        raise InputError([Problem(OPTION, None, "git is not installed; --since reads the ref with git")]) from None


def _git_says(done: subprocess.CompletedProcess[bytes]) -> str:
    """git's own reason (dubious ownership, a broken repository…), on the one line a problem has."""
    words = " ".join(done.stderr.decode(errors="replace").split())
    return f" (git: {words})" if words else ""


def resolve_ref(ref: str, paths: list[Path]) -> RefTree:
    """The commit REF names, in the repository holding the first path; InputError if there is none."""
    start = paths[0].absolute()
    while not start.is_dir():  # a path that does not exist now is the walker's to report, not git's
        start = start.parent
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(
            [Problem(str(paths[0]), None, f"not inside a git repository; {OPTION} needs one{_git_says(top)}")]
        )
    root = Path(top.stdout.decode().strip())
    if ref.startswith("-"):
        raise InputError([Problem(OPTION, None, f"{ref!r} is not a git ref")])
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise InputError(
            [
                Problem(
                    OPTION,
                    None,
                    f"{ref!r} is not a commit in {root} (unknown ref, or not fetched){_git_says(found)}",
                )
            ]
        )
    for path in paths:
        try:
            path.resolve().relative_to(root)
        except ValueError:
            raise InputError([Problem(str(path), None, f"outside the git repository {root}")]) from None
    return RefTree(ref, found.stdout.decode().strip(), root)


@dataclass(frozen=True)
class _Entry:
    mode: str
    object: str
    path: PurePosixPath


def export(tree: RefTree, paths: list[Path], into: Path) -> list[Path]:
    """Write the paths as they were at the commit under `into`; returns where each one now is. A path that
    did not exist then gives an empty folder: everything in it is new."""
    relative = [path.resolve().relative_to(tree.root) for path in paths]
    entries = _list(tree, [rel.as_posix() for rel in relative])
    files = [e for e in entries if e.mode in ("100644", "100755")]
    links = [e for e in entries if e.mode == "120000"]
    # Files first, links last: no file is ever written through a link made here.
    try:
        with _Blobs(tree) as blobs:
            for entry in files:
                target = into / entry.path
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as handle:
                    blobs.copy(entry.object, handle)
            for entry in links:
                target = into / entry.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(_link_target(tree, entry.path, os.fsdecode(blobs.read(entry.object)), into))
    except OSError as exc:  # a full temporary folder, most likely
        raise InputError([Problem(str(into), None, f"cannot copy {tree.ref} here: {exc.strerror or exc}")]) from None
    mapped = []
    for rel in relative:
        target = into / rel
        if not target.exists() and not target.is_symlink():
            target.mkdir(parents=True, exist_ok=True)
        mapped.append(target)
    return mapped


def _list(tree: RefTree, pathspecs: list[str]) -> list[_Entry]:
    """Every blob under the paths at the commit (submodules have none here, as in a fresh clone)."""
    listed = _git(tree.root, "--literal-pathspecs", "ls-tree", "-r", "-z", tree.commit, "--", *pathspecs)
    if listed.returncode != 0:
        raise InputError([Problem(OPTION, None, f"cannot list the files of {tree.ref}{_git_says(listed)}")])
    entries = []
    for record in listed.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, obj = meta.decode().split()
        path = PurePosixPath(os.fsdecode(name))
        if kind == "blob" and not path.is_absolute() and ".." not in path.parts:
            entries.append(_Entry(mode, obj, path))
    return entries


def _link_target(tree: RefTree, link: PurePosixPath, stored: str, into: Path) -> Path:
    """Where the link leads from the work tree: the same place in the copy when that is a copied part of
    the repository, else that place itself (outside the repository, or not copied: read as it is now)."""
    leads_to = Path(os.path.normpath(tree.root / link.parent / stored))
    if leads_to.is_relative_to(tree.root):
        copied = into / leads_to.relative_to(tree.root)
        if copied.exists() or copied.is_symlink():
            return copied
    return leads_to


class _Blobs:
    """One `git cat-file --batch` for every blob, each streamed to its file: a large tree is never held
    in memory whole."""

    def __init__(self, tree: RefTree) -> None:
        self.tree = tree
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Blobs:
        return self

    def __exit__(self, *_: object) -> None:
        """Both pipes closed before waiting: git stopped halfway through a blob (a failed write here) would
        otherwise wait forever for the rest to be read."""
        if self.process is not None:
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.close()
            self.process.stdout.close()
            self.process.wait()

    def _open(self, obj: str) -> tuple[IO[bytes], int]:
        if self.process is None:
            self.process = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.tree.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(obj.encode() + b"\n")
        self.process.stdin.flush()
        header = self.process.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise InputError([Problem(OPTION, None, f"cannot read object {obj} of {self.tree.ref} with git")])
        return self.process.stdout, int(header[2])

    def copy(self, obj: str, handle: IO[bytes]) -> None:
        out, left = self._open(obj)
        while left:
            chunk = out.read(min(CHUNK, left))
            if not chunk:
                raise InputError([Problem(OPTION, None, f"git stopped while reading {obj} of {self.tree.ref}")])
            handle.write(chunk)
            left -= len(chunk)
        out.read(1)  # the newline after each object

    def read(self, obj: str) -> bytes:
        out, size = self._open(obj)
        data = out.read(size)
        out.read(1)
        return data


def at_ref(tree: RefTree, into: Path, problems: list[Problem]) -> list[Problem]:
    """Problems found in the copy, named as in the repository at the ref (`HEAD~1:tos-check.yaml:3`): the
    temporary folder is gone when the user reads the message."""
    named = []
    for problem in problems:
        path = Path(problem.path)
        if path.is_relative_to(into):
            path_at_ref = f"{tree.ref}:{path.relative_to(into).as_posix()}"
            named.append(Problem(path_at_ref, problem.line, problem.message))
        else:
            named.append(problem)
    return named


def moved(tree: RefTree, path: Path, into: Path) -> Path:
    """Where a work-tree path is in the export under `into` (the export's top for a path outside the
    repository): the current folder, for finding the config as it was."""
    resolved = path.resolve()
    return into / resolved.relative_to(tree.root) if resolved.is_relative_to(tree.root) else into
