"""Counting, per records file, which models wrote how many records, and where each was first named.

Records whose fields name no model have their text searched for content fingerprints (tos_check.fingerprints),
in batches through the one multi-pattern engine: a record that names its model is explained by that field,
and a phrase would only repeat it more weakly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tos_check.fingerprints import FingerprintSet
from tos_check.lineage.model import Artifact, Evidence, GeneratedBy, Location, SourceResult
from tos_check.policy.model import Role
from tos_check.problems import Problem
from tos_check.sources.records.dates import record_day
from tos_check.sources.records.fields import models_in, texts_in
from tos_check.walk import ScanFile

RECORD_CONFIDENCE = 0.95
"""A model named in the record itself: strong, but a field can be mislabelled or name a model loosely."""

MAX_MODELS = 1000
"""Distinct (model, role) pairs kept per file: more means the field is about something else (car models)."""

MAX_BAD_RECORDS = 20
"""Bad lines reported one by one before reading stops with a summary: binary junk is one problem, not 10,000."""

FINGERPRINT_BATCH = 4096
"""Texts handed to the fingerprint engine at once: one columnar pass per batch, never one call per record."""

LineOf = Callable[[str], int | None]
"""The line of a field (by name) in the record being read, when the format has lines."""


@dataclass
class _Seen:
    records: int
    field: str
    location: Location
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    undated: bool = False
    """Some record naming the model says no generation date."""

    def dated(self, first: dt.date | None, last: dt.date | None, undated: bool) -> None:
        """Records generated from `first` to `last` (None: none of them says), `undated` when some say nothing."""
        self.undated = self.undated or undated
        if first is not None:
            self.first_day = first if self.first_day is None else min(self.first_day, first)
        if last is not None:
            self.last_day = last if self.last_day is None else max(self.last_day, last)

    @property
    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """The days its records were generated on (sources/records/dates.py), when every one of them says:
        the terms of those days govern them. A single undated record leaves the whole undated."""
        return (None, None) if self.undated or self.first_day is None else (self.first_day, self.last_day)


@dataclass
class _Printed:
    """Records of one file whose text matched fingerprints of one model."""

    records: int
    location: Location
    ids: set[str]
    last: int
    """The last record counted, so that a record with several matching texts counts once."""


@dataclass
class Tally:
    file: ScanFile
    records: int = 0
    seen: dict[tuple[str, Role], _Seen] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bad: int = 0
    stopped: bool = False
    not_records: bool = False
    """The file turned out not to hold records (a JSON array of names): it yields nothing."""
    printed: dict[str, _Printed] = field(default_factory=dict)
    """By the fingerprint's model string."""
    _pending: list[tuple[str, int, int | None]] = field(default_factory=list)
    _overflow: bool = False

    @property
    def path(self) -> str:
        return self.file.display

    def record(self, record: dict[str, Any], line: int | None, line_of: LineOf | None = None) -> None:
        """Count one record, and each (model, role) it names once."""
        index = self.records
        self.records += 1
        found = models_in(record)
        if not found:
            pending = self._pending
            pending.extend((text, index, line) for text in texts_in(record) if text)
            if len(pending) >= FINGERPRINT_BATCH:
                self._match_pending()
            return
        named: set[tuple[str, Role]] = set()
        day = record_day(record)
        for model, role, path, key in found:
            pair = (model, role)
            if pair in named:
                continue
            named.add(pair)
            seen = self.seen.get(pair)
            if seen is not None:
                seen.records += 1
            else:
                where = line_of(key) if line_of is not None else None
                seen = self.add_first(model, role, path, Location(path=self.path, line=where or line, record=index))
            if seen is not None:
                seen.dated(day, day, day is None)

    def add_first(self, model: str, role: Role, path: str, location: Location, records: int = 1) -> _Seen | None:
        """The first record naming (model, role); None when the file already names too many models."""
        if len(self.seen) >= MAX_MODELS:
            if not self._overflow:
                self._overflow = True
                self.problems.append(
                    Problem(
                        self.path,
                        location.line,
                        f"more than {MAX_MODELS} different values in model fields (e.g. {path}: {model!r}); only the "
                        "first are reported: is this field about something other than the model that wrote the data?",
                    )
                )
            return None
        seen = _Seen(records, path, location)
        self.seen[(model, role)] = seen
        return seen

    def add_fingerprints(
        self, model: str, ids: Iterable[str], first: int, location: Location, records: int = 1
    ) -> None:
        """`records` records, the first of them number `first` (at `location`), whose text matched fingerprints
        `ids` of `model`. Called in record order; a record counted already (several texts) is not again."""
        printed = self.printed.get(model)
        if printed is None:
            self.printed[model] = _Printed(records, location, set(ids), first)
            return
        printed.ids.update(ids)
        if first != printed.last:
            printed.records += records
            printed.last = first

    def _match_pending(self) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        pending, self._pending = self._pending, []
        if not pending:
            return
        found = FingerprintSet.installed().first_match(pa.array([text for text, _, _ in pending], pa.large_string()))
        for (_, record, line), fingerprint_id in zip(pending, found.to_pylist(), strict=True):
            if fingerprint_id is not None:
                model = FingerprintSet.installed().fingerprints[fingerprint_id].model
                self.add_fingerprints(
                    model, (fingerprint_id,), record, Location(path=self.path, line=line, record=record)
                )

    def bad_record(self, line: int | None, message: str) -> None:
        """A record that cannot be read: reported with its line, until there are too many to be worth listing."""
        self.bad += 1
        if self.bad <= MAX_BAD_RECORDS:
            self.problems.append(Problem(self.path, line, message))
            return
        self.stopped = True
        self.problems.append(
            Problem(
                self.path,
                line,
                f"more than {MAX_BAD_RECORDS} records could not be read; stopped reading here: is this a records "
                "file at all (binary, another format, or a different encoding)?",
            )
        )

    def result(self) -> SourceResult:
        self._match_pending()
        result = SourceResult(problems=list(self.problems), records_scanned=self.records)
        if (self.records == 0 and self.problems) or self.not_records:
            return result
        generations = []
        ordered = sorted(
            self.seen.items(), key=lambda kv: (kv[1].location.record or 0, kv[1].location.line or 0, kv[0][0], kv[0][1])
        )
        for (model, role), seen in ordered:
            evidence = Evidence(
                kind="record",
                detail=f"{seen.field}: {model} (in {seen.records} of {self.records} records)",
                location=seen.location,
                confidence=RECORD_CONFIDENCE,
            )
            first, last = seen.period
            generations.append(
                GeneratedBy(
                    model=model, role=role, records=seen.records, evidence=evidence, date_from=first, date_until=last
                )
            )
        generations.extend(self._fingerprinted())
        result.artifacts.append(
            Artifact(
                id=self.file.relative or self.file.display,
                kind="dataset",
                paths=(self.file.display,),
                location=Location(path=self.path),
                generated_by=tuple(generations),
                described=False,
            )
        )
        return result

    def _fingerprinted(self) -> list[GeneratedBy]:
        """One generation per model that fingerprints point at, unless a record field already names it."""
        catalog = FingerprintSet.installed().fingerprints
        out = []
        for model, printed in sorted(self.printed.items(), key=lambda kv: (kv[1].location.record or 0, kv[0])):
            if (model, "responses") in self.seen:
                continue
            ids = sorted(printed.ids)
            evidence = Evidence(
                kind="fingerprint",
                detail=(
                    f"content fingerprint {', '.join(ids)} in {printed.records} of {self.records} records "
                    "(a phrase in the text, weak evidence: models trained on this model's outputs say it too)"
                ),
                location=printed.location,
                confidence=max(catalog[i].confidence for i in ids),
            )
            out.append(GeneratedBy(model=model, role="responses", records=printed.records, evidence=evidence))
        return out
