"""Files that appear whole or not at all: written under a temporary name beside the target and renamed
over it at the end, so a reader (an upload step, the next stage of a pipeline) never sees half a file, and
an interrupted run leaves nothing under the final name."""

from __future__ import annotations

import os
from pathlib import Path


def temporary_path(final: Path) -> Path:
    """A name in the same folder (a rename never crosses file systems), hidden, unique to this process."""
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


def create(path: Path) -> int:
    """Open for writing with mode 0o666 less the umask, as a plain open() would: outputs are not secrets."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)


def commit(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


def discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)
