"""What a report format is: a name, and a function from the scan result to text."""

from __future__ import annotations

from typing import Protocol

from tos_check.report.model import Report


class Reporter(Protocol):
    name: str
    """The value of `scan --format`."""

    def render(self, report: Report, *, color: bool = False) -> str:
        """The whole report as text; the same report always gives the same text."""
        ...
