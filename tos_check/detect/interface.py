"""What a detector is: something that reads free text and says which models' outputs it describes.

Sources that hold prose (cards, READMEs, papers) run every registered detector over it, so a plugin can
add a detector (another language, a fingerprint of model-written text) without touching any source.
"""

from __future__ import annotations

from typing import Protocol

from tos_check.detect.prose import MentionFinder, ProseFinding


class Detector(Protocol):
    name: str

    def find(self, text: str, line_offset: int, resolver: MentionFinder) -> list[ProseFinding]:
        """Statements in `text` that a model's outputs are in the data; lines count from `line_offset`."""
        ...
