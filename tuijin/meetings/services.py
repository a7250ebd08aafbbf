"""Writes of meeting series, meetings, agenda, attendance and minutes (REQ E; DH24 五(三); WH19 四(一);
NC20 三(一)).

Every service checks `meetings.manage` first (`actor=None` is the command line, the demo or a job), locks
the meeting row, refuses any change to issued minutes (`refuse_if_frozen`: a Chinese message, the attempt
logged on `tuijin.meetings`), and writes in one transaction. Each write to a meeting bumps its `version`;
the info, attendance and minutes forms carry the version they were read at, so of two editors the later
is told who saved in between and keeps what they typed (nothing is written, nothing is lost).

Issuing (`meeting_issue`) numbers the minutes per jurisdiction and year (problems' locked `Counter`,
series "minutes"), sets `issued` and freezes the meeting with its agenda, attendance and minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tuijin.core.access import require
from tuijin.org.models import Jurisdiction, Person, Unit

from . import rules
from .models import AgendaItem, Attendance, Meeting, MeetingSeries

logger = logging.getLogger("tuijin.meetings")

MANAGE = "meetings.manage"


# ---------------------------------------------------------------------------------------------------
# Helpers


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _moment(today: date | None) -> datetime:
    """Now; or, when a past `today` is given (the demo, tests), ten o'clock that day."""
    if today is None or today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(today, time(10, 0)))


def _require(actor: Any, obj: Any = None) -> None:
    if actor is not None:
        require(actor, MANAGE, obj)


def _saved(obj: Any, actor: Any, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def _text(value: Any, field: str, label: str, *, required: bool = True, limit: int = 0) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if limit and len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 个字（现有 {len(text)} 个字）。"})
    return text


def _lock(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "series", "issued_by")
        .get(pk=meeting.pk)
    )


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    return getattr(user, "display_name", "") or getattr(user, "username", "") or str(user)


def refuse_if_frozen(meeting: Meeting, actor: Any, what: str = "会议") -> None:
    """Issued minutes are never edited: refuse in Chinese and log the attempt (user and meeting)."""
    if not meeting.frozen:
        return
    issued = timezone.localtime(meeting.issued_at) if meeting.issued_at else None
    when = f"{issued:%Y年%m月%d日}" if issued else ""
    logger.warning(
        "refused change of issued meeting %s (%s) by %s: %s",
        meeting.pk,
        meeting.title,
        getattr(actor, "username", "system"),
        what,
    )
    raise ValidationError(
        {
            "__all__": f"会议纪要{rules.minutes_number_text(meeting.minutes_year, meeting.minutes_number)}"
            f"已于{when}印发，不能修改{what}。"
        }
    )


def _check_version(meeting: Meeting, version: Any) -> None:
    """The form was read at `version`; a later save in between → tell who and when, write nothing."""
    if version in (None, ""):
        return
    try:
        version = int(version)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"__all__": "表单版本号无效，请刷新页面后重新编辑。"}) from exc
    if version == meeting.version:
        return
    last = meeting.history.order_by("-history_date", "-history_id").select_related("history_user").first()
    who = _who(last.history_user) if last is not None else "他人"
    when = f"{timezone.localtime(last.history_date):%m-%d %H:%M}" if last is not None else ""
    raise ValidationError(
        {
            "__all__": f"会议已由{who}于{when}修改（当前第 {meeting.version} 版，您编辑的是第 {version} 版），"
            "您本次填写的内容尚未保存，仍保留在表单中：请核对最新内容后再次保存。"
        }
    )


def _bump(meeting: Meeting, actor: Any, reason: str) -> None:
    meeting.version += 1
    _saved(meeting, actor, reason)


def _check_unit(unit: Unit, jurisdiction: Jurisdiction, field: str) -> Unit:
    if not unit.is_active:
        raise ValidationError({field: f"单位“{unit.name}”已停用，请另选。"})
    if not jurisdiction.path.startswith(unit.jurisdiction.path):
        raise ValidationError({field: f"单位“{unit.name}”不属于{jurisdiction.name}或其上级辖区，请另选。"})
    return unit


def _check_person(person: Person | None, jurisdiction: Jurisdiction, field: str) -> Person | None:
    if person is None:
        return None
    if not person.is_active:
        raise ValidationError({field: f"“{person.name}”已不在职，请另选。"})
    if not jurisdiction.path.startswith(person.jurisdiction.path):
        raise ValidationError({field: f"“{person.name}”不是{jurisdiction.name}或其上级辖区的人员，请另选。"})
    return person


def _ruleset_data(jurisdiction: Jurisdiction) -> dict:
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

    version = ruleset_version_for_jurisdiction(jurisdiction)
    return version.data if version is not None else {}


def level_choices(jurisdiction: Jurisdiction) -> list[tuple[str, str]]:
    """The escalation ladder of the jurisdiction's rule set: (key, name), lowest first."""
    from tuijin.problems.services import ladder_for

    return [(level.key, level.name) for level in ladder_for(jurisdiction)]


# ---------------------------------------------------------------------------------------------------
# Series


@transaction.atomic
def series_sync(*, actor: Any, jurisdiction: Jurisdiction) -> tuple[int, int]:
    """One series per meeting cadence of the rule set in force (key = cadence key): new ones created;
    existing ones get the rule set's name, kind, frequency, times, chair and source again. The office's
    edits of level, leader, member units, weekday, order and whether it is in use are never overwritten
    (a level only fills an empty one), and no series is ever deleted. Returns (created, updated)."""
    _require(actor, MeetingSeries(jurisdiction=jurisdiction))
    data = _ruleset_data(jurisdiction)
    if not data:
        raise ValidationError(
            {
                "__all__": f"{jurisdiction.name}尚未选用规则集，无法按规则集生成会议系列；请先在“规则集”页选用。"
            }
        )
    existing = {s.key: s for s in MeetingSeries.objects.select_for_update().filter(jurisdiction=jurisdiction)}
    created = updated = 0
    short = ((data.get("meta") or {}).get("short") or "").strip()
    top = max((s.sort for s in existing.values()), default=0)
    for i, cadence in enumerate(rules.cadence_series(data), start=1):
        source = cadence.source or (f"{short} 调度机制" if short else "")
        fields = {
            "name": cadence.name,
            "kind": cadence.kind,
            "frequency": cadence.frequency,
            "times": cadence.times,
            "chair": cadence.chair or "—",
            "source": source,
            "cadence_key": cadence.key,
        }
        series = existing.get(cadence.key)
        if series is None:
            series = MeetingSeries(jurisdiction=jurisdiction, key=cadence.key, level_key=cadence.level_key)
            series.sort = top + i
            for name, value in fields.items():
                setattr(series, name, value)
            _saved(series, actor, "按规则集生成")
            created += 1
            continue
        changed = [name for name, value in fields.items() if getattr(series, name) != value]
        if not series.level_key and cadence.level_key:
            series.level_key = cadence.level_key
            changed.append("level_key")
        if changed:
            for name in changed:
                if name in fields:
                    setattr(series, name, fields[name])
            _saved(series, actor, "按规则集更新")
            updated += 1
    return created, updated


SERIES_FIELDS = ("name", "kind", "frequency", "times", "weekday", "chair", "level_key", "source", "sort")


def _clean_series(jurisdiction: Jurisdiction, data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    clean["name"] = _text(data.get("name"), "name", "会议名称", limit=80)
    kind = data.get("kind") or "meeting"
    if kind not in rules.SERIES_KINDS:
        raise ValidationError({"kind": "请选择会议类别（调度会议、协调会、会商会、通报会、点评会或观摩）。"})
    clean["kind"] = kind
    frequency = data.get("frequency") or ""
    if frequency not in rules.FREQUENCIES:
        raise ValidationError({"frequency": "请选择频次（每周、每旬、每月……或适时）。"})
    clean["frequency"] = frequency
    times = data.get("times") or 1
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 31:
        raise ValidationError({"times": "每期次数应为 1–31 的整数。"})
    clean["times"] = times
    weekday = data.get("weekday")
    if weekday in ("", None):
        weekday = None
    elif not isinstance(weekday, int) or not 1 <= weekday <= 7:
        raise ValidationError({"weekday": "惯常星期应为 1（周一）到 7（周日），或留空取周期内第一个工作日。"})
    clean["weekday"] = weekday
    clean["chair"] = _text(data.get("chair"), "chair", "主持/牵头", limit=120)
    level = data.get("level_key") or ""
    keys = [key for key, _ in level_choices(jurisdiction)]
    if level and level not in keys:
        raise ValidationError(
            {
                "level_key": f"协调层级“{level}”不在本辖区规则集的逐级协调层级中（可选：{'、'.join(keys) or '无'}）。"
            }
        )
    clean["level_key"] = level
    clean["source"] = _text(data.get("source"), "source", "出处", required=False, limit=120)
    sort = data.get("sort") or 0
    clean["sort"] = sort if isinstance(sort, int) and sort >= 0 else 0
    return clean


@transaction.atomic
def series_save(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    series: MeetingSeries | None = None,
    chair_person: Person | None = None,
    member_units: Iterable[Unit] = (),
    is_active: bool = True,
    **data: Any,
) -> MeetingSeries:
    """The office defines a series of its own (a leader's monthly meeting, DH24's levels the notice does
    not name) or edits one (level, leader, member units, weekday, name …); `is_active=False` retires it."""
    if series is not None:
        series = MeetingSeries.objects.select_for_update().select_related("jurisdiction").get(pk=series.pk)
        jurisdiction = series.jurisdiction
        _require(actor, series)
    else:
        _require(actor, MeetingSeries(jurisdiction=jurisdiction))
    unknown = set(data) - set(SERIES_FIELDS) - {"key"}
    if unknown:
        raise TypeError(f"series_save: unknown fields {sorted(unknown)}")
    clean = _clean_series(jurisdiction, data)
    chair_person = _check_person(chair_person, jurisdiction, "chair_person")
    units = [_check_unit(u, jurisdiction, "member_units") for u in member_units]
    if series is None:
        key = (data.get("key") or "").strip()
        if not key:
            taken = MeetingSeries.objects.filter(jurisdiction=jurisdiction, key__startswith="own-").count()
            key = f"own-{taken + 1}"
            while MeetingSeries.objects.filter(jurisdiction=jurisdiction, key=key).exists():
                taken += 1
                key = f"own-{taken + 1}"
        elif MeetingSeries.objects.filter(jurisdiction=jurisdiction, key=key).exists():
            raise ValidationError({"key": f"标识“{key}”已被本辖区的另一个会议系列使用。"})
        series = MeetingSeries(jurisdiction=jurisdiction, key=key[:60])
        if not clean["sort"]:
            top = MeetingSeries.objects.filter(jurisdiction=jurisdiction).aggregate(m=Max("sort"))["m"]
            clean["sort"] = (top or 0) + 1
    for name, value in clean.items():
        setattr(series, name, value)
    series.chair_person = chair_person
    series.is_active = bool(is_active)
    _saved(series, actor, "项目办编辑会议系列")
    series.member_units.set(units)
    return series


@transaction.atomic
def series_for_leaders(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    name: str,
    persons: Iterable[Person],
    frequency: str = "monthly",
    kind: str = "meeting",
    level_key: str = "",
    weekday: int | None = None,
    source: str = "",
) -> list[MeetingSeries]:
    """One series per leader (NC20 三(一) 副市长分口调度): “<name>（<leader>）”, chaired by that leader,
    member units = the units the leader is in charge of. A leader who already has a series of that name
    is skipped."""
    _require(actor, MeetingSeries(jurisdiction=jurisdiction))
    name = _text(name, "name", "会议名称", limit=60)
    persons = list(persons)
    if not persons:
        raise ValidationError({"persons": "请至少选择一位领导。"})
    made = []
    for person in persons:
        title = f"{name}（{person.name}）"
        if MeetingSeries.objects.filter(jurisdiction=jurisdiction, name=title).exists():
            continue
        made.append(
            series_save(
                actor=actor,
                jurisdiction=jurisdiction,
                chair_person=person,
                member_units=person.units_in_charge.filter(is_active=True),
                name=title,
                kind=kind,
                frequency=frequency,
                weekday=weekday,
                chair=f"{person.post}{person.name}" if person.post else person.name,
                level_key=level_key,
                source=source,
            )
        )
    return made


# ---------------------------------------------------------------------------------------------------
# Meetings


def _default_chair(series: MeetingSeries) -> str:
    person = series.chair_person
    if person is not None:
        return (f"{person.post}{person.name}" if person.post else person.name)[:80]
    return series.chair[:80]


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    series: MeetingSeries,
    date: date,
    place: str = "",
    chair: str = "",
    title: str = "",
    start_time: time | None = None,
    today: date | None = None,
) -> Meeting:
    """Prepare a meeting of a series on a day (status 筹备中): title “<series>（2024年6月）” unless given,
    the series' leader as chair, one attendance row per member unit (出席, to be confirmed)."""
    series = MeetingSeries.objects.select_related("jurisdiction", "chair_person").get(pk=series.pk)
    _require(actor, series)
    if not series.is_active:
        raise ValidationError({"series": f"会议系列“{series.name}”已停用，不能再筹备会议。"})
    if date is None:
        raise ValidationError({"date": "请填写会议日期。"})
    clash = Meeting.objects.filter(series=series, date=date).exclude(status="cancelled").first()
    if clash is not None:
        raise ValidationError({"date": f"“{series.name}”在 {date:%Y-%m-%d} 已有会议“{clash.title}”。"})
    meeting = Meeting(
        series=series,
        jurisdiction=series.jurisdiction,
        title=_text(title, "title", "会议名称", required=False, limit=120)
        or rules.default_title(series.name, date)[:120],
        date=date,
        start_time=start_time,
        place=_text(place, "place", "地点", required=False, limit=120),
        chair=_text(chair, "chair", "主持人", required=False, limit=80) or _default_chair(series),
        chair_person=series.chair_person,
        status="preparing",
        created_by=actor if actor is not None else _system_user(series.jurisdiction),
    )
    _saved(meeting, actor, "筹备会议")
    rows = []
    if series.chair_person_id:
        person = series.chair_person
        rows.append(Attendance(meeting=meeting, person=person, name=person.name, post=person.post, order=1))
    for unit in series.member_units.filter(is_active=True).order_by("sort", "id"):
        rows.append(Attendance(meeting=meeting, unit=unit, order=len(rows) + 1))
    Attendance.objects.bulk_create(rows)
    return meeting


def _system_user(jurisdiction: Jurisdiction):
    """The account the command line and demo create meetings as: the jurisdiction's first office admin."""
    from tuijin.org.models import Role, User

    user = (
        User.objects.filter(role=Role.OFFICE_ADMIN, jurisdiction=jurisdiction, is_active=True)
        .order_by("id")
        .first()
    )
    if user is None:
        raise ValidationError({"__all__": f"{jurisdiction.name}没有项目办账号，无法记录会议创建人。"})
    return user


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    version: Any = None,
    title: str,
    date: date,
    place: str = "",
    chair: str = "",
    start_time: time | None = None,
    recorder: str = "",
) -> Meeting:
    """The meeting's title, day, time, place, chair and recorder (not once issued)."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "会议信息")
    _check_version(meeting, version)
    if date is None:
        raise ValidationError({"date": "请填写会议日期。"})
    clash = (
        Meeting.objects.filter(series_id=meeting.series_id, date=date)
        .exclude(pk=meeting.pk)
        .exclude(status="cancelled")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"date": f"“{meeting.series.name}”在 {date:%Y-%m-%d} 已有会议“{clash.title}”。"}
        )
    meeting.title = _text(title, "title", "会议名称", limit=120)
    meeting.date = date
    meeting.start_time = start_time
    meeting.place = _text(place, "place", "地点", required=False, limit=120)
    meeting.chair = _text(chair, "chair", "主持人", required=False, limit=80)
    meeting.recorder = _text(recorder, "recorder", "记录人", required=False, limit=40)
    _bump(meeting, actor, "修改会议信息")
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Call a prepared meeting off (已取消); its planned slot shows again on the calendar."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "会议状态")
    reason = _text(reason, "reason", "取消原因", limit=100)
    meeting.status = "cancelled"
    _bump(meeting, actor, f"取消会议：{reason}")
    return meeting


# ---------------------------------------------------------------------------------------------------
# Agenda


def _next_order(meeting: Meeting) -> int:
    return (meeting.agenda.aggregate(m=Max("order"))["m"] or 0) + 1


def _taken_keys(meeting: Meeting) -> set[str]:
    from .selectors import item_keys

    keys: set[str] = set()
    for item in meeting.agenda.all():
        keys |= item_keys(item)
    return keys


@transaction.atomic
def agenda_add_candidates(
    *, actor: Any, meeting: Meeting, keys: Iterable[str], today: date | None = None
) -> list[AgendaItem]:
    """Add the ticked candidates of the agenda proposal (keys like "problem:12"), in the proposal's
    order; a candidate already on the agenda is skipped (never added twice), an unknown key refused."""
    from .selectors import agenda_proposal

    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "议程")
    wanted = [k for k in dict.fromkeys(keys) if k]
    if not wanted:
        raise ValidationError({"keys": "请勾选要列入议程的议题。"})
    proposal = {c["key"]: c for c in agenda_proposal(meeting, _today(today))}
    unknown = [k for k in wanted if k not in proposal]
    if unknown:
        raise ValidationError(
            {"keys": "所选议题已不在建议清单中（可能已办结或已移出该层级），请刷新后重选。"}
        )
    taken = _taken_keys(meeting)
    order = _next_order(meeting)
    added = []
    for key in wanted:
        candidate = proposal[key]
        if key in taken:
            continue
        added.append(
            AgendaItem(
                meeting=meeting,
                order=order,
                kind=candidate["kind"],
                title=candidate["title"][:200],
                reason=candidate["reason"][:300],
                project_id=candidate["project_id"],
                problem_id=candidate["problem_id"],
                matter_id=candidate["matter_id"],
                unit_id=candidate["unit_id"],
                presenter=candidate.get("presenter", "")[:80],
            )
        )
        taken.add(key)
        order += 1
    AgendaItem.objects.bulk_create(added)
    if added:
        _bump(meeting, actor, f"议程增加 {len(added)} 项")
    return added


@transaction.atomic
def agenda_add_item(
    *, actor: Any, meeting: Meeting, title: str, presenter: str = "", reason: str = ""
) -> AgendaItem:
    """A free agenda item (其他议题) the office adds by hand."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "议程")
    item = AgendaItem.objects.create(
        meeting=meeting,
        order=_next_order(meeting),
        kind="other",
        title=_text(title, "title", "议题", limit=200),
        presenter=_text(presenter, "presenter", "汇报单位/人", required=False, limit=80),
        reason=_text(reason, "reason", "列入理由", required=False, limit=300),
    )
    _bump(meeting, actor, "议程增加议题")
    return item


def _item_of(meeting: Meeting, item: AgendaItem | int) -> AgendaItem:
    pk = item.pk if isinstance(item, AgendaItem) else item
    found = AgendaItem.objects.filter(meeting=meeting, pk=pk).first()
    if found is None:
        raise ValidationError({"__all__": "该议题不属于本次会议或已被移除，请刷新页面。"})
    return found


@transaction.atomic
def agenda_remove(*, actor: Any, meeting: Meeting, item: AgendaItem | int) -> None:
    """Take an item off the agenda (refused while a decided matter hangs on it)."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "议程")
    item = _item_of(meeting, item)
    if item.matters.exists():  # cancelled matters too: they stay on record under their item
        raise ValidationError({"__all__": f"议题“{item.title}”已有议定事项（含已撤销的），不能移除。"})
    item.delete()
    _renumber(meeting)
    _bump(meeting, actor, "议程移除议题")


def _renumber(meeting: Meeting) -> None:
    items = list(meeting.agenda.order_by("order", "id"))
    for i, item in enumerate(items, start=1):
        if item.order != i:
            item.order = i
    AgendaItem.objects.bulk_update(items, ["order"])


@transaction.atomic
def agenda_move(*, actor: Any, meeting: Meeting, item: AgendaItem | int, direction: str) -> None:
    """Move an item one place up or down."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "议程")
    item = _item_of(meeting, item)
    if direction not in ("up", "down"):
        raise ValidationError({"__all__": "调整顺序只能上移或下移。"})
    items = list(meeting.agenda.order_by("order", "id"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for i, it in enumerate(items, start=1):
        it.order = i
    AgendaItem.objects.bulk_update(items, ["order"])
    _bump(meeting, actor, "调整议程顺序")


@transaction.atomic
def agenda_reorder(*, actor: Any, meeting: Meeting, ids: list[int]) -> None:
    """Put the agenda in the given order (every item exactly once)."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "议程")
    items = {it.pk: it for it in meeting.agenda.all()}
    if sorted(ids) != sorted(items):
        raise ValidationError({"__all__": "议程已被他人修改（议题数目不符），请刷新后重新排序。"})
    for i, pk in enumerate(ids, start=1):
        items[pk].order = i
    AgendaItem.objects.bulk_update(list(items.values()), ["order"])
    _bump(meeting, actor, "调整议程顺序")


# ---------------------------------------------------------------------------------------------------
# Attendance and minutes


def _held(meeting: Meeting, today: date | None) -> None:
    if meeting.status in ("planned", "preparing") and meeting.date <= _today(today):
        meeting.status = "held"


@transaction.atomic
def attendance_save(
    *,
    actor: Any,
    meeting: Meeting,
    rows: list[dict[str, Any]],
    version: Any = None,
    today: date | None = None,
) -> Meeting:
    """Replace the attendance: each row `unit` and/or `person`/`name`, `post`, `status` (出席/委托参会/
    请假/缺席), `note`. A row without unit, person or name is ignored (a blank line of the form)."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "参会情况")
    _check_version(meeting, version)
    made = []
    for i, row in enumerate(rows, start=1):
        unit, person = row.get("unit"), row.get("person")
        name = _text(row.get("name"), "attendance", "姓名", required=False, limit=40)
        if unit is None and person is None and not name:
            continue
        status = row.get("status") or "present"
        if status not in rules.ATTENDANCE:
            raise ValidationError({"attendance": f"第 {i} 行的出席情况应为出席、委托参会、请假或缺席。"})
        if unit is not None:
            _check_unit(unit, meeting.jurisdiction, "attendance")
        _check_person(person, meeting.jurisdiction, "attendance")
        note = _text(row.get("note"), "attendance", "说明", required=False, limit=120)
        if status in ("substitute", "leave") and not note and not name:
            raise ValidationError(
                {"attendance": f"第 {i} 行：{rules.ATTENDANCE[status]}请在“说明”中写明委托谁参会或请假事由。"}
            )
        made.append(
            Attendance(
                meeting=meeting,
                unit=unit,
                person=person,
                name=name or (person.name if person is not None else ""),
                post=_text(row.get("post"), "attendance", "职务", required=False, limit=80),
                status=status,
                note=note,
                order=len(made) + 1,
            )
        )
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(made)
    _held(meeting, today)
    _bump(meeting, actor, "记录参会情况")
    return meeting


@transaction.atomic
def minutes_save(
    *,
    actor: Any,
    meeting: Meeting,
    summary: str,
    items: dict[int, str],
    recorder: str = "",
    version: Any = None,
    today: date | None = None,
) -> Meeting:
    """The minutes: the opening summary (纪要导语) and each agenda item's minutes. The form's `version`
    must still be current (two editors: the later is told, nothing written)."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "会议纪要")
    _check_version(meeting, version)
    agenda = {it.pk: it for it in meeting.agenda.all()}
    missing = [pk for pk in items if pk not in agenda]
    if missing:
        raise ValidationError(
            {"__all__": "议程已被他人修改（有议题已移除），您填写的纪要仍在表单中，请刷新后再保存。"}
        )
    changed = []
    for pk, text in items.items():
        text = (text or "").strip()
        if agenda[pk].minutes != text:
            agenda[pk].minutes = text
            changed.append(agenda[pk])
    AgendaItem.objects.bulk_update(changed, ["minutes"])
    meeting.summary = (summary or "").strip()
    if recorder is not None:
        meeting.recorder = _text(recorder, "recorder", "记录人", required=False, limit=40)
    _held(meeting, today)
    _bump(meeting, actor, "编辑会议纪要")
    return meeting


# ---------------------------------------------------------------------------------------------------
# Issuing


def _number(jurisdiction: Jurisdiction, year: int) -> int:
    """The next minutes number of the year; above any number already stored (an imported meeting's)."""
    from tuijin.problems.models import Counter
    from tuijin.problems.services import next_number

    number = next_number(jurisdiction, year, "minutes")
    stored = Meeting.objects.filter(jurisdiction=jurisdiction, minutes_year=year).aggregate(
        m=Max("minutes_number")
    )["m"]
    if stored is not None and number <= stored:
        number = stored + 1
        Counter.objects.filter(jurisdiction=jurisdiction, year=year, series="minutes").update(last=number)
    return number


@transaction.atomic
def meeting_issue(*, actor: Any, meeting: Meeting, today: date | None = None) -> Meeting:
    """Issue the minutes (印发): numbered 〔year〕第N期 per jurisdiction and year, status issued, frozen;
    the Word minutes are rendered once and kept in `minutes_file` (documents.store_minutes). Refused without an agenda item or without minutes text, and a second time."""
    meeting = _lock(meeting)
    _require(actor, meeting)
    refuse_if_frozen(meeting, actor, "或重复印发会议纪要")
    if meeting.status == "cancelled":
        raise ValidationError({"__all__": "会议已取消，不能印发纪要。"})
    items = list(meeting.agenda.all())
    if not items:
        raise ValidationError({"__all__": "会议还没有议题，不能印发纪要：请先拟定议程。"})
    if not meeting.summary.strip() and not any(it.minutes.strip() for it in items):
        raise ValidationError({"__all__": "会议纪要还没有内容，不能印发：请先填写纪要导语或各议题的纪要。"})
    day = _today(today)
    if meeting.date > day:
        raise ValidationError({"__all__": f"会议定于 {meeting.date:%Y-%m-%d} 召开，尚未召开，不能印发纪要。"})
    meeting.minutes_year = day.year
    meeting.minutes_number = _number(meeting.jurisdiction, day.year)
    meeting.issued_at = _moment(today)
    meeting.issued_by = actor
    meeting.status = "issued"
    from .documents import store_minutes

    store_minutes(meeting)  # the issued minutes as they are now, kept: later changes never reach them
    _bump(
        meeting,
        actor,
        f"印发会议纪要{rules.minutes_number_text(meeting.minutes_year, meeting.minutes_number)}",
    )
    return meeting
