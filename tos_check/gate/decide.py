"""The gate on Arrow data: each model column dictionary-encoded, each distinct string judged once
(verdicts.py), and the verdicts spread back over the records with Arrow compute. No Python runs per record:
per batch, Python touches only the distinct strings of each model column.

A record's decision is the strongest verdict of any model it names or fingerprint its text matches:
quarantine when one holds it back (a finding at or above `quarantine_on`), with that verdict's reason. The
text of a record that a model field already holds back as prohibited at error level is not searched: no
fingerprint could make its decision stronger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tos_check.fingerprints import FingerprintSet
from tos_check.gate.verdicts import Judge, Verdict
from tos_check.policy.model import Role
from tos_check.sources.records.columns import (
    Leaf,
    flat_values,
    leaf_values,
    model_leaves,
    row_numbers,
    string_leaves,
)
from tos_check.sources.records.fields import model_name, text_role, texts_in
from tos_check.use import DeclaredUse

Scorer = Callable[[pa.Array], pa.Array]
"""Scores (int64, null where nothing applies) for an array of values, one per value."""

PASS, QUARANTINE = "pass", "quarantine"
PREFIX = "_tos_check_"
DECISION_SCHEMA = pa.schema(
    [
        pa.field(f"{PREFIX}action", pa.string(), nullable=False),
        pa.field(f"{PREFIX}reason", pa.string()),
        pa.field(f"{PREFIX}model", pa.string()),
        pa.field(f"{PREFIX}identity", pa.string()),
        pa.field(f"{PREFIX}rule", pa.string()),
        pa.field(f"{PREFIX}effect", pa.string()),
        pa.field(f"{PREFIX}fingerprint", pa.string()),
    ]
)
"""The columns a decision adds: `action` is pass or quarantine; the rest say why (null when nothing applies)."""

_VID_BITS = 24
_VID_MASK = (1 << _VID_BITS) - 1
_SCORE_CACHE = 1_000_000
"""Distinct model-field values whose score is remembered: a column of free text must not grow it forever."""
_SETTLED = 1 << _VID_BITS
"""Scores below this have rank 0 (quarantined, error, prohibited): nothing can be stronger, so the text of a
record a model field holds back at that level is not searched for fingerprints."""


@dataclass(frozen=True)
class Decision:
    """One record's decision, for callers that work record by record."""

    action: str
    reason: str | None = None
    model: str | None = None
    identity: str | None = None
    rule: str | None = None
    effect: str | None = None
    fingerprint: str | None = None

    @classmethod
    def of(cls, verdict: Verdict | None) -> Decision:
        if verdict is None:
            return cls(PASS)
        return cls(
            QUARANTINE if verdict.quarantine else PASS,
            verdict.reason,
            verdict.model,
            verdict.identity,
            verdict.rule,
            verdict.effect,
            verdict.fingerprint,
        )


class Gate:
    def __init__(self, judge: Judge, fingerprints: FingerprintSet | None = None) -> None:
        self.judge = judge
        self.fingerprints = fingerprints
        self._verdicts: list[Verdict] = []
        self._index: dict[tuple[str, Role, str | None], int] = {}
        self._columns: tuple[int, list[pa.Array]] = (0, [])
        self._leaves: dict[pa.Schema, tuple[list[Leaf], list[Leaf]]] = {}
        self._scores: dict[tuple[str, Role], int | None] = {}

    @classmethod
    def from_config(
        cls,
        use: DeclaredUse | dict[str, Any] | Path | str | None = None,
        *,
        config: Path | str | None = None,
        policies: Sequence[Path | str] = (),
        quarantine_on: str | None = None,
        quarantine_undecided: bool = False,
        as_of: dt.date | None = None,
        fingerprints: bool = True,
    ) -> Gate:
        """The gate a project's tos-check.yaml (found in the current folder, or `config`) describes, as a scan
        of the same project would judge: `use` overrides its declared use (a DeclaredUse, its dict, or a
        YAML file); `quarantine_on` defaults to the config's `fail_on`, else `error`. Raises InputError
        (path:line problems) for bad files."""
        from tos_check.config import load_settings
        from tos_check.identity.resolver import Resolver
        from tos_check.plugins import policy_dirs
        from tos_check.policy.load import load_policies
        from tos_check.problems import InputError
        from tos_check.use import load_use_file

        settings = load_settings([Path(".")], Path(config) if config else None, None)
        if isinstance(use, (str, Path)):
            declared = load_use_file(Path(use)).use
        elif isinstance(use, dict):
            declared = DeclaredUse.model_validate(use)
        else:
            declared = use or settings.use.use
        policy_set, problems = load_policies([*policy_dirs(), *settings.policy_dirs, *map(Path, policies)])
        if problems:
            raise InputError(problems)
        threshold = quarantine_on or (settings.fail_on if settings.fail_on not in (None, "never") else None) or "error"
        judge = Judge(
            policies=policy_set,
            resolver=Resolver.builtin(),
            use=declared,
            as_of=as_of or dt.date.today(),
            quarantine_on=threshold,
            quarantine_undecided=quarantine_undecided,
        )
        return cls(judge, FingerprintSet.installed() if fingerprints else None)

    # --- Arrow -----------------------------------------------------------------------------------------

    def decide(self, data: pa.Table | pa.RecordBatch) -> pa.Table:
        """The decision columns (DECISION_SCHEMA), one row per record, in order."""
        return self.decisions(self.verdict_ids(data))

    def verdict_ids(self, data: pa.Table | pa.RecordBatch) -> pa.Array:
        """For each record, the index in `verdicts` of its strongest verdict (int64), null where nothing
        applies: what `decisions` turns into columns, and what a caller can key per-verdict work on."""
        rows = data.num_rows
        best: pa.Array | None = None
        model_cols, text_cols = self._leaves_of(data.schema)
        for leaf in model_cols:
            best = _stronger(best, self._per_row(data, leaf, None, self._model_scorer(leaf.role)))
        if self.fingerprints is not None:
            open_rows = None if best is None else pc.invert(_settled(best))
            for leaf in text_cols:
                best = _stronger(best, self._per_row(data, leaf, open_rows, self._fingerprint_scores))
        if best is None:
            return pa.nulls(rows, pa.int64())
        return pc.bit_wise_and(best, pa.scalar(_VID_MASK, pa.int64()))

    def annotate(self, data: pa.Table | pa.RecordBatch) -> pa.Table:
        """The records with the decision columns added."""
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        decisions = self.decide(table)
        for name in decisions.column_names:
            table = table.append_column(name, decisions[name])
        return table

    def split(self, data: pa.Table | pa.RecordBatch) -> tuple[pa.Table, pa.Table]:
        """(passed records as they came, quarantined records with the decision columns)."""
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        annotated = self.annotate(table)
        held = pc.equal(annotated[f"{PREFIX}action"], QUARANTINE)
        return table.filter(pc.invert(held)), annotated.filter(held)

    # --- dicts -----------------------------------------------------------------------------------------

    def decide_records(self, records: Sequence[dict[str, Any]]) -> list[Decision]:
        """Decisions for plain records. Arrow when the records have one shape, record by record when not
        (a field that is a string in one record and a number in the next): the same decisions either way."""
        try:
            # pa.array sees every record's keys (from_pylist would take the first record's only)
            table = pa.Table.from_struct_array(pa.array(list(records), from_pandas=False))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            return [self.decide_record(record) for record in records]
        return [
            Decision(**{k.removeprefix(PREFIX): v for k, v in row.items()}) for row in self.decide(table).to_pylist()
        ]

    def decide_record(self, record: dict[str, Any]) -> Decision:
        """One record, in Python: for records Arrow cannot hold together with others."""
        from tos_check.sources.records.fields import models_in

        best: tuple[int, int] | None = None
        for name, role, _, _ in models_in(record):
            score = self._model_score(name, role)
            if score is not None and (best is None or score < best[0]):
                best = (score, score & _VID_MASK)
        if self.fingerprints is not None and (best is None or best[0] >= _SETTLED):
            for text in texts_in(record):
                found = self.fingerprints.match(text)
                score = self._fingerprint_score(found.id if found else None)
                if score is not None and (best is None or score < best[0]):
                    best = (score, score & _VID_MASK)
        return Decision.of(self._verdicts[best[1]] if best else None)

    # --- verdicts --------------------------------------------------------------------------------------

    @property
    def verdicts(self) -> list[Verdict]:
        """Every distinct verdict so far, in the order first met."""
        return list(self._verdicts)

    def _register(self, verdict: Verdict) -> int:
        key = (verdict.model, verdict.role, verdict.fingerprint)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._verdicts)
            self._verdicts.append(verdict)
        return (verdict.rank << _VID_BITS) | index

    def _model_score(self, raw: str | None, role: Role) -> int | None:
        """The score of a model field's value: judged once per distinct string for the gate's life."""
        if raw is None:
            return None
        key = (raw, role)
        try:
            return self._scores[key]
        except KeyError:
            pass
        name = model_name(raw)
        verdict = self.judge.verdict(name, role) if name is not None else None
        score = self._register(verdict) if verdict is not None and verdict.reason is not None else None
        if len(self._scores) < _SCORE_CACHE:
            self._scores[key] = score
        return score

    def _fingerprint_score(self, fingerprint_id: str | None) -> int | None:
        if fingerprint_id is None or self.fingerprints is None:
            return None
        fingerprint = self.fingerprints.fingerprints[fingerprint_id]
        verdict = self.judge.verdict(fingerprint.model, "responses", fingerprint.id, fingerprint.confidence)
        return self._register(verdict) if verdict.reason is not None else None

    def _per_row(
        self, data: pa.Table | pa.RecordBatch, leaf: Leaf, only: pa.Array | None, scores: Scorer
    ) -> pa.Array | None:
        """The strongest score of the leaf's values in each record (null where none; None when no record has
        a value), looking only at the records `only` marks. A flat leaf is scored value by value; a leaf in a
        list, per record through a group-by."""
        if leaf.flat:
            values = flat_values(data, leaf)
            if only is not None:
                values = pc.if_else(only, values, pa.scalar(None, values.type))
            return scores(values) if values.null_count < len(values) else None
        values, owners = leaf_values(data, leaf)
        if only is not None and len(values):
            still = only.take(owners)
            values, owners = values.filter(still), owners.filter(still)
        return _per_record(owners, scores(values), data.num_rows) if len(values) else None

    def _model_scorer(self, role: Role) -> Scorer:
        return lambda values: self._spread(values, lambda names: [self._model_score(n, role) for n in names])

    def _fingerprint_scores(self, values: pa.Array) -> pa.Array:
        assert self.fingerprints is not None
        found = self.fingerprints.first_match(values)
        return self._spread(found, lambda ids: [self._fingerprint_score(i) for i in ids])

    def _spread(self, values: pa.Array, score: Any) -> pa.Array:
        """A score per value (null for a null), computed once per distinct value."""
        if len(values) == 0:
            return pa.array([], pa.int64())
        encoded = pc.dictionary_encode(values)
        distinct = pa.array(score(encoded.dictionary.to_pylist()), pa.int64())
        return distinct.take(encoded.indices)

    def decisions(self, ids: pa.Array) -> pa.Table:
        """The decision columns (DECISION_SCHEMA) for verdict ids (`verdict_ids`)."""
        rows = len(ids)
        if ids.null_count == rows:
            return pa.table(
                [pa.repeat(PASS, rows).cast(pa.string())] + [pa.nulls(rows, pa.string())] * 6, schema=DECISION_SCHEMA
            )
        table = self._verdict_table()
        index = ids
        held = table[0].take(index)
        action = pc.if_else(pc.fill_null(held, False), QUARANTINE, PASS)
        return pa.table([action, *(column.take(index) for column in table[1:])], schema=DECISION_SCHEMA)

    def _verdict_table(self) -> list[pa.Array]:
        count, columns = self._columns
        if count != len(self._verdicts):
            v = self._verdicts
            columns = [
                pa.array([x.quarantine for x in v], pa.bool_()),
                pa.array([x.reason for x in v], pa.string()),
                pa.array([x.model for x in v], pa.string()),
                pa.array([x.identity for x in v], pa.string()),
                pa.array([x.rule for x in v], pa.string()),
                pa.array([x.effect for x in v], pa.string()),
                pa.array([x.fingerprint for x in v], pa.string()),
            ]
            self._columns = (len(v), columns)
        return columns

    def _leaves_of(self, schema: pa.Schema) -> tuple[list[Leaf], list[Leaf]]:
        found = self._leaves.get(schema)
        if found is None:
            found = self._leaves[schema] = (model_leaves(schema)[0], string_leaves(schema, text_role, speakers=True)[0])
        return found


def _per_record(owners: pa.Array, scores: pa.Array, rows: int) -> pa.Array:
    """The strongest (lowest) score of each record, null for records with none."""
    table = pa.table({"row": owners, "score": scores}).filter(pc.is_valid(scores))
    if table.num_rows == 0:
        return pa.nulls(rows, pa.int64())
    strongest = table.group_by("row").aggregate([("score", "min")])
    where = pc.index_in(row_numbers(0, rows), value_set=strongest["row"])
    return (
        strongest["score_min"].take(where).combine_chunks()
        if isinstance(strongest["score_min"], pa.ChunkedArray)
        else strongest["score_min"].take(where)
    )


def _stronger(a: pa.Array | None, b: pa.Array | None) -> pa.Array | None:
    if a is None or b is None:
        return b if a is None else a
    return pc.min_element_wise(a, b, skip_nulls=True)


def _settled(best: pa.Array) -> pa.Array:
    """Records whose strongest verdict so far has rank 0 (null scores: not settled)."""
    return pc.fill_null(pc.less(best, pa.scalar(_SETTLED, pa.int64())), False)
