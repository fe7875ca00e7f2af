"""Git repositories as code data: real repositories built with git in tmp_path, with and without markers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.scanning import scan_builtin
from tos_check.lineage.model import SourceResult
from tos_check.plugins import sources
from tos_check.sources.git_repos import Commit, GitRepoSource, marks
from tos_check.walk import ScanFile, walk

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed; these tests build real repositories")

HUMAN = ("Ann Lee", "ann@example.org")


def _env(author: tuple[str, str], committer: tuple[str, str] | None, day: int) -> dict[str, str]:
    committer = committer or author
    date = f"2025-03-{day:02d}T12:00:00+00:00"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME=author[0],
        GIT_AUTHOR_EMAIL=author[1],
        GIT_COMMITTER_NAME=committer[0],
        GIT_COMMITTER_EMAIL=committer[1],
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def make_repo(
    path: Path,
    commits: list[tuple[str, tuple[str, str]] | tuple[str, tuple[str, str], tuple[str, str]]],
    *extra_init: str,
) -> Path:
    """A repository at `path` with one empty commit per (message, author[, committer])."""
    path.mkdir(parents=True, exist_ok=True)
    env = _env(HUMAN, None, 1)
    subprocess.run(["git", "init", "-q", "-b", "main", *extra_init, str(path)], check=True, env=env)
    for day, spec in enumerate(commits, start=1):
        message, author = spec[0], spec[1]
        committer = spec[2] if len(spec) == 3 else None
        subprocess.run(
            ["git", "-C", str(path), "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"],
            input=message.encode(),
            check=True,
            env=_env(author, committer, day),
        )
    return path


def head(root: Path, repo: Path) -> ScanFile:
    """The ScanFile a walk yields for the repository's `.git/HEAD` (or `.git` file) below the scanned root."""
    marker = repo / ".git"
    file = marker / "HEAD" if marker.is_dir() else marker
    relative = file.relative_to(root).as_posix()
    return ScanFile(file, f"{root.name}/{relative}", relative)


CLAUDE = (
    "Add tokenizer\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
    "Co-Authored-By: Claude <noreply@anthropic.com>\n"
)
CLAUDE_OPUS = "Fix parser\n\nCo-Authored-By: Claude Opus 4 <noreply@anthropic.com>\n"
CLAUDE_FOOTER = "Docs\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n"
COPILOT = "Apply suggestion\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"
AIDER_MODEL = "feat: add cache\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n"
CURSOR = "Refactor\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"
HUMAN_CO = "Pairing\n\nCo-authored-by: Bob Ray <bob@example.org>\n"

MARKED = [
    ("Initial commit", HUMAN),
    (CLAUDE, HUMAN),
    (CLAUDE, HUMAN),
    (CLAUDE_OPUS, HUMAN),
    (CLAUDE_FOOTER, HUMAN),
    (COPILOT, HUMAN),
    ("Speed up loader", ("Ann Lee (aider)", "ann@example.org"), ("Ann Lee (aider)", "ann@example.org")),
    (AIDER_MODEL, HUMAN),
    (CURSOR, HUMAN),
    ("Add CI", ("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com")),
    (HUMAN_CO, HUMAN),
    ("Mention claude and cursor in passing", HUMAN),
]


@pytest.fixture
def marked(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "scan"
    return root, make_repo(root / "code" / "repo-a", MARKED)


@needs_git
def test_each_assistant_is_one_generation_with_its_share_of_commits(marked: tuple[Path, Path]) -> None:
    root, repo = marked
    result = GitRepoSource().read(head(root, repo))
    assert result.problems == []
    assert result.records_scanned == 12
    [artifact] = result.artifacts
    assert artifact.id == "code/repo-a"
    assert artifact.kind == "dataset"
    assert artifact.paths == ("scan/code/repo-a",)
    assert artifact.location.path == "scan/code/repo-a"
    by_model = {(g.model, g.records) for g in artifact.generated_by}
    assert by_model == {
        ("Claude", 3),  # two trailers and one footer-only commit
        ("Claude Opus 4", 1),
        ("GitHub Copilot", 1),
        ("aider", 1),
        ("gpt-4o", 1),
        ("Cursor", 1),
        ("Devin", 1),
    }
    assert all(g.role == "other" and g.evidence.kind == "metadata" for g in artifact.generated_by)
    claude = next(g for g in artifact.generated_by if g.model == "Claude")
    assert claude.evidence.detail.startswith(
        "3 of 12 commits (25.0%) carry Co-Authored-By: Claude <noreply@anthropic.com> [Claude Code]; first "
    )
    assert claude.evidence.confidence == 0.9
    assert claude.evidence.location.path == "scan/code/repo-a"
    assert (claude.date_from, claude.date_until) == (dt.date(2025, 3, 2), dt.date(2025, 3, 5))
    opus = next(g for g in artifact.generated_by if g.model == "Claude Opus 4")
    assert "1 of 12 commits (8.3%) carry Co-Authored-By: Claude Opus 4 <noreply@anthropic.com>" in opus.evidence.detail
    aider = next(g for g in artifact.generated_by if g.model == "aider")
    assert aider.evidence.confidence == 0.8  # the author name says aider wrote the change
    assert "author Ann Lee (aider)" in aider.evidence.detail


@needs_git
def test_a_repository_without_markers_is_a_dataset_with_no_generations(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    repo = make_repo(root / "plain", [("one", HUMAN), (HUMAN_CO, HUMAN), ("cursor position fix", HUMAN)])
    result = GitRepoSource().read(head(root, repo))
    assert result.problems == []
    assert result.records_scanned == 3
    [artifact] = result.artifacts
    assert artifact.id == "plain"
    assert artifact.generated_by == ()


@needs_git
def test_a_repository_with_no_commits_yields_nothing(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    repo = make_repo(root / "empty", [])
    assert GitRepoSource().read(head(root, repo)) == SourceResult()


@needs_git
def test_reading_writes_nothing_into_the_repository(marked: tuple[Path, Path]) -> None:
    root, repo = marked

    def state() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(repo.rglob("*"))}

    before = state()
    GitRepoSource().read(head(root, repo))
    assert state() == before


@needs_git
def test_git_dir_in_the_environment_does_not_redirect_git(
    marked: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, repo = marked
    other = make_repo(tmp_path / "other", [("unrelated", HUMAN)])
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    result = GitRepoSource().read(head(root, repo))
    assert result.records_scanned == 12


@needs_git
def test_a_dot_git_file_is_read_through_its_gitdir(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    repo = make_repo(root / "vendored", [(CLAUDE, HUMAN)], f"--separate-git-dir={tmp_path / 'store.git'}")
    assert (repo / ".git").is_file()
    file = head(root, repo)
    assert file.relative == "vendored/.git"
    [artifact] = GitRepoSource().read(file).artifacts
    assert artifact.id == "vendored"
    assert [g.model for g in artifact.generated_by] == ["Claude"]


def test_claims_only_nested_repository_markers() -> None:
    source = GitRepoSource()

    def file(relative: str) -> ScanFile:
        return ScanFile(Path("/x/scan") / relative, f"scan/{relative}", relative)

    assert source.claims(file("code/repo-a/.git/HEAD"))
    assert source.claims(file("code/vendored/.git"))
    assert not source.claims(file(".git/HEAD")), "the repository at the top of the scan is the project itself"
    assert not source.claims(file(".git"))
    assert not source.claims(file("code/HEAD"))
    assert not source.claims(file("code/repo-a/.git/ORIG_HEAD"))
    assert not source.claims(file("code/repo-a/.gitignore"))


def test_git_missing_is_a_problem_naming_the_repository(tmp_path: Path) -> None:
    (tmp_path / "scan" / "r" / ".git").mkdir(parents=True)
    (tmp_path / "scan" / "r" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    file = head(tmp_path / "scan", tmp_path / "scan" / "r")
    result = GitRepoSource(git=str(tmp_path / "no-such-git")).read(file)
    assert result.artifacts == []
    [problem] = result.problems
    assert problem.path == "scan/r"
    assert "is not installed or not on PATH" in problem.message


@needs_git
def test_a_broken_repository_is_a_problem_with_gits_reason(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    git_dir = root / "broken" / ".git"
    git_dir.mkdir(parents=True)
    (git_dir / "HEAD").write_text("not a ref\n")
    result = GitRepoSource().read(head(root, root / "broken"))
    assert result.artifacts == []
    [problem] = result.problems
    assert problem.path == "scan/broken"
    assert problem.message.startswith("git rev-parse failed (exit 128): fatal:")
    assert "check that this is a readable git repository" in problem.message


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as a stand-in for a slow git")
def test_a_git_that_hangs_is_stopped_by_the_timeout(tmp_path: Path) -> None:
    slow = tmp_path / "slow-git"
    slow.write_text("#!/bin/sh\nsleep 10\n")
    slow.chmod(0o755)
    (tmp_path / "scan" / "r" / ".git").mkdir(parents=True)
    (tmp_path / "scan" / "r" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    result = GitRepoSource(git=str(slow), timeout=0.2).read(head(tmp_path / "scan", tmp_path / "scan" / "r"))
    [problem] = result.problems
    assert problem.message.startswith("git rev-parse took longer than 0.2 s")


def _commit(message: str = "x", author: tuple[str, str] = HUMAN, committer: tuple[str, str] | None = None) -> Commit:
    committer = committer or author
    return Commit("0" * 40, author[0], author[1].lower(), committer[0], committer[1].lower(), "2025-01-01", message)


@pytest.mark.parametrize(
    ("commit", "expected"),
    [
        (_commit(CLAUDE), {("Claude Code", "Claude", 0.9)}),
        (_commit(CLAUDE_FOOTER), {("Claude Code", "Claude", 0.8)}),
        (
            _commit("x", ("Copilot", "198982749+Copilot@users.noreply.github.com")),
            {("GitHub Copilot", "GitHub Copilot", 0.9)},
        ),
        (
            _commit("x", ("copilot-swe-agent[bot]", "198982749+copilot-swe-agent[bot]@users.noreply.github.com")),
            {("GitHub Copilot", "GitHub Copilot", 0.9)},
        ),
        (_commit("Fix\n\nMade-with: Cursor"), {("Cursor", "Cursor", 0.7)}),
        (_commit("aider: added tests"), {("aider", "aider", 0.7)}),
        (_commit("x", HUMAN, ("Ann Lee (aider)", "ann@example.org")), {("aider", "aider", 0.5)}),
        (_commit("x\n\nCo-authored-by: Codex <noreply@openai.com>"), {("OpenAI Codex", "OpenAI Codex", 0.9)}),
        (
            _commit("x", ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com")),
            {("Jules", "Jules", 0.9)},
        ),
        (_commit("x\n\nCo-authored-by: openhands <openhands@all-hands.dev>"), {("OpenHands", "OpenHands", 0.9)}),
        (
            _commit("x\n\nAssisted-by: Claude:claude-3-opus coccinelle"),
            {("Claude", "claude-3-opus", 0.7)},
        ),
        (_commit(HUMAN_CO), set()),
        (_commit("Close the database cursor; aider docs; copilot mention"), set()),
    ],
)
def test_markers(commit: Commit, expected: set[tuple[str, str, float]]) -> None:
    assert {(m.assistant, m.model, m.confidence) for m in marks(commit)} == expected


@needs_git
def test_scan_reads_a_repository_found_through_its_dot_git_file(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    make_repo(root / "vendored", [(CLAUDE, HUMAN), ("x", HUMAN)], f"--separate-git-dir={tmp_path / 'store.git'}")
    walked = walk([root])
    registered = sources()
    found = SourceResult()
    for file in walked.files:
        for source in registered:
            if source.claims(file):
                found.extend(source.read(file))
    [artifact] = [a for a in found.artifacts if a.id == "vendored"]
    assert [(g.model, g.records) for g in artifact.generated_by] == [("Claude", 1)]


@needs_git
def test_scan_reads_a_nested_clone_through_its_head(marked: tuple[Path, Path]) -> None:
    root, _ = marked
    walked = walk([root])
    [file] = [f for f in walked.files if f.relative.endswith(".git/HEAD")]
    assert file.relative == "code/repo-a/.git/HEAD"
    assert [s.name for s in sources() if s.claims(file)] == ["git"]


@needs_git
def test_a_scan_judges_named_models_and_notes_assistants_that_name_none(marked: tuple[Path, Path]) -> None:
    root, _ = marked
    report = scan_builtin(root)
    by_rule: dict[str, set[str | None]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, set()).add(finding.model)
    assert by_rule["tos-check/unnamed-model"] == {"GitHub Copilot", "Cursor", "Devin", "aider"}
    assert "tos-check/unresolved-model" not in by_rule
    # Named models are resolved and their providers' terms looked up (a policy finding, or a note that no
    # version of those terms is known for the commits' dates).
    judged = {m for rule, models in by_rule.items() if rule != "tos-check/unnamed-model" for m in models}
    assert judged == {"Claude", "Claude Opus 4", "gpt-4o"}
