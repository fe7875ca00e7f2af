"""The policy language: one provider document, its dated versions, and clauses with declarative conditions.

These models are the single definition of the format: `policy.schema.json` is generated from them and a
test keeps the committed copy identical, so the JSON Schema that users validate against and the models
that tos-check loads cannot drift apart. Checks that need more than one field at a time (dates in order,
unique ids, fields a condition may name) live in `policy/checks.py`, not here, so that the schema stays an
exact description of what the models accept.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tos_check.use import DeclaredUse

Effect = Literal["prohibited", "obligation", "notice"]
Severity = Literal["error", "warning", "note"]
Role = Literal["prompts", "responses", "preferences", "judgments", "rewrites", "other"]

DEFAULT_SEVERITY: dict[str, Severity] = {"prohibited": "error", "obligation": "warning", "notice": "note"}

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
URL_PATTERN = r"^https?://\S+$"
QUOTE_PATTERN = r"^\s*(\S+\s+){0,24}\S+\s*$"
"""At most 25 words: quotes are for the words that matter; everything else is our own summary."""

Field_ = Literal[
    "activity",
    "model.name",
    "model.kind",
    "model.general_purpose",
    "model.base",
    "model.base_providers",
    "model.base_families",
    "distribution",
    "commercial",
    "competes",
    "organization.monthly_active_users",
    "posture",
    "generation.role",
    "generation.by",
    "generation.depth",
]
"""What a condition may look at: the declared use, plus facts about the generation being judged.

`competes` is true when the model being built competes with the clause's `competitor` (by default the
policy's provider), by the declared use's `competes_with` (see DeclaredUse);
`model.base_providers`/`model.base_families` are the resolved identities of `model.base`;
`generation.depth` is 1 for data a covered model wrote, 2 for data written by a model trained on it, ...
"""

Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Equals(_Strict):
    field: Field_
    equals: Scalar


class In(_Strict):
    field: Field_
    in_: list[Scalar] = Field(alias="in", min_length=1)


class Contains(_Strict):
    """The field (a list, such as `activity`) contains this value."""

    field: Field_
    contains: Scalar


class ContainsAny(_Strict):
    field: Field_
    contains_any: list[Scalar] = Field(min_length=1)


class Gt(_Strict):
    """Numeric comparisons: a missing value satisfies none of them (see docs/policy-format.md)."""

    field: Field_
    gt: float


class Gte(_Strict):
    field: Field_
    gte: float


class Lt(_Strict):
    field: Field_
    lt: float


class Lte(_Strict):
    field: Field_
    lte: float


class Exists(_Strict):
    field: Field_
    exists: bool


class StartsWith(_Strict):
    field: Field_
    starts_with: str = Field(min_length=1)


class All(_Strict):
    all: list[Condition] = Field(min_length=1)


class Any_(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, title="Any")

    any: list[Condition] = Field(min_length=1)


class Not(_Strict):
    not_: Condition = Field(alias="not")


Condition = Annotated[
    Equals | In | Contains | ContainsAny | Gt | Gte | Lt | Lte | Exists | StartsWith | All | Any_ | Not,
    Field(description="A condition on the declared use: a leaf test on one field, or all/any/not of others."),
]


class Obligation(_Strict):
    """What the use must do to be allowed. `name_prefix` is checked against `model.name`; the rest are listed."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["name_prefix", "attribution", "license_pass_through", "notice_file", "other"]
    summary: str = Field(min_length=1)
    value: str | None = Field(None, description="The required prefix or notice text, where there is one.")
    when: Condition | None = Field(None, description="Only when this holds (e.g. the model is distributed).")


class Reach(_Strict):
    """How far the terms follow the data: `direct` is depth 1 (the covered model wrote the data)."""

    kind: Literal["direct", "transitive"] = "direct"
    depth: int | None = Field(None, ge=1, description="For transitive reach: the deepest hop; null = any.")


class Citation(_Strict):
    url: str = Field(pattern=URL_PATTERN)
    section: str = Field(min_length=1)
    retrieved: dt.date
    quote: str | None = Field(None, pattern=QUOTE_PATTERN, description="At most 25 words of the text.")


class Clause(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    effect: Effect
    severity: Severity | None = Field(None, description="Default: error/warning/note by effect.")
    summary: str = Field(min_length=1, description="What the clause means, in our own words.")
    when: Condition | None = Field(None, description="The clause applies when this holds; absent = always.")
    roles: list[Role] | None = Field(None, description="Generation roles it covers; absent = all.")
    obligations: list[Obligation] = []
    reach: Reach = Reach()
    binds: Literal["generator", "recipients"] = Field(
        "generator", description="Whom the clause binds: who called the model, or anyone who receives the data."
    )
    competitor: str | None = Field(
        None, description="Provider that `competes` is judged against; default: the policy's provider."
    )
    verified: bool = Field(True, description="False when the text could not be read in the document itself.")
    citation: Citation

    @property
    def default_severity(self) -> Severity:
        return self.severity or DEFAULT_SEVERITY[self.effect]


class PolicyVersion(_Strict):
    version: str = Field(min_length=1)
    effective_from: dt.date
    effective_until: dt.date | None = Field(None, description="Exclusive; absent = still in force.")
    retrieved: dt.date
    url: str | None = Field(None, pattern=URL_PATTERN, description="Where this version's text can be read.")
    note: str | None = None
    clauses: list[Clause] = []

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day < self.effective_until)


class Coverage(_Strict):
    """Which model identities a policy governs. Open-weight releases must be named to be covered."""

    providers: list[str] = []
    families: list[str] = []
    models: list[str] = []
    include_open_weights: bool = Field(False, description="Cover open-weight releases of the providers listed.")
    licenses: list[str] = Field(
        [],
        description="Open-weight releases published under this licence (the identity catalog's licence id), "
        "whatever their maker: a Llama fine-tune by NVIDIA is still under the Llama licence.",
    )
    exclude_families: list[str] = Field([], description="Families the policy does not cover, e.g. gpt-oss.")
    datasets: list[str] = Field(
        [], description="For a data licence: the datasets (ids or names) it governs, and what is derived from them."
    )


class Generation(_Strict):
    """The generation a policy test case imagines: which model wrote the data, when, in what role."""

    model: str
    dataset: str | None = Field(None, description="The dataset the data comes from (for data licences).")
    date: dt.date | None = None
    role: Role = "responses"
    by: Literal["us", "third_party"] = "third_party"
    depth: int = Field(1, ge=1)


ExpectedEffect = Literal["prohibited", "obligation", "notice", "clear"]


class Expectation(_Strict):
    effect: ExpectedEffect = Field(description="The strongest effect the case must produce; clear = none.")
    clauses: list[str] | None = Field(None, description="Exactly these clause ids must fire, if given.")
    undecided: list[str] | None = Field(
        None, description="Exactly these clauses may apply but depend on what the use leaves out, if given."
    )
    version: str | None = None
    severity: Severity | None = None
    obligations: dict[str, Literal["met", "unmet", "unchecked"]] | None = None


class PolicyTest(_Strict):
    name: str = Field(min_length=1)
    use: DeclaredUse
    generation: Generation
    expect: Expectation


class Policy(_Strict):
    schema_version: Literal[1] = 1
    id: str = Field(pattern=ID_PATTERN)
    provider: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    kind: Literal["terms_of_service", "usage_policy", "model_license", "data_license"]
    document_url: str = Field(pattern=URL_PATTERN)
    covers: Coverage
    versions: list[PolicyVersion] = Field(min_length=1)
    tests: list[PolicyTest] = []
    notes: str | None = None


for _model in (All, Any_, Not, Obligation, Clause, PolicyVersion, Policy):
    _model.model_rebuild()
