"""The pydantic models of section `reports` (docs/exchange.md "数据段 `reports`").

A report is known by (project key, kind, period start); its versions by their sequence number within
it. Units are unit keys, accounts usernames, chain nodes their node code within the project's chain.
Photos travel as metadata only: the image files are not in the exchange file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StrictBool, StrictInt, StrictStr

from tuijin.core.exchange.schema import ExchangeModel, UnitKey
from tuijin.projects.exchange.schema import Day, Money, ProjectKey, Username

from .. import rules

SECTION = ("sections", "reports")

Count = Annotated[StrictInt, Field(ge=0, le=2_147_483_647)]
NodeKey = Annotated[StrictStr, Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]


def _text(max_length: int | None = None, *, required: bool = False) -> Any:
    return Annotated[StrictStr, Field(min_length=1 if required else 0, max_length=max_length)]


def _choice(*values: str) -> Any:
    return Literal[values]  # type: ignore[valid-type]


Kind = _choice(*rules.KINDS)
Status = _choice(*rules.STATUSES)


class VersionRecord(ExchangeModel):
    """One event of a report's life (append-only): the content as it stood after it."""

    seq: Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]
    version: Count = 0
    event: _choice(*rules.EVENTS)  # type: ignore[valid-type]
    status: Status  # type: ignore[valid-type]
    content: dict[str, Any] = Field(default_factory=dict)
    author: Username | None = None
    at: AwareDatetime
    reason: _text(rules.REASON_LIMIT) = ""  # type: ignore[valid-type]
    is_proxy: StrictBool = False


class ReportRecord(ExchangeModel):
    """One project's weekly (WH19 附件2), monthly or 本周新开工 (WH19 三(二)四) report of one period, with
    every version."""

    project: ProjectKey
    kind: Kind  # type: ignore[valid-type]
    period_start: Day
    unit: UnitKey
    due_on: Day
    status: Status = "draft"  # type: ignore[valid-type]
    basic_facts: StrictStr = ""
    needs: StrictStr = ""
    progress: StrictStr = ""
    plan_next: StrictStr = ""
    responsible_person: StrictStr = ""
    unit_head_name: StrictStr = ""
    new_starts: StrictStr = ""
    problem_status: StrictStr = ""
    difficulties: StrictStr = ""
    investment_completed: Money | None = None
    # 本周新开工 (since the kind `new_starts`; absent in older files = empty)
    not_started_reason: StrictStr = ""
    expected_start: Day | None = None
    ceremony_held: StrictBool | None = None
    ceremony_on: Day | None = None
    version: Count = 0
    is_proxy: StrictBool = False
    proxy_by: Username | None = None
    saved_by: Username | None = None
    saved_at: AwareDatetime | None = None
    submitted_by: Username | None = None
    submitted_at: AwareDatetime | None = None
    first_submitted_at: AwareDatetime | None = None
    approved_by: Username | None = None
    approved_at: AwareDatetime | None = None
    reviewed_by: Username | None = None
    reviewed_at: AwareDatetime | None = None
    return_reason: _text(rules.REASON_LIMIT) = ""  # type: ignore[valid-type]
    versions: list[VersionRecord] = Field(default_factory=list)


class ReportRef(ExchangeModel):
    """A report of the same project: (kind, period start)."""

    kind: Kind  # type: ignore[valid-type]
    period_start: Day


class PhotoRecord(ExchangeModel):
    """A site photo's metadata; the image itself is not exchanged."""

    project: ProjectKey
    report: ReportRef | None = None
    node: NodeKey | None = None
    taken_on: Day
    caption: _text(200) = ""  # type: ignore[valid-type]
    content_type: _choice(*rules.PHOTO_TYPES)  # type: ignore[valid-type]
    size: Count = 0
    original_name: _text(255) = ""  # type: ignore[valid-type]
    uploaded_by: Username | None = None
    uploaded_at: AwareDatetime | None = None


class CameraRecord(ExchangeModel):
    project: ProjectKey
    name: _text(60, required=True)  # type: ignore[valid-type]
    url: Annotated[StrictStr, Field(min_length=8, max_length=500, pattern=r"^https?://\S+$")]
    created_by: Username | None = None
    created_at: AwareDatetime | None = None


class ReportsSection(ExchangeModel):
    """Section `reports` (since 1.3): the subtree's weekly and monthly reports with all their versions,
    site photos' metadata and site-camera links. The investment a monthly report gives travels as the
    project's `investment_entries` (source "report") in section `library`."""

    reports: list[ReportRecord] = Field(default_factory=list)
    photos: list[PhotoRecord] = Field(default_factory=list)
    cameras: list[CameraRecord] = Field(default_factory=list)


CONTENT_FIELDS = rules.CONTENT_FIELDS
TEXT_FIELDS = tuple(
    name
    for name in CONTENT_FIELDS
    if name != "investment_completed" and name not in rules.DATE_FIELDS + rules.BOOL_FIELDS
)
MOMENT_FIELDS = (
    "saved_at",
    "submitted_at",
    "first_submitted_at",
    "approved_at",
    "reviewed_at",
)
USER_FIELDS = ("proxy_by", "saved_by", "submitted_by", "approved_by", "reviewed_by")
PLAIN_FIELDS = (
    "due_on",
    "status",
    *TEXT_FIELDS,
    *rules.DATE_FIELDS,
    *rules.BOOL_FIELDS,
    "version",
    "is_proxy",
    "return_reason",
)
