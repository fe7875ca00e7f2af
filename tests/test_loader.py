from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tos_check import loader
from tos_check.loader import MAX_DEPTH, MAX_VALUE_CHARS, load_document, parse_json, parse_yaml, read_text
from tos_check.problems import InputError


def test_yaml_keeps_the_line_of_every_key_and_item() -> None:
    doc = parse_yaml("a: 1\nb:\n  - x: 2\n    y: 3\n  - z\n", "f.yaml")
    assert doc.data == {"a": 1, "b": [{"x": 2, "y": 3}, "z"]}
    assert doc.line_of(("a",)) == 1
    assert doc.line_of(("b", 0, "y")) == 4
    assert doc.line_of(("b", 1)) == 5
    # A location below a known one falls back to its nearest ancestor.
    assert doc.line_of(("b", 0, "y", "deeper")) == 4


def test_yaml_dates_become_iso_strings() -> None:
    assert parse_yaml("d: 2024-03-10\n", "f.yaml").data == {"d": "2024-03-10"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: [1, 2\nb: 3\n", 2, "invalid YAML"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("a: !!python/object:os.system {}\n", 1, "invalid YAML"),
        ("a: &x [*x]\n", 1, "recursive alias"),
    ],
)
def test_bad_yaml_is_a_problem_with_its_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_yaml(text, "bad.yaml")
    (problem,) = err.value.problems
    assert problem.path == "bad.yaml"
    assert problem.line == line
    assert fragment in problem.message


def test_alias_bomb_is_refused_not_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tos_check.loader.MAX_NODES", 1000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    with pytest.raises(InputError) as err:
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert "alias bomb" in err.value.problems[0].message


def test_python_tags_are_never_constructed() -> None:
    with pytest.raises(InputError):
        parse_yaml("x: !!python/name:os.system\n", "evil.yaml")


def test_json_errors_name_line_and_column() -> None:
    with pytest.raises(InputError) as err:
        parse_json('{\n  "a": 1,\n  "b": \n}\n', "x.json")
    problem = err.value.problems[0]
    assert (problem.path, problem.line) == ("x.json", 4)
    assert "column" in problem.message


def test_json_lines_are_found_lazily_for_errors() -> None:
    doc = parse_json('{\n  "a": {\n    "b": 1\n  }\n}\n', "x.json")
    assert doc.line_of(("a", "b")) == 3


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        read_text(path, "latin1.yaml")
    assert err.value.problems[0].line == 2
    assert "UTF-8" in err.value.problems[0].message


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b"\x89PNG\x00\x00\x00")
    with pytest.raises(InputError) as err:
        load_document(path)
    assert "binary" in err.value.problems[0].message


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(3 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(InputError) as err:
        read_text(path, max_bytes=1024 * 1024)
    assert "larger than" in err.value.problems[0].message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_document(path).data == {"a": 1}


def test_unreadable_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where chmod 000 still reads: simulate the OS refusing instead.
    path = tmp_path / "locked.yaml"
    path.write_text("a: 1\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(InputError) as err:
        read_text(path, "locked.yaml")
    assert str(err.value.problems[0]) == "locked.yaml: permission denied: cannot read the file"


PARSERS = {"libyaml": getattr(yaml, "CSafeLoader", None), "pure-python": yaml.SafeLoader}


@pytest.fixture(params=sorted(PARSERS))
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test under each YAML parser: which one a user's PyYAML has must not change what they are told."""
    base = PARSERS[request.param]
    if base is None:
        pytest.skip("this PyYAML was built without libyaml")
    monkeypatch.setattr(loader, "_Loader", loader._fast_loader(base))
    return str(request.param)


def flow(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def block(depth: int) -> str:
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(depth)) + f"{'  ' * depth}leaf\n"


@pytest.mark.parametrize(
    ("shape", "depth"),
    # Around libyaml's own limit of 1000, and past Python's recursion limit.
    [(flow, 100), (flow, 1001), (flow, 20_000), (block, 100), (block, 1001), (block, 5000)],
)
def test_deep_yaml_is_one_problem_whichever_parser_stops_it(
    yaml_parser: str, shape: Callable[[int], str], depth: int
) -> None:
    text = shape(depth)
    with pytest.raises(InputError) as err:
        parse_yaml(text, "deep.yaml")
    (problem,) = err.value.problems
    assert problem.message == f"invalid YAML: nested more than {MAX_DEPTH} levels deep"
    assert problem.path == "deep.yaml"
    # The line is where the limit was passed: the first line for flow collections, about MAX_DEPTH down for blocks.
    assert problem.line is not None
    assert (problem.line == 1) if shape is flow else (MAX_DEPTH - 2 <= problem.line <= MAX_DEPTH + 2)


def test_nesting_at_the_limit_is_read(yaml_parser: str) -> None:
    depth = MAX_DEPTH - 2
    data = parse_yaml(flow(depth), "ok.yaml").data["a"]
    for _ in range(depth - 1):
        (data,) = data
    assert data == []
    data = parse_yaml(block(depth), "ok.yaml").data
    for level in range(depth):
        data = data[f"k{level}"]
    assert data == "leaf"


def test_other_yaml_errors_keep_their_line(yaml_parser: str) -> None:
    with pytest.raises(InputError) as err:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")
    (problem,) = err.value.problems
    assert problem.message.startswith("invalid YAML: ") and "levels deep" not in problem.message
    assert problem.line == 3


@pytest.mark.parametrize("depth", [100, 5000, 100_000])
def test_deep_json_is_one_problem(depth: int) -> None:
    with pytest.raises(InputError) as err:
        parse_json("[" * depth + "]" * depth, "deep.json")
    assert [p.message for p in err.value.problems] == [f"invalid JSON: nested more than {MAX_DEPTH} levels deep"]


def test_deeply_nested_policy_condition_is_one_clear_problem(tmp_path: Path) -> None:
    from tos_check.policy.load import load_policy_file

    condition = "{field: commercial, equals: true}"
    for _ in range(80):
        condition = "{not: " + condition + "}"
    fixture = Path(__file__).resolve().parent / "fixtures" / "policies" / "acme-terms.yaml"
    text = fixture.read_text().replace(
        "when: {field: organization.monthly_active_users, gt: 100000000}", f"when: {condition}"
    )
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_policy_file(path)
    assert [p.message for p in err.value.problems] == [f"invalid YAML: nested more than {MAX_DEPTH} levels deep"]


def test_repeated_keys_can_let_the_last_win_and_are_listed() -> None:
    text = "a: 1\nb:\n  x: 1\nb:\n  y: 2\n"
    doc = parse_yaml(text, "cfg.yaml", repeated_keys="last")
    assert doc.data == {"a": 1, "b": {"y": 2}}
    assert doc.repeated == [(("b",), 4)]
    assert doc.line_of(("b", "y")) == 5
    assert ("b", "x") not in doc.lines  # the overwritten value leaves no stale line behind


def test_plain_scalars_are_typed_as_yaml_1_1_types_them() -> None:
    # Every first character the implicit resolvers look at, and strings that merely start like a type.
    values = [
        "yes", "No", "on", "OFF", "true", "False", "null", "~", "", "12", "-3", "+4", "0x1F", "0o17", "1_000",
        "1.5", "-.5", ".inf", "-.Inf", ".nan", "1e3", "6.02e+23", "190:20:30", "2024-01-05", "2024-01-05 10:00:00",
        "<<x", "nope", "tokenizer", "false-positive", "12abc", "-x", ".hidden", "~tilde", "Y", "n", "path",
        "HuggingFaceH4/ultrachat_200k", "gpt-4", "o1-mini", "True-ish",
    ]  # fmt: skip
    text = "\n".join(f"k{i}: {v}" for i, v in enumerate(values)) + "\nlist: [yes, 3, x]\n"
    expected = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in yaml.safe_load(text).items()}
    assert parse_yaml(text, "t.yaml").data == expected
    assert parse_yaml(text, "t.yaml").data == expected  # and again, from what the first parse remembered


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("manifest.yaml", "artifacts:\n  - id: " + "x" * (MAX_VALUE_CHARS + 1) + "\n    kind: dataset\n", 2),
        ("card.json", '{\n  "name": "' + "x" * (MAX_VALUE_CHARS + 1) + '"\n}', 2),
        ("minified.json", "[" + '"y", ' * 300_000 + '"' + "z" * (MAX_VALUE_CHARS + 1) + '"]', 1),
    ],
)
def test_a_value_over_a_megabyte_is_refused_before_parsing(name: str, text: str, line: int) -> None:
    parse = parse_json if name.endswith(".json") else parse_yaml
    with pytest.raises(InputError) as err:
        parse(text, name)
    [problem] = err.value.problems
    assert (problem.path, problem.line) == (name, line)
    assert problem.message.startswith("a value of 1.0 MiB starts here")


def test_long_files_of_short_values_are_read() -> None:
    # Over the limit in total, like a large Croissant file or a minified JSON: only single values count.
    text = "[" + ",".join(['"' + "y" * 1000 + '"'] * 3000) + "]"
    assert len(parse_json(text, "big.json").data) == 3000
    assert len(parse_yaml("\n".join(f"k{i}: {'v' * 1000}" for i in range(3000)), "big.yaml").data) == 3000
