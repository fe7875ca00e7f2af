"""Loading policies: schema first (for messages with a schema path), then the models, then the checks.

Nothing in a policy is executed: it is YAML read with safe constructors, and conditions are data that
`conditions.py` interprets over a fixed set of fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tos_check.identity.model import Identity
from tos_check.loader import load_document
from tos_check.policy.checks import check_policy
from tos_check.policy.model import Policy
from tos_check.problems import InputError, Problem
from tos_check.schemas import load_schema
from tos_check.validation import schema_problems, validate_model

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    path: str


@dataclass
class PolicySet:
    policies: list[LoadedPolicy] = field(default_factory=list)
    _covering: dict[tuple[str | None, str | None, str | None, bool, str | None], list[Policy]] = field(
        default_factory=dict, repr=False
    )
    _by_dataset: dict[str, list[Policy]] | None = field(default=None, repr=False)

    def get(self, policy_id: str) -> LoadedPolicy | None:
        return next((p for p in self.policies if p.policy.id == policy_id), None)

    def covering(self, identity: Identity) -> list[Policy]:
        """Asked once per trace, answered once per model: keyed by what `covers` reads, not by the identity,
        which holds the name as written (a dataset spells one model many ways)."""
        key = (identity.provider, identity.family, identity.model, identity.open_weights, identity.license)
        known = self._covering.get(key)
        if known is None:
            known = self._covering[key] = [p.policy for p in self.policies if covers(p.policy, identity)]
        return known

    def covering_dataset(self, names: tuple[str, ...]) -> list[Policy]:
        """Data licences that govern a dataset known by any of `names` (case-insensitive)."""
        if self._by_dataset is None:
            self._by_dataset = {}
            for loaded in self.policies:
                for dataset in loaded.policy.covers.datasets:
                    self._by_dataset.setdefault(dataset.strip().lower(), []).append(loaded.policy)
        found = [p for n in names for p in self._by_dataset.get(n.strip().lower(), [])]
        return list({id(p): p for p in found}.values())  # policies hold lists: not hashable, so dedupe by identity


def covers(policy: Policy, identity: Identity) -> bool:
    """Open-weight releases are only covered when named: gpt-oss is not governed by OpenAI's API terms."""
    scope = policy.covers
    if identity.provider is None or identity.family in scope.exclude_families:
        return False
    if identity.model is not None and identity.model in scope.models:
        return True
    if identity.open_weights and identity.license is not None and identity.license in scope.licenses:
        return True
    if identity.family is not None and identity.family in scope.families:
        return True
    if identity.provider in scope.providers:
        return scope.include_open_weights or not identity.open_weights
    return False


def load_policy_file(path: Path, display: str | None = None) -> Policy:
    name = display or str(path)
    doc = load_document(path, name)
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError:
        # The schema and the models accept exactly the same documents (a test proves it); the schema is only
        # asked why, because its messages name the schema path. It is slow, so a valid file never pays for it.
        problems = schema_problems(load_schema("policy"), doc)
        if problems:
            raise InputError(problems) from None
        policy = validate_model(Policy, doc)
    problems = check_policy(policy, doc)
    if problems:
        raise InputError(problems)
    return policy


def policy_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in POLICY_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, "no such policy file or folder"))
    return files, problems


def load_policies(paths: list[Path]) -> tuple[PolicySet, list[Problem]]:
    """Load every policy under `paths`; a bad file is reported and the others still load."""
    files, problems = policy_files(paths)
    policies = PolicySet()
    for file in files:
        try:
            policy = load_policy_file(file)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        clash = policies.get(policy.id)
        if clash is not None:
            problems.append(Problem(str(file), None, f"policy id {policy.id!r} is already defined in {clash.path}"))
            continue
        policies.policies.append(LoadedPolicy(policy, str(file)))
    policies.policies.sort(key=lambda p: p.policy.id)
    return policies, problems
