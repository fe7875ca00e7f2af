"""The one way tos-check reads a metadata file: bytes to text to data, with the line of every key.

Policies, manifests, cards and configs are untrusted input. They are parsed with YAML's safe constructors
only (no tags that build objects, nothing executed), alias bombs and recursive aliases are refused, and
every mapping key and list item keeps the line it came from, so that schema errors can point at a line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from tos_check.encodings import BINARY, WIDE, bom_encoding, decode, is_binary
from tos_check.problems import InputError, Problem

MAX_METADATA_BYTES = 64 * 1024 * 1024
"""Metadata files larger than this are refused: cards and configs are small, and a 2 GB `.json` is data."""

MAX_NODES = 2_000_000
"""Upper bound on YAML nodes after alias expansion; a "billion laughs" document stops here."""

MAX_VALUE_CHARS = 1024 * 1024
"""Longest single value read from metadata (an id, a name, a description). Parsing a 50 MB id costs the
parsers eight times its size in memory; no real card, config or manifest has a value a tenth this long."""

MAX_DEPTH = 64
"""Deepest nesting read. Real metadata is a few levels deep; a hostile file must not exhaust the stack."""

TOO_DEEP_YAML = f"invalid YAML: nested more than {MAX_DEPTH} levels deep"
TOO_DEEP_JSON = f"invalid JSON: nested more than {MAX_DEPTH} levels deep"

Loc = tuple[str | int, ...]
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (several times faster); both compose the same nodes, with marks."""
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
STR_TAG = "tag:yaml.org,2002:str"


def _fast_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """The safe loader, minus the cost of trying every implicit type on every plain scalar.

    YAML 1.1 types a plain scalar by regular expressions chosen by its first character (digits, `-`, `.`,
    `~`, and the letters of true/false/yes/no/on/off/null); keys and most values (`path`, `datasets`,
    `HuggingFaceH4/ultrachat_200k`) start with none of them and are strings, as the resolver would find.
    Built for either parser (libyaml's or PyYAML's own), so tests can show both read a file alike.
    """
    first = frozenset(base.yaml_implicit_resolvers)
    assert None not in first and not base.yaml_path_resolvers, "no resolver may apply to every scalar"
    tags: dict[str, str] = {}
    """The others (`type`, `name`, `true`, `3`) recur in every file: their tag, which depends on the text only."""

    class Loader(base):  # type: ignore[misc,valid-type]
        def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
            if kind is not yaml.ScalarNode or not implicit[0]:
                return str(super().resolve(kind, value, implicit))
            if value and value[0] not in first:
                return STR_TAG
            tag = tags.get(value)
            if tag is None:
                if len(tags) >= 10_000:
                    tags.clear()
                tag = tags[value] = str(super().resolve(kind, value, implicit))
            return tag

    return Loader


_Loader = _fast_loader(SAFE_LOADER)


@dataclass
class Document:
    """Parsed data plus the line (1-based) of each key or item, addressed by its path from the root."""

    path: str
    data: Any
    _lines: dict[Loc, int] | None = None
    _line_source: Callable[[], dict[Loc, int]] | None = field(default=None, repr=False)
    repeated: list[tuple[Loc, int]] = field(default_factory=list)
    """Keys given twice, with the line of the repeat (only when the parse let the last one win)."""

    @property
    def lines(self) -> dict[Loc, int]:
        if self._lines is None:
            self._lines = self._line_source() if self._line_source else {}
        return self._lines

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest part of `loc` that has one: an error inside a value points at its key."""
        lines = self.lines
        for end in range(len(loc), -1, -1):
            line = lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def read_text(path: Path, display: str | None = None, max_bytes: int = MAX_METADATA_BYTES) -> str:
    """Read a text file (UTF-8, or UTF-16/32 with a byte-order mark), refusing what is not text with a reason."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                [
                    Problem(
                        name,
                        None,
                        f"file is {size / 1_048_576:.0f} MiB, larger than the {max_bytes // 1_048_576} MiB "
                        "read for metadata; records are read whatever their size from .jsonl, .csv, .parquet "
                        "or a .json array",
                    )
                ]
            )
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError([Problem(name, None, "is a directory, expected a file")]) from None
    except FileNotFoundError:
        raise InputError([Problem(name, None, "no such file")]) from None
    except PermissionError:
        raise InputError([Problem(name, None, "permission denied: cannot read the file")]) from None
    except OSError as exc:
        raise InputError([Problem(name, None, f"cannot read the file: {exc.strerror or exc}")]) from None
    return decode_text(raw, name)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8, or UTF-16/UTF-32 where a byte-order mark says so; anything else is refused with its line."""
    encoding = bom_encoding(raw[:4])
    if encoding in WIDE:
        try:
            return decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                [Problem(name, None, f"not valid {encoding}, which its byte-order mark announces (byte {exc.start})")]
            ) from None
    if is_binary(raw):
        raise InputError([Problem(name, None, BINARY)])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(name, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
        ) from None


def parse_yaml(text: str, path: str, *, repeated_keys: Literal["error", "last"] = "error") -> Document:
    """Parse YAML safely; every problem is reported with its line, never as a traceback.

    A repeated key is an error, since a later value would silently win. Files written for tools that load
    them with `yaml.safe_load` (training configs) may ask for `repeated_keys="last"`: the last value wins as
    in the tool, and the repeats are listed in `Document.repeated` for the caller to judge.
    """
    _refuse_huge_values(text, path, "\n")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError) as exc:
        # Parsers stop deep nesting each in their own way (libyaml's limit, a RecursionError, new wording in
        # a new release): whichever stopped it, the user is told the same thing, at the same line.
        raise InputError([_nesting_problem(text, path) or _yaml_problem(path, exc)]) from None
    finally:
        loader.dispose()
    if node is None:
        return Document(path, None, {})
    builder = _YamlBuilder(path, last_wins=repeated_keys == "last")
    data = builder.build(node, ())
    return Document(path, data, builder.lines, repeated=builder.repeated)


def _yaml_problem(path: str, exc: BaseException) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return Problem(path, line, f"invalid YAML: {exc.problem or exc.context}")
    if isinstance(exc, RecursionError):
        return Problem(path, None, TOO_DEEP_YAML)
    return Problem(path, None, f"invalid YAML: {exc}")


def _nesting_problem(text: str, path: str) -> Problem | None:
    """The text nests deeper than MAX_DEPTH: said at the line that opens the collection one too deep.

    Read from PyYAML's own event stream, which keeps its state on a list, not the call stack: it reaches
    the line at any depth, stops there, and says the same under every parser and release.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return Problem(path, int(mark.line) + 1 if mark is not None else None, TOO_DEEP_YAML)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def oversized(text: str, path: str, breaks: str = "\n", what: str = "value") -> Iterator[tuple[int, int, Problem]]:
    """Each run of over MAX_VALUE_CHARS characters with none of `breaks` in it (one YAML or prose line, one
    JSON string or number that long), as (start, end, problem). Files shorter than that cannot hold one."""
    if len(text) <= MAX_VALUE_CHARS:
        return
    # Each maximal run is matched once, from its first character: one linear pass, however many breaks.
    for run in re.finditer(f"[^{re.escape(breaks)}]+", text):
        start, end = run.span()
        if end - start > MAX_VALUE_CHARS:
            message = (
                f"a {what} of {(end - start) / 1_048_576:.1f} MiB starts here; no metadata {what} is read "
                f"past {MAX_VALUE_CHARS // 1_048_576} MiB, so it was not (is this data rather than metadata?)"
            )
            yield start, end, Problem(path, text.count("\n", 0, start) + 1, message)


def _refuse_huge_values(text: str, path: str, breaks: str) -> None:
    """Refused before parsing: parsers hold many times a value's size while they read it."""
    for _, _, problem in oversized(text, path, breaks):
        raise InputError([problem])


def parse_json(text: str, path: str) -> Document:
    _refuse_huge_values(text, path, '"\n')
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")]) from None
    except RecursionError:
        raise InputError([Problem(path, None, TOO_DEEP_JSON)]) from None
    if _too_deep(data):
        raise InputError([Problem(path, None, TOO_DEEP_JSON)])
    return Document(path, data, None, lambda: _json_lines(text, path))


def load_document(path: Path, display: str | None = None) -> Document:
    """Read and parse a YAML or JSON file, chosen by its suffix."""
    name = display or str(path)
    text = read_text(path, name)
    if path.suffix.lower() == ".json":
        return parse_json(text, name)
    return parse_yaml(text, name)


def _too_deep(data: Any) -> bool:
    """Iterative, so that checking depth cannot itself run out of stack."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def _json_lines(text: str, path: str) -> dict[Loc, int]:
    """Lines for JSON are only needed when something is wrong, so they are found lazily through YAML."""
    try:
        return parse_yaml(text, path).lines
    except InputError:
        return {}


class _YamlBuilder:
    def __init__(self, path: str, *, last_wins: bool = False) -> None:
        self.path = path
        self.last_wins = last_wins
        self.repeated: list[tuple[Loc, int]] = []
        self.lines: dict[Loc, int] = {}
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> InputError:
        return InputError([Problem(self.path, node.start_mark.line + 1, message)])

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, f"document expands to more than {MAX_NODES} nodes (alias bomb?)")
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, TOO_DEEP_YAML)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise self.fail(node, "recursive alias: a node contains itself")
        if node.tag not in (SEQ_TAG, MAP_TAG):
            raise self.fail(node, f"invalid YAML: tag {node.tag!r} is not allowed (only plain data is read)")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self.build_mapping(node, loc)
        finally:
            self.active.discard(id(node))
        raise self.fail(node, f"unsupported YAML node {node.tag}")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == STR_TAG:  # what the constructor would return, without its bookkeeping
            return node.value
        try:
            return _plain(self.constructor.construct_object(node, deep=True))
        except ValueError:
            # An impossible date such as 2024-02-30: keep the text, so the schema names the field it is in.
            return node.value
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"invalid YAML: {problem}") from None

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        try:
            self.constructor.flatten_mapping(node)
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(node, f"invalid YAML merge: {exc.problem}") from None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain values, not lists or mappings")
            key = self.scalar(key_node)
            key_loc: Loc = (*loc, key) if isinstance(key, str | int) else (*loc, str(key))
            if key in result:
                if not self.last_wins:
                    raise self.fail(key_node, f"duplicate key {key!r}: a later value would silently win")
                self.repeated.append((key_loc, key_node.start_mark.line + 1))
                for stale in [k for k in self.lines if k[: len(key_loc)] == key_loc]:
                    del self.lines[stale]
                del result[key]
            self.lines[key_loc] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, key_loc)
        return result


def _plain(value: Any) -> Any:
    """Dates become ISO strings so YAML, JSON and TOML input look alike to schemas and models."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value
