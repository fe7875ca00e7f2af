"""One multi-pattern matcher for the whole fingerprint library, over Arrow columns of text.

Every pattern is compiled once, into one database of the chosen backend, and a column is scanned in one
pass. The backend finds the rows where some fingerprint matches; on those rows only (a few in a hundred),
one combined pattern (an alternation of named groups, in library order) says which fingerprint matches
first, run by Arrow's regex kernel (`extract_regex`, vectorised); where pyarrow has no regex kernel, each
candidate pattern's own Python search does. Patterns are in the expanded form of syntax.py, which every
engine reads alike, so every backend gives the same answer:

- `hyperscan`: all patterns in one Hyperscan database, scanning the column's texts, joined by NUL, in one call;
- `python` (no extra wheel): the combined pattern run over the column by Arrow's own regex kernel
  (`match_substring_regex`, RE2 inside pyarrow); where pyarrow has none, a substring test of each pattern's
  required literals and Python `re` on the texts that pass.

A backend of RE2 sets (google-re2) was measured too and dropped: one `Set.Match` per text ran at about half
the speed of Arrow's kernel, which is RE2 already (docs/fingerprints.md).

"First" is the leftmost match, and among matches starting at the same place the first in library order
(`catalog/*.yaml` in name order, then entries in a file). docs/fingerprints.md has the measurements that
order BACKENDS.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Protocol

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tos_check.fingerprints.catalog import load_fingerprints
from tos_check.fingerprints.model import Fingerprint
from tos_check.fingerprints.syntax import FLAGS, expanded, required_literals

BACKENDS = ("hyperscan", "python")
"""Fastest first, as measured on a realistic column (docs/fingerprints.md); the default is the first installed."""

SLICE_BYTES = 64 * 1024 * 1024
"""Text handed to a backend per call, so that no copy of a huge column is made at once."""

_SEPARATOR = "\x00"


class _Scanner(Protocol):
    def candidates(self, texts: pa.Array) -> pa.Array:
        """Rows (int64, ascending) of a string or large_string array where some pattern matches."""
        ...

    def which(self, text: str) -> Iterable[int]:
        """Library indexes of the patterns that may match `text` (a superset of those that do)."""
        ...


def available_backends() -> list[str]:
    """The backends that can run here, fastest first (`python` always can)."""
    installed = {"python"}
    if importlib.util.find_spec("hyperscan") is not None:
        installed.add("hyperscan")
    return [name for name in BACKENDS if name in installed]


class FingerprintSet:
    """The fingerprint library compiled for one backend. `installed()` gives the packaged one with the files
    plugins register, compiled once."""

    def __init__(
        self, fingerprints: Sequence[Fingerprint], backend: str | None = None, *, arrow_regex: bool = True
    ) -> None:
        """`arrow_regex=False` does without pyarrow's regex kernel, as on a pyarrow built without RE2."""
        if not fingerprints:
            raise ValueError("a fingerprint set needs at least one fingerprint")
        self.fingerprints: dict[str, Fingerprint] = {f.id: f for f in fingerprints}
        if len(self.fingerprints) != len(fingerprints):
            raise ValueError("fingerprint ids must be unique")
        self._order = list(fingerprints)
        self.backend: str = backend or available_backends()[0]
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown fingerprint backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        patterns = [expanded(f.pattern) for f in self._order]
        self._named = "|".join(f"(?P<f{i}>{p})" for i, p in enumerate(patterns))
        self._patterns = [re.compile(p, FLAGS) for p in patterns]
        self._literals = _Literals([required_literals(f.pattern) for f in self._order])
        self._ids = pa.array([f.id for f in self._order], pa.string())
        self._arrow_regex = arrow_regex
        if self.backend == "python":
            self._scanner: _Scanner = _PythonScanner(patterns, self._literals, arrow_regex=arrow_regex)
        else:
            self._scanner = _SCANNERS[self.backend](patterns)

    @classmethod
    def installed(cls, backend: str | None = None) -> FingerprintSet:
        """The packaged library and every file plugins register (`register_fingerprint_files`), compiled once
        per backend and shared; None takes the fastest installed backend."""
        return _installed(backend or available_backends()[0])

    def match(self, text: str) -> Fingerprint | None:
        """The first fingerprint in `text`, or None."""
        if not text:
            return None
        code = self._first_of(text, self._scanner.which(text))
        return None if code is None else self._order[code]

    def first_match(self, texts: pa.Array | pa.ChunkedArray) -> pa.Array:
        """For each text, the id of its first fingerprint: a string array of the same length, null where none
        matches or the text is null. Takes string, large_string, string_view and dictionary-encoded text."""
        if isinstance(texts, pa.ChunkedArray):
            parts = [self._first_in_array(chunk) for chunk in texts.chunks]
            return pa.concat_arrays(parts) if parts else pa.array([], pa.string())
        return self._first_in_array(texts)

    # --- internals ----------------------------------------------------------------------------------------

    def _first_in_array(self, texts: pa.Array) -> pa.Array:
        kind = texts.type
        if pa.types.is_dictionary(kind):
            # Each distinct text once; the answers follow the indices (a null index gives null).
            return self._first_in_array(texts.dictionary).take(texts.indices)
        if pa.types.is_null(kind):
            return pa.nulls(len(texts), pa.string())
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            if not _is_string_view(kind):
                raise TypeError(f"fingerprints are matched in text columns, not in {kind}")
            texts = texts.cast(pa.large_string())
        parts = [self._first_in_piece(piece) for piece in _slices(texts)]
        return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)

    def _first_in_piece(self, texts: pa.Array) -> pa.Array:
        rows = self._scanner.candidates(texts)
        if len(rows) == 0:
            return pa.nulls(len(texts), pa.string())
        codes = self._first_codes(texts.take(rows))
        found = pc.is_valid(codes)
        rows, codes = rows.filter(found), codes.filter(found)
        if len(rows) == 0:
            return pa.nulls(len(texts), pa.string())
        hit = pc.is_in(_row_numbers(len(texts)), value_set=rows)
        every = pc.replace_with_mask(pa.nulls(len(texts), pa.int32()), hit, codes)
        return self._ids.take(every)

    def _first_codes(self, texts: pa.Array) -> pa.Array:
        """For each text, the library index (int32) of the first fingerprint matching it, null where none."""
        if self._arrow_regex:
            try:
                groups = pc.extract_regex(texts, pattern=self._named)
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                self._arrow_regex = False
            else:
                # A pattern never matches the empty text, so the group that took part is the non-empty one.
                codes = pa.nulls(len(texts), pa.int32())
                for i in range(groups.type.num_fields):
                    taken = pc.and_kleene(pc.is_null(codes), pc.greater(pc.binary_length(groups.field(i)), 0))
                    codes = pc.if_else(taken, pa.scalar(i, pa.int32()), codes)
                return codes
        literals = self._literals
        codes = [self._first_of(text, literals.which(text)) if text else None for text in texts.to_pylist()]
        return pa.array(codes, pa.int32())

    def _first_of(self, text: str, candidates: Iterable[int]) -> int | None:
        """Of the candidate patterns, the one matching leftmost in `text`, the first in library order on a tie:
        what the combined alternation would choose, found with only the candidates' own searches."""
        best: tuple[int, int] | None = None
        for code in candidates:
            found = self._patterns[code].search(text)
            if found is not None and (best is None or (found.start(), code) < best):
                best = (found.start(), code)
        return None if best is None else best[1]


@functools.cache
def _installed(backend: str) -> FingerprintSet:
    """Raises InputError (path:line problems) when a registered file is broken or repeats an id."""
    from tos_check.plugins import fingerprint_files

    return FingerprintSet(load_fingerprints(fingerprint_files()), backend)


def _is_string_view(kind: pa.DataType) -> bool:
    check = getattr(pa.types, "is_string_view", None)
    return bool(check is not None and check(kind))


def _slices(texts: pa.Array) -> Iterable[pa.Array]:
    """Pieces of at most SLICE_BYTES of text (a longer single text is a piece of its own)."""
    total = texts.nbytes
    if total <= SLICE_BYTES or len(texts) <= 1:
        yield texts
        return
    step = max(1, len(texts) * SLICE_BYTES // total)
    for start in range(0, len(texts), step):
        yield texts.slice(start, step)


def _row_numbers(count: int) -> pa.Array:
    """0, 1, … count-1 as int64, computed by Arrow (no Python int per row)."""
    return pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), count)), 1)


def _offsets(texts: pa.Array) -> memoryview:
    """The array's n + 1 value offsets, zero-copy (int32 for string, int64 for large_string)."""
    code: Literal["q", "i"] = "q" if pa.types.is_large_string(texts.type) else "i"
    return memoryview(texts.buffers()[1]).cast(code)[texts.offset : texts.offset + len(texts) + 1]


# --- backends ---------------------------------------------------------------------------------------------


class _Literals:
    """For each pattern, the substrings a match needs (syntax.required_literals): a test in plain Python."""

    def __init__(self, sets: list[tuple[tuple[str, ...], ...]]) -> None:
        # The longest literals first: they are the rarest, so most texts fail at the first test.
        self._sets = [sorted(needs, key=lambda need: -min(map(len, need))) for needs in sets]

    def which(self, text: str) -> list[int]:
        lowered = text.lower()
        return [
            code
            for code, needs in enumerate(self._sets)
            if all(any(literal in lowered for literal in need) for need in needs)
        ]


class _PythonScanner:
    """Arrow's regex kernel (RE2 inside pyarrow) over the column; without it, required literals in Python."""

    def __init__(self, patterns: list[str], literals: _Literals, *, arrow_regex: bool = True) -> None:
        self._alternation = "|".join(f"(?:{p})" for p in patterns)
        self._literals = literals
        self._arrow_regex = arrow_regex

    def candidates(self, texts: pa.Array) -> pa.Array:
        if self._arrow_regex:
            try:
                return pc.indices_nonzero(pc.match_substring_regex(texts, pattern=self._alternation))
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                self._arrow_regex = False  # a pyarrow built without RE2: Python does it all
        which = self._literals.which
        return pa.array([i for i, text in enumerate(texts.to_pylist()) if text and which(text)], pa.int64())

    def which(self, text: str) -> Iterable[int]:
        return self._literals.which(text)


class _HyperscanScanner:
    """All patterns in one Hyperscan database; a column is scanned in one call, its texts joined by NUL.

    NUL is what no pattern can match (syntax.py refuses it), and a non-word character, so each text is
    scanned as if alone: no match crosses into a neighbour, and `\\b` at a text's ends means what it means
    at the ends of a text.
    """

    def __init__(self, patterns: list[str]) -> None:
        import hyperscan

        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[p.encode() for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[hyperscan.HS_FLAG_UTF8] * len(patterns),
        )

    def candidates(self, texts: pa.Array) -> pa.Array:
        filled = pc.fill_null(texts.cast(pa.large_string()), "")
        joined = pc.binary_join(
            pa.LargeListArray.from_arrays(pa.array([0, len(filled)], pa.int64()), filled),
            pa.scalar(_SEPARATOR, pa.large_string()),
        )
        size = _offsets(joined)[1] - _offsets(joined)[0]
        if size == 0:
            return pa.array([], pa.int64())
        start = _offsets(joined)[0]
        ends: list[int] = []

        def on_match(_id: int, _from: int, to: int, _flags: int, _context: Any) -> None:
            ends.append(to)

        scan: Any = self._db.scan  # takes any buffer; its stubs say str or bytes, which would mean a copy
        scan(memoryview(joined.buffers()[2])[start : start + size], match_event_handler=on_match)
        return pa.array(_rows_of(sorted(set(ends)), _offsets(filled)), pa.int64())

    def which(self, text: str) -> Iterable[int]:
        found: set[int] = set()

        def on_match(code: int, *_: Any) -> None:
            found.add(code)

        self._db.scan(text.encode(), match_event_handler=on_match)
        return sorted(found)


def _rows_of(ends: list[int], offsets: memoryview) -> list[int]:
    """The row holding the last byte of each match in the NUL-joined text (ascending, once each).

    Row i occupies [offsets[i] - offsets[0] + i, offsets[i + 1] - offsets[0] + i) of the joined text: a
    binary search per match, nothing per row.
    """
    base = offsets[0]
    last = len(offsets) - 2
    rows: list[int] = []
    for end in ends:
        position = end - 1
        low, high = 0, last
        while low < high:  # the last row starting at or before `position` is the one holding it
            mid = (low + high + 1) // 2
            if offsets[mid] - base + mid <= position:
                low = mid
            else:
                high = mid - 1
        if not rows or rows[-1] != low:
            rows.append(low)
    return rows


_SCANNERS: dict[str, Callable[[list[str]], _Scanner]] = {"hyperscan": _HyperscanScanner}
