"""Git repositories used as code data: which commits AI coding assistants wrote, read from the history.

A folder that is a git repository is read with git itself (`git log`, no shell, a timeout, nothing written:
`GIT_OPTIONAL_LOCKS=0`, no checkout, no pager, no hooks run). Commits that carry an assistant's marker (a
`Co-Authored-By:` trailer, a "Generated with [Claude Code]" footer, an `(aider)` author, a bot author such
as `copilot-swe-agent[bot]`) are counted per assistant and model, and each repository becomes a dataset
artifact whose `generated_by` says how many of its commits each assistant wrote. The markers are the table
`MARKERS` below; docs/sources-git.md says where each comes from.

The repository is found through its `.git/HEAD` (a normal clone; the walker must yield it, see
docs/sources-git.md) or through a `.git` file (`gitdir: ...`: submodules, worktrees, `--separate-git-dir`).
The repository at the top of a scan is the project being checked, not data, and is not read.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location, SourceResult
from tos_check.problems import Problem
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile

GIT_TIMEOUT_SECONDS = 60.0
"""Per git call. A history too long to read in this time is a problem, not a hang."""

_FIELD, _RECORD = "\x1f", "\x00"
_LOG_FORMAT = "%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%as%x1f%B"

# What git is asked to pre-select (extended regex, case-insensitive); Python then decides exactly. Git ANDs
# --grep with --author and --committer, so each is its own call.
_GREP_MESSAGE = (
    r"^co-authored-by:|generated with \[?(claude code|codex)|^made-with: *cursor|^aider: "
    r"|^(assisted|generated)-by:|^agent-logs-url:"
)
_GREP_PERSON = (
    r"\(aider\)|\[bot\]|@anthropic\.com|copilot|@cursor\.com|@aider\.chat|@openai\.com|devin|@all-hands\.dev"
    r"|@codeium\.com"
)

# Variables that would point git at another repository than the one named on its command line.
_GIT_LOCATION_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    date: str
    message: str


@dataclass(frozen=True)
class Mark:
    """One assistant's marker found on one commit."""

    assistant: str
    model: str
    label: str
    """The marker as it reads in the commit, for the evidence detail."""
    confidence: float


Rule = Callable[[Commit], Iterable[Mark]]

_TRAILER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9-]*):[ \t]*(?P<value>.+?)[ \t]*$", re.MULTILINE)
_PERSON = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]*)>$")


def _trailers(commit: Commit, *keys: str) -> list[tuple[str, str, str]]:
    """(name, email, line) of each `Key: Name <email>` line whose key is one of `keys` (any case)."""
    wanted = {k.lower() for k in keys}
    out = []
    for match in _TRAILER.finditer(commit.message):
        if match.group("key").lower() not in wanted:
            continue
        value = match.group("value")
        person = _PERSON.match(value)
        name, email = (person.group("name"), person.group("email")) if person else (value, "")
        out.append((name.strip(), email.strip().lower(), match.group(0).strip()))
    return out


def _co_authors(commit: Commit) -> list[tuple[str, str, str]]:
    return _trailers(commit, "co-authored-by")


def _bot(email: str, slug: str) -> bool:
    """GitHub App bots write `<id>+<slug>[bot]@users.noreply.github.com`, sometimes without the id."""
    local = email.split("@", 1)[0]
    return email.endswith("@users.noreply.github.com") and local.split("+", 1)[-1] == f"{slug}[bot]"


def _claude(commit: Commit) -> Iterator[Mark]:
    for name, email, line in _co_authors(commit):
        if email == "noreply@anthropic.com" or (name.lower().startswith("claude") and email.endswith("anthropic.com")):
            yield Mark("Claude Code", name or "Claude", line, 0.9)
        elif _bot(email, "claude"):
            yield Mark("Claude Code", "Claude", line, 0.8)
    if commit.author_email == "noreply@anthropic.com":
        yield Mark(
            "Claude Code", commit.author_name or "Claude", f"author {commit.author_name} <{commit.author_email}>", 0.9
        )
    elif _bot(commit.author_email, "claude"):
        yield Mark("Claude Code", "Claude", f"author {commit.author_name}", 0.9)
    if re.search(r"generated with \[?claude code\b", commit.message, re.IGNORECASE):
        yield Mark("Claude Code", "Claude", "Generated with [Claude Code]", 0.8)


def _copilot(commit: Commit) -> Iterator[Mark]:
    for name, email, line in _co_authors(commit):
        local = email.split("@", 1)[0]
        if name.lower() == "copilot" and (local.endswith("+copilot") or email == "copilot@github.com"):
            yield Mark("GitHub Copilot", "GitHub Copilot", line, 0.9)
    author = commit.author_email.split("@", 1)[0]
    if _bot(commit.author_email, "copilot-swe-agent") or (
        commit.author_name.lower() == "copilot"
        and author.endswith("+copilot")
        and "noreply.github.com" in commit.author_email
    ):
        yield Mark("GitHub Copilot", "GitHub Copilot", f"author {commit.author_name} (Copilot coding agent)", 0.9)
    elif _trailers(commit, "agent-logs-url"):
        yield Mark("GitHub Copilot", "GitHub Copilot", "Agent-Logs-Url: trailer (Copilot coding agent)", 0.6)


def _cursor(commit: Commit) -> Iterator[Mark]:
    for name, email, line in _co_authors(commit):
        if email in ("cursoragent@cursor.com", "sos@cursor.sh") or (
            name.lower().startswith("cursor") and email.endswith(("@cursor.com", "@cursor.sh"))
        ):
            yield Mark("Cursor", "Cursor", line, 0.9)
    for _, _, line in _trailers(commit, "made-with"):
        if line.lower().split(":", 1)[1].strip() == "cursor":
            yield Mark("Cursor", "Cursor", line, 0.7)


_AIDER_CO_AUTHOR = re.compile(r"^aider(?:\s*\((?P<model>[^()]+)\))?$", re.IGNORECASE)


def _aider(commit: Commit) -> Iterator[Mark]:
    for name, email, line in _co_authors(commit):
        found = _AIDER_CO_AUTHOR.match(name)
        if email == "noreply@aider.chat" or (found and email.endswith("aider.chat")):
            model = found.group("model") if found and found.group("model") else "aider"
            yield Mark("aider", model.strip(), line, 0.9)
    if commit.author_name.rstrip().endswith("(aider)"):
        yield Mark("aider", "aider", f"author {commit.author_name}", 0.8)
    elif commit.message.startswith("aider: "):
        yield Mark("aider", "aider", "message prefix aider:", 0.7)
    elif commit.committer_name.rstrip().endswith("(aider)"):
        # aider marks the committer of every commit it makes, the user's own pending edits included.
        yield Mark("aider", "aider", f"committer {commit.committer_name}", 0.5)


def _codex(commit: Commit) -> Iterator[Mark]:
    for name, email, line in _co_authors(commit):
        if email == "noreply@openai.com" or (name.lower() in ("codex", "openai codex") and "openai" in email):
            yield Mark("OpenAI Codex", name if name.lower() not in ("", "codex") else "OpenAI Codex", line, 0.9)
    if _bot(commit.author_email, "chatgpt-codex-connector"):
        yield Mark("OpenAI Codex", "OpenAI Codex", f"author {commit.author_name}", 0.9)
    if re.search(r"generated with \[?codex\b", commit.message, re.IGNORECASE):
        yield Mark("OpenAI Codex", "OpenAI Codex", "Generated with [Codex]", 0.7)


def _bots(commit: Commit) -> Iterator[Mark]:
    """Agents that commit as a GitHub App bot, or sign with their own address."""
    table = (
        ("devin-ai-integration", "Devin", "Devin"),
        ("google-labs-jules", "Jules", "Jules"),
        ("gemini-code-assist", "Gemini Code Assist", "Gemini"),
        ("amazon-q-developer", "Amazon Q Developer", "Amazon Q Developer"),
        ("openhands-agent", "OpenHands", "OpenHands"),
    )
    people = [(commit.author_name, commit.author_email, f"author {commit.author_name}")]
    people += _co_authors(commit)
    for name, email, line in people:
        for slug, assistant, model in table:
            if _bot(email, slug):
                yield Mark(assistant, model, line, 0.9)
        if email == "openhands@all-hands.dev":
            yield Mark("OpenHands", "OpenHands", line, 0.9)
        elif email in ("windsurf@codeium.com", "noreply@codeium.com"):
            yield Mark("Windsurf", "Windsurf", line, 0.9)
        elif email == "gemini@google.com" or (name.lower().startswith("gemini") and email.endswith("@google.com")):
            yield Mark("Gemini", name or "Gemini", line, 0.8)


def _assisted_by(commit: Commit) -> Iterator[Mark]:
    """`Assisted-by: AGENT:MODEL [TOOL ...]` (Linux kernel, LLVM, Fedora) and `Generated-by:` (Apache)."""
    for match in _TRAILER.finditer(commit.message):
        key = match.group("key").lower()
        if key not in ("assisted-by", "generated-by"):
            continue
        value = re.sub(r"\s*<[^<>]*>$", "", match.group("value")).strip()
        agent, colon, rest = value.partition(":")
        model = rest.split()[0] if colon and rest.split() else agent
        if agent.strip():
            yield Mark(agent.strip(), model.strip(), match.group(0).strip(), 0.8 if key == "generated-by" else 0.7)


MARKERS: tuple[Rule, ...] = (_claude, _copilot, _cursor, _aider, _codex, _bots, _assisted_by)
"""Each rule reads one commit and returns the marks of one assistant (or family of bots)."""


def marks(commit: Commit) -> list[Mark]:
    """The strongest mark per (assistant, model) on one commit."""
    best: dict[tuple[str, str], Mark] = {}
    for rule in MARKERS:
        for mark in rule(commit):
            key = (mark.assistant, mark.model)
            if key not in best or mark.confidence > best[key].confidence:
                best[key] = mark
    return list(best.values())


class GitFailed(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class _Tally:
    commits: list[Commit] = field(default_factory=list)
    strongest: Mark | None = None


class GitRepoSource:
    name = "git"

    def __init__(self, git: str = "git", timeout: float = GIT_TIMEOUT_SECONDS) -> None:
        self.git = git
        self.timeout = timeout

    def claims(self, file: ScanFile) -> bool:
        repo_marker = file.path.name == ".git" or (file.path.name == "HEAD" and file.path.parent.name == ".git")
        return repo_marker and _repo_relative(file) not in ("", ".")

    def read(self, file: ScanFile) -> SourceResult:
        folder = _repo_display(file)
        git_dir = file.path if file.path.name == ".git" else file.path.parent
        try:
            return self._read(git_dir, folder, _repo_relative(file))
        except GitFailed as exc:
            return SourceResult(problems=[Problem(folder, None, exc.message)])

    def _read(self, git_dir: Path, folder: str, repo_id: str) -> SourceResult:
        if self._run(git_dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", allow=(1,)) == "":
            return SourceResult()  # a repository with no commits yet holds no history to read
        total = int(self._run(git_dir, "rev-list", "--count", "HEAD").strip() or 0)
        found: dict[str, Commit] = {}
        for selector in (f"--grep={_GREP_MESSAGE}", f"--author={_GREP_PERSON}", f"--committer={_GREP_PERSON}"):
            output = self._run(git_dir, "log", "-z", "-i", "-E", f"--format={_LOG_FORMAT}", selector, "HEAD")
            for commit in _parse_log(output):
                found[commit.sha] = commit
        tallies: dict[tuple[str, str], _Tally] = {}
        for commit in found.values():
            for mark in marks(commit):
                tally = tallies.setdefault((mark.assistant, mark.model), _Tally())
                tally.commits.append(commit)
                if tally.strongest is None or mark.confidence > tally.strongest.confidence:
                    tally.strongest = mark
        generations = [
            _generation(assistant, model, tally, total, folder)
            for (assistant, model), tally in sorted(tallies.items(), key=lambda item: (item[0][0].lower(), item[0][1]))
        ]
        artifact = Artifact(
            id=repo_id,
            kind="dataset",
            paths=(folder,),
            location=Location(path=folder),
            generated_by=tuple(generations),
        )
        return SourceResult(artifacts=[artifact], records_scanned=total)

    def _run(self, git_dir: Path, *args: str, allow: tuple[int, ...] = ()) -> str:
        command = [self.git, f"--git-dir={git_dir}", "--no-pager", "--no-replace-objects", *args]
        env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_ENV}
        env.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANGUAGE="C")
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=self.timeout, env=env, stdin=subprocess.DEVNULL, check=False
            )
        except FileNotFoundError:
            raise GitFailed(
                f"cannot read the history of this git repository: {self.git!r} is not installed or not on PATH"
            ) from None
        except subprocess.TimeoutExpired:
            raise GitFailed(
                f"git {args[0]} took longer than {self.timeout:g} s; the history was not read "
                "(scan a shallower clone, or the folder without this repository)"
            ) from None
        except OSError as exc:
            raise GitFailed(f"cannot run git: {exc.strerror or exc}") from None
        if done.returncode != 0 and done.returncode not in allow:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = next((line for line in said if line.startswith(("fatal:", "error:"))), said[0] if said else "")
            raise GitFailed(
                f"git {args[0]} failed (exit {done.returncode}): {reason or 'no message'}; "
                "check that this is a readable git repository"
            )
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def _parse_log(output: str) -> Iterator[Commit]:
    for record in output.split(_RECORD):
        record = record.lstrip("\n")
        if not record:
            continue
        parts = record.split(_FIELD, 6)
        if len(parts) != 7:
            continue
        sha, author_name, author_email, committer_name, committer_email, date, message = parts
        yield Commit(
            sha=sha.strip(),
            author_name=author_name.strip(),
            author_email=author_email.strip().lower(),
            committer_name=committer_name.strip(),
            committer_email=committer_email.strip().lower(),
            date=date.strip(),
            message=message.strip(),
        )


def _generation(assistant: str, model: str, tally: _Tally, total: int, folder: str) -> GeneratedBy:
    assert tally.strongest is not None
    commits = sorted(tally.commits, key=lambda c: (c.date, c.sha))
    count = len(commits)
    share = 100.0 * count / total if total else 0.0
    percent = f"{share:.1f}%" if share >= 0.05 or count == 0 else "<0.1%"
    first, last = commits[0], commits[-1]
    span = f"first {first.sha[:12]} ({first.date})"
    if last.sha != first.sha:
        span += f", last {last.sha[:12]} ({last.date})"
    detail = f"{count:,} of {total:,} commits ({percent}) carry {tally.strongest.label} [{assistant}]; {span}"
    return GeneratedBy(
        model=model,
        role="other",
        date_from=_date(first.date),
        date_until=_date(last.date),
        records=count,
        via=assistant,
        evidence=Evidence(
            kind="metadata", detail=detail, location=Location(path=folder), confidence=tally.strongest.confidence
        ),
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _repo_relative(file: ScanFile) -> str:
    """The repository's folder below the scanned folder: its id."""
    relative = file.relative or file.display
    if file.path.name == "HEAD":
        relative = posixpath.dirname(relative)
    return posixpath.dirname(relative)


def _repo_display(file: ScanFile) -> str:
    shown = posixpath.dirname(file.display) if file.path.name == "HEAD" else file.display
    return posixpath.dirname(shown) or "."


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(GitRepoSource())
