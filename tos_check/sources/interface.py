"""What a metadata source is. A source never resolves names or judges anything: it reports what it saw."""

from __future__ import annotations

from typing import Protocol

from tos_check.lineage.model import SourceResult
from tos_check.walk import ScanFile


class Source(Protocol):
    name: str
    """Short id shown by `tos-check plugins` and in problems."""

    def claims(self, file: ScanFile) -> bool:
        """Whether this source reads the file: from its name, or from `file.head` (one read shared by all
        sources), never by opening the file again, so that claiming stays cheap on a large tree."""
        ...

    def read(self, file: ScanFile) -> SourceResult:
        """Artifacts, edges and evidence in the file; what cannot be read goes in `problems`, not raised."""
        ...
