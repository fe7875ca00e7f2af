"""The scan result that every format writes. The JSON format is this model, as it is (design.md 4.3)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check import __version__
from tos_check.evaluate.finding import Finding
from tos_check.lineage.model import Location
from tos_check.use import DeclaredUse


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
    location: Location
    licenses: list[str] = []
    generators: list[Generator] = []
    used_in: list[Location] = Field(
        [], description="Where scanned training configs (or model descriptions) name it as training data."
    )


class FileEncoding(_Out):
    path: str
    encoding: str = Field(description="What the file's byte-order mark says, e.g. UTF-16-LE.")


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
