"""Fuzzing every registered source, the policy loader and the declared-use loader with hostile input.

Each example starts from a real fixture (every file under tests/fixtures and examples/ that some source
claims, plus a Parquet, a gzip JSONL and a DPI summary made here) and breaks it: random bytes, a
truncation, another encoding, flipped or inserted bytes, a huge scalar, deep nesting, a repeated line
(duplicate keys), or a value of the wrong type where a string was. Properties:

- no exception escapes a source's `read`, the policy loader or the use loader: every failure is a
  `Problem` (or `InputError`) naming the file;
- a whole scan of the broken file never raises, and the file is read by a source or reported (or it is
  text that no source recognises, which is how any unrelated file is treated);
- the scan is partial (exit 2) exactly when it reported a problem, at the command line too;
- nothing is written: the scanned folder is byte-for-byte the same and the working directory stays empty.

The normal suite runs the `short` hypothesis profile (few examples, derandomized, so CI is repeatable);
`make fuzz` runs the `long` profile (see tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.scanning import AS_OF
from tos_check.cli import EXIT_INPUT, cli
from tos_check.encodings import undecodable
from tos_check.fingerprints.catalog import builtin_paths, load_fingerprints
from tos_check.identity.resolver import Resolver
from tos_check.plugins import policy_dirs, sources
from tos_check.policy.load import load_policies, load_policy_file
from tos_check.problems import InputError
from tos_check.scan import SNIFFED_SUFFIXES, ScanOptions, scan
from tos_check.sources.interface import Source
from tos_check.use import UseSource, load_pyproject_use, load_use_file
from tos_check.walk import walk

pytestmark = pytest.mark.fuzz

REPO = Path(__file__).resolve().parents[1]
FIXTURE_ROOTS = [REPO / "tests" / "fixtures", REPO / "examples"]
MIB = 1 << 20


@dataclass(frozen=True)
class Seed:
    name: str  # path below the scanned folder: sources claim files by name and by parent folder
    data: bytes


def _made_seeds() -> list[Seed]:
    """Formats no fixture file holds: binary and compressed records, a DPI collection summary."""
    rows = [{"instruction": "Say hi", "output": "Hi!", "model": "gpt-4-0613"}, {"output": "Yo", "model": None}]
    parquet = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    lines = "".join(json.dumps(r) + "\n" for r in rows).encode()
    dpi = {"Alpaca": {"Unique Dataset Identifier": "alpaca", "Model Generated": ["OpenAI GPT-3"]}}
    return [
        Seed("records/data.parquet", parquet.getvalue()),
        Seed("records/data.jsonl.gz", gzip.compress(lines, mtime=0)),
        Seed("data_summaries/alpaca.json", json.dumps(dpi).encode()),
    ]


def _fixture_seeds() -> dict[str, list[Seed]]:
    """Every fixture file, grouped by the sources that claim it where it lies (its folder name included)."""
    by_source: dict[str, list[Seed]] = {source.name: [] for source in sources()}
    files = [f for root in FIXTURE_ROOTS for f in walk([root]).files]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in _made_seeds():
            path = Path(tmp, seed.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(seed.data)
        files += walk([Path(tmp)]).files
        for file in files:
            name = "/".join(file.path.parts[-2:])
            for source in sources():
                if source.claims(file):
                    by_source[source.name].append(Seed(name, file.path.read_bytes()))
            file.release_head()
    return by_source


SEEDS = _fixture_seeds()
ALL_SEEDS = sorted({s for seeds in SEEDS.values() for s in seeds}, key=lambda s: s.name)
POLICY_SEEDS = [
    Seed(p.name, p.read_bytes())
    for p in [REPO / "tests/fixtures/policies/acme-terms.yaml", *sorted((REPO / "policies").glob("*.yaml"))[:6]]
]
FINGERPRINT_SEEDS = [Seed(p.name, p.read_bytes()) for p in builtin_paths()]
USE_SEEDS = [
    Seed("tos-check.yaml", (REPO / "examples/fine-tune-chat/tos-check.yaml").read_bytes()),
    Seed(
        "use.yaml",
        b"activity: fine_tune\nmodel: {name: acme-7b, kind: llm, general_purpose: true}\n"
        b"distribution: public\ncommercial: true\norganization: {monthly_active_users: 1000}\n",
    ),
]
PYPROJECT_SEED = Seed(
    "pyproject.toml",
    b'[project]\nname = "x"\n\n[tool.tos-check.use]\nactivity = "fine_tune"\ndistribution = "public"\n'
    b'[tool.tos-check.use.model]\nname = "acme-7b"\nkind = "llm"\n',
)


def test_every_registered_source_has_a_seed() -> None:
    """A source with no seed would never be fuzzed; git repositories are folders, fuzzed elsewhere."""
    assert {name for name, seeds in SEEDS.items() if not seeds} <= {"git"}


# -- mutations --------------------------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.text(max_size=40),
)


def _nodes(tree: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _nodes(value, (*path, index))


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy: Any = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[head] = _replace(tree[head], rest, value)
    return copy


def _parse(seed: Seed) -> tuple[str, Any] | None:
    """The seed as data, with how to write it back: only for the formats that are trees."""
    try:
        text = seed.data.decode("utf-8")
        if seed.name.endswith((".jsonl", ".ndjson")):
            return "jsonl", [json.loads(line) for line in text.splitlines() if line.strip()]
        if seed.name.endswith((".json", ".jsonld")):
            return "json", json.loads(text)
        if seed.name.endswith((".yaml", ".yml", ".dvc")):
            return "yaml", yaml.safe_load(text)
        if seed.name.endswith(".md") and text.startswith("---\n") and "\n---" in text[4:]:
            front, _, body = text[4:].partition("\n---")
            return "md:" + body, yaml.safe_load(front)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    return None


def _dump(kind: str, tree: Any) -> bytes:
    if kind == "json":
        return json.dumps(tree, default=str).encode()
    if kind == "jsonl":
        rows = tree if isinstance(tree, list) else [tree]
        return "".join(json.dumps(row, default=str) + "\n" for row in rows).encode()
    front = yaml.safe_dump(tree, allow_unicode=True)
    if kind.startswith("md:"):
        return f"---\n{front}---{kind[3:]}".encode()
    return front.encode()


@st.composite
def wrong_types(draw: st.DrawFn, seed: Seed) -> bytes:
    """A value of another type where the fixture had one (a number for a model name, a list for a date)."""
    parsed = _parse(seed)
    if parsed is None or parsed[1] is None:
        return seed.data
    kind, tree = parsed
    paths = list(_nodes(tree))
    path = draw(st.sampled_from(paths))
    return _dump(kind, _replace(tree, path, draw(ODD_VALUES)))


@st.composite
def truncated(draw: st.DrawFn, seed: Seed) -> bytes:
    return seed.data[: draw(st.integers(0, len(seed.data)))]


@st.composite
def reencoded(draw: st.DrawFn, seed: Seed) -> bytes:
    """The same text in another encoding, with a byte-order mark that may or may not tell the truth."""
    text = seed.data.decode("utf-8", errors="replace")
    codec = draw(st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "latin-1", "cp1252", "shift_jis"]))
    body = text.encode(codec, errors="replace")
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]))
    return bom + body


@st.composite
def spliced(draw: st.DrawFn, seed: Seed) -> bytes:
    """Bytes flipped, inserted or a line repeated (in YAML and JSON, a repeated line is a duplicate key)."""
    data = seed.data
    at = draw(st.integers(0, len(data)))
    how = draw(st.sampled_from(["insert", "flip", "repeat-line"]))
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    if how == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    k = draw(st.integers(0, len(lines) - 1))
    return b"".join([*lines[: k + 1], *lines[k:]])


@st.composite
def huge_or_deep(draw: st.DrawFn, seed: Seed) -> bytes:
    """A scalar of megabytes, or thousands of nested brackets, dropped into the fixture."""
    data = seed.data
    at = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        size = draw(st.sampled_from([MIB + 1, 3 * MIB]))
        blob = b'"' + b"x" * size + b'"' if draw(st.booleans()) else b"y" * size
    else:
        depth = draw(st.sampled_from([200, 5_000, 50_000]))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b"{a: ", b"}"), (b'{"a": ', b"}")]))
        blob = opener * depth + b"1" + closer * depth
    return data[:at] + blob + data[at:]


def broken(seed: Seed) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=512),
        truncated(seed),
        reencoded(seed),
        spliced(seed),
        wrong_types(seed),
        huge_or_deep(seed),
    )


@st.composite
def broken_file(draw: st.DrawFn, seeds: list[Seed]) -> Seed:
    seed = draw(st.sampled_from(seeds))
    return Seed(seed.name, draw(broken(seed)))


# -- harness ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def scanned_folder(file: Seed) -> Iterator[tuple[Path, Path]]:
    """The broken file in a folder of its own, and an empty working directory; both must stay as they were."""
    with tempfile.TemporaryDirectory() as tmp:
        data, cwd = Path(tmp, "data"), Path(tmp, "cwd")
        target = data / file.name
        target.parent.mkdir(parents=True)
        cwd.mkdir()
        target.write_bytes(file.data)
        before = _snapshot(data)
        previous = Path.cwd()
        os.chdir(cwd)
        try:
            yield data, target
        finally:
            os.chdir(previous)
        assert _snapshot(data) == before, "the scan wrote into the data it scanned"
        assert list(cwd.iterdir()) == [], "the scan wrote into the working directory"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _read_directly(source: Source, folder: Path) -> None:
    """Call the source itself (the scan would turn an escaping exception into a problem and hide the bug)."""
    for file in walk([folder]).files:
        if source.claims(file):
            result = source.read(file)
            strays = [p for p in result.problems if not p.path.startswith(file.display)]
            assert strays == [], f"problems must name the file read ({file.display})"


_POLICIES = load_policies(policy_dirs())[0]
_RESOLVER = Resolver.builtin()
_USE = UseSource.model_validate({"use": {"activity": "fine_tune"}, "path": None})


@pytest.mark.parametrize("source_name", sorted(name for name, seeds in SEEDS.items() if seeds))
def test_no_exception_escapes_a_source(source_name: str) -> None:
    source = next(s for s in sources() if s.name == source_name)

    @given(broken_file(SEEDS[source_name]))
    def check(file: Seed) -> None:
        with scanned_folder(file) as (folder, _):
            _read_directly(source, folder)

    check()


@given(broken_file(ALL_SEEDS))
def test_a_scan_reads_or_reports_every_file_and_is_partial_exactly_when_it_reports(file: Seed) -> None:
    with scanned_folder(file) as (folder, target):
        report = scan([folder], _USE, _POLICIES, _RESOLVER, ScanOptions(as_of=AS_OF))
        assert report.summary.partial == bool(report.problems)
        (scanned,) = walk([folder]).files
        claimed = any(source.claims(scanned) for source in sources())
        named = any(problem.startswith(scanned.display) for problem in report.problems)
        if not claimed and not named:
            # Only text that may be metadata was looked at and found to be in no format a source knows,
            # which is how the scan treats any unrelated .json or .md; anything else must be read or reported.
            assert target.suffix.lower() in SNIFFED_SUFFIXES
            assert scanned.head is not None
            assert scanned.encoding is not None or undecodable(scanned.head) is None


@given(broken_file(ALL_SEEDS))
def test_the_exit_code_is_2_exactly_when_a_problem_is_reported(file: Seed) -> None:
    with scanned_folder(file) as (folder, _):
        result = CliRunner().invoke(cli, ["scan", str(folder), "--format", "json", "--fail-on", "never"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        problems = json.loads(result.stdout)["problems"]
        assert (result.exit_code == EXIT_INPUT) == bool(problems)
        assert result.exit_code in (0, EXIT_INPUT)


def _loads_or_reports(load: Any, path: Path) -> None:
    try:
        load(path)
    except InputError as exc:
        assert exc.problems
        assert all(p.path == str(path) for p in exc.problems), exc.problems


@given(broken_file(POLICY_SEEDS))
def test_the_policy_loader_reports_every_broken_policy(file: Seed) -> None:
    with scanned_folder(file) as (_, target):
        _loads_or_reports(load_policy_file, target)


@given(broken_file(FINGERPRINT_SEEDS))
def test_the_fingerprint_loader_reports_every_broken_catalog(file: Seed) -> None:
    """A plugin's fingerprint file is untrusted input too: every way it breaks is a problem naming it."""
    with scanned_folder(file) as (_, target):
        _loads_or_reports(lambda path: load_fingerprints([path]), target)


@given(broken_file(USE_SEEDS))
def test_the_use_loader_reports_every_broken_use(file: Seed) -> None:
    with scanned_folder(file) as (_, target):
        _loads_or_reports(load_use_file, target)


@given(broken(PYPROJECT_SEED))
def test_the_pyproject_use_loader_reports_every_broken_file(data: bytes) -> None:
    with scanned_folder(Seed(PYPROJECT_SEED.name, data)) as (_, target):
        _loads_or_reports(load_pyproject_use, target)
