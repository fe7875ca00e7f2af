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


def bom_encoding(head: bytes) -> str | None:
    """The encoding the file's byte-order mark names (`UTF-16-LE`, …), or None when it has none."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    return None


def undecodable(head: bytes) -> str | None:
    """Why the first bytes of a file (no UTF-16/32 BOM) cannot be UTF-8 text, or None when they can be
    (a character cut at the end of the head is fine)."""
    if b"\x00" in head:
        return "binary content (NUL bytes)"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{head[exc.start]:02x})"
    return None


def decode(raw: bytes, encoding: str) -> str:
    """The whole text, without its BOM; raises UnicodeDecodeError as the codec does."""
    bom = next(b for b, name in BOMS if name == encoding)
    return raw[len(bom) :].decode(encoding.lower())


def head_as_utf8(head: bytes, encoding: str) -> bytes:
    """The first bytes of a UTF-16/32 file as UTF-8, so that sources recognise it as they would a UTF-8 one.
    A character cut at the end of the head, or a bad byte, ends the head there."""
    bom = next(b for b, name in BOMS if name == encoding)
    decoder = codecs.getincrementaldecoder(encoding.lower())(errors="strict")
    body = head[len(bom) :]
    for end in range(len(body), max(len(body) - 4, 0) - 1, -1):
        try:
            return decoder.decode(body[:end], final=False).encode("utf-8")
        except UnicodeDecodeError:
            decoder.reset()
    return b""


def utf8_stream(handle: IO[bytes], encoding: str) -> IO[bytes]:
    """A byte stream of the file's text as UTF-8, for readers that work on UTF-8 lines (JSON Lines, CSV).
    A byte the encoding cannot decode raises UnicodeDecodeError where it is read."""
    bom = next(b for b, name in BOMS if name == encoding)
    handle.read(len(bom))
    utf8, wide = codecs.lookup("utf-8"), codecs.lookup(encoding.lower())
    recoder = codecs.StreamRecoder(handle, utf8.encode, utf8.decode, wide.streamreader, wide.streamwriter)
    return cast(IO[bytes], recoder)
