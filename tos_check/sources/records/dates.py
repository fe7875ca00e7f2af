"""When a record says it was generated: the day in a top-level date field, which picks the terms version
that governed the outputs (a provider's terms change; outputs are governed by the terms of their day).

Logged API responses carry it (OpenAI's `created`, epoch seconds), as do evaluation dumps (MT-Bench's
`tstamp`) and generation pipelines (`created_at`, `generated_at`). A field named `date` is not read: it is as
often the date of the document the text came from. Read to a day, in UTC:

- a number: epoch seconds (milliseconds when it is too large to be seconds);
- a string: the `YYYY-MM-DD` it starts with (an ISO date or date-time; a time or zone after it is ignored);
- an Arrow timestamp or date (a JSON reader types ISO strings so): its day, in UTC.

A day outside EARLIEST..LATEST, or a value of another shape, is unknown, as is a record without the field
(or, in Arrow data, with two columns of its name: which one holds the day is left open):
such records are judged by the terms in force on `--as-of`, as when no date is known at all. The Arrow and
the record-by-record readings give the same day for the same value, except a zoned date-time string that a
JSON reader has typed as a timestamp: Arrow reads its UTC day, the string its written day.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

DATE_FIELDS = ("created", "created_at", "tstamp", "timestamp", "generated_at", "generation_date", "date_generated")
"""Top-level fields that say when a record was generated: the first of them that holds a day is read."""

EARLIEST, LATEST = dt.date(2015, 1, 1), dt.date(2100, 1, 1)
"""Days outside [EARLIEST, LATEST) are not generation dates (a zero, a counter, a typo): unknown."""

EPOCH = dt.date(1970, 1, 1)
UNKNOWN = -1
"""The day number of a record that says no day (a day before EARLIEST, so never a real one)."""
_FIRST, _LAST = (EARLIEST - EPOCH).days, (LATEST - EPOCH).days
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PER_DAY = {"s": 86_400, "ms": 86_400 * 10**3, "us": 86_400 * 10**6, "ns": 86_400 * 10**9}
_MS_FROM = 1e11
"""A number at least this large is milliseconds: as seconds it would be past the year 5000."""


def record_day(record: dict[str, Any]) -> dt.date | None:
    """The day a record (a dict) says it was generated, or None."""
    for name in DATE_FIELDS:
        if name in record:
            day = day_of(record[name])
            if day is not None:
                return day
    return None


def day_of(value: Any) -> dt.date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):  # numpy's numbers too, as pandas-made records hold them
        number = float(value) if isinstance(value, float) or not isinstance(value, numbers.Integral) else int(value)
        if number != number or abs(number) > 1e16:  # NaN, or nothing a clock would write
            return None
        seconds = number / 1000 if abs(number) >= _MS_FROM else number
        days = int(seconds // 86400)
        return EPOCH + dt.timedelta(days=days) if _FIRST <= days < _LAST else None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return _within(value.date())
    if isinstance(value, dt.date):
        return _within(value)
    if isinstance(value, str):
        if not _ISO_DAY.fullmatch(value[:10]):
            return None
        try:
            return _within(dt.date.fromisoformat(value[:10]))
        except ValueError:  # 2024-02-30
            return None
    return None


def day_numbers(data: pa.Table | pa.RecordBatch) -> np.ndarray | None:
    """Per record, the day it says it was generated as days since 1970-01-01 (int64, UNKNOWN where it says
    none); None when the data has no date field."""
    names = data.schema.names
    found = [_days(data.column(name)) for name in DATE_FIELDS if names.count(name) == 1]  # twice: which, unknown
    if not found:
        return None
    days = found[0]
    for later in found[1:]:  # the first field that holds a day
        days = np.where(days == UNKNOWN, later, days)
    return days


def _days(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Days since 1970-01-01 (int64), UNKNOWN where the value is not a day or is out of range (so that the
    next field is read, as for a dict). Numbers go to numpy as soon as Arrow has them as a plain column: a
    kernel call costs tens of microseconds a batch, numpy's a few."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.cast(kind.value_type), kind.value_type
    if pa.types.is_timestamp(kind):  # its count is of its unit since the epoch, in UTC; null: 0, out of range
        days = np.floor_divide(values.cast(pa.int64()).fill_null(0).to_numpy(), _PER_DAY[kind.unit])
    elif pa.types.is_date32(kind):
        days = values.cast(pa.int32()).fill_null(0).to_numpy().astype(np.int64)
    elif pa.types.is_date64(kind):  # milliseconds, which need not fall on midnight
        days = np.floor_divide(values.cast(pa.int64()).fill_null(0).to_numpy(), 86_400_000)
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        seconds = values.cast(pa.float64(), safe=False).fill_null(np.nan).to_numpy()
        with np.errstate(invalid="ignore"):
            seconds = np.where(np.abs(seconds) > 1e16, np.nan, seconds)
            seconds = np.where(np.abs(seconds) >= _MS_FROM, seconds / 1000.0, seconds)
            floor = np.floor(seconds / 86400.0)
        days = np.where(np.isfinite(floor), floor, UNKNOWN).astype(np.int64)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # a column holds few distinct days: each is parsed once (formatting back costs ~0.6 us a value)
        written = pc.dictionary_encode(pc.utf8_slice_codeunits(values, 0, 10))
        distinct = written.dictionary
        shaped = pc.match_substring_regex(distinct, _ISO_DAY.pattern)
        parsed = pc.strptime(distinct, format="%Y-%m-%d", unit="s", error_is_null=True)
        real = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), distinct)  # not 2024-02-30 read as March 1st
        known = pc.if_else(pc.fill_null(pc.and_(shaped, real), False), parsed.cast(pa.date32()).cast(pa.int32()), 0)
        each = np.append(known.fill_null(0).to_numpy().astype(np.int64), UNKNOWN)  # the last: a null value
        days = each[written.indices.fill_null(len(distinct)).to_numpy()]
    else:
        return np.full(len(values), UNKNOWN, np.int64)
    inside: np.ndarray = np.where((days >= _FIRST) & (days < _LAST), days, UNKNOWN)
    return inside


def _within(day: dt.date) -> dt.date | None:
    return day if EARLIEST <= day < LATEST else None
