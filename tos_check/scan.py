"""A scan: walk the paths, let every source read what it claims, join the lineage, judge every dataset.

This is the whole job behind `tos-check scan`, with no knowledge of the command line or of any format,
so that pipelines and tests call the same thing the CLI does.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tos_check.encodings import undecodable
from tos_check.evaluate.engine import Evaluator, provenance_known
from tos_check.evaluate.finding import Finding
from tos_check.identity.model import IdentityResolver
from tos_check.known_datasets.catalog import builtin as known_datasets
from tos_check.lineage.graph import Trace
from tos_check.lineage.known import graph_with_known_datasets
from tos_check.lineage.model import Artifact, Location, SourceResult
from tos_check.plugins import load_problems, sources
from tos_check.policy.load import PolicySet
from tos_check.problems import InputError, Problem
from tos_check.report.model import (
    ArtifactStatus,
    DatasetStatus,
    FileEncoding,
    FindingCounts,
    Generator,
    Report,
    Summary,
)
from tos_check.use import UseSource
from tos_check.walk import ScanFile, walk

SNIFFED_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonld", ".md"})
"""Suffixes whose files sources recognise by their first bytes: one that cannot be opened may be metadata
that no source could claim, so it is a problem, never skipped in silence."""


Progress = Callable[[int, int], None]
"""Called with (files read, files to read) as a scan goes; the CLI draws a bar with it on a terminal."""


@dataclass(frozen=True)
class ScanOptions:
    as_of: dt.date
    min_confidence: float = 0.0
    progress: Progress | None = None


def scan(
    paths: list[Path], use: UseSource, policies: PolicySet, resolver: IdentityResolver, options: ScanOptions
) -> Report:
    with _no_full_collections():
        return _scan(paths, use, policies, resolver, options)


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """A scan only adds to what it keeps (artifacts, edges, findings), so each full collection of the cycle
    collector walks an ever larger heap to free next to nothing: a fifth of a 10,000-file scan went there.
    Young generations are still collected; the usual thresholds are back when the scan ends."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _scan(
    paths: list[Path], use: UseSource, policies: PolicySet, resolver: IdentityResolver, options: ScanOptions
) -> Report:
    walked = walk(paths)
    result, encodings = _read_files(walked.files, options.progress)
    result.problems[:0] = [*walked.problems, *load_problems()]
    graph = graph_with_known_datasets(result, known_datasets())
    evaluator = Evaluator(policies=policies, resolver=resolver, use=use.use, as_of=options.as_of)
    findings: list[Finding] = []
    statuses: list[ArtifactStatus] = []
    known = training = training_known = 0
    for dataset in graph.datasets():
        traces = graph.traces(dataset)
        explained = provenance_known(dataset, traces)
        used_in = graph.used_in(dataset)
        known += explained
        training += bool(used_in)
        training_known += bool(used_in) and explained
        judged = evaluator.evaluate(dataset, traces, graph.ancestry(dataset))
        judged = [f for f in judged if f.confidence >= options.min_confidence]
        if dataset.external and used_in:
            # Only named here (the catalog tells its story): the finding points at the user's own line that
            # trains on it, not into the catalog; the chain still shows where each hop was learned.
            judged = [f.model_copy(update={"location": used_in[0]}) for f in judged]
        findings.extend(judged)
        statuses.append(_status(dataset, judged, traces, evaluator, used_in, explained))
    findings.sort(key=Finding.sort_key)
    counts = FindingCounts(
        error=sum(f.severity == "error" for f in findings),
        warning=sum(f.severity == "warning" for f in findings),
        note=sum(f.severity == "note" for f in findings),
    )
    problems = sorted(set(result.problems), key=lambda p: (p.path, p.line or 0, p.message))
    return Report(
        use=use.use,
        use_source=use.path,
        as_of=options.as_of if evaluator.used_as_of else None,
        findings=findings,
        artifacts=statuses,
        summary=Summary(
            artifacts=len(statuses),
            known_provenance=known,
            records_scanned=result.records_scanned,
            findings=counts,
            files_scanned=len(walked.files),
            training_datasets=training,
            training_known_provenance=training_known,
            partial=bool(problems),
        ),
        problems=[str(p) for p in problems],
        encodings=[FileEncoding(path=path, encoding=name) for path, name in sorted(encodings.items())],
    )


def _read_files(files: list[ScanFile], progress: Progress | None = None) -> tuple[SourceResult, dict[str, str]]:
    """Every file through every source that claims it. A source that fails (a plugin's bug, or ours) costs
    that file, not the run: the failure is a problem naming the file and the source, and the scan is
    partial. A file that may be metadata but cannot be opened is a problem even when no source could claim
    it (never a silent skip). Also returns the files read in UTF-16/32, by their displayed path."""
    result = SourceResult()
    registered = sources()
    encodings: dict[str, str] = {}
    for done, file in enumerate(files, 1):
        claimed = False
        for source in registered:
            try:
                if not source.claims(file):
                    continue
                claimed = True
                result.extend(source.read(file))
            except InputError as exc:  # a file the source reads with it (a plugin's fingerprint catalog) is bad
                claimed = True
                result.problems.extend(exc.problems)  # the same problem from every file is reported once
            except Exception as exc:
                if os.environ.get("TOS_CHECK_DEBUG"):
                    raise
                claimed = True
                message = (
                    f"the {source.name!r} source failed on this file ({type(exc).__name__}: {exc}); it was not "
                    "read by that source (a bug: set TOS_CHECK_DEBUG=1 for the traceback and report it)"
                )
                result.problems.append(Problem(file.display, None, message))
        if not claimed and file.path.suffix.lower() in SNIFFED_SUFFIXES:
            unread = _unread(file)
            if unread is not None:
                result.problems.append(Problem(file.display, None, unread))
        if claimed and file.encoding is not None:
            encodings[file.display] = file.encoding
        file.release_head()
        if progress is not None:
            progress(done, len(files))
    return result, encodings


def _unread(file: ScanFile) -> str | None:
    """Why a file that may be metadata, and that no source claimed, could not be looked at; None if it could."""
    if file.head is None:
        return f"cannot read the file ({file.head_error}); it may hold metadata, and was not checked"
    if file.encoding is None and (why := undecodable(file.head)) is not None:
        return f"{why}: not text tos-check can read (UTF-8, or UTF-16/32 with a byte-order mark); not checked"
    return None


def _status(
    dataset: Artifact,
    findings: list[Finding],
    traces: list[Trace],
    evaluator: Evaluator,
    used_in: list[Location],
    explained: bool,
) -> ArtifactStatus:
    """The strongest effect a policy clause *decided*; a clause that hangs on a declared-use field the use left
    out never speaks for the dataset. `undecided` when only such clauses (and notices) remain, with the
    fields to declare; the tool's own notices only make it `notice`. docs/cli.md says the same."""
    policy_findings = [f for f in findings if f.policy is not None and f.rule.split("/")[0] != "tos-check"]
    decided = [f.effect for f in policy_findings if not f.undecided]
    open_fields = sorted({name for f in policy_findings if f.effect != "notice" for name in f.undecided})
    status: DatasetStatus
    if "prohibited" in decided:
        status = "prohibited"
    elif "obligation" in decided:
        status = "obligation"
    elif open_fields:
        status = "undecided"
    elif findings:
        status = "notice"
    else:
        status = "clear"
    generators = set()
    for trace, _ in evaluator.corroborated(traces):
        identity = evaluator.identity_of(trace)
        generators.add(
            Generator(
                model=trace.generation.model,
                provider=identity.provider,
                family=identity.family,
                depth=trace.depth,
                in_scan=trace.generator is not None,
                records=trace.generation.records,
            )
        )
    return ArtifactStatus(
        id=dataset.id,
        kind=dataset.kind,
        status=status,
        undecided=open_fields,
        provenance_known=explained,
        location=dataset.location,
        licenses=list(dataset.licenses),
        used_in=used_in,
        generators=sorted(
            generators, key=lambda g: (g.depth, g.model, g.records is not None, g.records or 0, g.provider or "")
        ),
    )
