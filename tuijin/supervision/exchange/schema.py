"""The pydantic models of section `supervision` (since 1.4; docs/exchange.md "数据段 `supervision`").

A supervision act is known by its *act key* "<jurisdiction code>/<date>/<kind>" ("#2" … for a second act
of that kind that day, in entry order); its findings and required actions by their position inside the
act. A card is known by (unit key, colour, period, seq): the seq-th card of that colour the unit got in
that period, in entry order; a referral by (unit key, seq); a monthly card review by (jurisdiction code,
month). Slips are slip refs (section `problems`), meetings meeting keys (section `meetings`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StrictInt, StrictStr

from tuijin.core.exchange.schema import Code, ExchangeModel, UnitKey
from tuijin.meetings.exchange.keys import with_ordinal
from tuijin.meetings.exchange.schema import MeetingKey, RuleVersionRef
from tuijin.problems.exchange.schema import SlipRef
from tuijin.projects.exchange.schema import Day, ProjectKey, Username

from .. import rules

SECTION = ("sections", "supervision")
ACT_KEY = re.compile(r"^(?P<code>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<kind>[a-z_]+)(#(?P<n>[1-9]\d*))?$")
Seq = Annotated[StrictInt, Field(ge=1, le=100_000)]
Position = Annotated[StrictInt, Field(ge=0, le=100_000)]
NodeKey = Annotated[StrictStr, Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
Period = Annotated[StrictStr, Field(min_length=1, max_length=10)]


def _check_act_key(value: str) -> str:
    match = ACT_KEY.match(value)
    if not match or match["n"] == "1" or match["kind"] not in rules.ACT_KINDS:
        raise ValueError(
            "督查记录键应写作“辖区代码/督查日期/督查方式”（同日同方式第二条加 #2），"
            f"如 360102/2024-06-12/onsite，实际为 “{value}”"
        )
    try:
        date.fromisoformat(match["date"])
    except ValueError:
        raise ValueError(f"督查记录键中的日期 {match['date']} 不是有效日期：“{value}”") from None
    return value


def act_key(code: str, day: date, kind: str, ordinal: int = 1) -> str:
    return with_ordinal(f"{code}/{day:%Y-%m-%d}/{kind}", ordinal)


ActKey = Annotated[StrictStr, AfterValidator(_check_act_key)]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(*values: str) -> Any:
    return Literal[values]  # type: ignore[valid-type]


Color = _choice(*rules.CARD_COLORS)


class CardRef(ExchangeModel):
    """The seq-th card of this colour the unit got in this counting period (in entry order)."""

    unit: UnitKey
    color: Color  # type: ignore[valid-type]
    period: Period
    seq: Seq = 1


class ReportRef(ExchangeModel):
    kind: StrictStr
    period_start: Day


class FindingRecord(ExchangeModel):
    kind: _choice(*rules.FINDING_KINDS)  # type: ignore[valid-type]
    project: ProjectKey | None = None
    unit: UnitKey | None = None
    node: NodeKey | None = Field(default=None, description="项目推进链条中的节点代码")
    report: ReportRef | None = Field(default=None, description="同一项目的报告（类别，期间起始日）")
    reported: StrictStr = ""
    observed: StrictStr = ""
    note: StrictStr = ""
    resolved_at: AwareDatetime | None = None
    resolved_note: _text(300) = ""  # type: ignore[valid-type]


class PhotoRecord(ExchangeModel):
    """A photo's metadata (the image is not exchanged)."""

    finding: Position | None = Field(default=None, description="所属发现在本记录 findings 中的位置")
    project: ProjectKey | None = None
    taken_on: Day
    caption: _text(200) = ""  # type: ignore[valid-type]
    content_type: _text(40, required=True)  # type: ignore[valid-type]
    size: Annotated[StrictInt, Field(ge=0, le=2_147_483_647)]
    original_name: _text(255) = ""  # type: ignore[valid-type]
    uploaded_by: Username | None = None
    uploaded_at: AwareDatetime | None = None


class ActionRecord(ExchangeModel):
    """整改要求 with its follow-up and the 督办单 issued for it."""

    finding: Position | None = None
    unit: UnitKey
    project: ProjectKey | None = None
    content: _text(required=True)  # type: ignore[valid-type]
    deadline: Day | None = None
    status: _choice(*rules.ACTION_STATUSES) = "open"  # type: ignore[valid-type]
    reply: StrictStr = ""
    replied_by: Username | None = None
    replied_at: AwareDatetime | None = None
    checked_by: Username | None = None
    checked_at: AwareDatetime | None = None
    check_note: _text(300) = ""  # type: ignore[valid-type]
    slip: SlipRef | None = None


class ActRecord(ExchangeModel):
    """A supervision act (H1 method or KF19 五 circuit supervision)."""

    jurisdiction_code: Code
    date: Day
    kind: _choice(*rules.ACT_KINDS)  # type: ignore[valid-type]
    seq: Seq = Field(default=1, description="同日同方式的第几条（督查记录键的 #序号）")
    title: _text(200, required=True)  # type: ignore[valid-type]
    end_date: Day | None = None
    month: Day | None = None
    inspectors: _text(200, required=True)  # type: ignore[valid-type]
    lead_unit: UnitKey | None = None
    projects: list[ProjectKey] = Field(default_factory=list)
    units: list[UnitKey] = Field(default_factory=list)
    summary: StrictStr = ""
    status: _choice(*rules.ACT_STATUSES) = "draft"  # type: ignore[valid-type]
    created_by: Username | None = None
    findings: list[FindingRecord] = Field(default_factory=list)
    photos: list[PhotoRecord] = Field(default_factory=list)
    actions: list[ActionRecord] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return act_key(self.jurisdiction_code, self.date, self.kind, self.seq)


class CardReviewRecord(ExchangeModel):
    jurisdiction_code: Code
    month: Day
    held_on: Day
    meeting: MeetingKey | None = None
    note: StrictStr = ""
    by: Username | None = None
    at: AwareDatetime


class AppealRecord(ExchangeModel):
    reason: _text(required=True)  # type: ignore[valid-type]
    filed_by: Username | None = None
    filed_at: AwareDatetime
    status: _choice(*rules.APPEAL_STATUSES) = "pending"  # type: ignore[valid-type]
    decided_by: Username | None = None
    decided_at: AwareDatetime | None = None
    decision_note: _text(300) = ""  # type: ignore[valid-type]


class CardRecord(ExchangeModel):
    """A yellow card (resting on one 督办单) or a red card (resting on the yellow cards it was made of)."""

    jurisdiction_code: Code
    unit: UnitKey
    color: Color  # type: ignore[valid-type]
    period: Period
    seq: Seq = 1
    status: _choice(*rules.CARD_STATUSES) = "proposed"  # type: ignore[valid-type]
    slip: SlipRef | None = None
    from_cards: list[CardRef] = Field(default_factory=list)
    reason: _text(required=True)  # type: ignore[valid-type]
    rule_version: RuleVersionRef | None = None
    proposed_at: AwareDatetime
    review: Day | None = Field(default=None, description="月度审定的月份（同一辖区）")
    issued_at: AwareDatetime | None = None
    issued_by: Username | None = None
    revoked_at: AwareDatetime | None = None
    revoked_by: Username | None = None
    revoke_reason: _text(300) = ""  # type: ignore[valid-type]
    year: Annotated[StrictInt, Field(ge=2000, le=2100)] | None = Field(
        default=None, description="编号年度（签发时取号）"
    )
    number: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = Field(
        default=None, description="编号：黄牌〔year〕第number号，按辖区、年度、颜色连续编号"
    )
    appeals: list[AppealRecord] = Field(default_factory=list)

    @property
    def ref(self) -> tuple[str, str, str, int]:
        return (self.unit, self.color, self.period, self.seq)


class ReferralRecord(ExchangeModel):
    """提交纪委监委问责: from two red cards or a circuit supervision's accountability proposal."""

    jurisdiction_code: Code
    unit: UnitKey
    seq: Seq = 1
    origin: _choice(*rules.REFERRAL_ORIGINS)  # type: ignore[valid-type]
    person_name: _text(40) = ""  # type: ignore[valid-type]
    person_post: _text(80) = ""  # type: ignore[valid-type]
    cards: list[CardRef] = Field(default_factory=list)
    act: ActKey | None = None
    proposal: _text(required=True)  # type: ignore[valid-type]
    status: _choice(*rules.REFERRAL_STATUSES) = "proposed"  # type: ignore[valid-type]
    proposed_by: Username | None = None
    proposed_at: AwareDatetime
    notice_month: Day | None = None
    consent_by: Username | None = None
    consent_at: AwareDatetime | None = None
    consent_note: _text(300) = ""  # type: ignore[valid-type]
    sent_on: Day | None = None
    sent_by: Username | None = None
    outcome: StrictStr = ""
    outcome_on: Day | None = None


class SupervisionSection(ExchangeModel):
    """Section `supervision` (since 1.4): acts, monthly card reviews, cards, referrals."""

    acts: list[ActRecord] = Field(default_factory=list)
    card_reviews: list[CardReviewRecord] = Field(default_factory=list)
    cards: list[CardRecord] = Field(default_factory=list)
    referrals: list[ReferralRecord] = Field(default_factory=list)


ACT_PLAIN = ("title", "end_date", "month", "inspectors", "summary", "status")
FINDING_PLAIN = ("kind", "reported", "observed", "note", "resolved_at", "resolved_note")
ACTION_PLAIN = ("content", "deadline", "status", "reply", "replied_at", "checked_at", "check_note")
ACTION_USERS = ("replied_by", "checked_by")
PHOTO_PLAIN = ("taken_on", "caption", "content_type", "size", "original_name")
REVIEW_PLAIN = ("held_on", "note", "at")
CARD_PLAIN = ("status", "reason", "proposed_at", "issued_at", "revoked_at", "revoke_reason", "year", "number")
CARD_USERS = ("issued_by", "revoked_by")
# what an issued card keeps for good (an import may revoke it, never change these)
CARD_FIXED = ("reason", "proposed_at", "issued_at", "year", "number")
APPEAL_PLAIN = ("reason", "filed_at", "status", "decided_at", "decision_note")
REFERRAL_PLAIN = (
    "origin",
    "person_name",
    "person_post",
    "proposal",
    "status",
    "proposed_at",
    "notice_month",
    "consent_at",
    "consent_note",
    "sent_on",
    "outcome",
    "outcome_on",
)
REFERRAL_USERS = ("consent_by", "sent_by")
