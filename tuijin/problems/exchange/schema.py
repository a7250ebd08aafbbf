"""The pydantic models of section `problems` (docs/exchange.md "数据段 `problems`").

A problem is known by its *problem key* "<jurisdiction code>/<year>-<number>" (e.g. "360102/2024-003",
the ledger's number), a slip by (jurisdiction code, kind, year, number). Units are unit keys, accounts
usernames, projects project keys. Attachments travel as metadata only: the files are not exchanged.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StrictBool, StrictInt, StrictStr

from tuijin.core.exchange.schema import Code, ExchangeModel, UnitKey
from tuijin.projects.exchange.schema import Day, ProjectKey, Username, Year

from .. import rules

SECTION = ("sections", "problems")
PROBLEM_KEY = re.compile(r"^(?P<code>[^/\s]+)/(?P<year>\d{4})-(?P<number>\d{1,9})$")


def _check_problem_key(value: str) -> str:
    match = PROBLEM_KEY.match(value)
    if not match or int(match["number"]) == 0:
        raise ValueError(f"问题键应写作“辖区代码/年度-编号”（如 360102/2024-003），实际为 “{value}”")
    return value


def split_problem_key(key: str) -> tuple[str, int, int]:
    match = PROBLEM_KEY.match(key)
    assert match is not None
    return match["code"], int(match["year"]), int(match["number"])


def problem_key(code: str, year: int, number: int) -> str:
    return f"{code}/{rules.problem_number(year, number)}"


ProblemKey = Annotated[StrictStr, AfterValidator(_check_problem_key)]
Serial = Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]
LevelKey = Annotated[StrictStr, Field(max_length=40)]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(*values: str) -> Any:
    return Literal[values]  # type: ignore[valid-type]


SlipKind = _choice(*rules.SLIP_KINDS)


class SlipRef(ExchangeModel):
    """A slip by its number: 交办单〔2024〕第12号 of 360102 is {"360102", "assign", 2024, 12}."""

    jurisdiction_code: Code
    kind: SlipKind  # type: ignore[valid-type]
    year: Year
    number: Serial


class EventRecord(ExchangeModel):
    """One step of a problem's timeline (append-only)."""

    kind: _choice(*rules.EVENTS)  # type: ignore[valid-type]
    actor: Username | None = None
    unit: UnitKey | None = None
    at: AwareDatetime
    note: StrictStr = ""
    from_unit: UnitKey | None = None
    to_unit: UnitKey | None = None
    from_level: LevelKey = ""
    to_level: LevelKey = ""
    slip: SlipRef | None = None


class AttachmentRecord(ExchangeModel):
    """Evidence (佐证材料): metadata only, the file is not exchanged."""

    name: _text(120, required=True)  # type: ignore[valid-type]
    size: Annotated[StrictInt, Field(ge=0, le=2_147_483_647)] = 0
    event: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="所属办理记录在本问题 events 中的位置（从 0 起）"
    )
    uploaded_by: Username | None = None
    uploaded_at: AwareDatetime | None = None


class ProblemRecord(ExchangeModel):
    """A problem (REQ F) with its timeline and its evidence's metadata."""

    jurisdiction_code: Code
    year: Year
    number: Serial
    project: ProjectKey
    kind: _choice(*rules.KINDS)  # type: ignore[valid-type]
    grade: _choice(*rules.GRADES) = "general"  # type: ignore[valid-type]
    title: _text(120, required=True)  # type: ignore[valid-type]
    description: _text(required=True)  # type: ignore[valid-type]
    needs: StrictStr = ""
    status: _choice(*rules.STATUSES) = "filed"  # type: ignore[valid-type]
    filed_unit: UnitKey
    filed_by: Username | None = None
    filed_at: AwareDatetime
    filed_by_office: StrictBool = False
    sorted_note: _text(300) = ""  # type: ignore[valid-type]
    assigned_unit: UnitKey | None = None
    assigned_at: AwareDatetime | None = None
    deadline_workdays: Annotated[StrictInt, Field(ge=1, le=rules.MAX_DEADLINE_WORKDAYS)] | None = None
    due_date: Day | None = None
    requirement: StrictStr = ""
    level: LevelKey = ""
    escalated_at: AwareDatetime | None = None
    pending_request: _choice(*rules.REQUESTS) = ""  # type: ignore[valid-type]
    request_note: _text(300) = ""  # type: ignore[valid-type]
    request_unit: UnitKey | None = None
    request_level: LevelKey = ""
    resolution: StrictStr = ""
    replied_by: Username | None = None
    replied_at: AwareDatetime | None = None
    reviewed_by: Username | None = None
    reviewed_at: AwareDatetime | None = None
    review_note: _text(300) = ""  # type: ignore[valid-type]
    closed_by: Username | None = None
    closed_at: AwareDatetime | None = None
    events: list[EventRecord] = Field(default_factory=list)
    attachments: list[AttachmentRecord] = Field(default_factory=list)


class SlipRecord(ExchangeModel):
    """A numbered slip (交办单/转办单/提醒单/督办单) with who issued and who acknowledged it."""

    jurisdiction_code: Code
    kind: SlipKind  # type: ignore[valid-type]
    year: Year
    number: Serial
    problem: ProblemKey | None = None
    project: ProjectKey | None = None
    source: _text(60) = ""  # type: ignore[valid-type]
    subject: _text(200, required=True)  # type: ignore[valid-type]
    to_unit: UnitKey
    content: StrictStr = ""
    requirement: StrictStr = ""
    deadline: Day | None = None
    issued_by: Username | None = None
    issued_unit: UnitKey | None = None
    issued_at: AwareDatetime
    acknowledged_by: Username | None = None
    acknowledged_at: AwareDatetime | None = None
    voided_at: AwareDatetime | None = None
    void_reason: _text(100) = ""  # type: ignore[valid-type]


class ProblemsSection(ExchangeModel):
    """Section `problems` (since 1.3): the subtree's problems (timeline, evidence metadata) and slips."""

    problems: list[ProblemRecord] = Field(default_factory=list)
    slips: list[SlipRecord] = Field(default_factory=list)


PROBLEM_PLAIN = (
    "kind",
    "grade",
    "title",
    "description",
    "needs",
    "status",
    "filed_at",
    "filed_by_office",
    "sorted_note",
    "assigned_at",
    "deadline_workdays",
    "due_date",
    "requirement",
    "level",
    "escalated_at",
    "pending_request",
    "request_note",
    "request_level",
    "resolution",
    "replied_at",
    "reviewed_at",
    "review_note",
    "closed_at",
)
PROBLEM_MOMENTS = ("filed_at", "assigned_at", "escalated_at", "replied_at", "reviewed_at", "closed_at")
PROBLEM_UNITS = ("filed_unit", "assigned_unit", "request_unit")
PROBLEM_USERS = ("replied_by", "reviewed_by", "closed_by")  # filed_by is required: see load
SLIP_PLAIN = (
    "source",
    "subject",
    "content",
    "requirement",
    "deadline",
    "issued_at",
    "acknowledged_at",
    "voided_at",
    "void_reason",
)
SLIP_MOMENTS = ("issued_at", "acknowledged_at", "voided_at")
# what an issued slip keeps for good: an import may add a signature or a 失效 mark, never change these
SLIP_FIXED = ("source", "subject", "content", "requirement", "deadline", "issued_at")
EVENT_UNITS = ("unit", "from_unit", "to_unit")
