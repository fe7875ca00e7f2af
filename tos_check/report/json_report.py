"""`--format json`: the report model as it is, keys sorted, for machines (design.md 4.3)."""

from __future__ import annotations

import json
from collections.abc import Callable

from tos_check.hookspecs import hookimpl
from tos_check.report.interface import Reporter
from tos_check.report.model import Report


class JsonReporter:
    name = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        data = report.model_dump(mode="json", by_alias=True)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(JsonReporter())
