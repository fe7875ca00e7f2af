"""The command line. It parses options and composes sources, policies, the evaluator and a reporter; the
work itself lives in those modules.

Exit codes (design.md 4.1): 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error or
input that could not be read. Problems go to stderr, one `path:line: message` line each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from tos_check import __version__
from tos_check.config import load_settings
from tos_check.evaluate.finding import SEVERITY_RANK
from tos_check.plugins import add_commands, load_problems, policy_dirs, reporters
from tos_check.policy.load import PolicySet, load_policies, load_policy_file, policy_files
from tos_check.problems import InputError, Problem
from tos_check.schemas import SCHEMA_NAMES, schema_text

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def _fail(problems: list[Problem]) -> NoReturn:
    for problem in problems:
        click.echo(str(problem), err=True)
    sys.exit(EXIT_INPUT)


def reports_input_errors(func: F) -> F:
    """Bad input ends the command with its problems on stderr and exit 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            _fail(exc.problems)

    return wrapper  # type: ignore[return-value]


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


def _load_policy_set(extra: list[Path]) -> PolicySet:
    policies, problems = load_policies([*policy_dirs(), *extra])
    if problems:
        raise InputError(problems)
    return policies


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tos-check")
def cli() -> None:
    """Which of your training data came from model outputs whose terms restrict your declared use."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--use", "use_file", type=click.Path(path_type=Path), help="Declared use (YAML), overriding the config.")
@click.option("--config", type=click.Path(path_type=Path), help="tos-check.yaml to use (default: found next to PATH).")
@click.option(
    "--policies",
    "extra_policies",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra policy file or folder, added to the built-ins. Repeatable.",
)
@click.option("--format", "fmt", default="text", show_default=True, help="Report format: text, json, or a plugin's.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report here.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    default=None,
    help="Exit 1 when a finding is at least this severe (default: error).",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A previous JSON report: findings already in it do not fail the run.",
)
@click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=None, help="Drop findings below this.")
@click.option("--as-of", callback=_parse_date, help="Judge outputs of unknown date by the terms of this day.")
@reports_input_errors
def scan(
    paths: tuple[Path, ...],
    use_file: Path | None,
    config: Path | None,
    extra_policies: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    min_confidence: float | None,
    as_of: dt.date | None,
) -> None:
    """Scan PATHS (default: .) for training data and check it against the policies."""
    from tos_check.identity.resolver import Resolver
    from tos_check.scan import ScanOptions
    from tos_check.scan import scan as run_scan

    formats = reporters()
    if fmt not in formats:
        raise click.BadParameter(
            f"unknown format {fmt!r}; available: {', '.join(sorted(formats))}", param_hint="--format"
        )
    targets = list(paths) or [Path(".")]
    settings = load_settings(targets, config, use_file)
    policies = _load_policy_set([*settings.policy_dirs, *extra_policies])
    options = ScanOptions(as_of=_today(as_of), min_confidence=min_confidence or settings.min_confidence or 0.0)
    report = run_scan(targets, settings.use, policies, Resolver.builtin(), options)
    if baseline is not None:
        report = _apply_baseline(report, baseline)
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = formats[fmt].render(report, color=color)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.summary.partial:
        sys.exit(EXIT_INPUT)
    threshold = fail_on or settings.fail_on or "error"
    if threshold != "never" and any(
        SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold] for f in report.findings if not f.waived
    ):
        sys.exit(EXIT_FINDINGS)


def _apply_baseline(report: Any, path: Path) -> Any:
    from tos_check.loader import read_text

    text = read_text(path, str(path))
    try:
        known = {f["id"] for f in json.loads(text)["findings"]}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(
            [Problem(str(path), None, f"not a tos-check JSON report ({exc}); write one with --format json")]
        ) from None
    findings = [f.model_copy(update={"waived": True}) if f.id in known else f for f in report.findings]
    return report.model_copy(update={"findings": findings})


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def resolve(names: tuple[str, ...], fmt: str) -> None:
    """Show which provider, family and model each NAME is."""
    from tos_check.identity.resolver import Resolver

    resolver = Resolver.builtin()
    identities = [resolver.resolve(name) for name in names]
    if fmt == "json":
        click.echo(json.dumps([i.model_dump(mode="json") for i in identities], indent=2))
        return
    for i in identities:
        if i.provider is None:
            click.echo(f"{i.input}\tunknown")
        else:
            weights = f"open weights ({i.license})" if i.open_weights else "api"
            click.echo(
                f"{i.input}\t{i.provider}/{i.family}\t{i.model or '-'}\t{weights}\t{i.matched_by} {i.confidence:.2f}"
            )


@cli.group()
def policies() -> None:
    """List, show, validate and test policies."""


@policies.command("list")
@click.option("--policies", "extra", multiple=True, type=click.Path(path_type=Path))
@reports_input_errors
def policies_list(extra: tuple[Path, ...]) -> None:
    """One line per loaded policy: id, provider, versions, title."""
    for loaded in _load_policy_set(list(extra)).policies:
        p = loaded.policy
        versions = ", ".join(v.version for v in p.versions)
        click.echo(f"{p.id}\t{p.provider}\t{versions}\t{p.title}")


@policies.command("show")
@click.argument("policy_id")
@click.option("--policies", "extra", multiple=True, type=click.Path(path_type=Path))
@reports_input_errors
def policies_show(policy_id: str, extra: tuple[Path, ...]) -> None:
    """Print one policy's versions and clauses."""
    loaded = _load_policy_set(list(extra)).get(policy_id)
    if loaded is None:
        raise click.BadParameter(f"no policy with id {policy_id!r}; see `tos-check policies list`")
    p = loaded.policy
    click.echo(f"{p.title} [{p.id}] ({p.provider}, {p.kind})\n{p.document_url}\nfile: {loaded.path}")
    for v in p.versions:
        until = v.effective_until.isoformat() if v.effective_until else "in force"
        click.echo(f"\nversion {v.version}: {v.effective_from} .. {until} (retrieved {v.retrieved})")
        for c in v.clauses:
            flag = "" if c.verified else " [unverified]"
            click.echo(f"  {c.id} [{c.effect}, {c.default_severity}, reach {c.reach.kind}]{flag}: {c.summary}")
            click.echo(f"    {c.citation.section} <{c.citation.url}>")


@policies.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def policies_validate(paths: tuple[Path, ...]) -> None:
    """Check policy files (default: the built-ins) against the schema and the format's rules."""
    files, problems = policy_files(list(paths) or policy_dirs())
    for file in files:
        try:
            load_policy_file(file)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        _fail(problems)
    click.echo(f"{len(files)} policy file(s) valid")


@policies.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, help="The day undated test cases are judged on.")
@reports_input_errors
def policies_test(paths: tuple[Path, ...], as_of: dt.date | None) -> None:
    """Run each policy's example uses and check the effect each must produce."""
    from tos_check.identity.resolver import Resolver
    from tos_check.policy.testing import run_tests

    policy_set, problems = load_policies(list(paths) or policy_dirs())
    if problems:
        raise InputError(problems)
    results = run_tests(policy_set, Resolver.builtin(), _today(as_of))
    for result in results:
        mark = "PASS" if result.passed else "FAIL"
        click.echo(f"{mark} {result.policy}: {result.name}")
        for failure in result.failures:
            click.echo(f"  {result.path}: {failure}")
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(EXIT_FINDINGS)


@policies.command("overview")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE (docs/policies.md)."
)
@reports_input_errors
def policies_overview(output: Path | None) -> None:
    """A Markdown table of every built-in policy: provider, document, versions, outputs, obligations, source."""
    from tos_check.identity.resolver import Resolver
    from tos_check.policy.overview import render_overview

    text = render_overview(_load_policy_set([]), Resolver.builtin().catalog)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.group()
def catalog() -> None:
    """The known-datasets catalog: which public datasets hold which models' outputs."""


@catalog.command("import-dpi")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the YAML here.")
def catalog_import_dpi(path: Path, output: Path | None) -> None:
    """Read a Data Provenance Initiative checkout (its data_summaries/) into the catalog's YAML format."""
    from tos_check.known_datasets.dpi import dump_catalog, import_dpi

    entries, problems = import_dpi(path)
    text = dump_catalog(entries)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    if problems:
        _fail(problems)


@cli.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema(name: str) -> None:
    """Print the JSON Schema of a policy, a declared use, a manifest or a report."""
    click.echo(schema_text(name), nl=False)


@cli.command("plugins")
def plugins_command() -> None:
    """List the loaded plugins, built-in and external, and what each adds."""
    from tos_check.plugins import describe

    for info in describe():
        origin = "built-in" if info.builtin else "external"
        click.echo(f"{info.name}\t{origin}\t{'; '.join(info.provides) or '-'}")
    for problem in load_problems():
        click.echo(f"{problem.path}\tNOT LOADED\t{problem.message}")
    if load_problems():
        sys.exit(EXIT_INPUT)


def main() -> None:
    try:
        add_commands(cli)
        for problem in load_problems():  # every command says so; a scan also counts them as problems
            click.echo(f"tos-check: warning: {problem}", err=True)
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug, or a plugin's: say so in one line rather than dump a traceback
        if os.environ.get("TOS_CHECK_DEBUG"):
            raise
        click.echo(
            f"tos-check: internal error: {type(exc).__name__}: {exc} (set TOS_CHECK_DEBUG=1 for details)", err=True
        )
        sys.exit(EXIT_INPUT)
