"""Checks on a policy that a JSON Schema cannot express: dates in order, ids unique, tests that make sense."""

from __future__ import annotations

from tos_check.loader import Document
from tos_check.policy.model import Policy
from tos_check.problems import Problem


def check_policy(policy: Policy, doc: Document) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(doc.path, doc.line_of(loc), message))

    previous_end = None
    for i, version in enumerate(policy.versions):
        if version.effective_until is not None and version.effective_until <= version.effective_from:
            add(("versions", i, "effective_until"), "effective_until must be after effective_from")
        if i > 0:
            earlier = policy.versions[i - 1]
            if version.effective_from <= earlier.effective_from:
                add(("versions", i, "effective_from"), "versions must be listed oldest first")
            elif previous_end is None or version.effective_from < previous_end:
                add(
                    ("versions", i, "effective_from"),
                    f"overlaps version {earlier.version!r}: give {earlier.version!r} an effective_until "
                    f"on or before {version.effective_from}",
                )
        previous_end = version.effective_until
        seen: set[str] = set()
        for j, clause in enumerate(version.clauses):
            if clause.id in seen:
                add(
                    ("versions", i, "clauses", j, "id"),
                    f"duplicate clause id {clause.id!r} in version {version.version!r}",
                )
            seen.add(clause.id)
            if clause.reach.depth is not None and clause.reach.kind == "direct":
                add(("versions", i, "clauses", j, "reach", "depth"), "depth is only for transitive reach")
            if clause.effect == "obligation" and not clause.obligations:
                add(("versions", i, "clauses", j), "an obligation clause must list its obligations")
            ob_ids = [o.id for o in clause.obligations]
            for dup in sorted({x for x in ob_ids if ob_ids.count(x) > 1}):
                add(("versions", i, "clauses", j, "obligations"), f"duplicate obligation id {dup!r}")
    names = [v.version for v in policy.versions]
    for dup in sorted({x for x in names if names.count(x) > 1}):
        add(("versions",), f"duplicate version {dup!r}")
    clause_ids = {c.id for v in policy.versions for c in v.clauses}
    for k, case in enumerate(policy.tests):
        for cid in [*(case.expect.clauses or []), *(case.expect.undecided or [])]:
            if cid not in clause_ids:
                add(("tests", k, "expect", "clauses"), f"test {case.name!r} expects unknown clause {cid!r}")
        if case.expect.version is not None and case.expect.version not in names:
            add(
                ("tests", k, "expect", "version"), f"test {case.name!r} expects unknown version {case.expect.version!r}"
            )
    return problems
