"""The pydantic models of section `meetings` (since 1.4; docs/exchange.md "数据段 `meetings`").

A meeting series is known by (jurisdiction code, series key); a meeting by its *meeting key*
"<jurisdiction code>/<series key>/<date>" ("#2" … for a second sitting of the series that day, in entry
order); a decided matter by (meeting key, number); an agenda item, inside its meeting, by its position in
`agenda`. Units are unit keys, people person keys, accounts usernames, projects project keys, problems
problem keys, slips slip refs. Evidence travels as metadata only.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StrictBool, StrictInt, StrictStr

from tuijin.core.exchange.schema import Code, ExchangeModel, PersonKey, Sort, UnitKey
from tuijin.problems.exchange.schema import LevelKey, ProblemKey, SlipRef
from tuijin.projects.exchange.schema import Day, ProjectKey, Username, Year

from .. import rules
from .keys import with_ordinal

SECTION = ("sections", "meetings")
SERIES_KEY = r"[-a-zA-Z0-9_]+"
MEETING_KEY = re.compile(
    rf"^(?P<code>[^/\s]+)/(?P<series>{SERIES_KEY})/(?P<date>\d{{4}}-\d{{2}}-\d{{2}})(#(?P<n>[1-9]\d*))?$"
)


def _check_meeting_key(value: str) -> str:
    match = MEETING_KEY.match(value)
    if not match or match["n"] == "1":
        raise ValueError(
            f"会议键应写作“辖区代码/会议系列标识/会议日期”（同一系列同日第二次会议加 #2），"
            f"如 360102/monthly_director/2024-06-28，实际为 “{value}”"
        )
    try:
        date.fromisoformat(match["date"])
    except ValueError:
        raise ValueError(f"会议键中的日期 {match['date']} 不是有效日期：“{value}”") from None
    return value


def meeting_key(code: str, series: str, day: date, ordinal: int = 1) -> str:
    return with_ordinal(f"{code}/{series}/{day:%Y-%m-%d}", ordinal)


MeetingKey = Annotated[StrictStr, AfterValidator(_check_meeting_key)]
SeriesKey = Annotated[StrictStr, Field(min_length=1, max_length=60, pattern=rf"^{SERIES_KEY}$")]
Serial = Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]
Position = Annotated[StrictInt, Field(ge=0, le=100_000)]
RuleVersionRef = Annotated[
    StrictStr, Field(pattern=r"^[-a-zA-Z0-9_]+@[1-9]\d*$", description="规则集版本：标识@版本号")
]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(*values: str) -> Any:
    return Literal[values]  # type: ignore[valid-type]


class MatterRef(ExchangeModel):
    """A decided matter: 第 number 项 of the meeting's minutes."""

    meeting: MeetingKey
    number: Serial


class SeriesRecord(ExchangeModel):
    """A meeting series (one cadence of a jurisdiction, REQ E1)."""

    jurisdiction_code: Code
    key: SeriesKey
    name: _text(80, required=True)  # type: ignore[valid-type]
    kind: _choice(*rules.SERIES_KINDS) = "meeting"  # type: ignore[valid-type]
    frequency: _choice(*rules.FREQUENCIES)  # type: ignore[valid-type]
    times: Annotated[StrictInt, Field(ge=0, le=32767)] = 1
    weekday: Annotated[StrictInt, Field(ge=1, le=7)] | None = None
    chair: _text(120, required=True)  # type: ignore[valid-type]
    chair_person: PersonKey | None = None
    level_key: LevelKey = ""
    cadence_key: _text(60) = ""  # type: ignore[valid-type]
    source: _text(120) = ""  # type: ignore[valid-type]
    member_units: list[UnitKey] = Field(default_factory=list)
    is_active: StrictBool = True
    sort: Sort = 0


class AgendaRecord(ExchangeModel):
    """One agenda item (议题) with its part of the minutes."""

    order: Sort = 0
    kind: _choice(*rules.AGENDA_KINDS) = "other"  # type: ignore[valid-type]
    title: _text(200, required=True)  # type: ignore[valid-type]
    reason: _text(300) = ""  # type: ignore[valid-type]
    project: ProjectKey | None = None
    problem: ProblemKey | None = None
    matter: MatterRef | None = Field(default=None, description="前次会议的议定事项")
    unit: UnitKey | None = None
    presenter: _text(80) = ""  # type: ignore[valid-type]
    minutes: StrictStr = ""


class AttendanceRecord(ExchangeModel):
    order: Sort = 0
    unit: UnitKey | None = None
    person: PersonKey | None = None
    name: _text(40) = ""  # type: ignore[valid-type]
    post: _text(80) = ""  # type: ignore[valid-type]
    status: _choice(*rules.ATTENDANCE) = "present"  # type: ignore[valid-type]
    note: _text(120) = ""  # type: ignore[valid-type]


class MeetingRecord(ExchangeModel):
    """One sitting of a series: agenda, attendance, minutes and (once issued) their number."""

    jurisdiction_code: Code
    series: SeriesKey
    date: Day
    seq: Annotated[StrictInt, Field(ge=1, le=1000)] = Field(
        default=1, description="同一系列同日的第几次会议（会议键的 #序号）"
    )
    title: _text(120, required=True)  # type: ignore[valid-type]
    start_time: time | None = None
    place: _text(120) = ""  # type: ignore[valid-type]
    chair: _text(80) = ""  # type: ignore[valid-type]
    chair_person: PersonKey | None = None
    status: _choice(*rules.MEETING_STATUSES) = "planned"  # type: ignore[valid-type]
    summary: StrictStr = ""
    recorder: _text(40) = ""  # type: ignore[valid-type]
    minutes_year: Year | None = None
    minutes_number: Serial | None = None
    issued_at: AwareDatetime | None = None
    issued_by: Username | None = None
    created_by: Username | None = None
    agenda: list[AgendaRecord] = Field(default_factory=list)
    attendance: list[AttendanceRecord] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return meeting_key(self.jurisdiction_code, self.series, self.date, self.seq)


class MatterEventRecord(ExchangeModel):
    kind: _choice(*rules.MATTER_EVENTS)  # type: ignore[valid-type]
    actor: Username | None = None
    unit: UnitKey | None = None
    at: AwareDatetime
    note: StrictStr = ""
    meeting: MeetingKey | None = None
    slip: SlipRef | None = None


class MatterAttachmentRecord(ExchangeModel):
    """Evidence (佐证材料): metadata only, the file is not exchanged."""

    name: _text(120, required=True)  # type: ignore[valid-type]
    size: Annotated[StrictInt, Field(ge=0, le=2_147_483_647)] = 0
    event: Position | None = Field(
        default=None, description="所属办理记录在本事项 events 中的位置（从 0 起）"
    )
    uploaded_by: Username | None = None
    uploaded_at: AwareDatetime | None = None


class MatterRecord(ExchangeModel):
    """A decided matter (议定事项) with its timeline, evidence metadata and kept lateness."""

    meeting: MeetingKey
    number: Serial
    series: SeriesKey | None = Field(default=None, description="议定层级的会议系列；缺省为会议所属系列")
    agenda_item: Position | None = Field(
        default=None, description="所属议题在会议 agenda 中的位置（从 0 起）"
    )
    title: _text(200, required=True)  # type: ignore[valid-type]
    content: _text(required=True)  # type: ignore[valid-type]
    project: ProjectKey | None = None
    problem: ProblemKey | None = None
    lead_unit: UnitKey
    units: list[UnitKey] = Field(default_factory=list)
    deadline: Day | None = None
    status: _choice(*rules.MATTER_STATUSES) = "open"  # type: ignore[valid-type]
    first_raise: MatterRef | None = None
    raise_count: Annotated[StrictInt, Field(ge=1, le=32767)] = 1
    carried_to: MeetingKey | None = None
    escalated_to: LevelKey = ""
    done_on: Day | None = None
    late_workdays: Annotated[StrictInt, Field(ge=-100_000, le=100_000)] | None = None
    band: _choice("", *rules.BANDS) = ""  # type: ignore[valid-type]
    rule_version: RuleVersionRef | None = None
    closed_at: AwareDatetime | None = None
    closed_by: Username | None = None
    close_note: _text(300) = ""  # type: ignore[valid-type]
    events: list[MatterEventRecord] = Field(default_factory=list)
    attachments: list[MatterAttachmentRecord] = Field(default_factory=list)


class MeetingsSection(ExchangeModel):
    """Section `meetings` (since 1.4): series, meetings (agenda, attendance, minutes), decided matters."""

    series: list[SeriesRecord] = Field(default_factory=list)
    meetings: list[MeetingRecord] = Field(default_factory=list)
    matters: list[MatterRecord] = Field(default_factory=list)


SERIES_PLAIN = (
    "name",
    "kind",
    "frequency",
    "times",
    "weekday",
    "chair",
    "level_key",
    "cadence_key",
    "source",
    "is_active",
    "sort",
)
MEETING_PLAIN = (
    "title",
    "start_time",
    "place",
    "chair",
    "status",
    "summary",
    "recorder",
    "minutes_year",
    "minutes_number",
    "issued_at",
)
AGENDA_PLAIN = ("order", "kind", "title", "reason", "presenter", "minutes")
ATTENDANCE_PLAIN = ("order", "name", "post", "status", "note")
MATTER_PLAIN = (
    "title",
    "content",
    "deadline",
    "status",
    "raise_count",
    "escalated_to",
    "done_on",
    "late_workdays",
    "band",
    "closed_at",
    "close_note",
)
MATTER_MOMENTS = ("closed_at",)
