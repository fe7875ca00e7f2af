from __future__ import annotations

from pathlib import Path

import pytest

from tos_check.config import load_settings
from tos_check.problems import InputError
from tos_check.use import DeclaredUse, load_pyproject_use, load_use_file


def test_defaults_are_the_cautious_reading() -> None:
    use = DeclaredUse()
    assert use.activities == ["train"]
    assert (use.distribution, use.commercial, use.posture) == ("public", True, "strict")
    assert use.competes_with_provider("openai")


@pytest.mark.parametrize(
    ("competes_with", "kind", "general", "expected"),
    [
        ("auto", "llm", True, True),
        ("auto", "classifier", False, False),
        ("auto", "llm", False, False),
        ("none", "llm", True, False),
        (["openai"], "classifier", False, True),
        (["anthropic"], "llm", True, False),
    ],
)
def test_competes_with(competes_with: object, kind: str, general: bool, expected: bool) -> None:
    use = DeclaredUse.model_validate(
        {"competes_with": competes_with, "model": {"kind": kind, "general_purpose": general}}
    )
    assert use.competes_with_provider("openai") is expected


def test_use_file_unknown_key_names_file_and_line(write) -> None:  # type: ignore[no-untyped-def]
    path = write("use.yaml", "activity: fine_tune\nmodel:\n  name: x\n  flavour: big\n")
    with pytest.raises(InputError) as err:
        load_use_file(path)
    (problem,) = err.value.problems
    assert (problem.path, problem.line) == (str(path), 4)
    assert "unknown key 'flavour'" in problem.message


def test_use_file_bad_value_names_the_line(write) -> None:  # type: ignore[no-untyped-def]
    path = write("use.yaml", "activity: pretrain\ndistribution: public\n")
    with pytest.raises(InputError) as err:
        load_use_file(path)
    assert err.value.problems[0].line == 1
    assert "activity" in err.value.problems[0].message


def test_use_file_accepts_a_use_section(write) -> None:  # type: ignore[no-untyped-def]
    path = write("u.yaml", "use:\n  activity: [evaluate]\n  commercial: false\n")
    source = load_use_file(path)
    assert source.use.activities == ["evaluate"]
    assert source.use.commercial is False


def test_pyproject_use_with_lines(write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.tos-check.use]\nactivity = "distill"\ncolour = "red"\n',
    )
    with pytest.raises(InputError) as err:
        load_pyproject_use(path)
    assert err.value.problems[0].line == 6
    path.write_text('[tool.tos-check.use]\nactivity = "distill"\n[tool.tos-check.use.model]\nname = "m"\n')
    source = load_pyproject_use(path)
    assert source is not None
    assert source.use.activities == ["distill"]
    assert source.use.model.name == "m"


def test_pyproject_without_section_gives_none(write) -> None:  # type: ignore[no-untyped-def]
    assert load_pyproject_use(write("pyproject.toml", '[project]\nname = "x"\n')) is None


def test_settings_find_config_next_to_the_scanned_folder(tmp_path: Path) -> None:
    (tmp_path / "tos-check.yaml").write_text("use:\n  activity: evaluate\nfail_on: warning\n")
    settings = load_settings([tmp_path], None, None)
    assert settings.use.use.activities == ["evaluate"]
    assert settings.fail_on == "warning"
    assert settings.use.path == str(tmp_path / "tos-check.yaml")


def test_settings_unknown_config_key(tmp_path: Path) -> None:
    (tmp_path / "tos-check.yaml").write_text("use:\n  activity: evaluate\nfail-on: warning\n")
    with pytest.raises(InputError) as err:
        load_settings([tmp_path], None, None)
    assert err.value.problems[0].line == 3


def test_settings_use_file_wins_over_config(tmp_path: Path) -> None:
    (tmp_path / "tos-check.yaml").write_text("use:\n  activity: evaluate\n")
    (tmp_path / "other.yaml").write_text("activity: distill\n")
    settings = load_settings([tmp_path], None, tmp_path / "other.yaml")
    assert settings.use.use.activities == ["distill"]


def test_settings_without_any_file_assume_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings([tmp_path], None, None)
    assert settings.use.assumed
    assert settings.use.use == DeclaredUse()


# Found by tests/test_fuzz.py: each of these once raised instead of reporting.
def test_an_unknown_key_that_looks_like_a_type_label_is_still_named(write) -> None:  # type: ignore[no-untyped-def]
    path = write("use.yaml", "activity: train\n([: 1\n")
    with pytest.raises(InputError) as err:
        load_use_file(path)
    (problem,) = err.value.problems
    assert (problem.line, problem.message.split(";")[0]) == (2, "unknown key '([' in the top level")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool = 1\n", "tool must be a table"),
        ('[tool]\ntos-check = "x"\n', "tool.tos-check must be a table"),
        ("[tool.tos-check]\nuse = 3\n", "tool.tos-check.use must be a table"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: nested too deep"),
    ],
)
def test_a_pyproject_of_the_wrong_shape_is_a_problem(write, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write("pyproject.toml", text)
    with pytest.raises(InputError) as err:
        load_pyproject_use(path)
    (problem,) = err.value.problems
    assert problem.path == str(path)
    assert problem.message.startswith(message)
