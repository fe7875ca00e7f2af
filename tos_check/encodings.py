"""Which encoding a text file is in. UTF-8 unless a byte-order mark says UTF-16 or UTF-32.

Windows editors and some exporters save cards and CSVs as UTF-16 with a BOM; read as UTF-8 they look like
binary (every other byte is NUL), and a card that says "generated with GPT-4" would pass in silence. Only
a BOM is trusted: guessing an encoding from the bytes (chardet-style) would turn garbage into evidence.
"""

from __future__ import annotations

import codecs
from typing import IO, cast

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32-LE"),  # before UTF-16-LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "UTF-32-BE"),
    (codecs.BOM_UTF16_LE, "UTF-16-LE"),
    (codecs.BOM_UTF16_BE, "UTF-16-BE"),
    (codecs.BOM_UTF8, "UTF-8"),
)

WIDE = frozenset({"UTF-16-LE", "UTF-16-BE", "UTF-32-LE", "UTF-32-BE"})
"""Encodings that are not UTF-8 on disk: files in them are transcoded, and the report says so."""

PROBE_BYTES = 8192
"""How much of a file is looked at to tell text from binary."""

BINARY = "binary content (NUL bytes): not UTF-8 text, nor UTF-16/32 with a byte-order mark"
"""The one message for a file that holds NUL bytes and no byte-order mark, whichever reader finds it."""


def is_binary(head: bytes) -> bool:
    """NUL bytes in the first bytes: no UTF-8 text has them (UTF-16/32 without a BOM does, and is refused)."""
    return b"\x00" in head[:PROBE_BYTES]


def bom_encoding(head: bytes) -> str | None:
    """The encoding the file's byte-order mark names (`UTF-16-LE`, …), or None when it has none."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def undecodable(head: bytes) -> str | None:
    """Why the first bytes of a file (no UTF-16/32 BOM) cannot be UTF-8 text, or None when they can be
    (a character cut at the end of the head is fine)."""
    if is_binary(head):
        return "binary content (NUL bytes)"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{head[exc.start]:02x})"
    return None


def decode(raw: bytes, encoding: str) -> str:
    """The whole text, without its BOM; raises UnicodeDecodeError as the codec does."""
    return raw[len(_bom(encoding)) :].decode(encoding.lower())


def head_as_utf8(head: bytes, encoding: str) -> bytes:
    """The first bytes of a UTF-16/32 file as UTF-8, so that sources recognise it as they would a UTF-8 one.
    A character cut at the end of the head, or a bad byte, ends the head there."""
    decoder = codecs.getincrementaldecoder(encoding.lower())(errors="strict")
    body = head[len(_bom(encoding)) :]
    for end in range(len(body), max(len(body) - 4, 0) - 1, -1):
        try:
            return decoder.decode(body[:end], final=False).encode("utf-8")
        except UnicodeDecodeError:
            decoder.reset()
    return b""


def bom_reading_codec(encoding: str | None) -> str:
    """The codec for `io.TextIOWrapper` that reads a file of this encoding and skips its byte-order mark:
    the generic UTF-16/UTF-32 codecs read the mark themselves, utf-8-sig skips UTF-8's. (A TextIOWrapper
    cannot sit on `utf8_stream`: it reads with `read1`, which the recoder hands to the raw file.)"""
    return "utf-8-sig" if encoding is None else encoding.lower()[: len("utf-16")]


def utf8_stream(handle: IO[bytes], encoding: str) -> IO[bytes]:
    """A byte stream of the file's text as UTF-8, for readers that work on UTF-8 lines (JSON Lines, CSV).
    A byte the encoding cannot decode raises UnicodeDecodeError where it is read."""
    handle.read(len(_bom(encoding)))
    utf8, wide = codecs.lookup("utf-8"), codecs.lookup(encoding.lower())
    recoder = codecs.StreamRecoder(handle, utf8.encode, utf8.decode, wide.streamreader, wide.streamwriter)
    return cast(IO[bytes], recoder)


def _bom(encoding: str) -> bytes:
    return next(bom for bom, name in BOMS if name == encoding)
