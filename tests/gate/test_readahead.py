import threading
from collections.abc import Iterator

import pytest

from tos_check.gate.readahead import read_ahead

WAIT = 10.0
"""Seconds a test waits for the other thread before it fails (instead of hanging)."""


def test_items_come_in_order_and_all_of_them() -> None:
    with read_ahead(iter(range(100))) as items:
        assert list(items) == list(range(100))


def test_the_next_item_is_read_while_the_caller_works_on_this_one() -> None:
    asked_for_second = threading.Event()
    readers: list[str] = []

    def source() -> Iterator[int]:
        readers.append(threading.current_thread().name)
        yield 1
        asked_for_second.set()
        readers.append(threading.current_thread().name)
        yield 2

    with read_ahead(source()) as items:
        first = next(items)
        # without reading ahead nothing asks for the second item until this one is done: this would time out
        assert asked_for_second.wait(WAIT), "the second item was not read while the first was worked on"
        assert [first, *items] == [1, 2]
    assert readers and all(name.startswith("tos-check-reader") for name in readers)


def test_a_reading_error_reaches_the_caller_as_it_was_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"), read_ahead(source()) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_waits_for_the_item_being_read_and_reads_no_further() -> None:
    reading = threading.Event()
    release = threading.Event()
    asked: list[int] = []

    def source() -> Iterator[int]:
        for n in range(1000):
            asked.append(n)
            if n == 1:
                reading.set()
                assert release.wait(WAIT)
            yield n

    class Stop(Exception):
        pass

    with pytest.raises(Stop), read_ahead(source()) as items:
        assert next(items) == 0
        assert reading.wait(WAIT)  # the reader is inside item 1 now
        threading.Timer(0.2, release.set).start()
        raise Stop
    # the with block returned only once the reader was done with item 1 (so a file it reads can be closed),
    # and the reader asked for nothing after the caller had gone
    assert release.is_set()
    assert asked == [0, 1]
    assert not [t for t in threading.enumerate() if t.name.startswith("tos-check-reader")]


def test_the_reader_stays_a_bounded_number_of_items_ahead() -> None:
    from tos_check.gate.readahead import DEPTH

    asked: list[int] = []

    def source() -> Iterator[int]:
        for n in range(100):
            asked.append(n)
            yield n

    with read_ahead(source()) as items:
        assert next(items) == 0
        pause = threading.Event()
        for _ in range(1000):  # until the reader has filled what it may (10 s at most)
            if len(asked) >= 1 + DEPTH:
                break
            pause.wait(0.01)
        pause.wait(0.1)  # and a chance to run further, which it must not take
        assert len(asked) == 1 + DEPTH  # the one handed over, and DEPTH more: never the whole source
        assert list(items) == list(range(1, 100))
