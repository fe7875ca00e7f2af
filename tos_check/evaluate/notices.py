"""The tool's own notices: what it could not check, said as findings so nothing is silently clear.

Rules are `tos-check/<check>`; every notice is a `note` that names what is missing (a model nobody can
resolve, a provider no policy covers, a chain longer than a clause reaches, data with no known origin).
"""

from __future__ import annotations

from tos_check.evaluate.finding import ClauseRef, Finding, PolicyRef, finding_id
from tos_check.evaluate.judging import Basis, Judging
from tos_check.identity.model import Identity
from tos_check.lineage.graph import Trace
from tos_check.lineage.model import Artifact, Evidence
from tos_check.policy.model import Clause, Policy, PolicyVersion

TOOL_CHECKS: dict[str, str] = {
    "unnamed-model": "An assistant made the data without recording the model it ran: no terms could be checked.",
    "unresolved-model": "A model name that no catalog entry resolves to a provider: its terms were not checked.",
    "no-policy": "A known provider's model that no loaded policy covers: its terms were not checked.",
    "no-version": "No version of the covering terms is known to be in force on the generation date.",
    "beyond-reach": "A clause that does not reach this far down the chain (direct use only, or fewer model hops).",
    "unknown-generator": "Data described as machine-generated whose metadata names no model.",
    "unknown-provenance": "Data whose origin neither the metadata nor the known-datasets catalog explains.",
}
"""The tool's own checks (rule `tos-check/<check>`), as reports describe them (SARIF rules, docs)."""


def trace_notice(
    trace: Trace,
    identity: Identity,
    check: str,
    text: str,
    policy: Policy | None = None,
    version: PolicyVersion | None = None,
    clause: Clause | None = None,
    basis: Basis | None = None,
) -> Finding:
    """A notice about one model's outputs reaching a dataset."""
    rule = f"tos-check/{check}"
    return Finding(
        id=finding_id(
            rule,
            trace.subject,
            trace.generation.model,
            policy.id if policy else "",
            version.version if version else "",
            clause.id if clause else "",
            [str(h) for h in trace.chain],
        ),
        rule=rule,
        policy=PolicyRef(
            id=policy.id,
            version=version.version,
            effective_from=version.effective_from,
            source_url=version.url or policy.document_url,
            title=policy.title,
        )
        if policy and version
        else None,
        clause=ClauseRef(
            id=clause.id,
            summary=clause.summary,
            section=clause.citation.section,
            url=clause.citation.url,
            verified=clause.verified,
        )
        if clause
        else None,
        effect="notice",
        severity="note",
        provider=identity.provider,
        model=trace.generation.model,
        model_family=identity.family,
        artifact=trace.subject,
        location=trace.chain[0].location,
        evidence=[trace.generation.evidence],
        chain=list(trace.chain),
        depth=trace.depth,
        # How sure we are that these outputs are there; an unresolved name must not lower it to nothing.
        confidence=round(trace.generation.evidence.confidence * (identity.confidence if identity.known else 1.0), 2),
        message=text,
        generated=trace.period(),
        version_basis=basis or "none",
        by=trace.generation.by,
    )


MAX_NAMES_SHOWN = 5
"""Unresolved names listed in one notice; the rest are counted."""


def unresolved_models(traces: list[Trace], advice: str) -> list[Finding]:
    """One note per place (the same file, reached the same way) for all the names there that no catalog
    entry matches: a `model` field that holds car makes, or names of people, is one note, not hundreds."""
    groups: dict[tuple[object, ...], list[Trace]] = {}
    for trace in traces:
        key = (trace.depth, trace.generation.evidence.location.path, tuple(str(h) for h in trace.chain[:-1]))
        groups.setdefault(key, []).append(trace)
    out: list[Finding] = []
    for group in groups.values():
        if len(group) == 1:
            (trace,) = group
            text = f"could not tell which provider's model {trace.generation.model!r} is; its terms were not checked"
            out.append(
                trace_notice(trace, Identity(input=trace.generation.model), "unresolved-model", f"{text} ({advice})")
            )
            continue
        group.sort(key=lambda t: (t.generation.model, t.chain[-1].location.line or 0))
        names = list(dict.fromkeys(t.generation.model for t in group))
        shown = ", ".join(repr(n) for n in names[:MAX_NAMES_SHOWN])
        more = f" and {len(names) - MAX_NAMES_SHOWN} more" if len(names) > MAX_NAMES_SHOWN else ""
        first = group[0]
        records = [t.generation.records for t in group]
        counted = f" in {sum(r for r in records if r):,} records" if all(r is not None for r in records) else ""
        last = first.chain[-1].model_copy(update={"target": f"{len(names)} unresolved names"})
        notice = trace_notice(
            first,
            Identity(input=first.generation.model),
            "unresolved-model",
            f"could not tell which provider's models {shown}{more} are ({len(names)} names{counted}); their "
            f"terms were not checked (if they name AI models, {advice}; if the field holds something else, "
            "no model is named here)",
        )
        out.append(
            notice.model_copy(
                update={
                    "id": finding_id(notice.rule, first.subject, names, [str(h) for h in first.chain[:-1]]),
                    "model": None,
                    "model_family": None,
                    "evidence": [t.generation.evidence for t in group],
                    "chain": [*first.chain[:-1], last],
                    "confidence": round(max(t.generation.evidence.confidence for t in group), 2),
                    "generated": None,
                }
            )
        )
    return out


def beyond_reach(judging: Judging) -> Finding:
    trace, clause = judging.trace, judging.clause
    reach = "direct use only" if clause.reach.kind == "direct" else f"{clause.reach.depth} hop(s)"
    text = (
        f"outputs of {trace.generation.model} reach {judging.subject.id} through {trace.depth - 1} intermediate "
        f"model(s); {judging.policy.title} ({judging.version.version}) {clause.id} reaches {reach}, "
        "so it is not applied here"
    )
    return trace_notice(
        trace,
        judging.identity,
        "beyond-reach",
        text,
        policy=judging.policy,
        version=judging.version,
        clause=clause,
        basis=judging.basis,
    )


def dataset_notice(subject: Artifact, check: str, evidence: Evidence, message: str) -> Finding:
    """A notice about a dataset as a whole (its origin), not about one model's outputs in it."""
    rule = f"tos-check/{check}"
    return Finding(
        id=finding_id(rule, subject.id),
        rule=rule,
        policy=None,
        clause=None,
        effect="notice",
        severity="note",
        provider=None,
        model=None,
        artifact=subject.id,
        location=evidence.location,
        evidence=[evidence],
        chain=[],
        depth=1,
        confidence=evidence.confidence,
        message=message,
    )


def unknown_generator(subject: Artifact, evidence: Evidence) -> Finding:
    message = (
        f"{subject.id} is described as machine-generated but no metadata names the model; "
        "its terms could not be checked"
    )
    return dataset_notice(subject, "unknown-generator", evidence, message)


def unknown_provenance(subject: Artifact) -> Finding:
    if subject.external:
        detail, what = f"training data named: {subject.id}", f"{subject.id} is used for training, but"
    else:
        detail = f"records with no field naming a model: {subject.id}"
        what = f"{subject.id} holds records whose fields name no model, and"
    evidence = Evidence(kind="metadata", detail=detail, location=subject.location, confidence=1.0)
    message = (
        f"{what} neither the scanned metadata nor the known-datasets catalog says where it came from: "
        "whether models wrote it is unknown, so it is not counted as clear"
    )
    return dataset_notice(subject, "unknown-provenance", evidence, message)
