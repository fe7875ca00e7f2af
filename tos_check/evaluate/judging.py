"""What one judgement is about: one clause of one policy version, for one model's outputs in one dataset.

The engine decides; the messages and notices only describe. Passing one object between them keeps the
seven facts together instead of in parameter lists that must be kept in step across three modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tos_check.identity.model import Identity
from tos_check.lineage.graph import Trace
from tos_check.lineage.model import Artifact
from tos_check.policy.model import Clause, Policy, PolicyVersion

Basis = Literal["generation_date", "assumed_today"]
"""How the version was chosen: the date the outputs were made, or (unknown) the day the scan judges by."""


@dataclass(frozen=True)
class Judging:
    trace: Trace
    subject: Artifact
    identity: Identity
    policy: Policy
    version: PolicyVersion
    clause: Clause
    basis: Basis

    @property
    def rule(self) -> str:
        return f"{self.policy.id}/{self.clause.id}"
