"""Reading the next batches while the current one is decided and written.

Arrow's readers (JSON parsing, Parquet decoding, decompression) release the GIL, so a reader thread works
while the gate decides in Python and Arrow on the caller's thread: pyarrow's streaming readers keep the
cores busy only as long as something asks them for the next batch. The reader stays at most DEPTH items
ahead (one waiting, one being read), so memory holds at most that many batches more than without it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

DEPTH = 2
"""Items read ahead: one waiting for the caller and one being read. Measured on Parquet (then in 32 MiB
batches), a single item ahead left the reader idle while the first batches were decided; eight ahead of
JSONL's 8 MiB chunks made `tos-check gate` slower (8.3-9.3 s on 1.5 GB, against 7.8-8.4 s with two) and
held 120 MiB more."""
_POLL = 0.05
"""Seconds between the reader's looks at whether the caller has gone, while it waits to hand an item over."""


@contextmanager
def read_ahead(items: Iterable[T]) -> Iterator[Iterator[T]]:
    """`items`, read on a thread of their own while the caller works on the ones before.

    A context manager, so that whatever ends the caller's loop (the end, an error, Ctrl-C) waits for the
    reader thread to finish the item it is reading before the `with` block closes the file it reads from. An
    error raised while reading reaches the caller's thread as it was raised, after the items before it."""
    handed: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=max(DEPTH - 1, 1))  # 0 would be unbounded
    gone = threading.Event()

    def hand(entry: tuple[bool, object]) -> bool:
        while not gone.is_set():
            try:
                handed.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not hand((True, item)):
                    return
            hand((False, None))
        except BaseException as exc:  # the caller's to handle, in its own thread
            hand((False, exc))

    reader = threading.Thread(target=read, name="tos-check-reader", daemon=True)
    reader.start()
    try:
        yield _received(handed)
    finally:
        gone.set()
        reader.join()


def _received(handed: queue.Queue[tuple[bool, object]]) -> Iterator[T]:
    while True:
        is_item, value = handed.get()
        if is_item:
            yield value  # type: ignore[misc]
        elif isinstance(value, BaseException):
            raise value
        else:
            return
