"""Importing section `meetings`: check every series, meeting and matter first, then upsert by natural keys
(docs/exchange.md "导入调度会议和议定事项时").

Series by (jurisdiction, key); meetings by meeting key; matters by (meeting key, number). A meeting's
agenda and attendance are the file's lists (matched by position, extra ones removed); issued minutes
(`status` "issued") are frozen: an import may not change an issued meeting, nor a closed matter (it may
append to the matter's timeline). Minutes numbers are kept and stay unique per jurisdiction and year; the
numbering counter (problems.Counter series "minutes") continues after the highest imported number.
The Word file of issued minutes is not in the file: it is rendered once on import and kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from django.utils import timezone

from tuijin.core.exchange.checks import SectionChecks
from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import person_key, split_unit_key
from tuijin.org.models import Jurisdiction, Person, Unit, User
from tuijin.problems.exchange.schema import SlipRef, problem_key
from tuijin.problems.models import Counter as NumberCounter
from tuijin.problems.models import Problem, Slip
from tuijin.reports.exchange.load import project_keys, user_ids

from ..models import (
    AgendaItem,
    Attendance,
    Matter,
    MatterAttachment,
    MatterEvent,
    Meeting,
    MeetingSeries,
)
from .keys import check_new_ordinals, ordinals, split_ordinal
from .schema import (
    AGENDA_PLAIN,
    ATTENDANCE_PLAIN,
    MATTER_PLAIN,
    MEETING_PLAIN,
    SECTION,
    SERIES_PLAIN,
    MatterEventRecord,
    MatterRecord,
    MatterRef,
    MeetingRecord,
    MeetingsSection,
    SeriesRecord,
    meeting_key,
)

MINUTES_SERIES = "minutes"


def import_meetings(ctx: ImportContext, data: MeetingsSection) -> None:
    job = MeetingsImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


def slip_key(ref: SlipRef) -> tuple[str, str, int, int]:
    return (ref.jurisdiction_code, ref.kind, ref.year, ref.number)


def slip_text(key: tuple[str, str, int, int]) -> str:
    from tuijin.problems import rules as problem_rules

    return f"{key[0]} {problem_rules.SLIP_KINDS[key[1]]}{problem_rules.slip_number(key[2], key[3])}"


def matter_text(ref: MatterRef | tuple[str, int]) -> str:
    meeting, number = (ref.meeting, ref.number) if isinstance(ref, MatterRef) else ref
    return f"会议 {meeting} 第 {number} 项议定事项"


def people_keyed(codes: set[str]) -> dict[str, Person]:
    """Person key → person for these jurisdictions (namesakes numbered by id, as organisation does)."""
    seen: Counter[str] = Counter()
    keyed = {}
    rows = Person.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction").order_by("id")
    for p in rows:
        base = f"{p.jurisdiction.code}/{p.name}"
        seen[base] += 1
        keyed[person_key(p.jurisdiction.code, p.name, seen[base])] = p
    return keyed


def rule_versions() -> dict[str, int]:
    from tuijin.core.models import RuleSetVersion

    return {
        f"{slug}@{number}": pk
        for pk, slug, number in RuleSetVersion.objects.values_list("pk", "rule_set__slug", "number")
    }


def held_meeting_keys(codes: set[str]) -> dict[str, Meeting]:
    rows = list(
        Meeting.objects.filter(series__jurisdiction__code__in=codes)
        .select_related("jurisdiction", "series__jurisdiction")
        .order_by("id")
    )
    found = ordinals((m.pk, (m.series_id, m.date)) for m in rows)
    return {meeting_key(m.series.jurisdiction.code, m.series.key, m.date, found[m.pk]): m for m in rows}


class MeetingsImport(SectionChecks):
    """Runs after sections `organisation`, `library` and `problems` (same transaction): the file's units,
    people, accounts, projects, problems and slips are in the database when it looks them up."""

    section = SECTION

    def __init__(self, ctx: ImportContext, data: MeetingsSection) -> None:
        self.ctx, self.data = ctx, data
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database holds for everything the file mentions.

    def _load(self) -> None:
        d = self.data
        codes = {self.ctx.root} | {s.jurisdiction_code for s in d.series}
        codes |= {m.jurisdiction_code for m in d.meetings}
        codes |= {m.meeting.partition("/")[0] for m in d.matters}
        unit_refs = {u for s in d.series for u in s.member_units}
        unit_refs |= {a.unit for m in d.meetings for a in [*m.agenda, *m.attendance] if a.unit}
        unit_refs |= {u for m in d.matters for u in [m.lead_unit, *m.units]}
        unit_refs |= {e.unit for m in d.matters for e in m.events if e.unit}
        person_refs = {s.chair_person for s in d.series} | {m.chair_person for m in d.meetings}
        person_refs |= {a.person for m in d.meetings for a in m.attendance}
        person_refs -= {None}
        project_refs = {a.project for m in d.meetings for a in m.agenda if a.project}
        project_refs |= {m.project for m in d.matters if m.project}
        problem_refs = {a.problem for m in d.meetings for a in m.agenda if a.problem}
        problem_refs |= {m.problem for m in d.matters if m.problem}
        codes |= {k.partition("/")[0] for k in unit_refs | person_refs | project_refs | problem_refs}  # type: ignore[operator]
        slip_refs = [e.slip for m in d.matters for e in m.events if e.slip]
        codes |= {s.jurisdiction_code for s in slip_refs}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.unit_keys = {u.pk: f"{code}/{name}" for (code, name), u in self.units.items()}
        self.people = people_keyed(codes)
        self.projects = project_keys(codes)
        self.problems = {
            problem_key(p.jurisdiction.code, p.year, p.number): p.pk
            for p in Problem.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        }
        self.slips = {
            (s.jurisdiction.code, s.kind, s.year, s.number): s.pk
            for s in Slip.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        }
        self.series = {
            (s.jurisdiction.code, s.key): s
            for s in MeetingSeries.objects.filter(jurisdiction__code__in=codes)
            .select_related("jurisdiction")
            .prefetch_related("member_units")
        }
        self.meetings = held_meeting_keys(codes)
        self.meeting_keys = {m.pk: key for key, m in self.meetings.items()}
        held = Matter.objects.filter(meeting_id__in=[m.pk for m in self.meetings.values()])
        self.matters: dict[tuple[str, int], Matter] = {
            (self.meeting_keys[m.meeting_id], m.number): m
            for m in held.prefetch_related("units", "events", "attachments")
        }
        self.matter_keys = {m.pk: key for key, m in self.matters.items()}
        self.rule_versions = rule_versions()
        names = [m.issued_by for m in d.meetings] + [m.created_by for m in d.meetings]
        names += [m.closed_by for m in d.matters]
        names += [e.actor for m in d.matters for e in m.events]
        names += [a.uploaded_by for m in d.matters for a in m.attachments]
        self.users = user_ids(names)
        self.ladders: dict[int, set[str]] = {}

    # -----------------------------------------------------------------------------------------------
    # Checks

    def _person(self, loc: tuple, key: str | None, what: str) -> None:
        if key is not None and key not in self.people:
            self._error(loc, f"{what} “{key}” 在文件和系统中都不存在")

    def _project(self, loc: tuple, key: str | None) -> None:
        if key is not None and key not in self.projects:
            self._error(loc, f"项目 “{key}” 在文件和系统中都不存在")

    def _problem(self, loc: tuple, key: str | None) -> None:
        if key is not None and key not in self.problems:
            self._error(loc, f"问题 {key} 在文件和系统中都不存在")

    def _level(self, loc: tuple, jurisdiction: Jurisdiction, value: str) -> None:
        if not value:
            return
        if jurisdiction.pk not in self.ladders:
            from tuijin.problems.services import ladder_for

            self.ladders[jurisdiction.pk] = {level.key for level in ladder_for(jurisdiction)}
        ladder = self.ladders[jurisdiction.pk]
        if ladder and value not in ladder:  # no ladder yet (rule set not chosen): kept as it is
            known = "、".join(sorted(ladder))
            self._error(loc, f"协调层级 “{value}” 不在本辖区规则集的 [escalation].levels 中：{known}")

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        self.file_series: dict[tuple[str, str], int] = {}
        for i, s in enumerate(self.data.series):
            self._check_series(i, s)
        self.file_meetings: dict[str, int] = {}
        for i, m in enumerate(self.data.meetings):
            key = m.key
            if key in self.file_meetings:
                self._error(
                    ("meetings", i, "date"), f"会议 {key} 重复（另见 meetings[{self.file_meetings[key]}]）"
                )
            self.file_meetings.setdefault(key, i)
        self.file_matters: dict[tuple[str, int], int] = {}
        for i, mt in enumerate(self.data.matters):
            key = (mt.meeting, mt.number)
            if key in self.file_matters:
                self._error(
                    ("matters", i, "number"),
                    f"{matter_text(key)}重复（另见 matters[{self.file_matters[key]}]）",
                )
            self.file_matters.setdefault(key, i)
        new = [
            (split_ordinal(m.key)[0], m.seq, ("meetings", i, "seq"))
            for i, m in enumerate(self.data.meetings)
            if m.key not in self.meetings
        ]
        held = Counter(split_ordinal(key)[0] for key in self.meetings)
        check_new_ordinals(new, held, self._error, "会议")
        self._check_minutes_numbers()
        for i, m in enumerate(self.data.meetings):
            self._check_meeting(i, m)
        for i, mt in enumerate(self.data.matters):
            self._check_matter(i, mt)

    def _check_series(self, i: int, s: SeriesRecord) -> None:
        loc: tuple[str | int, ...] = ("series", i)
        key = (s.jurisdiction_code, s.key)
        if key in self.file_series:
            self._error(
                (*loc, "key"),
                f"会议系列 {s.jurisdiction_code}/{s.key} 重复（另见 series[{self.file_series[key]}]）",
            )
        self.file_series.setdefault(key, i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), s.jurisdiction_code)
        if jurisdiction is None:
            return
        for k, unit in enumerate(s.member_units):
            self._unit((*loc, "member_units", k), unit, jurisdiction.path, "成员单位")
        if len(set(s.member_units)) != len(s.member_units):
            self._error((*loc, "member_units"), f"会议系列“{s.name}”的成员单位有重复")
        self._person((*loc, "chair_person"), s.chair_person, "主持领导")
        self._level((*loc, "level_key"), jurisdiction, s.level_key)

    def _check_minutes_numbers(self) -> None:
        taken: dict[tuple[str, int, int], str] = {
            (m.jurisdiction.code, m.minutes_year, m.minutes_number): key
            for key, m in self.meetings.items()
            if m.minutes_number is not None and m.minutes_year is not None
        }
        seen: dict[tuple[str, int, int], int] = {}
        for i, m in enumerate(self.data.meetings):
            if m.minutes_number is None:
                continue
            loc = ("meetings", i, "minutes_number")
            if m.minutes_year is None:
                self._error(loc, f"会议 {m.key} 有纪要期号，应同时写明纪要年度 minutes_year")
                continue
            number = (m.jurisdiction_code, m.minutes_year, m.minutes_number)
            text = f"纪要〔{m.minutes_year}〕第{m.minutes_number}期"
            if number in seen:
                self._error(loc, f"{text}重复（另见 meetings[{seen[number]}]）：期号不能重复")
            seen.setdefault(number, i)
            owner = taken.get(number)
            if owner is not None and owner != m.key:
                self._error(loc, f"{text}在系统中已属于会议 {owner}：期号不能重复")

    def _check_meeting(self, i: int, m: MeetingRecord) -> None:
        loc: tuple[str | int, ...] = ("meetings", i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), m.jurisdiction_code)
        if (m.jurisdiction_code, m.series) not in self.file_series and (
            m.jurisdiction_code,
            m.series,
        ) not in self.series:
            self._error((*loc, "series"), f"会议系列 {m.jurisdiction_code}/{m.series} 在文件和系统中都不存在")
        if jurisdiction is None:
            return
        if m.status == "issued" and (m.minutes_number is None or m.issued_at is None):
            self._error(
                (*loc, "status"),
                f"会议 {m.key} 的纪要已印发，应有纪要期号 minutes_number 和印发时间 issued_at",
            )
        self._person((*loc, "chair_person"), m.chair_person, "主持领导")
        self._require_someone((*loc, "created_by"), m.created_by, f"会议 {m.key} 的创建人")
        for k, a in enumerate(m.agenda):
            here = (*loc, "agenda", k)
            self._project((*here, "project"), a.project)
            self._problem((*here, "problem"), a.problem)
            self._unit((*here, "unit"), a.unit, jurisdiction.path, "单位")
            if a.matter is not None:
                ref = (a.matter.meeting, a.matter.number)
                if ref not in self.file_matters and ref not in self.matters:
                    self._error((*here, "matter"), f"{matter_text(ref)}在文件和系统中都不存在")
        for k, a in enumerate(m.attendance):
            here = (*loc, "attendance", k)
            self._unit((*here, "unit"), a.unit, jurisdiction.path, "参会单位")
            self._person((*here, "person"), a.person, "参会人员")
            if a.unit is None and a.person is None and not a.name:
                self._error(here, "参会情况应写明单位、人员或姓名")
        held = self.meetings.get(m.key)
        if held is not None and held.frozen:
            self._check_frozen(loc, held, m)

    def _check_frozen(self, loc: tuple, held: Meeting, m: MeetingRecord) -> None:
        """Issued minutes are frozen: the file must carry them as they are."""
        refs_ok = all(a.project is None or a.project in self.projects for a in m.agenda)
        refs_ok &= all(a.problem is None or a.problem in self.problems for a in m.agenda)
        refs_ok &= all(
            (a.unit is None or split_unit_key(a.unit) in self.units) for a in [*m.agenda, *m.attendance]
        )
        refs_ok &= all(a.person is None or a.person in self.people for a in m.attendance)
        refs_ok &= m.chair_person is None or m.chair_person in self.people
        if not refs_ok:
            return  # reported above
        changed = [name for name, v in self._meeting_values(m).items() if getattr(held, name) != v]
        if self._user_id(m.issued_by) not in (None, held.issued_by_id):
            changed.append("issued_by")
        held_agenda = [self._agenda_signature_held(a) for a in held.agenda.order_by("order", "id")]
        if held_agenda != [self._agenda_signature(a) for a in m.agenda]:
            changed.append("agenda")
        held_attendance = [
            tuple(getattr(a, n) for n in (*ATTENDANCE_PLAIN, "unit_id", "person_id"))
            for a in held.attendance.order_by("order", "id")
        ]
        if held_attendance != [tuple(self._attendance_values(a).values()) for a in m.attendance]:
            changed.append("attendance")
        if changed:
            number = f"〔{held.minutes_year}〕第{held.minutes_number}期"
            fields = "、".join(name.removesuffix("_id") for name in changed)
            self._error(
                (*loc, changed[0].removesuffix("_id")),
                f"会议 {m.key} 的纪要{number}已印发，印发的纪要不能由导入修改（文件中与系统不同的：{fields}）",
            )

    def _check_matter(self, i: int, mt: MatterRecord) -> None:
        loc: tuple[str | int, ...] = ("matters", i)
        key = (mt.meeting, mt.number)
        code = mt.meeting.partition("/")[0]
        jurisdiction = self._within((*loc, "meeting"), code)
        file_meeting = (
            self.data.meetings[self.file_meetings[mt.meeting]] if mt.meeting in self.file_meetings else None
        )
        held_meeting = self.meetings.get(mt.meeting)
        if file_meeting is None and held_meeting is None:
            self._error((*loc, "meeting"), f"会议 {mt.meeting} 在文件和系统中都不存在")
            return
        if jurisdiction is None:
            return
        series = mt.series or mt.meeting.split("/")[1]
        if (code, series) not in self.file_series and (code, series) not in self.series:
            self._error((*loc, "series"), f"会议系列 {code}/{series} 在文件和系统中都不存在")
        if mt.agenda_item is not None:
            count = len(file_meeting.agenda) if file_meeting is not None else held_meeting.agenda.count()  # type: ignore[union-attr]
            if mt.agenda_item >= count:
                self._error(
                    (*loc, "agenda_item"),
                    f"{matter_text(key)}所属的议题 agenda[{mt.agenda_item}] 不存在（该会议共 {count} 个议题）",
                )
        self._project((*loc, "project"), mt.project)
        self._problem((*loc, "problem"), mt.problem)
        self._unit((*loc, "lead_unit"), mt.lead_unit, jurisdiction.path, "牵头单位")
        for k, unit in enumerate(mt.units):
            self._unit((*loc, "units", k), unit, jurisdiction.path, "责任单位")
        for name in ("first_raise",):
            ref = getattr(mt, name)
            if ref is not None:
                other = (ref.meeting, ref.number)
                if other == key:
                    self._error((*loc, name), f"{matter_text(key)}的首次上会事项不能是它自己")
                elif other not in self.file_matters and other not in self.matters:
                    self._error((*loc, name), f"{matter_text(other)}在文件和系统中都不存在")
        if (
            mt.carried_to is not None
            and mt.carried_to not in self.file_meetings
            and mt.carried_to not in self.meetings
        ):
            self._error((*loc, "carried_to"), f"会议 {mt.carried_to} 在文件和系统中都不存在")
        self._level((*loc, "escalated_to"), jurisdiction, mt.escalated_to)
        if mt.status == "closed" and (mt.closed_at is None or mt.done_on is None):
            self._error(
                (*loc, "status"), f"{matter_text(key)}已销号，应有销号时间 closed_at 和完成日期 done_on"
            )
        for k, e in enumerate(mt.events):
            here = (*loc, "events", k)
            self._unit((*here, "unit"), e.unit, jurisdiction.path, "经办单位")
            if (
                e.meeting is not None
                and e.meeting not in self.file_meetings
                and e.meeting not in self.meetings
            ):
                self._error((*here, "meeting"), f"会议 {e.meeting} 在文件和系统中都不存在")
            if e.slip is not None and slip_key(e.slip) not in self.slips:
                self._error((*here, "slip"), f"{slip_text(slip_key(e.slip))}在文件和系统中都不存在")
        for k, a in enumerate(mt.attachments):
            if a.event is not None and a.event >= len(mt.events):
                self._error(
                    (*loc, "attachments", k, "event"),
                    f"佐证材料“{a.name}”所属的办理记录 events[{a.event}] 不存在（本事项共 {len(mt.events)} 条）",
                )
            self._require_someone(
                (*loc, "attachments", k, "uploaded_by"), a.uploaded_by, f"佐证材料“{a.name}”的上传人"
            )
        held = self.matters.get(key)
        if held is not None and held.status == "closed":
            refs = [mt.lead_unit, *mt.units]
            if any(split_unit_key(u) not in self.units for u in refs):
                return
            if mt.project is not None and mt.project not in self.projects:
                return
            if mt.problem is not None and mt.problem not in self.problems:
                return
            values = self._matter_values(mt)
            changed = [n.removesuffix("_id") for n, v in values.items() if getattr(held, n) != v]
            if {u.pk for u in held.units.all()} != {self._unit_id(u) for u in mt.units}:
                changed.append("units")
            if changed:
                when = f"于 {timezone.localtime(held.closed_at):%Y-%m-%d} " if held.closed_at else ""
                self._error(
                    (*loc, changed[0]),
                    f"{matter_text(key)}在系统中已{when}销号，销号的事项不能由导入修改"
                    f"（文件中与系统不同的字段：{'、'.join(changed)}）",
                )

    # -----------------------------------------------------------------------------------------------
    # Values (natural keys resolved)

    def _unit_id(self, key: str | None) -> int | None:
        return self.units[split_unit_key(key)].pk if key else None  # type: ignore[index]

    def _person_id(self, key: str | None) -> int | None:
        return self.people[key].pk if key else None

    def _meeting_values(self, m: MeetingRecord) -> dict[str, Any]:
        return {
            **{name: getattr(m, name) for name in MEETING_PLAIN},
            "chair_person_id": self._person_id(m.chair_person),
        }

    def _agenda_values(self, a: Any) -> dict[str, Any]:
        return {
            **{name: getattr(a, name) for name in AGENDA_PLAIN},
            "project_id": self.projects[a.project].pk if a.project else None,
            "problem_id": self.problems[a.problem] if a.problem else None,
            "unit_id": self._unit_id(a.unit),
        }

    def _agenda_signature(self, a: Any) -> tuple:
        matter = (a.matter.meeting, a.matter.number) if a.matter is not None else None
        return (*self._agenda_values(a).values(), matter)

    def _agenda_signature_held(self, a: AgendaItem) -> tuple:
        names = (*AGENDA_PLAIN, "project_id", "problem_id", "unit_id")
        return (*(getattr(a, n) for n in names), self.matter_keys.get(a.matter_id) if a.matter_id else None)

    def _attendance_values(self, a: Any) -> dict[str, Any]:
        return {
            **{name: getattr(a, name) for name in ATTENDANCE_PLAIN},
            "unit_id": self._unit_id(a.unit),
            "person_id": self._person_id(a.person),
        }

    def _matter_values(self, mt: MatterRecord) -> dict[str, Any]:
        values = {name: getattr(mt, name) for name in MATTER_PLAIN}
        values |= {
            "project_id": self.projects[mt.project].pk if mt.project else None,
            "problem_id": self.problems[mt.problem] if mt.problem else None,
            "lead_unit_id": self._unit_id(mt.lead_unit),
        }
        if self._user_id(mt.closed_by) is not None or mt.closed_by is None:
            values["closed_by_id"] = self._user_id(mt.closed_by)
        return values

    # -----------------------------------------------------------------------------------------------
    # Writes

    def _save(self, obj: Any, changed: dict[str, Any] | None = None) -> None:
        for name, value in (changed or {}).items():
            setattr(obj, name, value)
        if hasattr(obj, "history"):
            obj._change_reason, obj._history_user = self.ctx.reason, self.user
        obj.save()

    def _upsert(self, held: Any, make: Any, values: dict[str, Any], kind: str) -> tuple[Any, bool]:
        """(object, changed): a new object from make(), or the held one with only what differs saved."""
        if held is None:
            obj = make()
            self._save(obj, values)
            self.ctx.count(kind, "created")
            return obj, True
        changed = {name: v for name, v in values.items() if getattr(held, name) != v}
        if changed:
            self._save(held, changed)
        self.ctx.count(kind, "updated" if changed else "unchanged")
        return held, bool(changed)

    def apply(self) -> None:
        self.agenda: dict[str, list[AgendaItem]] = {}
        self._apply_series()
        self._apply_meetings()
        self._apply_matters()
        self._apply_agenda_and_attendance()
        self._apply_matter_links()
        self._apply_timelines()
        self._bump_minutes_counters()
        self._store_issued_minutes()

    def _store_issued_minutes(self) -> None:
        """The Word file of issued minutes does not travel: an issued meeting without a kept file (a new
        one, or one issued before files were kept) has its minutes rendered once here, from what was
        just imported, and kept; a meeting that already has its file keeps it (frozen)."""
        from tuijin.meetings.documents import store_minutes

        for m in self.data.meetings:
            meeting = self.meetings[m.key]
            if meeting.status == "issued" and not meeting.minutes_file:
                store_minutes(meeting)
                Meeting.objects.filter(pk=meeting.pk).update(minutes_file=meeting.minutes_file.name)

    def _apply_series(self) -> None:
        for s in self.data.series:
            key = (s.jurisdiction_code, s.key)
            values = {name: getattr(s, name) for name in SERIES_PLAIN}
            values["chair_person_id"] = self._person_id(s.chair_person)
            jurisdiction = self.jurisdictions[s.jurisdiction_code]
            series, changed = self._upsert(
                self.series.get(key),
                lambda j=jurisdiction, k=s.key: MeetingSeries(jurisdiction=j, key=k),
                values,
                "meeting_series",
            )
            self.series[key] = series
            wanted = {self._unit_id(u) for u in s.member_units}
            if {u.pk for u in series.member_units.all()} != wanted:
                series.member_units.set(wanted)
                if not changed:
                    self.ctx.counts["meeting_series"].unchanged -= 1
                    self.ctx.count("meeting_series", "updated")

    def _apply_meetings(self) -> None:
        for m in self.data.meetings:
            series = self.series[(m.jurisdiction_code, m.series)]
            values = self._meeting_values(m)
            held = self.meetings.get(m.key)
            if self._user_id(m.issued_by) is not None or m.issued_by is None:
                values["issued_by_id"] = self._user_id(m.issued_by)
            if held is None or self._user_id(m.created_by) is not None:
                values["created_by_id"] = self._someone(m.created_by)
            meeting, _ = self._upsert(
                held,
                lambda s=series, m=m: Meeting(series=s, jurisdiction=s.jurisdiction, date=m.date),
                values,
                "meetings",
            )
            self.meetings[m.key] = meeting
            self.meeting_keys[meeting.pk] = m.key

    def _apply_matters(self) -> None:
        for mt in self.data.matters:
            key = (mt.meeting, mt.number)
            meeting = self.meetings[mt.meeting]
            code = mt.meeting.partition("/")[0]
            series = self.series[(code, mt.series or mt.meeting.split("/")[1])]
            values = self._matter_values(mt)
            values["series_id"] = series.pk
            values["rule_version_id"] = self.rule_versions.get(mt.rule_version) if mt.rule_version else None
            values["carried_to_id"] = self.meetings[mt.carried_to].pk if mt.carried_to else None
            matter, changed = self._upsert(
                self.matters.get(key),
                lambda m=meeting, n=mt.number: Matter(meeting=m, jurisdiction_id=m.jurisdiction_id, number=n),
                values,
                "matters",
            )
            self.matters[key] = matter
            self.matter_keys[matter.pk] = key
            wanted = {self._unit_id(u) for u in mt.units}
            if {u.pk for u in matter.units.all()} != wanted:
                matter.units.set(wanted)
                if not changed:
                    self.ctx.counts["matters"].unchanged -= 1
                    self.ctx.count("matters", "updated")

    def _apply_agenda_and_attendance(self) -> None:
        for m in self.data.meetings:
            meeting = self.meetings[m.key]
            held = list(meeting.agenda.order_by("order", "id"))
            placed = []
            for k, a in enumerate(m.agenda):
                values = self._agenda_values(a)
                values["matter_id"] = (
                    self.matters[(a.matter.meeting, a.matter.number)].pk if a.matter else None
                )
                item, _ = self._upsert(
                    held[k] if k < len(held) else None,
                    lambda mt=meeting: AgendaItem(meeting=mt),
                    values,
                    "agenda_items",
                )
                placed.append(item)
            for extra in held[len(m.agenda) :]:
                extra.delete()
                self.ctx.count("agenda_items", "removed")
            self.agenda[m.key] = placed
            held_attendance = list(meeting.attendance.order_by("order", "id"))
            for k, a in enumerate(m.attendance):
                self._upsert(
                    held_attendance[k] if k < len(held_attendance) else None,
                    lambda mt=meeting: Attendance(meeting=mt),
                    self._attendance_values(a),
                    "attendance",
                )
            for extra in held_attendance[len(m.attendance) :]:
                extra.delete()
                self.ctx.count("attendance", "removed")

    def _apply_matter_links(self) -> None:
        agenda = self.agenda
        for mt in self.data.matters:
            matter = self.matters[(mt.meeting, mt.number)]
            item = None
            if mt.agenda_item is not None:
                items = agenda.get(mt.meeting) or list(
                    self.meetings[mt.meeting].agenda.order_by("order", "id")
                )
                item = items[mt.agenda_item]
            first = self.matters[(mt.first_raise.meeting, mt.first_raise.number)] if mt.first_raise else None
            changed = {
                name: value
                for name, value in (
                    ("agenda_item_id", item.pk if item else None),
                    ("first_raise_id", first.pk if first else None),
                )
                if getattr(matter, name) != value
            }
            if changed:
                self._save(matter, changed)

    def _event_values(self, e: MatterEventRecord) -> dict[str, Any]:
        return {
            "kind": e.kind,
            "actor_id": self._user_id(e.actor),
            "unit_id": self._unit_id(e.unit),
            "at": e.at,
            "note": e.note,
            "meeting_id": self.meetings[e.meeting].pk if e.meeting else None,
            "slip_id": self.slips[slip_key(e.slip)] if e.slip else None,
        }

    def _apply_timelines(self) -> None:
        """Events and attachments the system lacks are added in the file's order; none are removed."""
        names = ("kind", "actor_id", "unit_id", "at", "note", "meeting_id", "slip_id")
        stamps: dict[datetime, list[MatterAttachment]] = defaultdict(list)
        for mt in self.data.matters:
            matter = self.matters[(mt.meeting, mt.number)]
            pool: dict[tuple, list[MatterEvent]] = defaultdict(list)
            for event in matter.events.all() if matter.pk else []:
                pool[tuple(getattr(event, n) for n in names)].append(event)
            placed: list[MatterEvent] = []
            for e in mt.events:
                values = self._event_values(e)
                same = pool.get(tuple(values.values()))
                if same:
                    placed.append(same.pop(0))
                    self.ctx.count("matter_events", "unchanged")
                    continue
                event = MatterEvent.objects.create(matter=matter, **values)
                placed.append(event)
                self.ctx.count("matter_events", "created")
            held = defaultdict(list)
            for a in matter.attachments.all():
                held[(a.name, a.size, a.uploaded_by_id, a.event_id)].append(a)
            for a in mt.attachments:
                values = {
                    "name": a.name,
                    "size": a.size,
                    "uploaded_by_id": self._someone(a.uploaded_by),
                    "event_id": placed[a.event].pk if a.event is not None else None,
                }
                same = held.get(tuple(values.values()))
                if same:
                    same.pop(0)
                    self.ctx.count("matter_attachments", "unchanged")
                    continue
                attachment = MatterAttachment.objects.create(matter=matter, file="", **values)  # no file
                if a.uploaded_at is not None:
                    stamps[a.uploaded_at].append(attachment)
                self.ctx.count("matter_attachments", "created")
        for moment, objs in stamps.items():  # uploaded_at is auto_now_add: set it afterwards
            MatterAttachment.objects.filter(pk__in=[o.pk for o in objs]).update(uploaded_at=moment)

    def _bump_minutes_counters(self) -> None:
        """Numbering of minutes continues after the highest imported number."""
        top: dict[tuple[str, int], int] = {}
        for m in self.data.meetings:
            if m.minutes_number is not None and m.minutes_year is not None:
                key = (m.jurisdiction_code, m.minutes_year)
                top[key] = max(top.get(key, 0), m.minutes_number)
        for (code, year), number in top.items():
            counter, _ = NumberCounter.objects.get_or_create(
                jurisdiction=self.jurisdictions[code], year=year, series=MINUTES_SERIES, defaults={"last": 0}
            )
            if counter.last < number:
                counter.last = number
                counter.save(update_fields=["last"])
