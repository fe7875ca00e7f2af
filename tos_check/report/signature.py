"""How a scan knows tos-check's own outputs. A report, baseline or gate summary written inside the scanned
folder would otherwise be read as metadata on the next run (a JSON report names every model it found, and
makes its folder look like a dataset), so the same data would give different findings run after run.

Every machine-readable output opens with who wrote it, and the walker skips a file whose first bytes say
tos-check (docs/cli.md): JSON (report, SARIF, baseline, gate summary) with `tool` as the first key, JUnit
with its `tos-check` test suites, Markdown with its marker line, HTML with its generator tag. Recognised by
content, not name, so a report kept under any name from any earlier run is skipped too.
"""

from __future__ import annotations

import json
import re
from typing import Any

MARKDOWN_MARKER = "<!-- tos-check -->"
"""Invisible in a rendered comment; also how action.yml finds its own pull-request comment again."""
HTML_GENERATOR = '<meta name="generator" content="tos-check">'

_OWN = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:"
    # JSON report, baseline, gate summary: {"tool": "tos-check"} or {"tool": {"name": "tos-check"}};
    # SARIF: {"$schema": …, "runs": [{"tool": {"driver": {"name": "tos-check"
    rb'\{\s*(?:"\$schema"\s*:\s*"[^"]*"\s*,\s*"runs"\s*:\s*\[\s*\{\s*)?'
    rb'"tool"\s*:\s*(?:\{\s*(?:"driver"\s*:\s*\{\s*)?"name"\s*:\s*)?"tos-check"'
    rb'|<\?xml[^>]*\?>\s*<testsuites name="tos-check"'
    rb"|" + re.escape(MARKDOWN_MARKER.encode()) + rb"|<!DOCTYPE html>\s*<html[^>]*>\s*<head>\s*"
    rb'<meta charset="utf-8">\s*' + re.escape(HTML_GENERATOR.encode()) + rb")"
)


def is_own_output(head: bytes) -> bool:
    """Whether these first bytes of a file are the start of something tos-check wrote."""
    return _OWN.match(head) is not None


def json_text(data: dict[str, Any]) -> str:
    """JSON with sorted keys (the same data, the same bytes) except `tool`, which comes first wherever it
    is, so the file's first bytes say who wrote it."""
    return json.dumps(_tool_first(data), indent=2, ensure_ascii=False) + "\n"


def _tool_first(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _tool_first(value[key]) for key in sorted(value, key=lambda k: (k != "tool", k))}
    if isinstance(value, list):
        return [_tool_first(item) for item in value]
    return value
