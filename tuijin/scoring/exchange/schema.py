"""The pydantic models of section `scoring` (since 1.5; docs/exchange.md "数据段 `scoring`").

What a scenario needs besides the facts to be scored the same way elsewhere: DH24 五(四)'s objective-cause
exemptions (申请、两位领导签字) and WH19 四(四)'s bonus points with their approver. Scores themselves are
not exchanged: after an import `tuijin score run` computes them from the facts (as lights are recomputed);
a closed period's seal stays with the installation that sealed it.

An exemption is known by (project key, month, seq): the seq-th application for that project and month, in
entry order (a refused one may be followed by another); a bonus by (unit key, year, seq).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictInt, StrictStr

from tuijin.core.exchange.schema import Code, ExchangeModel, PersonKey, UnitKey
from tuijin.projects.exchange.schema import ProjectKey, Username, Year

from ..models import BONUS_STATUSES, EXEMPTION_STATUSES

SECTION = ("sections", "scoring")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
Seq = Annotated[StrictInt, Field(ge=1, le=100_000)]


def _month(value: str) -> str:
    if not MONTH.match(value):
        raise ValueError(f"月份应写作 YYYY-MM（如 2024-06），实际为 “{value}”")
    return value


def _points(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, str)) and not isinstance(value, Decimal):
        raise ValueError('加分应写作数字文本，如 "2.5"')
    try:
        return Decimal(str(value))
    except Exception:  # noqa: BLE001
        raise ValueError(f'加分应写作数字文本，如 "2.5"，实际为 “{value}”') from None


def _points_range(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value > 5 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"加分应大于 0、不超过 5 分、最多两位小数，实际为 {value}")
    return value


Month = Annotated[StrictStr, AfterValidator(_month)]
Points = Annotated[Decimal, BeforeValidator(_points), AfterValidator(_points_range)]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


ExemptionStatus = Literal[tuple(EXEMPTION_STATUSES)]  # type: ignore[valid-type]
BonusStatus = Literal[tuple(BONUS_STATUSES)]  # type: ignore[valid-type]


class ExemptionRecord(ExchangeModel):
    """DH24 五(四) 客观原因免扣分: one project, one month, two signatures."""

    jurisdiction_code: Code
    project: ProjectKey
    month: Month
    seq: Seq = 1
    unit: UnitKey
    reason: _text(2000, required=True)  # type: ignore[valid-type]
    progress: _text(2000) = ""  # type: ignore[valid-type]
    renews: Month | None = Field(default=None, description="续申请自哪个月份（同一项目）")
    applied_by: Username | None = None
    applied_at: AwareDatetime | None = None
    project_leader: PersonKey
    project_leader_signed_at: AwareDatetime | None = None
    leader_in_charge: PersonKey
    leader_in_charge_signed_at: AwareDatetime | None = None
    status: ExemptionStatus = "applied"  # type: ignore[valid-type]
    decided_note: _text(300) = ""  # type: ignore[valid-type]
    decided_at: AwareDatetime | None = None


class BonusRecord(ExchangeModel):
    """WH19 四(四) 奖励加分 of a unit in a year, with who proposed and who approved it."""

    jurisdiction_code: Code
    unit: UnitKey
    year: Year
    seq: Seq = 1
    points: Points
    reason: _text(300, required=True)  # type: ignore[valid-type]
    document: _text(120) = ""  # type: ignore[valid-type]
    proposed_by: Username | None = None
    proposed_at: AwareDatetime | None = None
    status: BonusStatus = "proposed"  # type: ignore[valid-type]
    decided_by: Username | None = None
    decided_at: AwareDatetime | None = None
    decided_note: _text(300) = ""  # type: ignore[valid-type]


class RuleSetChoice(ExchangeModel):
    """Which rule set a jurisdiction uses (`Jurisdiction.rule_set`), by its slug: the rule set itself is
    the installation's (presets are in every installation; an office's own versions are not exchanged)."""

    jurisdiction_code: Code
    rule_set: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


class ScoringSection(ExchangeModel):
    """Section `scoring` (since 1.5)."""

    rule_sets: list[RuleSetChoice] = Field(default_factory=list)
    exemptions: list[ExemptionRecord] = Field(default_factory=list)
    bonuses: list[BonusRecord] = Field(default_factory=list)
