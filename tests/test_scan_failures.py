"""What a scan cannot read — a broken plugin, a failing source, a file it cannot open or decode — is a named
problem and a partial scan; the rest of the run goes on."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pluggy
import pytest

from tests.scanning import scan_builtin
from tos_check import hookspecs, plugins
from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import SourceResult
from tos_check.plugins import describe, plugin_manager
from tos_check.sources.interface import Source
from tos_check.walk import ScanFile


class _Exploding:
    name = "exploding"

    def claims(self, file: ScanFile) -> bool:
        return file.path.suffix == ".boom"

    def read(self, file: ScanFile) -> SourceResult:
        raise RuntimeError("boom")


class _Plugin:
    @hookimpl
    def register_sources(self, register: Callable[[Source], None]) -> None:
        register(_Exploding())

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        cli.add_command(click.Command("hello", callback=lambda: None))


@pytest.fixture
def exploding() -> Iterator[None]:
    plugin = _Plugin()
    plugin_manager().register(plugin, "test-exploding")
    try:
        yield
    finally:
        plugin_manager().unregister(plugin)


def test_a_source_that_raises_costs_its_file_and_the_scan_goes_on(tmp_path: Path, exploding: None) -> None:
    (tmp_path / "data.boom").write_text("x")
    (tmp_path / "tos-provenance.yaml").write_text(
        "artifacts:\n  - id: d\n    kind: dataset\n    generated_by:\n      - model: gpt-4\n        date: 2024-05-01\n"
    )
    report = scan_builtin(tmp_path)
    assert report.summary.partial
    [problem] = report.problems
    assert problem.startswith(f"{tmp_path.as_posix()}/data.boom: the 'exploding' source failed on this file")
    assert "RuntimeError: boom" in problem
    assert any(f.model == "gpt-4" for f in report.findings), "the other files were still read"


def test_plugins_lists_the_commands_a_plugin_adds(exploding: None) -> None:
    [info] = [i for i in describe() if i.name == "test-exploding"]
    assert info.provides == ("sources: exploding", "commands: hello")


def test_a_plugin_that_cannot_be_loaded_is_a_problem_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = importlib.metadata.EntryPoint(
        name="broken", value="no_such_module_for_tos_check:plugin", group="tos_check"
    )
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [broken] if group == "tos_check" else [])
    monkeypatch.setattr(plugins, "_LOAD_PROBLEMS", [])
    pm = pluggy.PluginManager("tos_check")
    pm.add_hookspecs(hookspecs)
    plugins._load_external(pm)
    [problem] = plugins._LOAD_PROBLEMS
    assert problem.path == "plugin broken"
    assert "not loaded (no_such_module_for_tos_check:plugin): ModuleNotFoundError" in problem.message
    assert pm.get_plugin("broken") is None


def test_the_plugins_command_lists_what_was_not_loaded_and_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from tos_check.cli import cli
    from tos_check.problems import Problem

    monkeypatch.setattr(plugins, "_LOAD_PROBLEMS", [Problem("plugin broken", None, "not loaded (x:y): ImportError: z")])
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 2
    assert "plugin broken\tNOT LOADED\tnot loaded (x:y): ImportError: z" in result.output
    assert "tos_check.sources.manifest\tbuilt-in" in result.output


def _scan(path: Path) -> list[str]:
    report = scan_builtin(path)
    assert report.summary.partial == bool(report.problems)
    return report.problems


def test_a_metadata_file_no_source_could_open_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "axolotl.yaml").write_text("base_model: m\ndatasets:\n  - path: d\n")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    real_open = Path.open

    def locked(self: Path, *args: object, **kwargs: object) -> object:
        if self.parent == tmp_path and self.suffix in (".yaml", ".png"):  # the scanned files only
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", locked)
    assert _scan(tmp_path) == [
        f"{tmp_path.as_posix()}/axolotl.yaml: cannot read the file (Permission denied); it may hold metadata, "
        "and was not checked"
    ]  # a .png is nobody's metadata: not opened, not reported


def test_a_json_file_that_is_not_text_is_reported_even_without_nul_bytes(tmp_path: Path) -> None:
    (tmp_path / "latin.json").write_bytes(bytes(range(0x80, 0x100)) * 4)
    [problem] = _scan(tmp_path)
    assert problem.startswith(f"{tmp_path.as_posix()}/latin.json")
    assert "UTF-8" in problem or "binary" in problem


class _RaisingHooks:
    @hookimpl
    def register_sources(self, register: Callable[[Source], None]) -> None:
        raise RuntimeError("boom in register_sources")

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        raise RuntimeError("boom in register_commands")


def test_a_plugin_whose_hooks_raise_is_a_problem_and_the_rest_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tos_check.cli import cli

    monkeypatch.setattr(plugins, "_LOAD_PROBLEMS", [])
    plugin = _RaisingHooks()
    plugin_manager().register(plugin, "test-raising")
    try:
        assert "manifest" in [s.name for s in plugins.sources()]
        plugins.add_commands(click.Group())
        [info] = [i for i in describe() if i.name == "test-raising"]
        assert info.provides == ("sources: FAILED", "commands: FAILED")
        listed = CliRunner().invoke(cli, ["plugins"])
        problems = _scan(tmp_path)
    finally:
        plugin_manager().unregister(plugin)
    assert listed.exit_code == 2
    assert "plugin test-raising\tNOT LOADED\tregister_sources failed: RuntimeError: boom in register_sources" in (
        listed.output
    )
    assert "plugin test-raising: register_sources failed: RuntimeError: boom in register_sources" in " ".join(problems)
    assert "plugin test-raising: register_commands failed" in " ".join(problems)


def test_with_debug_set_a_failing_source_raises_for_its_traceback(
    tmp_path: Path, exploding: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data.boom").write_text("x")
    monkeypatch.setenv("TOS_CHECK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        scan_builtin(tmp_path)
