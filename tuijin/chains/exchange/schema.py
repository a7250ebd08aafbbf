"""The pydantic models of section `chains` (docs/exchange.md "数据段 `chains`").

Records refer to the organisation and the library as the earlier sections do: units by unit key, people
by person key, projects by project key, accounts by username. A template is known by (jurisdiction code,
name); a preset template (no jurisdiction, shipped with every installation) only by its name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StrictBool, StrictStr

from tuijin.core.exchange.schema import Code, ExchangeModel, PersonKey, Sort, UnitKey
from tuijin.projects import rules as project_rules
from tuijin.projects.exchange.schema import Day, ProjectKey, Username

from .. import rules

SECTION = ("sections", "chains")

NodeKey = Annotated[
    StrictStr,
    Field(
        min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$", description="节点代码（字母、数字、- 和 _）"
    ),
]


def _text(max_length: int, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(*values: str) -> Any:
    return Literal[values]  # type: ignore[valid-type]


Phase = _choice(*rules.PHASES)
Stage = _choice("", *rules.STAGE_NODES)


class TemplateNodeRecord(ExchangeModel):
    key: NodeKey
    name: _text(40, required=True)  # type: ignore[valid-type]
    phase: Phase  # type: ignore[valid-type]
    step: Sort
    after: list[NodeKey] = Field(default_factory=list, description="前置节点的代码；空则接在上一步骤之后")
    duration: Sort = 0
    stage: Stage = ""  # type: ignore[valid-type]
    anchor: _choice("", *rules.ANCHORS) = ""  # type: ignore[valid-type]
    department: _text(80) = ""  # type: ignore[valid-type]
    starts_clock: StrictBool = False
    note: _text(200) = ""  # type: ignore[valid-type]


class TemplateRecord(ExchangeModel):
    """A jurisdiction's own node template (REQ C2); its nodes in the file are its whole set."""

    jurisdiction_code: Code
    name: _text(60, required=True)  # type: ignore[valid-type]
    description: _text(200) = ""  # type: ignore[valid-type]
    categories: list[_choice(*project_rules.CATEGORIES)] = Field(default_factory=list)  # type: ignore[valid-type]
    source: _text(80) = ""  # type: ignore[valid-type]
    is_active: StrictBool = True
    sort: Sort = 0
    nodes: list[TemplateNodeRecord] = Field(default_factory=list)


class TemplateRef(ExchangeModel):
    """The template a chain was built from: null `jurisdiction_code` for a preset."""

    jurisdiction_code: Code | None = None
    name: _text(60, required=True)  # type: ignore[valid-type]


class ReplanRecord(ExchangeModel):
    old_deadline: Day | None = None
    new_deadline: Day | None = None
    reason: _text(300, required=True)  # type: ignore[valid-type]
    changed_by: Username | None = None
    changed_at: AwareDatetime | None = None


class NodeRecord(ExchangeModel):
    """A chain node (REQ C1, C3): deadline beside its baseline, unit and person, actual date (never on a
    stage node: those read the project's transitions), confirmations and re-plans."""

    key: NodeKey
    name: _text(40, required=True)  # type: ignore[valid-type]
    phase: Phase  # type: ignore[valid-type]
    step: Sort
    after: list[NodeKey] = Field(default_factory=list)
    duration: Sort = 0
    stage: Stage = ""  # type: ignore[valid-type]
    starts_clock: StrictBool = False
    deadline: Day | None = None
    baseline: Day | None = None
    responsible_unit: UnitKey
    responsible_person: PersonKey | None = None
    actual: Day | None = None
    exempt_reason: _text(200) = ""  # type: ignore[valid-type]
    note: _text(300) = ""  # type: ignore[valid-type]
    unit_confirmed_by: Username | None = None
    unit_confirmed_at: AwareDatetime | None = None
    office_confirmed_by: Username | None = None
    office_confirmed_at: AwareDatetime | None = None
    sort: Sort = 0
    replans: list[ReplanRecord] = Field(default_factory=list)


class ChainRecord(ExchangeModel):
    """A project's promotion chain; its nodes in the file are its whole set."""

    project: ProjectKey
    template: TemplateRef | None = None
    target: Day | None = None
    clock_class: _choice(*rules.CLOCK_CLASSES) = "general"  # type: ignore[valid-type]
    signed_by: _text(80) = ""  # type: ignore[valid-type]
    signed_on: Day | None = None
    confirmed_by: Username | None = None
    confirmed_at: AwareDatetime | None = None
    created_by: Username | None = None
    created_at: AwareDatetime | None = None
    nodes: list[NodeRecord] = Field(default_factory=list)


class ChainsSection(ExchangeModel):
    """Section `chains` (since 1.2): the subtree's own templates and its projects' chains (REQ C).
    Lights are not carried: the importing installation computes them."""

    templates: list[TemplateRecord] = Field(default_factory=list)
    chains: list[ChainRecord] = Field(default_factory=list)


TEMPLATE_FIELDS = ("description", "categories", "source", "is_active", "sort")
TEMPLATE_NODE_FIELDS = (
    "name",
    "phase",
    "step",
    "after",
    "duration",
    "stage",
    "anchor",
    "department",
    "starts_clock",
    "note",
)
CHAIN_FIELDS = ("target", "clock_class", "signed_by", "signed_on", "confirmed_at")
NODE_FIELDS = (
    "name",
    "phase",
    "step",
    "after",
    "duration",
    "stage",
    "starts_clock",
    "deadline",
    "baseline",
    "actual",
    "exempt_reason",
    "note",
    "unit_confirmed_at",
    "office_confirmed_at",
    "sort",
)
NODE_USERS = ("unit_confirmed_by", "office_confirmed_by")
