"""Problems are values: sources and loaders return them, only the command line turns them into exit codes.

Every problem names the file and, where there is one, the line, and says what would fix it, so that a user
can go straight to the spot (`path:line: message`, the format editors and CI annotators understand).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class InputError(Exception):
    """Raised where a caller cannot go on without the input; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))
