"""The scan result that every format writes. The JSON format is this model, as it is (design.md 4.3)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check import __version__
from tos_check.evaluate.finding import SEVERITY_RANK, Finding
from tos_check.lineage.model import Location
from tos_check.use import DeclaredUse

FailOn = Literal["error", "warning", "note", "never"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tool(_Out):
    name: Literal["tos-check"] = "tos-check"
    version: str = __version__


class FindingCounts(_Out):
    error: int = 0
    warning: int = 0
    note: int = 0


class Summary(_Out):
    artifacts: int
    known_provenance: int = Field(0, description="Datasets whose origin the metadata or the catalog explains.")
    records_scanned: int
    findings: FindingCounts
    files_scanned: int = 0
    training_datasets: int = Field(
        0, description="Datasets a scanned training config (or model description) names as training data."
    )
    training_known_provenance: int = Field(0, description="Of those, the ones whose origin is explained.")
    partial: bool = Field(False, description="Some input could not be read: the result cannot be trusted whole.")


class Generator(_Out):
    model: str
    provider: str | None
    family: str | None
    depth: int
    in_scan: bool = Field(False, description="The model is itself described by the scanned metadata.")
    records: int | None = Field(None, description="How many records hold its outputs, where the data says.")


DatasetStatus = Literal["prohibited", "obligation", "undecided", "notice", "clear"]


class ArtifactStatus(_Out):
    """Every dataset the scan described, including the clear ones: a clear dataset is a result too."""

    id: str
    kind: Literal["dataset", "model"]
    status: DatasetStatus = Field(
        description="The strongest effect a clause decided (prohibited, obligation); `undecided` when the only "
        "restricting clauses hang on fields the declared use leaves out (see `undecided`); `notice` when only "
        "notices apply; `clear` when nothing does."
    )
    undecided: list[str] = Field(
        [], description="Declared-use fields that would decide the clauses still open for it, whatever its status."
    )
    provenance_known: bool = Field(
        description="Its metadata or the catalog says where its content came from (model outputs or people)."
    )
    location: Location
    licenses: list[str] = []
    generators: list[Generator] = []
    used_in: list[Location] = Field(
        [], description="Where scanned training configs (or model descriptions) name it as training data."
    )


class FileEncoding(_Out):
    path: str
    encoding: str = Field(description="What the file's byte-order mark says, e.g. UTF-16-LE.")


class WaiverStatus(_Out):
    """Each waiver of tos-check.yaml and what it did this run: a waiver that stopped working says so."""

    source: str = Field(description="Where the waiver is written, as path:line.")
    rule: str
    dataset: str
    model: str | None = None
    reason: str
    approver: str
    expires: dt.date
    state: Literal["active", "stale", "expired", "ignored"] = Field(
        description="active: it waives findings; stale: it matches no finding; expired: past its date, it "
        "waives nothing; ignored: --no-waivers."
    )
    matched: int = Field(description="Findings it matches (waived only when active).")


class BaselineStatus(_Out):
    path: str
    entries: int
    unchanged: int = Field(description="Findings the baseline holds: reported, not failing the run.")
    new: int = Field(description="Findings not in the baseline.")
    gone: int = Field(description="Baseline entries no finding matched any more (fixed, or moved out of scope).")


class SinceStatus(_Out):
    ref: str
    commit: str
    unchanged: int = Field(
        description="Findings a scan of that commit has too: reported as `baseline: unchanged`, not failing the run."
    )
    new: int = Field(description="Findings that scan does not have.")


class Report(_Out):
    tool: Tool = Tool()
    schema_version: Literal[1] = 1
    use: DeclaredUse
    use_source: str | None = Field(description="File the declared use came from; null when assumed.")
    as_of: dt.date | None = Field(
        None, description="The day whose terms were assumed for outputs of unknown date; only when used."
    )
    findings: list[Finding]
    artifacts: list[ArtifactStatus]
    summary: Summary
    problems: list[str] = Field([], description="Input that could not be read, as path:line: message.")
    encodings: list[FileEncoding] = Field(
        [], description="Files read as UTF-16 or UTF-32 (their byte-order mark says so); every other file is UTF-8."
    )
    waivers: list[WaiverStatus] = Field([], description="The waivers of the config, in file order.")
    baseline: BaselineStatus | None = Field(None, description="With --baseline: what it matched.")
    since: SinceStatus | None = Field(None, description="With --since: the commit compared against.")
    fail_on: FailOn = Field(
        "error", description="The --fail-on threshold (or the config's fail_on) the run's exit code follows."
    )

    def at_threshold(self, finding: Finding) -> bool:
        """At least as severe as `fail_on`: what fails the run unless accepted. Every format that gives a
        verdict asks this, so none can disagree with the exit code."""
        return self.fail_on != "never" and SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[self.fail_on]

    def found_before(self) -> str:
        """Where an `unchanged` finding was found before, in words for the reports: the baseline file, the
        --since ref, or either."""
        places = [f"the baseline {self.baseline.path}"] if self.baseline is not None else []
        places += [f"the scan at {self.since.ref}"] if self.since is not None else []
        return " or ".join(places) or "the baseline"

    def failing(self) -> list[Finding]:
        """Findings that fail the run: at the threshold and not accepted."""
        return [f for f in self.findings if self.at_threshold(f) and not f.accepted]
