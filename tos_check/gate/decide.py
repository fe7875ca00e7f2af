"""The gate on Arrow data: each model column dictionary-encoded, each distinct string judged once
(verdicts.py), and the verdicts spread back over the records as an array of scores (numpy: a lookup per
value, and a segmented minimum for values in lists). No Python runs per record: per batch, Python touches
only the distinct strings of each model column.

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

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tos_check.fingerprints import FingerprintSet
from tos_check.gate.verdicts import UNDATED, Judge, Verdict
from tos_check.policy.model import Role
from tos_check.sources.records.columns import Leaf, leaf_column, model_leaves, string_leaves
from tos_check.sources.records.dates import EPOCH, day_numbers, record_day
from tos_check.sources.records.fields import model_name, text_role, texts_in
from tos_check.use import DeclaredUse

Scorer = Callable[[pa.Array, np.ndarray], np.ndarray]
"""Scores (int64, _NONE where nothing applies) for an array of values and the era of each value's record
(verdicts.py), one per value."""

PASS, QUARANTINE = "pass", "quarantine"
PREFIX = "_tos_check_"
WHY = ("reason", "model", "identity", "rule", "effect", "fingerprint")
WHY_TYPE = pa.dictionary(pa.int32(), pa.string())
DECISION_SCHEMA = pa.schema(
    [pa.field(f"{PREFIX}action", pa.string(), nullable=False), *(pa.field(PREFIX + name, WHY_TYPE) for name in WHY)]
)
"""The columns a decision adds: `action` is pass or quarantine; the rest say why (null when nothing applies),
dictionary-encoded: a few hundred verdicts explain any number of records, so each record holds an index into
its batch's strings, not a copy of them (Parquet stores them the same way; `to_pylist` and pandas see plain
strings)."""

_VID_BITS = 24
_VID_MASK = (1 << _VID_BITS) - 1
_SCORE_CACHE = 1_000_000
"""Distinct model-field values whose score is remembered: a column of free text must not grow it forever."""
_LOOKUP = 4096
"""Distinct strings per role a model field's values are looked up in with one Arrow call (its hash table is
built again per batch, so it must stay small)."""
_UNJUDGED = -1
"""In a role's table of scores by (string, era): not judged yet."""
_NONE = np.iinfo(np.int64).max
"""The score of a value or record no verdict applies to: weaker than every verdict's."""
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


@dataclass(frozen=True)
class _VerdictTable:
    """The verdicts as Arrow arrays, for `decisions` to index: whether each holds a record back, and per WHY
    column each verdict's code (null for none) into that column's distinct strings."""

    held: pa.Array
    why: list[tuple[pa.Array, pa.Array]]

    @classmethod
    def of(cls, verdicts: list[Verdict]) -> _VerdictTable:
        why = []
        for name in WHY:
            values = [getattr(v, name) for v in verdicts]
            strings = sorted({x for x in values if x is not None})
            code = {x: i for i, x in enumerate(strings)}
            why.append((pa.array([code.get(x) for x in values], pa.int32()), pa.array(strings, pa.string())))
        return cls(pa.array([v.quarantine for v in verdicts], pa.bool_()), why)


class Gate:
    def __init__(self, judge: Judge, fingerprints: FingerprintSet | None = None) -> None:
        self.judge = judge
        self.fingerprints = fingerprints
        self._verdicts: list[Verdict] = []
        self._index: dict[tuple[str, Role, str | None, str | None], int] = {}
        self._table: tuple[int, _VerdictTable | None] = (0, None)
        self._leaves: dict[pa.Schema, tuple[list[tuple[Role, list[Leaf]]], list[Leaf]]] = {}
        self._scores: dict[tuple[str, Role, int], int] = {}
        self._known: dict[Role, tuple[pa.Array, np.ndarray]] = {}
        changes = [(day - EPOCH).days for day in judge.changes]
        self._changes = np.array(changes, np.int64)
        self._eras = len(changes) + 2  # UNDATED, and one more than there are changes

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
        best = np.full(data.num_rows, _NONE, np.int64)
        eras = self._eras_of(data)
        model_cols, text_cols = self._leaves_of(data.schema)
        for role, leaves in model_cols:
            self._fold(best, eras, [leaf_column(data, leaf) for leaf in leaves], None, self._model_scorer(role))
        if self.fingerprints is not None and text_cols:
            open_rows = best >= _SETTLED
            if open_rows.any():
                for leaf in text_cols:
                    self._fold(best, eras, [leaf_column(data, leaf)], open_rows, self._fingerprint_scores)
        return pa.array(best & _VID_MASK, pa.int64(), mask=best == _NONE)

    def held(self, ids: pa.Array) -> pa.Array:
        """For verdict ids (`verdict_ids`), whether each record is quarantined (boolean, never null)."""
        if ids.null_count == len(ids):
            return pa.repeat(pa.scalar(False), len(ids))
        return pc.fill_null(self._verdict_table().held.take(ids), False)

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

        era = self.judge.era(record_day(record))
        best = min((self._model_score(name, role, era) for name, role, _, _ in models_in(record)), default=_NONE)
        if self.fingerprints is not None and best >= _SETTLED:
            for text in texts_in(record):
                found = self.fingerprints.match(text)
                best = min(best, self._fingerprint_score(found.id if found else None, era))
        return Decision.of(None if best == _NONE else self._verdicts[best & _VID_MASK])

    # --- verdicts --------------------------------------------------------------------------------------

    @property
    def verdicts(self) -> list[Verdict]:
        """Every distinct verdict so far, in the order first met."""
        return list(self._verdicts)

    def _register(self, verdict: Verdict) -> int:
        if verdict.reason is None:
            return _NONE
        key = (verdict.model, verdict.role, verdict.fingerprint, verdict.generated)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._verdicts)
            self._verdicts.append(verdict)
        return (verdict.rank << _VID_BITS) | index

    def _model_score(self, raw: str | None, role: Role, era: int) -> int:
        """The score of a model field's value (_NONE when nothing applies): judged once per distinct string
        and era for the gate's life."""
        if raw is None:
            return _NONE
        key = (raw, role, era)
        try:
            return self._scores[key]
        except KeyError:
            pass
        name = model_name(raw)
        score = self._register(self.judge.verdict(name, role, era=era)) if name is not None else _NONE
        if len(self._scores) < _SCORE_CACHE:
            self._scores[key] = score
        return score

    def _fingerprint_score(self, fingerprint_id: str | None, era: int) -> int:
        if fingerprint_id is None or self.fingerprints is None:
            return _NONE
        fingerprint = self.fingerprints.fingerprints[fingerprint_id]
        return self._register(
            self.judge.verdict(fingerprint.model, "responses", fingerprint.id, fingerprint.confidence, era)
        )

    def _eras_of(self, data: pa.Table | pa.RecordBatch) -> np.ndarray:
        """Each record's era (verdicts.py): UNDATED where it says no generation date."""
        days = day_numbers(data)
        if days is None:
            return np.full(data.num_rows, UNDATED, np.int64)
        known = pc.fill_null(days, -1).to_numpy()
        eras: np.ndarray = np.searchsorted(self._changes, known, side="right") + 1
        eras[known < 0] = UNDATED
        return eras

    @staticmethod
    def _fold(
        best: np.ndarray,
        eras: np.ndarray,
        columns: list[tuple[pa.Array, pa.Array | None]],
        only: np.ndarray | None,
        scores: Scorer,
    ) -> None:
        """Lowers each record's score in `best` to the strongest score of its values in `columns` (the
        `leaf_column`s of leaves scored together, so that each distinct value is scored once), looking only
        at the records `only` marks."""
        kinds = {values.type for values, _ in columns}
        values = pa.concat_arrays([v if len(kinds) == 1 else v.cast(pa.large_string()) for v, _ in columns])
        owners = np.concatenate([np.arange(len(best)) if rows is None else rows.to_numpy() for _, rows in columns])
        keep = None if only is None else only[owners]
        if values.null_count:
            valid = values.is_valid().to_numpy(zero_copy_only=False)
            keep = valid if keep is None else keep & valid
        if keep is not None:
            values, owners = values.filter(pa.array(keep)), owners[keep]
        if len(values):
            np.minimum.at(best, owners, scores(values, eras[owners]))

    def _model_scorer(self, role: Role) -> Scorer:
        return lambda values, eras: self._model_scores(values, role, eras)

    def _model_scores(self, values: pa.Array, role: Role, eras: np.ndarray) -> np.ndarray:
        """A score per model-field value: looked up in a table of the role's strings already met by era (one
        Arrow call and a numpy lookup), only (string, era) pairs met for the first time going through Python.
        A column of free text, with more distinct strings than _LOOKUP, is scored by its distinct values."""
        known, table = self._known.get(role) or (pa.array([], pa.large_string()), np.empty((0, self._eras), np.int64))
        found = pc.index_in(values, value_set=known)
        if found.null_count:
            new = pc.unique(values.filter(pc.is_null(found)))
            if len(known) + len(new) > _LOOKUP:
                return self._spread(values, eras, lambda pairs: [self._model_score(n, role, e) for n, e in pairs])
            known = pa.concat_arrays([known, new.cast(pa.large_string())])
            table = np.vstack([table, np.full((len(new), self._eras), _UNJUDGED, np.int64)])
            self._known[role] = (known, table)
            found = pc.index_in(values, value_set=known)
        codes = found.to_numpy()
        scores: np.ndarray = table[codes, eras]
        unjudged = scores == _UNJUDGED
        if unjudged.any():
            for pair in np.unique(codes[unjudged] * self._eras + eras[unjudged]).tolist():
                code, era = divmod(pair, self._eras)
                table[code, era] = self._model_score(known[code].as_py(), role, era)
            scores = table[codes, eras]
        return scores

    def _fingerprint_scores(self, values: pa.Array, eras: np.ndarray) -> np.ndarray:
        assert self.fingerprints is not None
        found = self.fingerprints.first_match(values)
        return self._spread(found, eras, lambda pairs: [self._fingerprint_score(i, e) for i, e in pairs])

    def _spread(
        self, values: pa.Array, eras: np.ndarray, score: Callable[[list[tuple[Any, int]]], list[int]]
    ) -> np.ndarray:
        """A score per value (_NONE for a null), computed once per distinct (value, era)."""
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        if not len(encoded.dictionary):
            return np.full(len(values), _NONE, np.int64)
        distinct, inverse = np.unique(encoded.indices.to_numpy() * self._eras + eras, return_inverse=True)
        dictionary = encoded.dictionary.to_pylist()
        pairs = [(dictionary[p // self._eras], p % self._eras) for p in distinct.tolist()]
        scored: np.ndarray = np.array(score(pairs), np.int64)[inverse]
        return scored

    def decisions(self, ids: pa.Array) -> pa.Table:
        """The decision columns (DECISION_SCHEMA) for verdict ids (`verdict_ids`)."""
        rows = len(ids)
        if ids.null_count == rows:
            return pa.table(
                [pa.repeat(PASS, rows).cast(pa.string())] + [pa.nulls(rows, WHY_TYPE)] * len(WHY),
                schema=DECISION_SCHEMA,
            )
        table = self._verdict_table()
        ids = ids.cast(pa.int32())
        action = pc.if_else(self.held(ids), QUARANTINE, PASS)
        why = [pa.DictionaryArray.from_arrays(codes.take(ids), strings) for codes, strings in table.why]
        return pa.table([action, *why], schema=DECISION_SCHEMA)

    def _verdict_table(self) -> _VerdictTable:
        count, table = self._table
        if count != len(self._verdicts) or table is None:
            table = _VerdictTable.of(self._verdicts)
            self._table = (len(self._verdicts), table)
        return table

    def _leaves_of(self, schema: pa.Schema) -> tuple[list[tuple[Role, list[Leaf]]], list[Leaf]]:
        """(the model fields, grouped by the role they give a model; the text fields) of a schema."""
        found = self._leaves.get(schema)
        if found is None:
            by_role: dict[Role, list[Leaf]] = {}
            for leaf in model_leaves(schema)[0]:
                by_role.setdefault(leaf.role, []).append(leaf)
            texts = string_leaves(schema, text_role, speakers=True)[0]
            found = self._leaves[schema] = (sorted(by_role.items()), texts)
        return found
