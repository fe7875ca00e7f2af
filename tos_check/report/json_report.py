"""`--format json`: the report model as it is, keys sorted but `tool` first (a later scan knows its own
report by it), for machines (design.md 4.3)."""

from __future__ import annotations

from collections.abc import Callable

from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import Report
from tos_check.report.signature import json_text


class JsonReporter:
    name = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        return json_text(report.model_dump(mode="json", by_alias=True))


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(JsonReporter())
