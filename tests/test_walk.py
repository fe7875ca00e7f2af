from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pytest import MonkeyPatch

from tos_check.plugins import sources
from tos_check.walk import HEAD_BYTES, walk


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
    assert "broken symlink (what it points to does not exist); skipped" in messages
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
    assert [str(p) for p in result.problems] == [f"{tmp_path}/pipe.jsonl: a pipe, not a file; skipped"]
    given = walk([tmp_path / "pipe.jsonl"])
    assert given.files == [] and [p.message for p in given.problems] == ["a pipe, not a file; skipped"]


def test_a_link_to_a_device_says_so_and_is_never_read(tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "records.jsonl")  # reading it would never end
    os.symlink("records.jsonl", tmp_path / "again.jsonl")  # a link to that link
    os.symlink(tmp_path / "self.yaml", tmp_path / "self.yaml")
    result = walk([tmp_path])
    assert result.files == []
    assert sorted(p.message for p in result.problems) == [
        "a symlink to a character device, not a file; skipped",
        "a symlink to a character device, not a file; skipped",
        "symlink loop (the link leads back to itself); skipped",
    ]
    given = walk([tmp_path / "records.jsonl"])
    assert [p.message for p in given.problems] == ["a symlink to a character device, not a file; skipped"]


def test_a_path_given_to_scan_gets_the_same_words_as_one_found_in_a_folder(tmp_path: Path) -> None:
    os.symlink(tmp_path / "self.yaml", tmp_path / "self.yaml")
    os.symlink(tmp_path / "gone", tmp_path / "dangling.yaml")
    given = walk([tmp_path / "self.yaml", tmp_path / "dangling.yaml", tmp_path / "missing.yaml"])
    assert given.files == []
    assert [p.message for p in given.problems] == [
        "symlink loop (the link leads back to itself); skipped",
        "broken symlink (what it points to does not exist); skipped",
        "no such file or folder; check the path given to scan",
    ]


def test_a_repository_yields_its_head_and_nothing_inside_git(tmp_path: Path) -> None:
    for name in [".git/HEAD", ".git/config", ".git/objects/ab/cdef", "README.md"]:
        (tmp_path / "repo" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "repo" / name).write_text("x")
    shown = [f.relative for f in walk([tmp_path]).files]
    assert shown == ["repo/.git/HEAD", "repo/README.md"]


def test_relative_paths_are_below_the_scanned_folder(tmp_path: Path) -> None:
    (tmp_path / "proj" / "data" / "deep").mkdir(parents=True)
    (tmp_path / "proj" / "data" / "deep" / "card.md").write_text("x")
    (tmp_path / "proj" / "top.yaml").write_text("x")
    files = walk([tmp_path / "proj"]).files
    assert [f.relative for f in files] == ["top.yaml", "data/deep/card.md"]


def test_every_source_claims_from_one_shared_read_of_the_head(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n" + "x" * 20_000)
    (tmp_path / "train.yaml").write_text("base_model: m\ndatasets:\n  - path: d\n")
    (tmp_path / "meta.json").write_text('{"bomFormat": "CycloneDX"}')
    registered = sources()  # loads what sources need before counting
    opened: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == tmp_path:
            opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    files = walk([tmp_path]).files  # the walker looks for tos-check's own outputs in the same head
    claimed = {f.path.name: sorted(s.name for s in registered if s.claims(f)) for f in files}
    assert claimed["README.md"] == ["cards"] and claimed["train.yaml"] == ["training-configs"]
    assert claimed["meta.json"] == ["cyclonedx"]
    assert sorted(opened) == ["README.md", "meta.json", "train.yaml"]
    assert files[0].head is not None and len(files[0].head) == HEAD_BYTES


def test_head_of_a_file_that_cannot_be_opened_is_none(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").write_text("[]")
    file = walk([tmp_path]).files[0]
    (tmp_path / "gone.yaml").unlink()
    assert file.head is None


def test_the_head_is_read_again_after_it_is_released(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"x": 1}')
    file = walk([tmp_path]).files[0]
    assert file.head == b'{"x": 1}'
    (tmp_path / "a.json").write_text('{"y": 2}')
    assert file.head == b'{"x": 1}'  # one read per file while sources claim
    file.release_head()
    assert "_peek" not in vars(file)
    assert file.head == b'{"y": 2}'
