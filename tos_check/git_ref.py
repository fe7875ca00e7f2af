"""The scanned paths as they were at a git commit, for `scan --since REF`: only findings that are new
compared with that commit are reported, as reviewers want on a pull request.

Read with git (`rev-parse`, `ls-tree`, `archive`) into a temporary folder outside the work tree: nothing is
written to the repository, its index or its work tree.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tos_check.problems import InputError, Problem

OPTION = "--since"


@dataclass(frozen=True)
class RefTree:
    ref: str
    commit: str
    root: Path
    """The repository's top folder in the work tree."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError([Problem(OPTION, None, "git is not installed; --since reads the ref with git")]) from None


def resolve_ref(ref: str, paths: list[Path]) -> RefTree:
    """The commit REF names, in the repository holding the first path; InputError if there is none."""
    start = paths[0] if paths[0].is_dir() else paths[0].parent
    top = _git(start.resolve(), "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError([Problem(str(paths[0]), None, f"not inside a git repository; {OPTION} needs one")])
    root = Path(top.stdout.decode().strip())
    if ref.startswith("-"):
        raise InputError([Problem(OPTION, None, f"{ref!r} is not a git ref")])
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise InputError([Problem(OPTION, None, f"{ref!r} is not a commit in {root} (unknown ref, or not fetched)")])
    for path in paths:
        try:
            path.resolve().relative_to(root)
        except ValueError:
            raise InputError([Problem(str(path), None, f"outside the git repository {root}")]) from None
    return RefTree(ref, found.stdout.decode().strip(), root)


def export(tree: RefTree, paths: list[Path], into: Path) -> list[Path]:
    """Write the paths as they were at the commit under `into`; returns where each one now is. A path that
    did not exist then gives an empty folder: everything in it is new."""
    relative = [path.resolve().relative_to(tree.root) for path in paths]
    present = [str(rel) for rel in relative if str(rel) == "." or _exists(tree, rel)]
    if present:
        archive = _git(tree.root, "archive", "--format=tar", tree.commit, "--", *present)
        if archive.returncode != 0:
            message = archive.stderr.decode(errors="replace").strip()
            raise InputError([Problem(OPTION, None, f"git archive of {tree.ref} failed: {message}")])
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, filter="data")
            else:  # Python before 3.11.4: keep what the data filter would, by hand
                tar.extractall(into, members=[m for m in tar.getmembers() if _inside(m)])
    mapped = []
    for rel in relative:
        target = into / rel
        if not target.exists():
            target.mkdir(parents=True, exist_ok=True)
        mapped.append(target)
    return mapped


def moved(tree: RefTree, path: Path, into: Path) -> Path:
    """Where a work-tree path is in the export under `into` (the export's top for a path outside the
    repository): the current folder, for finding the config as it was."""
    resolved = path.resolve()
    return into / resolved.relative_to(tree.root) if resolved.is_relative_to(tree.root) else into


def _exists(tree: RefTree, rel: Path) -> bool:
    listed = _git(tree.root, "ls-tree", "--name-only", tree.commit, "--", str(rel))
    return listed.returncode == 0 and bool(listed.stdout.strip())


def _inside(member: tarfile.TarInfo) -> bool:
    """A regular file, folder or link that stays inside the extraction folder."""
    name = Path(member.name)
    if name.is_absolute() or ".." in name.parts:
        return False
    if member.issym() or member.islnk():
        target = Path(member.linkname)
        return not target.is_absolute() and ".." not in (name.parent / target).parts
    return member.isfile() or member.isdir()
