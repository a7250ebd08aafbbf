"""Writes of decided matters (议定事项): decide — progress — reply with evidence — close (or return),
remind, supervise, carry to the level's next meeting, escalate, cancel (REQ E; WH19 四(一), 附件3 第3行).

Every service checks access first (`actor=None` is the command line, the demo or a system job), locks the
matter row, checks the step against `matter_rules.STEPS` (a wrong state → `ValidationError` in Chinese,
nothing written) and writes the matter and its timeline event in one transaction. Each form carries a
one-time `token`: a step whose token the matter's timeline already holds returns without doing anything.

Closing computes and keeps the lateness: `done_on` is the completion date the lead unit entered with its
latest 报办结 (default: the day it reported; not after that day, not before the meeting), `late_workdays`
the working days from the deadline to it on the calendar, `band` its band under the rule set's
`[matters].late_bands`, `rule_version` the version those came from. A matter that ends unresolved after
its deadline (carried to the next meeting, escalated, re-raised, cancelled) keeps its lateness as of the
day of that step the same way (`keep_lateness`), so the scoring still sees it (WH19 附件3 第3行 “超过时限…
仍然未解决的”). Two people closing at once: the row lock makes the second wait, then it sees the matter
closed and is told who closed it and when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tuijin.core.access import AccessDenied, require
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Unit
from tuijin.problems import services as problem_services
from tuijin.problems.services import _moment, _today, check_files

from . import matter_rules as mr
from .matter_selectors import rules_for, same_level
from .models import AgendaItem, Matter, MatterAttachment, MatterEvent, Meeting, MeetingSeries

logger = logging.getLogger("tuijin.meetings")

__all__ = [
    "keep_lateness",
    "matter_cancel",
    "matter_carry",
    "matter_close",
    "matter_decide",
    "matter_escalate",
    "matter_progress",
    "matter_remind",
    "matter_reply",
    "matter_return",
    "matter_supervise",
]


# ---------------------------------------------------------------------------------------------------
# Helpers


def _require(actor: Any, action: str, obj: Any = None) -> None:
    if actor is not None:
        require(actor, action, obj)


def _unit_of(actor: Any) -> Unit | None:
    return getattr(actor, "unit", None) if actor is not None else None


def _saved(obj: Any, actor: Any, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def _text(value: str | None, field: str, label: str, *, required: bool = True, limit: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if limit and len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 个字。"})
    return text


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _check_unit(unit: Unit | None, jurisdiction: Any, field: str) -> Unit:
    """A unit of the matter's jurisdiction or one of its ancestors (only those read the matter)."""
    if unit is None:
        raise ValidationError({field: "请选择责任单位。"})
    if not unit.is_active:
        raise ValidationError({field: f"单位“{unit.name}”已停用，请另选。"})
    if not jurisdiction.path.startswith(unit.jurisdiction.path):
        raise ValidationError(
            {
                field: f"单位“{unit.name}”不属于{jurisdiction.name}或其上级辖区，看不到本辖区的议定事项；"
                f"下级辖区的事项请交由该辖区项目办落实。"
            }
        )
    return unit


def _lock(matter: Matter) -> Matter:
    return (
        Matter.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "meeting", "series", "lead_unit", "project")
        .get(pk=matter.pk)
    )


def _done_before(matter: Matter, token: str) -> MatterEvent | None:
    if not token:
        return None
    return MatterEvent.objects.filter(matter=matter, token=token[:64]).first()


def _closed_message(matter: Matter) -> str:
    # read the closer afresh: after waiting for a lock PostgreSQL re-reads the locked row only, not its joins
    from tuijin.org.models import User

    closer = User.objects.filter(pk=matter.closed_by_id).first() if matter.closed_by_id else None
    who = (closer.display_name or closer.username) if closer is not None else "系统"
    return f"该事项已由{who}于{_when(matter.closed_at)}销号，无需重复操作。"


def _check(matter: Matter, step: str) -> None:
    if matter.status == "closed":
        raise ValidationError({"__all__": _closed_message(matter)})
    if message := mr.check_step(step, matter.status):
        raise ValidationError({"__all__": message})


def _event(matter: Matter, kind: str, actor: Any, at: datetime, token: str = "", **kw: Any) -> MatterEvent:
    return MatterEvent.objects.create(
        matter=matter, kind=kind, actor=actor, unit=_unit_of(actor), at=at, token=(token or "")[:64], **kw
    )


def _attach(matter: Matter, event: MatterEvent, files: list[Any], actor: Any) -> None:
    """Store the (already checked, `check_files`) uploads. Called as the service's last write, so nothing
    after it can roll the rows back; if storing one fails, the files stored before it are deleted again
    (the transaction rolls their rows back) — no orphan files."""
    import os

    stored: list[tuple[Any, str]] = []

    def remove() -> None:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - best effort
                logger.warning("议定事项附件 %s 未能删除", name)

    try:
        for upload in files:
            name = os.path.basename(upload.name)[:120]
            attachment = MatterAttachment(
                matter=matter, event=event, name=name, size=upload.size, uploaded_by=actor
            )
            attachment.file.save(name, upload, save=False)
            stored.append((attachment.file.storage, attachment.file.name))
            attachment.save()
    except BaseException:
        remove()
        raise


def _step(
    actor: Any, matter: Matter, step: str, action: str, token: str
) -> tuple[Matter, MatterEvent | None]:
    matter = _lock(matter)
    _require(actor, action, matter)
    if done := _done_before(matter, token):
        return matter, done
    _check(matter, step)
    return matter, None


def _frozen_message(meeting: Meeting) -> str:
    return f"{meeting.title}的会议纪要已于{_when(meeting.issued_at)}印发，不能再增加或修改议定事项。"


def _next_meeting_agenda(meeting: Meeting, matter: Matter, kind: str, reason: str) -> AgendaItem:
    """The agenda item carrying `matter` on `meeting` (made once; an existing one is reused)."""
    item = AgendaItem.objects.filter(meeting=meeting, matter=matter).first()
    if item is not None:
        return item
    order = (AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("order"))["m"] or 0) + 1
    return AgendaItem.objects.create(
        meeting=meeting,
        order=order,
        kind=kind,
        title=matter.title[:200],
        reason=reason[:300],
        project=matter.project,
        problem=matter.problem,
        matter=matter,
        unit=matter.lead_unit,
    )


def _open_meeting(meeting: Meeting, field: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
    if meeting.status == "issued":
        raise ValidationError({field: _frozen_message(meeting)})
    if meeting.status == "cancelled":
        raise ValidationError({field: f"{meeting.title}已取消，请另选会议。"})
    return meeting


ENDING_LABELS = {"carried": "转下次会议", "escalated": "提请上级", "cancelled": "撤销"}


def keep_lateness(matter: Matter, day: date, *, closing: bool = False) -> str:
    """Compute and keep the matter's lateness as of `day` (one helper for 销号 and for the steps that end
    a matter unresolved): `late_workdays` on the working-day calendar, `band` under the rule set's
    `[matters].late_bands`, `rule_version`. Closing keeps it whatever it is (early, on time, late); the
    other ends keep it only when the deadline has passed (a matter carried before its deadline is not
    late). Returns the Chinese text for the timeline ("" when nothing is kept). A calendar without `day`'s
    year refuses the step in Chinese rather than guessing."""
    rules, version = rules_for(matter.jurisdiction)
    late: int | None = None
    if matter.deadline is not None:
        try:
            late = mr.late_workdays(matter.deadline, day, current_calendar())
        except ValueError as exc:
            raise ValidationError(
                {"__all__": f"无法按工作日历计算超期天数：{exc}。请先在工作日历中补齐该年度。"}
            ) from exc
    if closing:
        matter.rule_version = version
    elif late is None or late <= 0:
        return ""
    if late is None:
        matter.late_workdays, matter.band = None, ""
        return ""
    matter.late_workdays, matter.band = late, mr.band(late, rules.late_bands)
    matter.rule_version = version
    return f"{mr.lateness_text(late)}（{mr.band_label(matter.band, rules.late_bands)}）"


def _ended_unresolved(matter: Matter, at: datetime) -> str:
    """Keep the lateness of a matter ending unresolved at `at`; the timeline's sentence for it."""
    text = keep_lateness(matter, timezone.localtime(at).date())
    return f"截至{timezone.localtime(at):%Y-%m-%d}未办结，{text}，计入超期未办结。" if text else ""


# ---------------------------------------------------------------------------------------------------
# Deciding


@transaction.atomic
def matter_decide(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    content: str,
    lead_unit: Unit,
    units: Iterable[Unit] = (),
    deadline: date | None = None,
    project: Any = None,
    problem: Any = None,
    agenda_item: AgendaItem | None = None,
    token: str = "",
    today: date | None = None,
) -> Matter:
    """Record a decision of `meeting` as a matter, numbered within the meeting. When `agenda_item`
    carries an earlier matter of the same series (`agenda_item.matter`) this is a re-raise at that
    level: the chain's first raise, raise count = previous + 1, and the previous matter ends `carried`.
    Refused once the minutes are issued."""
    _require(actor, "meetings.decide", Matter(jurisdiction=meeting.jurisdiction))
    meeting = _open_meeting(meeting, "__all__")
    if token:
        done = MatterEvent.objects.filter(matter__meeting=meeting, kind="decided", token=token[:64]).first()
        if done is not None:
            return done.matter
    if meeting.date > _today(today):
        raise ValidationError(
            {"__all__": f"会议尚未召开（{meeting.date:%Y-%m-%d}），不能记录议定事项；请在会后记录。"}
        )
    title = _text(title, "title", "事项", limit=200)
    content = _text(content, "content", "议定内容")
    jurisdiction = meeting.jurisdiction
    lead_unit = _check_unit(lead_unit, jurisdiction, "lead_unit")
    others = [_check_unit(unit, jurisdiction, "units") for unit in units or ()]
    if deadline is not None and deadline < meeting.date:
        raise ValidationError(
            {"deadline": f"办结时限 {deadline:%Y-%m-%d} 早于会议日期 {meeting.date:%Y-%m-%d}，请检查。"}
        )
    previous: Matter | None = None
    if agenda_item is not None:
        if agenda_item.meeting_id != meeting.pk:
            raise ValidationError({"agenda_item": "所选议题不属于本次会议。"})
        project = project or agenda_item.project
        problem = problem or agenda_item.problem
        if agenda_item.matter_id:
            previous = _lock(agenda_item.matter)
    number = (Matter.objects.filter(meeting=meeting).aggregate(m=Max("number"))["m"] or 0) + 1
    first_raise, raise_count = None, 1
    same = previous is not None and same_level(previous.series, meeting.series)
    if same:
        first_raise = previous.first_raise or previous
        raise_count = previous.raise_count + 1
        project = project or previous.project
        problem = problem or previous.problem
    matter = Matter(
        jurisdiction=jurisdiction,
        meeting=meeting,
        series=meeting.series,
        agenda_item=agenda_item,
        number=number,
        title=title,
        content=content,
        project=project,
        problem=problem,
        lead_unit=lead_unit,
        deadline=deadline,
        first_raise=first_raise,
        raise_count=raise_count,
    )
    _saved(matter, actor, "会议议定")
    matter.units.set({lead_unit.pk, *(u.pk for u in others)})
    at = _moment(today)
    when = f"{meeting.title}（{meeting.date:%Y-%m-%d}）议定第{number}项"
    limit = f"，办结时限 {deadline:%Y-%m-%d}" if deadline else "，无办结时限"
    _event(
        matter,
        "decided",
        actor,
        at,
        token,
        meeting=meeting,
        note=f"{when}，牵头单位{lead_unit.name}{limit}。",
    )
    if previous is not None:
        _link_previous(previous, matter, meeting, actor, at, same)
    return matter


def _link_previous(
    previous: Matter, matter: Matter, meeting: Meeting, actor: Any, at: datetime, same_level: bool
) -> None:
    """The previous matter of an agenda item: at the same level (`matter_selectors.same_level`) it is
    carried into this one (a raise of the chain); at another level it was escalated here. A live previous
    matter past its deadline keeps its lateness as of today (`keep_lateness`)."""
    rules, _ = rules_for(matter.jurisdiction)
    if same_level:
        note = f"{mr.raise_text(matter.raise_count)}（首次：{matter.first_raise.meeting.title}第{matter.first_raise.number}项）"
        if matter.deadline is None and mr.repeat_flagged(matter.raise_count, rules.repeat_threshold):
            note += f"；无时限事项同一层级上会{matter.raise_count}次，记为“反复上会”"
        _event(matter, "raised_again", actor, at, meeting=meeting, note=note + "。")
    if previous.status in mr.LIVE:
        if same_level:
            previous.status, previous.carried_to = "carried", meeting
        else:
            previous.status, previous.escalated_to = (
                "escalated",
                meeting.series.level_key or meeting.series.key,
            )
        late = _ended_unresolved(previous, at)
        _saved(previous, actor, "再次上会")
        kind = "carry" if same_level else "escalate"
        _event(
            previous,
            kind,
            actor,
            at,
            meeting=meeting,
            note=f"{meeting.title}（{meeting.date:%Y-%m-%d}）再次研究，形成第{matter.number}项议定事项。{late}",
        )


# ---------------------------------------------------------------------------------------------------
# The responsible units


@transaction.atomic
def matter_progress(
    *, actor: Any, matter: Matter, note: str, files: Iterable[Any] = (), token: str = "", today=None
) -> Matter:
    """A responsible unit reports progress (note and files)."""
    matter, done = _step(actor, matter, "progress", "matters.handle", token)
    if done:
        return matter
    note = _text(note, "note", "办理进展")
    files = check_files(files)
    _saved(matter, actor, "办理进展")
    event = _event(matter, "progress", actor, _moment(today), token, note=note)
    _attach(matter, event, files, actor)
    return matter


@transaction.atomic
def matter_reply(
    *,
    actor: Any,
    matter: Matter,
    note: str,
    files: Iterable[Any] = (),
    done_on: date | None = None,
    token: str = "",
    today=None,
) -> Matter:
    """The lead unit reports completion (报办结) with evidence files: required, type and size checked.
    `done_on` is the completion date it enters (default: today; not after today, not before the meeting);
    kept on the matter and on the timeline (“完成日期（单位填报）”), it is the date 销号 grades."""
    matter, done = _step(actor, matter, "reply", "matters.reply", token)
    if done:
        return matter
    note = _text(note, "note", "办结情况")
    files = check_files(files)
    if not files:
        raise ValidationError({"files": "报办结须上传佐证材料（会议纪要落实情况、批复文件、现场照片等）。"})
    day = _today(today)
    done_on = done_on or day
    if done_on > day:
        raise ValidationError(
            {"done_on": f"完成日期 {done_on:%Y-%m-%d} 晚于今天（{day:%Y-%m-%d}），请填写实际完成的日期。"}
        )
    if done_on < matter.meeting.date:
        raise ValidationError(
            {
                "done_on": f"完成日期 {done_on:%Y-%m-%d} 早于会议日期 {matter.meeting.date:%Y-%m-%d}，"
                f"请填写会后落实完成的日期。"
            }
        )
    at = _moment(today)
    matter.status, matter.done_on = "replied", done_on
    _saved(matter, actor, "报办结")
    text = f"{note}\n完成日期（单位填报）：{done_on:%Y-%m-%d}"
    event = _event(matter, "reply", actor, at, token, note=text)
    _attach(matter, event, files, actor)
    return matter


# ---------------------------------------------------------------------------------------------------
# The office


def latest_reply(matter: Matter) -> MatterEvent | None:
    return matter.events.filter(kind="reply").order_by("-at", "-id").first()


@transaction.atomic
def matter_close(*, actor: Any, matter: Matter, note: str = "", token: str = "", today=None) -> Matter:
    """The office of the matter's jurisdiction closes it (销号) after the lead unit's 报办结 with
    evidence; lateness, band and rule-set version are computed and kept."""
    matter = _lock(matter)
    _require(actor, "matters.manage", matter)
    superuser = getattr(actor, "is_superuser", False)
    if actor is not None and not superuser and actor.jurisdiction_id != matter.jurisdiction_id:
        raise AccessDenied(
            f"只有{matter.jurisdiction.name}的项目办可以为本辖区的议定事项销号。", action="matters.manage"
        )
    if _done_before(matter, token):
        return matter
    _check(matter, "close")
    reply = latest_reply(matter)
    if reply is None or not MatterAttachment.objects.filter(matter=matter, event=reply).exists():
        raise ValidationError(
            {"__all__": "销号须有佐证材料：牵头单位本次报办结没有附件，请退回牵头单位补充。"}
        )
    # the date the lead unit entered with its 报办结 (older replies: the day it reported)
    done_on = matter.done_on or timezone.localtime(reply.at).date()
    late = keep_lateness(matter, done_on, closing=True)
    at = _moment(today)
    matter.done_on = done_on
    matter.status, matter.closed_at, matter.closed_by = "closed", at, actor
    matter.close_note = (note or "").strip()[:300]
    _saved(matter, actor, "销号")
    summary = f"经复核，议定事项已落实，予以销号（完成日期 {done_on:%Y-%m-%d}）"
    if late:
        summary += f"；{late}"
    _event(matter, "close", actor, at, token, note=f"{summary}。{matter.close_note}".strip())
    return matter


@transaction.atomic
def matter_return(*, actor: Any, matter: Matter, reason: str, token: str = "", today=None) -> Matter:
    """The office returns the 报办结 (退回): the lead unit keeps working and reports again."""
    matter, done = _step(actor, matter, "return", "matters.manage", token)
    if done:
        return matter
    reason = _text(reason, "reason", "退回理由", limit=300)
    matter.status, matter.done_on = "open", None
    _saved(matter, actor, "退回")
    _event(matter, "return", actor, _moment(today), token, note=reason)
    return matter


def _slip_step(kind: str, event_kind: str, action: str, label: str):
    @transaction.atomic
    def issue(
        *, actor: Any, matter: Matter, content: str, requirement: str = "", token: str = "", today=None
    ) -> Any:
        matter, done = _step(actor, matter, event_kind, action, token)
        if done:
            return done.slip
        content = _text(content, "content", f"{label}内容")
        slip = problem_services.slip_issue(
            actor=actor,
            kind=kind,
            jurisdiction=matter.jurisdiction,
            to_unit=matter.lead_unit,
            subject=matter.title,
            content=content,
            requirement=(requirement or "").strip(),
            deadline=matter.deadline,
            project=matter.project,
            source=f"matter:{matter.pk}",
            today=today,
        )
        _event(matter, event_kind, actor, slip.issued_at, token, slip=slip, note=content)
        _saved(matter, actor, label)
        return slip

    return issue


matter_remind = _slip_step("remind", "remind", "matters.manage", "提醒")
matter_remind.__doc__ = "The office reminds the lead unit: a 提醒单 (`source` matter:ID)."
matter_supervise = _slip_step("supervise", "supervise", "matters.supervise", "督办")
matter_supervise.__doc__ = (
    "The office (or the supervision office) supervises the lead unit: a 督办单 (`source` matter:ID), which "
    "proposes a yellow card through the cards' slip listener."
)


def next_meeting(series: MeetingSeries, after: date) -> Meeting | None:
    """The series' first meeting after `after` that is neither issued nor cancelled."""
    return (
        Meeting.objects.filter(series=series, date__gt=after)
        .exclude(status__in=("issued", "cancelled"))
        .order_by("date", "pk")
        .first()
    )


@transaction.atomic
def matter_carry(
    *,
    actor: Any,
    matter: Matter,
    to_meeting: Meeting | None = None,
    note: str = "",
    token: str = "",
    today=None,
) -> Matter:
    """Carry an unresolved matter to its level's next meeting: an agenda item (kind carried_matter)
    there, the matter `carried`. Refused if that meeting's minutes are issued."""
    matter, done = _step(actor, matter, "carry", "matters.manage", token)
    if done:
        return matter
    if to_meeting is None:
        to_meeting = next_meeting(matter.series, max(matter.meeting.date, _today(today) - _days(1)))
        if to_meeting is None:
            raise ValidationError(
                {"to_meeting": f"“{matter.series.name}”还没有下次会议，请先在会议日历中筹备下次会议。"}
            )
    if not same_level(to_meeting.series, matter.series):
        raise ValidationError(
            {"to_meeting": "请选择本层级（同一协调层级）的会议；需上一层级研究的，请用“提请上级”。"}
        )
    if to_meeting.date <= matter.meeting.date or to_meeting.pk == matter.meeting_id:
        raise ValidationError({"to_meeting": "请选择本次会议之后召开的会议。"})
    to_meeting = _open_meeting(to_meeting, "to_meeting")
    limit = f"时限 {matter.deadline:%Y-%m-%d}" if matter.deadline else "无时限"
    reason = (
        f"{matter.meeting.title}第{matter.number}项议定事项未办结（{limit}，牵头单位{matter.lead_unit.name}）"
    )
    _next_meeting_agenda(to_meeting, matter, "carried_matter", reason)
    at = _moment(today)
    late = _ended_unresolved(matter, at)
    matter.status, matter.carried_to = "carried", to_meeting
    _saved(matter, actor, "转下次会议")
    text = f"转入{to_meeting.title}（{to_meeting.date:%Y-%m-%d}）议程。{late}{(note or '').strip()}".strip()
    _event(matter, "carry", actor, at, token, meeting=to_meeting, note=text)
    return matter


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)


def _level_rank(jurisdiction: Any, key: str) -> int | None:
    levels = problem_services.ladder_for(jurisdiction)
    keys = [level.key for level in levels]
    return keys.index(key) if key in keys else None


@transaction.atomic
def matter_escalate(
    *, actor: Any, matter: Matter, series: MeetingSeries, note: str = "", token: str = "", today=None
) -> Matter:
    """Escalate an unresolved matter to a higher level's series: an agenda item on that series' next
    meeting (when one is being prepared; otherwise its agenda proposal offers it), status `escalated`,
    `escalated_to` = that level."""
    matter, done = _step(actor, matter, "escalate", "matters.manage", token)
    if done:
        return matter
    if series is None:
        raise ValidationError({"series": "请选择提请研究的上一层级会议。"})
    if same_level(series, matter.series):
        raise ValidationError({"series": "提请上级须选择另一层级的会议；本层级下次会议请用“转下次会议”。"})
    if not matter.jurisdiction.path.startswith(series.jurisdiction.path):
        raise ValidationError({"series": f"“{series.name}”不是本辖区或上级辖区的会议。"})
    if series.jurisdiction_id == matter.jurisdiction_id:
        here = _level_rank(matter.jurisdiction, matter.series.level_key)
        there = _level_rank(matter.jurisdiction, series.level_key)
        if here is not None and there is not None and there <= here:
            raise ValidationError(
                {"series": f"“{series.name}”不高于“{matter.series.name}”的协调层级，请选择更高层级。"}
            )
    level = series.level_key or series.key
    at = _moment(today)
    target = next_meeting(series, _today(today) - _days(1))
    if target is not None:
        # lock it and look again: a meeting issued meanwhile is frozen (its agenda proposal offers it)
        try:
            target = _open_meeting(target, "series")
        except ValidationError:
            target = None
    where = f"“{series.name}”"
    if target is not None:
        reason = f"{matter.series.name}提请研究：{matter.meeting.title}第{matter.number}项议定事项（牵头单位{matter.lead_unit.name}）"
        _next_meeting_agenda(target, matter, "carried_matter", reason)
        where += f"{target.title}（{target.date:%Y-%m-%d}）议程"
    late = _ended_unresolved(matter, at)
    matter.status, matter.escalated_to = "escalated", level[:40]
    _saved(matter, actor, "提请上级")
    text = f"提请{where}研究。{late}{(note or '').strip()}".strip()
    _event(matter, "escalate", actor, at, token, meeting=target, note=text)
    return matter


@transaction.atomic
def matter_cancel(*, actor: Any, matter: Matter, reason: str, token: str = "", today=None) -> Matter:
    """The office cancels a matter (撤销), with the reason."""
    matter, done = _step(actor, matter, "cancel", "matters.manage", token)
    if done:
        return matter
    reason = _text(reason, "reason", "撤销理由", limit=300)
    at = _moment(today)
    late = _ended_unresolved(matter, at)
    matter.status = "cancelled"
    _saved(matter, actor, "撤销")
    _event(matter, "cancel", actor, at, token, note=f"{reason}\n{late}".strip())
    return matter
