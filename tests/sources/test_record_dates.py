"""The day a record says it was generated: read the same way from a dict and from an Arrow column."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tos_check.sources.records.dates import EARLIEST, LATEST, UNKNOWN, day_numbers, day_of, record_day

EPOCH = dt.date(1970, 1, 1)

CASES: list[tuple[Any, dt.date | None]] = [
    (1686286924.844282, dt.date(2023, 6, 9)),  # MT-Bench's tstamp
    (1700000000, dt.date(2023, 11, 14)),  # OpenAI's created
    (1700000000123, dt.date(2023, 11, 14)),  # milliseconds
    ("2024-05-11", dt.date(2024, 5, 11)),
    ("2024-05-11T23:59:59Z", dt.date(2024, 5, 11)),
    ("2024-05-11 08:00:00+09:00", dt.date(2024, 5, 11)),  # the day as written
    ("2024-02-30", None),
    ("11/05/2024", None),
    ("2024-W01-1", None),
    ("yesterday", None),
    ("", None),
    ("1700000000", None),  # digits in a string are not read as a clock
    (0, None),  # 1970: before any model wrote anything
    (1e17, None),
    (float("nan"), None),
    (True, None),
    ("1999-12-31", None),
    ("2100-01-01", None),
    (None, None),
    (dt.datetime(2024, 5, 11, 23, 59), dt.date(2024, 5, 11)),  # Arrow: a timestamp column
    (dt.date(2024, 5, 11), dt.date(2024, 5, 11)),  # Arrow: a date column
    (dt.datetime(1969, 12, 31, 23, 0), None),  # before the epoch: a negative count
]


def days(day: dt.date | None) -> int:
    return UNKNOWN if day is None else (day - EPOCH).days


def read(table: pa.Table) -> list[int]:
    found = day_numbers(table)
    assert found is not None
    return [int(d) for d in found]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_a_value_is_read_to_the_day_it_says(value: Any, expected: dt.date | None) -> None:
    assert day_of(value) == expected


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_arrow_reads_each_value_as_the_dict_path_does(value: Any, expected: dt.date | None) -> None:
    assert read(pa.table({"created": pa.array([value, None])})) == [days(expected), UNKNOWN]


def test_typed_columns_are_read_in_utc() -> None:
    zoned = dt.datetime(2024, 5, 11, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # 04:30 UTC on the 12th
    table = pa.table(
        {
            "created": pa.array([zoned], pa.timestamp("us", tz="America/New_York")),
            "created_at": pa.array([dt.datetime(2024, 5, 11, 23, 30)], pa.timestamp("ns")),
            "tstamp": pa.array([dt.date(2024, 5, 11)], pa.date32()),
        }
    )
    assert day_of(zoned) == dt.date(2024, 5, 12)
    for name, expected in (("created", dt.date(2024, 5, 12)), ("created_at", dt.date(2024, 5, 11))):
        assert read(table.select([name])) == [days(expected)]
    assert read(table.select(["tstamp"])) == [days(dt.date(2024, 5, 11))]
    # date64 counts milliseconds, which need not fall on midnight; before 1970 counts back
    millis = [(dt.datetime(2024, 5, 11, 15, 30) - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1), -1, None]
    assert read(pa.table({"created": pa.array(millis, pa.int64()).cast(pa.date64())})) == [
        days(dt.date(2024, 5, 11)),
        UNKNOWN,
        UNKNOWN,
    ]


def test_the_first_field_that_holds_a_day_is_read() -> None:
    records = [
        {"created": "2024-01-02", "timestamp": "2023-01-01"},
        {"created": None, "timestamp": "2023-01-01"},
        {"created": "soon", "tstamp": 1686286924},
        {"created": "1999-12-31", "created_at": "2024-05-01"},  # too early to be a day: the next field is read
        {"tstamp": float("nan"), "generated_at": 1.7e12},  # milliseconds
        {"date": "2024-01-02"},  # often the date of the source document, not of the generation
        {"model": "gpt-4"},
    ]
    expected = [dt.date(2024, 1, 2), dt.date(2023, 1, 1), dt.date(2023, 6, 9), dt.date(2024, 5, 1)]
    expected += [dt.date(2023, 11, 14), None, None]
    assert [record_day(r) for r in records] == expected
    assert read(pa.Table.from_struct_array(pa.array(records, from_pandas=True))) == [days(d) for d in expected]
    assert day_of(np.int64(1686286924)) == dt.date(2023, 6, 9)  # numbers from numpy (pandas-made records)
    assert day_numbers(pa.table({"model": ["gpt-4"], "date": ["2024-01-02"]})) is None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=-(10**17), max_value=10**17),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17),
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2200, 1, 1)).map(dt.date.isoformat),
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(dt.datetime.isoformat),
        st.text(alphabet="0123456789-T:Z ", max_size=20),
    )
)
def test_the_two_readings_agree(value: Any) -> None:
    expected = day_of(value)
    assert read(pa.table({"tstamp": pa.array([value])})) == [days(expected)]
    assert expected is None or EARLIEST <= expected < LATEST
