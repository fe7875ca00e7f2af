from __future__ import annotations

import os
from pathlib import Path

from tos_check.walk import walk


def test_walk_is_sorted_and_skips_vcs_and_venv(tmp_path: Path) -> None:
    for name in ["b/x.yaml", "a/y.md", "a/z/w.json", ".git/config", ".venv/lib/site.py", "top.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    result = walk([tmp_path])
    shown = [f.display[len(str(tmp_path)) + 1 :] for f in result.files]
    assert shown == ["top.yaml", "a/y.md", "a/z/w.json", "b/x.yaml"]
    assert result.problems == []


def test_symlink_loop_ends_with_a_problem(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "card.md").write_text("x")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    result = walk([tmp_path])
    assert [f.path.name for f in result.files] == ["card.md"]
    assert any("symlink loop" in p.message for p in result.problems)


def test_broken_symlink_and_missing_path(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone", tmp_path / "dangling.yaml")
    result = walk([tmp_path, tmp_path / "nope"])
    messages = sorted(p.message for p in result.problems)
    assert any("broken symlink" in m for m in messages)
    assert any("no such file or folder" in m for m in messages)


def test_symlinked_file_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "blob").write_text("x")
    os.symlink(tmp_path / "blob", tmp_path / "README.md")
    result = walk([tmp_path])
    assert len(result.files) == 1


def test_display_keeps_the_path_as_given(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "proj" / "data").mkdir(parents=True)
    (tmp_path / "proj" / "data" / "README.md").write_text("x")
    monkeypatch.chdir(tmp_path)
    result = walk([Path("./proj/")])
    assert [f.display for f in result.files] == ["proj/data/README.md"]
    assert result.files[0].folder == "proj/data"


def test_special_files_are_reported_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")  # reading it would block the scan forever
    result = walk([tmp_path])
    assert result.files == []
    assert [p.message for p in result.problems] == ["not a regular file (a pipe, socket or device); skipped"]
    given = walk([tmp_path / "pipe.jsonl"])
    assert given.files == [] and len(given.problems) == 1


def test_a_repository_yields_its_head_and_nothing_inside_git(tmp_path: Path) -> None:
    for name in [".git/HEAD", ".git/config", ".git/objects/ab/cdef", "README.md"]:
        (tmp_path / "repo" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "repo" / name).write_text("x")
    shown = [f.relative for f in walk([tmp_path]).files]
    assert shown == ["repo/.git/HEAD", "repo/README.md"]
