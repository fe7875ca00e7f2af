"""`--format junit`: JUnit XML for the test views of GitLab, Jenkins and GitHub test reporters.

One test case per dataset and policy (the policy's findings for that dataset, together), so a CI test view
lists each dataset's verdict per provider document. A case fails on a finding that fails the run (at the
report's `fail_on` threshold, as the exit code, and not accepted); one whose such findings are all accepted
(waived, or unchanged since the baseline or --since ref) is `skipped` with the reason; findings below the
threshold pass and are printed in the case's output. A clear dataset is one passing case. Input the scan could not
read is an `error` case each: a partial scan must not look green.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from tos_check.evaluate.finding import Finding
from tos_check.hookspecs import hookimpl
from tos_check.lineage.model import Location
from tos_check.report.interface import Reporter
from tos_check.report.model import Report

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold at all, even escaped; metadata can contain them."""


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class JunitReporter:
    name = "junit"

    def render(self, report: Report, *, color: bool = False) -> str:
        root = ET.Element("testsuites", name="tos-check")
        groups: dict[str, dict[str, list[Finding]]] = {a.id: {} for a in report.artifacts}
        for finding in report.findings:
            policy = finding.policy.id if finding.policy and not finding.rule.startswith("tos-check/") else None
            groups.setdefault(finding.artifact, {}).setdefault(policy or "tos-check", []).append(finding)
        locations = {a.id: a.location for a in report.artifacts}
        for dataset in sorted(groups):
            suite = ET.SubElement(root, "testsuite", name=_x(dataset))
            by_policy = groups[dataset]
            if not by_policy:
                case = ET.SubElement(suite, "testcase", classname=_x(dataset), name="no restricting terms")
                _where(case, locations.get(dataset))
            for policy in sorted(by_policy):
                _case(suite, dataset, policy, by_policy[policy], report)
        if report.problems:
            suite = ET.SubElement(root, "testsuite", name="tos-check input")
            for problem in report.problems:
                case = ET.SubElement(suite, "testcase", classname="tos-check input", name=_x(problem))
                ET.SubElement(case, "error", message=_x(problem), type="unreadable-input").text = _x(
                    f"{problem}\nThe scan is partial: this input was not checked."
                )
        _count(root)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(suite: ET.Element, dataset: str, policy: str, findings: list[Finding], report: Report) -> None:
    case = ET.SubElement(suite, "testcase", classname=_x(dataset), name=_x(policy))
    _where(case, findings[0].location)
    found_before = report.found_before()
    failing = [f for f in findings if report.at_threshold(f) and not f.accepted]
    accepted = [f for f in findings if report.at_threshold(f) and f.accepted]
    if failing:
        first = failing[0]
        failure = ET.SubElement(case, "failure", message=_x(first.message), type=first.effect)
        failure.text = _x("\n\n".join(_details(f, found_before) for f in failing))
    elif accepted:
        ET.SubElement(case, "skipped", message=_x("; ".join(_why_accepted(f, found_before) for f in accepted)))
    others = [f for f in findings if f not in failing]
    if others:
        ET.SubElement(case, "system-out").text = _x("\n\n".join(_details(f, found_before) for f in others))


def _where(case: ET.Element, location: Location | None) -> None:
    if location is None:
        return
    case.set("file", _x(location.path))
    if location.line is not None:
        case.set("line", str(location.line))


def _why_accepted(finding: Finding, found_before: str) -> str:
    if finding.waiver is not None:
        waiver = finding.waiver
        return f"{finding.rule} waived: {waiver.reason} ({waiver.approver}, until {waiver.expires})"
    return f"{finding.rule} unchanged: found before, in {found_before}"


def _details(finding: Finding, found_before: str) -> str:
    lines = [
        f"{finding.severity.upper()} {finding.rule} [{finding.effect}] at {finding.location}",
        finding.message,
    ]
    for hop in finding.chain:
        lines.append(f"  {hop.source} --{hop.relation}--> {hop.target} ({hop.location})")
    if finding.policy is not None and finding.clause is not None:
        source = finding.clause.url or finding.policy.source_url
        cite = f"source: {finding.policy.title or finding.policy.id} ({finding.policy.version})"
        if finding.clause.section:
            cite += f", {finding.clause.section}"
        lines.append(cite + (f" <{source}>" if source else ""))
        if not finding.clause.verified:
            lines.append("unverified: encoded from secondary sources")
    if finding.accepted:
        lines.append(_why_accepted(finding, found_before))
    return "\n".join(lines)


def _count(root: ET.Element) -> None:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        counts = {
            "tests": len(suite.findall("testcase")),
            "failures": len(suite.findall("testcase/failure")),
            "errors": len(suite.findall("testcase/error")),
            "skipped": len(suite.findall("testcase/skipped")),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))


@hookimpl
def register_reporters(register: Callable[[Reporter], None]) -> None:
    register(JunitReporter())
