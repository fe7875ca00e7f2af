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
from tos_check.sources.records.columns import Leaf, check_nesting, leaf_column, model_leaves, string_leaves
from tos_check.sources.records.dates import day_numbers, record_day
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
the verdicts' strings, not a copy of them (Parquet stores them the same way; `to_pylist` gives plain
strings, pandas categoricals; `.cast(pa.string())` decodes them)."""

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


def _indices(ids: pa.Array) -> np.ndarray:
    """Verdict ids (null for none) as numpy indices, -1 for none."""
    found: np.ndarray = pc.fill_null(ids, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return found


class _VerdictColumns:
    """The verdicts as arrays for `decisions` to index, grown as verdicts are met: whether each holds a record
    back, and per WHY column its code (-1 for none) into that column's strings, in the order first met. The
    last row is no verdict at all, so that index -1 reads as nothing applies."""

    def __init__(self) -> None:
        self.count = 0
        self.held = np.zeros(1, bool)
        self.codes = np.full((1, len(WHY)), -1, np.int32)
        self.values: list[list[str]] = [[] for _ in WHY]
        self._code: list[dict[str, int]] = [{} for _ in WHY]
        self._arrays: list[pa.Array] = [pa.array([], pa.string()) for _ in WHY]

    def update(self, verdicts: list[Verdict]) -> None:
        new = verdicts[self.count :]
        if not new:
            return
        codes = np.full((len(new), len(WHY)), -1, np.int32)
        for column, (name, known) in enumerate(zip(WHY, self._code, strict=True)):
            for row, verdict in enumerate(new):
                value = getattr(verdict, name)
                if value is not None:
                    code = known.get(value)
                    if code is None:
                        code = known[value] = len(known)
                        self.values[column].append(value)
                    codes[row, column] = code
        self.held = np.concatenate([self.held[:-1], [v.quarantine for v in new], [False]])
        self.codes = np.concatenate([self.codes[:-1], codes, self.codes[-1:]])
        self.count = len(verdicts)

    def column(self, index: int, codes: np.ndarray) -> pa.Array:
        """One WHY column for these codes. Its dictionary is every string of the column met so far while
        they are few (one array, shared by every batch); past _COMPACT (a model field of free text, each
        string its own verdict), only the strings the batch uses, so that a batch never carries the run's."""
        values = self.values[index]
        if len(values) > _COMPACT:
            valid = codes >= 0
            used, inverse = np.unique(codes[valid], return_inverse=True)
            codes = codes.copy()
            codes[valid] = inverse
            strings = pa.array([values[u] for u in used.tolist()], pa.string())
        else:
            if len(self._arrays[index]) != len(values):
                self._arrays[index] = pa.array(values, pa.string())
            strings = self._arrays[index]
        return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32(), mask=codes < 0), strings)


_COMPACT = 4096
"""Strings in a WHY column past which each batch's dictionary holds only the strings it uses."""


_ACTIONS = pa.array([PASS, QUARANTINE], pa.string())


class Gate:
    def __init__(self, judge: Judge, fingerprints: FingerprintSet | None = None) -> None:
        self.judge = judge
        self.fingerprints = fingerprints
        self._verdicts: list[Verdict] = []
        self._index: dict[tuple[str, Role, str | None, str | None], int] = {}
        self._columns = _VerdictColumns()
        self._leaves: dict[pa.Schema, tuple[list[tuple[Role, list[Leaf]]], list[Leaf]]] = {}
        self._schema: pa.Schema = pa.schema([])
        self._schema_leaves: tuple[list[tuple[Role, list[Leaf]]], list[Leaf]] = ([], [])
        self._scores: dict[tuple[str, Role, int], int] = {}
        self._known: dict[Role, tuple[pa.Array, np.ndarray]] = {}
        self._eras = judge.era_count

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
        return self._decisions(self._strongest(data))

    def verdict_ids(self, data: pa.Table | pa.RecordBatch) -> pa.Array:
        """For each record, the index in `verdicts` of its strongest verdict (int64), null where nothing
        applies: what `decisions` turns into columns, and what a caller can key per-verdict work on."""
        strongest = self._strongest(data)
        return pa.array(strongest, pa.int64(), mask=strongest < 0)

    def held(self, ids: pa.Array) -> pa.Array:
        """For verdict ids (`verdict_ids`), whether each record is quarantined (boolean, never null)."""
        self._columns.update(self._verdicts)
        return pa.array(self._columns.held[_indices(ids)], pa.bool_())

    def decisions(self, ids: pa.Array) -> pa.Table:
        """The decision columns (DECISION_SCHEMA) for verdict ids (`verdict_ids`)."""
        return self._decisions(_indices(ids))

    def _strongest(self, data: pa.Table | pa.RecordBatch) -> np.ndarray:
        """Per record, the index of its strongest verdict, -1 where nothing applies. Raises ValueError for
        data that is not valid Arrow (Arrow's own cheap check, about 12 us a batch): decided, it would fail
        deep inside a kernel, or worse, read values of other records."""
        if data.schema is not self._schema:  # batches of one reader share their schema: checked once
            check_nesting(data.schema)  # before anything walks the types in C++
        try:
            data.validate()
        except pa.ArrowInvalid as exc:
            raise ValueError(
                f"the records are not valid Arrow data ({exc}); pyarrow's JSON reader makes such tables of "
                "lists that start with null (apache/arrow#51305): read those files another way"
            ) from None
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
        strongest: np.ndarray = np.where(best == _NONE, -1, best & _VID_MASK)
        return strongest

    def _decisions(self, strongest: np.ndarray) -> pa.Table:
        columns = self._columns
        columns.update(self._verdicts)
        action = _ACTIONS.take(pa.array(columns.held[strongest].astype(np.int8)))
        codes = columns.codes[strongest].T.copy()  # a row per column, each contiguous
        why = [columns.column(i, codes[i]) for i in range(len(WHY))]
        return pa.table([action, *why], schema=DECISION_SCHEMA)

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
            decided = self.decide(table)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):  # TooDeep too
            return [self.decide_record(record) for record in records]
        return [Decision(**{k.removeprefix(PREFIX): v for k, v in row.items()}) for row in decided.to_pylist()]

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

    def _alike(self, raw: str, era: int) -> np.ndarray:
        """The eras a model-field value is judged in alike with `era` (as a mask over era slots)."""
        name = model_name(raw)
        if name is None:
            return np.ones(self._eras, bool)
        local = self.judge.local_eras(name)
        alike: np.ndarray = local == local[era]
        return alike

    def _eras_of(self, data: pa.Table | pa.RecordBatch) -> np.ndarray:
        """Each record's era (verdicts.py): UNDATED where it says no generation date."""
        days = day_numbers(data)
        return np.full(data.num_rows, UNDATED, np.int64) if days is None else self.judge.eras(days)

    @staticmethod
    def _fold(
        best: np.ndarray,
        eras: np.ndarray,
        columns: list[tuple[pa.Array, np.ndarray | None]],
        only: np.ndarray | None,
        scores: Scorer,
    ) -> None:
        """Lowers each record's score in `best` to the strongest score of its values in `columns` (the
        `leaf_column`s of leaves scored together, so that each distinct value is scored once). With `only`,
        just the values of the records it marks are scored (texts to search); without, every value, nulls
        too (they score _NONE): filtering a string column copies it, which costs more than the lookup."""
        kinds = {values.type for values, _ in columns}
        values = pa.concat_arrays([v if len(kinds) == 1 else v.cast(pa.large_string()) for v, _ in columns])
        owners = np.concatenate([np.arange(len(best)) if rows is None else rows for _, rows in columns])
        if only is not None:
            keep = only[owners]
            if values.null_count:
                keep &= values.is_valid().to_numpy(zero_copy_only=False)
            values, owners = values.filter(pa.array(keep)), owners[keep]
        if len(values):
            np.minimum.at(best, owners, scores(values, eras[owners]))

    def _model_scorer(self, role: Role) -> Scorer:
        return lambda values, eras: self._model_scores(values, role, eras)

    def _model_scores(self, values: pa.Array, role: Role, eras: np.ndarray) -> np.ndarray:
        """A score per model-field value (_NONE for a null): looked up in a table of the role's strings
        already met by era (one Arrow call and a numpy lookup), only (string, era) pairs met for the first
        time going through Python. The strings end with a null, and the table with its row: once every string
        is known, the lookup gives no nulls, which numpy takes without a copy. A column of free text, with more
        distinct strings than _LOOKUP, is scored by its distinct values."""
        known, table = self._known.get(role) or (
            pa.array([None], pa.large_string()),
            np.full((1, self._eras), _NONE, np.int64),
        )
        found = pc.index_in(values, value_set=known)  # a null finds the null last in `known`
        if found.null_count:  # strings not met before
            new = pc.unique(values.filter(pc.is_null(found)))
            if len(known) - 1 + len(new) > _LOOKUP:  # the last of `known` is the null
                return self._spread(values, eras, lambda pairs: [self._model_score(n, role, e) for n, e in pairs])
            known = pa.concat_arrays([known[:-1], new.cast(pa.large_string()), known[-1:]])
            table = np.vstack([table[:-1], np.full((len(new), self._eras), _UNJUDGED, np.int64), table[-1:]])
            self._known[role] = (known, table)
            found = pc.index_in(values, value_set=known)
        codes = found.to_numpy()
        # into the table read flat (a 1-D take is twice as fast as a 2-D one)
        cells = codes * self._eras + eras
        scores: np.ndarray = table.ravel()[cells]
        unjudged = scores == _UNJUDGED
        if unjudged.any():
            strings = known.to_pylist()
            for cell in np.unique(cells[unjudged]).tolist():
                code, era = divmod(cell, self._eras)
                if table[code, era] == _UNJUDGED:  # not filled with an era judged alike just before
                    raw = strings[code]
                    table[code, self._alike(raw, era)] = self._model_score(raw, role, era)
            scores = table.ravel()[cells]
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
        codes = encoded.indices.to_numpy().astype(np.int64)
        distinct, inverse = np.unique(codes * self._eras + eras, return_inverse=True)
        dictionary = encoded.dictionary.to_pylist()
        pairs = [(dictionary[p // self._eras], p % self._eras) for p in distinct.tolist()]
        scored: np.ndarray = np.array(score(pairs), np.int64)[inverse]
        return scored

    def _leaves_of(self, schema: pa.Schema) -> tuple[list[tuple[Role, list[Leaf]]], list[Leaf]]:
        """(the model fields, grouped by the role they give a model; the text fields) of a schema."""
        if schema is self._schema or schema.equals(self._schema):  # batches of one reader: no hashing
            return self._schema_leaves
        found = self._leaves.get(schema)
        if found is None:
            by_role: dict[Role, list[Leaf]] = {}
            for leaf in model_leaves(schema)[0]:
                by_role.setdefault(leaf.role, []).append(leaf)
            # text is read only to search it for fingerprints: without them, its fields are not looked at
            texts = string_leaves(schema, text_role, speakers=True)[0] if self.fingerprints is not None else []
            found = self._leaves[schema] = (sorted(by_role.items()), texts)
        self._schema, self._schema_leaves = schema, found
        return found
