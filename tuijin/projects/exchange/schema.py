"""The pydantic models of section `library` (docs/exchange.md "数据段 `library`"), and the names of the
project fields that travel as they are."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictBool, StrictInt, StrictStr

from tuijin.core.exchange.schema import (
    Code,
    ExchangeModel,
    PersonKey,
    Sort,
    UnitKey,
)

from .. import rules

SECTION = ("sections", "library")
CENT, RATE_STEP, DEGREE_STEP = Decimal("0.01"), Decimal("0.1"), Decimal("0.000001")


def _number(value: Any) -> Any:
    """Money and coordinates are JSON numbers or decimal strings ("1234.50"); never true/false."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f'应为数字或数字字符串（如 "1234.50"），实际为 {value!r}')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'应为数字或数字字符串（如 "1234.50"），实际为 "{value}"') from None
    if not number.is_finite():
        raise ValueError(f'应为有限的数字，实际为 "{value}"')
    return number


def _places(step: Decimal, whole_digits: int, what: str, *, minimum: Decimal = Decimal(0)):
    def check(value: Decimal) -> Decimal:
        if value < minimum:
            raise ValueError(f"{what}不能小于 {minimum}，实际为 {value}")
        if value != value.quantize(step):
            raise ValueError(f"{what}最多 {-step.as_tuple().exponent} 位小数，实际为 {value}")
        if abs(value) >= Decimal(10) ** whole_digits:
            raise ValueError(f"{what}整数部分最多 {whole_digits} 位，实际为 {value}")
        return value.quantize(step)

    return check


def _day(value: Any) -> Any:
    """Dates are strings "YYYY-MM-DD" (a number would be read as a Unix time: refused)."""
    if not isinstance(value, str | date):
        raise ValueError(f"应为日期（YYYY-MM-DD，如 2026-05-01），实际为 {value!r}")
    return value


Money = Annotated[Decimal, BeforeValidator(_number), AfterValidator(_places(CENT, 12, "金额（万元）"))]
Rate = Annotated[Decimal, BeforeValidator(_number), AfterValidator(_places(RATE_STEP, 3, "目标（%）"))]
Degree = Annotated[
    Decimal,
    BeforeValidator(_number),
    AfterValidator(_places(DEGREE_STEP, 3, "经纬度", minimum=Decimal(-180))),
]
Day = Annotated[date, BeforeValidator(_day)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]
ProjectKey = Annotated[
    StrictStr, Field(min_length=3, description="项目键：辖区代码/项目名称（同名时加 #序号）")
]
Username = Annotated[StrictStr, Field(min_length=1, max_length=150, description="记录人的用户名")]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(values: Iterable[str]) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


Stage = _choice(rules.STAGES)
Precision = _choice(rules.PRECISIONS)


class TagRecord(ExchangeModel):
    """A level tag (项目级别). Reference data: an import creates tags it lacks, never changes one it has."""

    name: _text(30, required=True)  # type: ignore[valid-type]
    must_be_listed: StrictBool = False
    source: _text(60) = ""  # type: ignore[valid-type]
    sort: Sort = 0


class FundingRecord(ExchangeModel):
    kind: _choice(rules.FUNDING_KINDS)  # type: ignore[valid-type]
    amount: Money | None = None
    note: _text(120) = ""  # type: ignore[valid-type]


class TransitionRecord(ExchangeModel):
    from_stage: _choice(("", *rules.STAGES)) = ""  # type: ignore[valid-type]
    to_stage: Stage  # type: ignore[valid-type]
    on: Day
    note: _text(200) = ""  # type: ignore[valid-type]
    document: _text(120) = ""  # type: ignore[valid-type]
    recorded_by: Username | None = None
    recorded_at: AwareDatetime | None = None


class HandoverRecord(ExchangeModel):
    kind: _choice(rules.HANDOVER_KINDS)  # type: ignore[valid-type]
    from_unit: UnitKey | None = None
    to_unit: UnitKey | None = None
    since: Day | None = None
    due_on: Day
    handed_on: Day | None = None
    site_checked_on: Day | None = None
    signed_by: _text(40) = ""  # type: ignore[valid-type]
    note: _text(200) = ""  # type: ignore[valid-type]
    recorded_by: Username | None = None


class InvestmentRecord(ExchangeModel):
    year: Year
    month: Annotated[StrictInt, Field(ge=1, le=12)]
    amount: Money
    source: _choice(rules.INVESTMENT_SOURCES) = "office"  # type: ignore[valid-type]
    note: _text(200) = ""  # type: ignore[valid-type]
    recorded_by: Username | None = None
    recorded_at: AwareDatetime | None = None


class ProjectRecord(ExchangeModel):
    """A project (REQ B1, A3) with everything that belongs to it alone."""

    key: ProjectKey
    jurisdiction_code: Code
    name: _text(120, required=True)  # type: ignore[valid-type]
    code: _text(30) = ""  # type: ignore[valid-type]
    code_note: _text(120) = ""  # type: ignore[valid-type]
    category: _choice(rules.CATEGORIES)  # type: ignore[valid-type]
    sector: _choice(("", *rules.SECTORS)) = ""  # type: ignore[valid-type]
    tags: list[_text(30, required=True)] = Field(default_factory=list)  # type: ignore[valid-type]
    total_investment: Money
    content: StrictStr = ""
    address: _text(160) = ""  # type: ignore[valid-type]
    longitude: Degree | None = None
    latitude: Degree | None = None
    planned_start: Day | None = None
    planned_start_precision: Precision = "day"  # type: ignore[valid-type]
    planned_completion: Day | None = None
    planned_completion_precision: Precision = "month"  # type: ignore[valid-type]
    planned_production: Day | None = None
    planned_production_precision: Precision = "month"  # type: ignore[valid-type]
    image_progress: StrictStr = ""
    stage: Stage = "planning"  # type: ignore[valid-type]
    lead_leader: PersonKey | None = None
    responsible_unit: UnitKey
    service_officer: PersonKey | None = None
    owner: _text(120) = ""  # type: ignore[valid-type]
    supervising_unit: UnitKey | None = None
    street: UnitKey | None = None
    coordinating_office: UnitKey | None = None
    secondary_units: list[UnitKey] = Field(default_factory=list)
    funding_sources: list[FundingRecord] = Field(default_factory=list)
    transitions: list[TransitionRecord] = Field(default_factory=list)
    handovers: list[HandoverRecord] = Field(default_factory=list)
    investment_entries: list[InvestmentRecord] = Field(default_factory=list)


class PlanEntryRecord(ExchangeModel):
    project: ProjectKey
    plan_type: _choice(rules.PLAN_TYPES)  # type: ignore[valid-type]
    planned_investment: Money = Decimal(0)
    monthly_targets: list[Money | None] = Field(default_factory=list, description="空，或 12 个月的目标")
    annual_content: StrictStr = ""
    removed: StrictBool = False
    sort: Sort = 0


class PlanChangeRecord(ExchangeModel):
    project: ProjectKey
    kind: _choice(rules.PLAN_CHANGE_KINDS)  # type: ignore[valid-type]
    decided_by: _text(120, required=True)  # type: ignore[valid-type]
    decided_on: Day
    document_number: _text(80) = ""  # type: ignore[valid-type]
    reason: _text(required=True)  # type: ignore[valid-type]
    details: dict[str, Any] = Field(default_factory=dict)
    recorded_by: Username | None = None
    recorded_at: AwareDatetime | None = None


class PlanRecord(ExchangeModel):
    """A jurisdiction's plan for one year (REQ B5), its entries and its changes (REQ B4)."""

    jurisdiction_code: Code
    year: Year
    title: _text(120, required=True)  # type: ignore[valid-type]
    document: _text(80) = ""  # type: ignore[valid-type]
    start_rate_target: Rate = Decimal(100)
    investment_rate_target: Rate = Decimal(100)
    completion_rate_target: Rate = Decimal(100)
    early_planning_target: Annotated[StrictInt, Field(ge=0, le=2_147_483_647)] | None = None
    rolled_from_year: Year | None = None
    entries: list[PlanEntryRecord] = Field(default_factory=list)
    changes: list[PlanChangeRecord] = Field(default_factory=list)


class LibrarySection(ExchangeModel):
    """Section `library` (since 1.1): the subtree's project library (REQ B)."""

    tags: list[TagRecord] = Field(default_factory=list)
    projects: list[ProjectRecord] = Field(default_factory=list)
    annual_plans: list[PlanRecord] = Field(default_factory=list)


def as_money(value: Any) -> Decimal | None:
    """A stored amount (a Decimal, or a monthly target's string) to the cent; None stays None."""
    return None if value is None or value == "" else Decimal(str(value)).quantize(CENT)


PLAIN_FIELDS = (
    "name",
    "code",
    "code_note",
    "category",
    "sector",
    "content",
    "address",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "planned_production",
    "planned_production_precision",
    "image_progress",
    "stage",
    "owner",
)
UNIT_FIELDS = ("responsible_unit", "supervising_unit", "street", "coordinating_office")
PERSON_FIELDS = ("lead_leader", "service_officer")
HANDOVER_FIELDS = ("since", "due_on", "handed_on", "site_checked_on", "signed_by", "note")
