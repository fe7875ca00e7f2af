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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from tos_check import __version__
from tos_check.config import Settings, load_settings
from tos_check.plugins import add_commands, load_problems, policy_dirs, reporters
from tos_check.policy.load import PolicySet, load_policies, load_policy_file, policy_files
from tos_check.problems import InputError, Problem
from tos_check.schemas import SCHEMA_NAMES, schema_text

if TYPE_CHECKING:  # imported where used: `tos-check --help` stays fast
    from tos_check.report.model import Report
    from tos_check.scan import Progress

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


def _option(*decls: str, env: str, **kwargs: Any) -> Callable[[F], F]:
    """Every option can also come from the environment (docs/cli.md lists them): CI sets TOS_CHECK_* once."""
    return click.option(*decls, envvar=f"TOS_CHECK_{env}", show_envvar=True, **kwargs)


def _scan_inputs(func: F) -> F:
    """What decides a scan's findings, shared by `scan` and `baseline create` so a baseline is made the way
    the scans that read it are run."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        _option(
            "--use",
            "use_file",
            env="USE",
            type=click.Path(path_type=Path),
            help="Declared use (YAML), overriding the config.",
        ),
        _option(
            "--config",
            env="CONFIG",
            type=click.Path(path_type=Path),
            help="tos-check.yaml to use (default: found next to PATH).",
        ),
        _option(
            "--policies",
            "extra_policies",
            env="POLICIES",
            multiple=True,
            type=click.Path(path_type=Path),
            help="Extra policy file or folder, added to the built-ins. Repeatable.",
        ),
        _option(
            "--min-confidence",
            env="MIN_CONFIDENCE",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            help="Drop findings below this.",
        ),
        _option(
            "--as-of", env="AS_OF", callback=_parse_date, help="Judge outputs of unknown date by this day's terms."
        ),
    ]

    @wraps(func)
    def packed(
        paths: tuple[Path, ...],
        use_file: Path | None,
        config: Path | None,
        extra_policies: tuple[Path, ...],
        min_confidence: float | None,
        as_of: dt.date | None,
        **rest: Any,
    ) -> Any:
        inputs = _Inputs(list(paths) or [Path(".")], use_file, config, extra_policies, min_confidence, _today(as_of))
        return func(inputs=inputs, **rest)

    command: Any = packed
    for decorator in reversed(decorators):
        command = decorator(command)
    return command  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Inputs:
    targets: list[Path]
    use_file: Path | None
    config: Path | None
    extra_policies: tuple[Path, ...]
    min_confidence: float | None
    today: dt.date


def _run_scan(inputs: _Inputs, progress: Progress | None = None, cwd: Path = Path(".")) -> tuple[Report, Settings]:
    """The scan the options describe: (report, settings)."""
    from tos_check.identity.resolver import Resolver
    from tos_check.scan import ScanOptions
    from tos_check.scan import scan as run_scan

    settings = load_settings(inputs.targets, inputs.config, inputs.use_file, cwd)
    policies = _load_policy_set([*settings.policy_dirs, *inputs.extra_policies])
    options = ScanOptions(
        as_of=inputs.today,
        min_confidence=inputs.min_confidence or settings.min_confidence or 0.0,
        progress=progress,
    )
    return run_scan(inputs.targets, settings.use, policies, Resolver.builtin(), options), settings


@cli.command()
@_scan_inputs
@_option(
    "--format",
    "formats",
    env="FORMAT",
    multiple=True,
    metavar="NAME[=PATH]",
    help="Report format (text, json, sarif, junit, markdown, html, or a plugin's), to stdout or to PATH (- for "
    "stdout). "
    "Repeatable: one scan writes every report. Default: text.",
)
@_option(
    "--output",
    "-o",
    env="OUTPUT",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report of the one --format given without a PATH here (- for stdout).",
)
@_option(
    "--fail-on",
    env="FAIL_ON",
    type=click.Choice(["error", "warning", "note", "never"]),
    default=None,
    help="Exit 1 when a finding is at least this severe and not accepted (default: error).",
)
@_option(
    "--baseline",
    env="BASELINE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Findings in this baseline (tos-check baseline create) are reported but do not fail the run.",
)
@_option("--no-waivers", env="NO_WAIVERS", is_flag=True, help="Ignore the waivers in the config: every finding counts.")
@_option(
    "--since",
    env="SINCE",
    metavar="GIT_REF",
    help="Report only findings that a scan of the same paths at GIT_REF does not have (read with git).",
)
@_option(
    "--quiet",
    "-q",
    env="QUIET",
    is_flag=True,
    help="No progress, no text report on the terminal, no warnings; reports asked for are still written.",
)
@reports_input_errors
def scan(
    inputs: _Inputs,
    formats: tuple[str, ...],
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    no_waivers: bool,
    since: str | None,
    quiet: bool,
) -> None:
    """Scan PATHS (default: .) for training data and check it against the policies."""
    from tos_check.report.outputs import OutputSpecError, parse_outputs, unwritable, write_atomically
    from tos_check.suppress.baseline import apply_baseline, apply_since, load_baseline
    from tos_check.suppress.waivers import apply_waivers, waiver_warnings

    available = reporters()
    try:
        outputs = parse_outputs(formats, output, available)
    except OutputSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--format/--output") from None
    if quiet and not formats and output is None:  # --quiet silences the terminal, never a report asked for
        outputs = []
    if problems := unwritable(outputs):
        raise InputError(problems)
    baseline_keys = load_baseline(baseline) if baseline is not None else None
    with _progress_bar(enabled=not quiet) as progress:
        before = _scan_at_ref(since, inputs) if since is not None else None
        report, settings = _run_scan(inputs, progress)
    report = apply_waivers(report, settings.waivers, inputs.today, enabled=not no_waivers)
    if baseline is not None and baseline_keys is not None:
        report = apply_baseline(report, baseline_keys, str(baseline))
    if before is not None:
        report = apply_since(report, *before)
    report = report.model_copy(update={"fail_on": fail_on or settings.fail_on or "error"})
    for out in outputs:
        text = available[out.format].render(report, color=out.path is None and _color_wanted())
        if out.path is None:
            click.echo(text, nl=False)
        else:
            write_atomically(out.path, text)
    for problem in report.problems:
        click.echo(problem, err=True)
    if not quiet:
        for line in [*waiver_warnings(report), *_baseline_lines(report)]:
            click.echo(f"tos-check: {line}", err=True)
    if report.summary.partial:
        sys.exit(EXIT_INPUT)
    if report.failing():
        sys.exit(EXIT_FINDINGS)


def _baseline_lines(report: Report) -> list[str]:
    status = report.baseline
    if status is None:
        return []
    return [
        f"baseline {status.path}: {status.unchanged} finding(s) baselined, {status.new} new, "
        f"{status.gone} baseline entr{'y' if status.gone == 1 else 'ies'} gone"
    ]


def _scan_at_ref(ref: str, inputs: _Inputs) -> tuple[Report, str, str]:
    """The same scan of the paths as they were at REF (their config and declared use as they were then,
    unless given on the command line): (report, ref, commit)."""
    import tempfile

    from tos_check.git_ref import at_ref, export, moved, resolve_ref

    tree = resolve_ref(ref, inputs.targets)
    with tempfile.TemporaryDirectory(prefix="tos-check-since-") as tmp:
        into = Path(tmp)
        mapped = export(tree, inputs.targets, into)
        old_inputs = replace(inputs, targets=mapped)
        try:
            report, _ = _run_scan(old_inputs, cwd=moved(tree, Path.cwd(), into))
        except InputError as exc:  # e.g. the config as it was: exit 2, named where the user can find it
            raise InputError(at_ref(tree, into, exc.problems)) from None
    return report, tree.ref, tree.commit


def _no_color() -> bool:
    """no-color.org: a NO_COLOR that is set and not empty turns colour off; an empty one does not."""
    return bool(os.environ.get("NO_COLOR"))


def _color_wanted() -> bool:
    return sys.stdout.isatty() and not _no_color() and os.environ.get("TERM") != "dumb"


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A bar on stderr for long scans, only where a person watches: a terminal, not a pipe, not CI."""
    if not (enabled and sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, no_color=_no_color())
    columns = (TextColumn("reading metadata"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("scan", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@cli.group()
def baseline() -> None:
    """Record today's findings, so that `scan --baseline FILE` fails only on new ones."""


@baseline.command("create")
@_scan_inputs
@_option(
    "--output",
    "-o",
    env="BASELINE_OUTPUT",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The baseline file to write (JSON).",
)
@reports_input_errors
def baseline_create(
    inputs: _Inputs,
    output: Path,
) -> None:
    """Scan PATHS as `scan` does and write every finding's identity (rule, dataset, model) to FILE."""
    from tos_check.report.outputs import Output, unwritable, write_atomically
    from tos_check.suppress.baseline import baseline_text

    if problems := unwritable([Output("baseline", output)]):
        raise InputError(problems)
    report, _ = _run_scan(inputs)
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.summary.partial:
        click.echo(f"{output}: not written: the scan was partial, a baseline of it would hide findings", err=True)
        sys.exit(EXIT_INPUT)
    write_atomically(output, baseline_text(report))
    click.echo(f"{output}: {len({f.key() for f in report.findings})} finding(s) recorded")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@_option(
    "--pass",
    "pass_path",
    env="GATE_PASS",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where records that pass go (.jsonl[.gz|.zst] or .parquet).",
)
@_option(
    "--quarantine",
    "quarantine_path",
    env="GATE_QUARANTINE",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where held-back records go, each with its reason (and unreadable lines, as they were).",
)
@_option("--use", "use_file", env="USE", type=click.Path(path_type=Path), help="Declared use (YAML).")
@_option("--config", env="CONFIG", type=click.Path(path_type=Path), help="tos-check.yaml (default: in .).")
@_option(
    "--policies",
    "extra_policies",
    env="POLICIES",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra policies.",
)
@_option("--as-of", env="AS_OF", callback=_parse_date, help="Judge outputs of unknown date by this day's terms.")
@_option(
    "--quarantine-on",
    env="QUARANTINE_ON",
    type=click.Choice(["error", "warning", "note"]),
    default=None,
    help="Hold back records with a finding at least this severe (default: the config's fail_on, else error).",
)
@_option(
    "--quarantine-undecided",
    env="QUARANTINE_UNDECIDED",
    is_flag=True,
    help="Also hold back records whose clause hangs on a field the declared use leaves out.",
)
@_option("--no-fingerprints", env="NO_FINGERPRINTS", is_flag=True, help="Do not search the text for fingerprints.")
@_option(
    "--summary-json",
    env="SUMMARY_JSON",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the per-input counts (read = passed + quarantined) here as JSON.",
)
@_option("--quiet", "-q", env="QUIET", is_flag=True, help="No summary on stderr.")
@reports_input_errors
def gate(
    inputs: tuple[Path, ...],
    pass_path: Path,
    quarantine_path: Path,
    use_file: Path | None,
    config: Path | None,
    extra_policies: tuple[Path, ...],
    as_of: dt.date | None,
    quarantine_on: str | None,
    quarantine_undecided: bool,
    no_fingerprints: bool,
    summary_json: Path | None,
    quiet: bool,
) -> None:
    """Pass or quarantine every record of INPUTS (JSONL or Parquet), streaming; each record ends in one sink."""
    from tos_check.gate.decide import Gate
    from tos_check.gate.stream import run
    from tos_check.report.outputs import Output, unwritable, write_atomically
    from tos_check.report.signature import json_text

    if summary_json is not None and (problems := unwritable([Output("summary", summary_json)])):
        raise InputError(problems)
    gate_ = Gate.from_config(
        use_file,
        config=config,
        policies=extra_policies,
        quarantine_on=quarantine_on,
        quarantine_undecided=quarantine_undecided,
        as_of=_today(as_of),
        fingerprints=not no_fingerprints,
    )
    summaries = run(gate_, list(inputs), pass_path, quarantine_path)
    if not quiet:
        for s in summaries:
            reasons = ", ".join(f"{rule} {n}" for rule, n in sorted(s.reasons.items())) or "none"
            blank = f"; {s.blank_lines} blank line(s), not records" if s.blank_lines else ""
            click.echo(
                f"gate: {s.path}: read {s.read} = passed {s.passed} + quarantined {s.quarantined} "
                f"(of which unreadable {s.unreadable}; reasons: {reasons}){blank}",
                err=True,
            )
        click.echo(f"gate: passed -> {pass_path}, quarantined -> {quarantine_path}", err=True)
    if summary_json is not None:
        data = {
            "tool": "tos-check",
            "pass": str(pass_path),
            "quarantine": str(quarantine_path),
            "inputs": [s.as_dict() for s in summaries],
        }
        write_atomically(summary_json, json_text(data))


@cli.command()
@click.argument("names", nargs=-1, required=True)
@_option(
    "--format", "fmt", env="RESOLVE_FORMAT", type=click.Choice(["text", "json"]), default="text", show_default=True
)
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
@_option("--policies", "extra", env="POLICIES", multiple=True, type=click.Path(path_type=Path))
@reports_input_errors
def policies_list(extra: tuple[Path, ...]) -> None:
    """One line per loaded policy: id, provider, versions, title."""
    for loaded in _load_policy_set(list(extra)).policies:
        p = loaded.policy
        versions = ", ".join(v.version for v in p.versions)
        click.echo(f"{p.id}\t{p.provider}\t{versions}\t{p.title}")


@policies.command("show")
@click.argument("policy_id")
@_option("--policies", "extra", env="POLICIES", multiple=True, type=click.Path(path_type=Path))
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
@_option("--as-of", env="AS_OF", callback=_parse_date, help="The day undated test cases are judged on.")
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
@_option(
    "--output",
    "-o",
    env="OVERVIEW_OUTPUT",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE (docs/policies.md).",
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
@_option(
    "--output", "-o", env="DPI_OUTPUT", type=click.Path(path_type=Path, dir_okay=False), help="Write the YAML here."
)
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
