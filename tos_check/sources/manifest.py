"""`tos-provenance.yaml`: our own manifest, for lineage that no other format records (design.md 4.5)."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Artifact, Edge, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import Document, parse_yaml, read_text
from tos_check.policy.model import Role
from tos_check.problems import InputError, Problem
from tos_check.sources.interface import Source
from tos_check.validation import validate_model
from tos_check.walk import ScanFile

DATE_OR_RANGE = r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateRange(_Strict):
    start: dt.date = Field(alias="from")
    until: dt.date


class ManifestGeneration(_Strict):
    model: str = Field(min_length=1, description="Any model string the resolver understands.")
    date: Annotated[str, Field(pattern=DATE_OR_RANGE)] | DateRange | None = Field(
        None,
        description="When the outputs were generated (picks the policy version): a date, "
        "an ISO interval `2024-03-01/2024-04-15`, or {from, until}.",
    )
    role: Role = "responses"
    by: Literal["us", "third_party"] = Field("third_party", description="Who called the model.")
    records: int | None = Field(None, ge=0)


class ManifestArtifact(_Strict):
    id: str = Field(min_length=1, description="Unique within the scan: a path, a Hugging Face id, or a name.")
    kind: Literal["dataset", "model"]
    path: str | None = Field(None, description="Records to look into, relative to the manifest.")
    names: list[str] = Field([], description="Other names the artifact goes by.")
    license: str | list[str] | None = None
    generated_by: list[ManifestGeneration] = []
    derived_from: list[str] = Field([], description="Datasets it was built from.")
    trained_on: list[str] = Field([], description="For models: datasets it was trained on.")
    base_model: str | list[str] = Field([], description="For models: the model(s) it was built on.")


class Manifest(_Strict):
    artifacts: list[ManifestArtifact] = Field(min_length=1)


def _is_manifest(name: str) -> bool:
    return name in ("tos-provenance.yaml", "tos-provenance.yml") or name.endswith(
        (".tos-provenance.yaml", ".tos-provenance.yml")
    )


class ManifestSource:
    name = "manifest"

    def claims(self, file: ScanFile) -> bool:
        return _is_manifest(file.path.name)

    def read(self, file: ScanFile) -> SourceResult:
        try:
            doc = parse_yaml(read_text(file.path, file.display), file.display)
            manifest = validate_model(Manifest, doc)
        except InputError as exc:
            return SourceResult(problems=exc.problems)
        problems = _check(manifest, doc)
        if problems:
            return SourceResult(problems=problems)
        return _to_lineage(manifest, doc, file.folder)


def _check(manifest: Manifest, doc: Document) -> list[Problem]:
    """What the schema cannot say: ids are unique, and each edge fits the kind of artifact it is on."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, art in enumerate(manifest.artifacts):
        line = doc.line_of(("artifacts", i, "id"))
        if art.id.lower() in seen:
            problems.append(
                Problem(doc.path, line, f"duplicate artifact id {art.id!r} (first at item {seen[art.id.lower()]})")
            )
        seen.setdefault(art.id.lower(), i)
        if art.kind == "dataset":
            for key in ("trained_on", "base_model"):
                if getattr(art, key):
                    problems.append(
                        Problem(
                            doc.path,
                            doc.line_of(("artifacts", i, key)),
                            f"{key} is for models; {art.id!r} is a dataset",
                        )
                    )
        else:
            for key in ("generated_by", "derived_from"):
                if getattr(art, key):
                    problems.append(
                        Problem(
                            doc.path,
                            doc.line_of(("artifacts", i, key)),
                            f"{key} is for datasets; {art.id!r} is a model (use trained_on or base_model)",
                        )
                    )
        for j, gen in enumerate(art.generated_by):
            try:
                start, until = _dates(gen.date)
            except ValueError as exc:
                line = doc.line_of(("artifacts", i, "generated_by", j, "date"))
                problems.append(Problem(doc.path, line, f"invalid date {gen.date!r}: {exc}"))
                continue
            if start is not None and until is not None and start > until:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_of(("artifacts", i, "generated_by", j, "date")),
                        "date range ends before it starts",
                    )
                )
    return problems


def _dates(value: DateRange | str | None) -> tuple[dt.date | None, dt.date | None]:
    if value is None:
        return None, None
    if isinstance(value, DateRange):
        return value.start, value.until
    start, _, until = value.partition("/")
    return dt.date.fromisoformat(start), dt.date.fromisoformat(until or start)


def _to_lineage(manifest: Manifest, doc: Document, folder: str) -> SourceResult:
    result = SourceResult()

    def here(*loc: str | int) -> Location:
        return Location(path=doc.path, line=doc.line_of(loc))

    def local(ref: str) -> str:
        return posixpath.normpath(posixpath.join(folder, ref)) if folder else posixpath.normpath(ref)

    for i, art in enumerate(manifest.artifacts):
        generations = []
        for j, gen in enumerate(art.generated_by):
            start, until = _dates(gen.date)
            evidence = Evidence(
                kind="declared",
                detail=f"generated_by: {gen.model} ({gen.role})",
                location=here("artifacts", i, "generated_by", j, "model"),
                confidence=1.0,
            )
            generations.append(
                GeneratedBy(
                    model=gen.model,
                    role=gen.role,
                    by=gen.by,
                    date_from=start,
                    date_until=until,
                    records=gen.records,
                    evidence=evidence,
                )
            )
        licenses = [art.license] if isinstance(art.license, str) else list(art.license or [])
        paths = [local(art.path)] if art.path else []
        paths.append(local(art.id))
        result.artifacts.append(
            Artifact(
                id=art.id,
                kind=art.kind,
                names=tuple(art.names),
                paths=tuple(paths),
                licenses=tuple(licenses),
                location=here("artifacts", i),
                generated_by=tuple(generations),
            )
        )
        bases = [art.base_model] if isinstance(art.base_model, str) else art.base_model
        relations: list[tuple[Literal["trained_on", "derived_from", "base_model"], list[str]]] = [
            ("derived_from", art.derived_from),
            ("trained_on", art.trained_on),
            ("base_model", bases),
        ]
        for relation, targets in relations:
            for k, target in enumerate(targets):
                line = doc.line_of(("artifacts", i, relation, k)) if isinstance(getattr(art, relation), list) else None
                result.edges.append(
                    Edge(
                        relation=relation,
                        source=art.id,
                        target=target,
                        target_paths=(local(target),),
                        location=Location(path=doc.path, line=line or doc.line_of(("artifacts", i, relation))),
                    )
                )
    return result


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(ManifestSource())
