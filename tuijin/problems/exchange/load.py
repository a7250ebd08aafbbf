"""Importing section `problems`: check every problem, event, attachment and slip first, then upsert by
natural keys (docs/exchange.md "导入问题和四单时").

Problems are keyed by (jurisdiction, year, number), slips by (jurisdiction, kind, year, number): an
imported problem or slip keeps its number, and numbering in the importing system continues after it
(`services.next_number` takes the larger of the counter and the highest stored number). A number the
system already gives to a different problem (another project) or a different slip (another unit, subject
or issue time) is refused, so numbers stay unique. The timeline is append-only: events and attachments
the system lacks are added, none are removed; attachments arrive without their files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.core.exchange.checks import SectionChecks
from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import split_unit_key
from tuijin.org.models import Jurisdiction, Unit, User
from tuijin.projects.models import Project
from tuijin.reports.exchange.load import project_keys, user_ids

from .. import rules
from ..models import Problem, ProblemAttachment, ProblemEvent, Slip
from .schema import (
    EVENT_UNITS,
    PROBLEM_PLAIN,
    PROBLEM_UNITS,
    PROBLEM_USERS,
    SECTION,
    SLIP_FIXED,
    SLIP_PLAIN,
    EventRecord,
    ProblemRecord,
    ProblemsSection,
    SlipRecord,
    SlipRef,
    problem_key,
)

BATCH = 900
SLIP_LABELS = {
    "source": "来源",
    "subject": "事项",
    "content": "内容",
    "requirement": "办理要求",
    "deadline": "办理期限",
    "issued_at": "签发时间",
    "problem": "所属问题",
    "project": "项目",
    "issued_unit": "签发单位",
    "issued_by": "签发人",
}


def import_problems(ctx: ImportContext, data: ProblemsSection) -> None:
    job = ProblemsImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _slip_key(ref: SlipRef | SlipRecord) -> tuple[str, str, int, int]:
    return (ref.jurisdiction_code, ref.kind, ref.year, ref.number)


def _slip_text(key: tuple[str, str, int, int]) -> str:
    return f"{key[0]} {rules.SLIP_KINDS[key[1]]}{rules.slip_number(key[2], key[3])}"


def _event_signature(row: Any) -> tuple:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    names = ("kind", "actor_id", "unit_id", "at", "note", "from_unit_id", "to_unit_id", "from_level")
    return tuple(get(name) for name in (*names, "to_level", "slip_id"))


class ProblemsImport(SectionChecks):
    """Runs after sections `organisation` and `library` (same transaction): the file's units, accounts and
    projects are in the database when it looks them up."""

    section = SECTION

    def __init__(self, ctx: ImportContext, data: ProblemsSection) -> None:
        self.ctx, self.data = ctx, data
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        self.today = timezone.localdate()
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database holds for everything the file mentions.

    def _load(self) -> None:
        d = self.data
        unit_refs = {getattr(p, n) for p in d.problems for n in PROBLEM_UNITS}
        unit_refs |= {getattr(e, n) for p in d.problems for e in p.events for n in EVENT_UNITS}
        unit_refs |= {s.to_unit for s in d.slips} | {s.issued_unit for s in d.slips}
        unit_refs -= {None}
        project_refs = {p.project for p in d.problems} | {s.project for s in d.slips if s.project}
        problem_refs = {s.problem for s in d.slips if s.problem}
        slip_refs = {_slip_key(e.slip) for p in d.problems for e in p.events if e.slip}
        codes = (
            {self.ctx.root}
            | {p.jurisdiction_code for p in d.problems}
            | {s.jurisdiction_code for s in d.slips}
        )
        codes |= {key.partition("/")[0] for key in unit_refs | project_refs | problem_refs}
        codes |= {key[0] for key in slip_refs}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.projects: dict[str, Project] = project_keys(codes)
        problems = Problem.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.problems = {
            problem_key(p.jurisdiction.code, p.year, p.number): p
            for p in problems.prefetch_related("events", "attachments")
        }
        slips = Slip.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.slips = {(s.jurisdiction.code, s.kind, s.year, s.number): s for s in slips}
        names = [getattr(p, n) for p in d.problems for n in (*PROBLEM_USERS, "filed_by")]
        names += [e.actor for p in d.problems for e in p.events]
        names += [a.uploaded_by for p in d.problems for a in p.attachments]
        names += [u for s in d.slips for u in (s.issued_by, s.acknowledged_by)]
        self.users = user_ids(names)
        self.ladders: dict[int, set[str]] = {}

    # -----------------------------------------------------------------------------------------------
    # Checks

    def _ladder(self, jurisdiction: Jurisdiction) -> set[str]:
        if jurisdiction.pk not in self.ladders:
            from ..services import ladder_for

            self.ladders[jurisdiction.pk] = {level.key for level in ladder_for(jurisdiction)}
        return self.ladders[jurisdiction.pk]

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        self.file_slips: dict[tuple[str, str, int, int], int] = {}
        for i, s in enumerate(self.data.slips):
            key = _slip_key(s)
            if key in self.file_slips:
                self._error(
                    ("slips", i, "number"), f"{_slip_text(key)}重复（另见 slips[{self.file_slips[key]}]）"
                )
            self.file_slips.setdefault(key, i)
        self.file_problems: dict[str, int] = {}
        for i, p in enumerate(self.data.problems):
            self._check_problem(i, p)
        self.problem_keys = {p.pk: k for k, p in self.problems.items()}
        for i, s in enumerate(self.data.slips):
            self._check_slip(i, s)

    def _check_problem(self, i: int, p: ProblemRecord) -> None:
        loc: tuple[str | int, ...] = ("problems", i)
        key = problem_key(p.jurisdiction_code, p.year, p.number)
        if key in self.file_problems:
            self._error((*loc, "number"), f"问题 {key} 重复（另见 problems[{self.file_problems[key]}]）")
        self.file_problems.setdefault(key, i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), p.jurisdiction_code)
        project = self.projects.get(p.project)
        if project is None:
            self._error((*loc, "project"), f"项目 “{p.project}” 在文件和系统中都不存在")
        elif project.jurisdiction.code != p.jurisdiction_code:
            self._error(
                (*loc, "project"),
                f"问题 {key} 的项目 “{p.project}” 属于辖区 {project.jurisdiction.code}，问题应属于项目所在辖区",
            )
        held = self.problems.get(key)
        if held is not None and project is not None and held.project_id != project.pk:
            self._error(
                (*loc, "number"),
                f"问题编号 {key} 在系统中已用于另一个项目的问题（“{held.title}”）：编号不能重复",
            )
        if jurisdiction is None:
            return
        for name, what in (
            ("filed_unit", "上报单位"),
            ("assigned_unit", "承办单位"),
            ("request_unit", "建议转办单位"),
        ):
            self._unit((*loc, name), getattr(p, name), jurisdiction.path, what)
        self._require_someone((*loc, "filed_by"), p.filed_by, f"问题 {key} 的上报人")
        if p.status == "closed" and p.closed_at is None:
            self._error((*loc, "closed_at"), f"问题 {key} 已销号，应有销号时间 closed_at")
        if p.status in rules.WITH_UNIT | {"replied"} and p.assigned_unit is None:
            self._error(
                (*loc, "assigned_unit"), f"问题 {key} 的状态为“{rules.STATUSES[p.status]}”，应有承办单位"
            )
        ladder = self._ladder(jurisdiction)
        for name in ("level", "request_level"):
            value = getattr(p, name)
            if value and value not in ladder:
                known = "、".join(sorted(ladder)) or "（规则集没有规定上报层级）"
                self._error(
                    (*loc, name), f"协调层级 “{value}” 不在本辖区规则集的 [escalation].levels 中：{known}"
                )
        for k, e in enumerate(p.events):
            for name in EVENT_UNITS:
                self._unit((*loc, "events", k, name), getattr(e, name), jurisdiction.path, "经办单位")
            if e.slip is not None:
                ref = _slip_key(e.slip)
                if ref not in self.file_slips and ref not in self.slips:
                    self._error((*loc, "events", k, "slip"), f"{_slip_text(ref)}在文件和系统中都不存在")
        for k, a in enumerate(p.attachments):
            if a.event is not None and a.event >= len(p.events):
                self._error(
                    (*loc, "attachments", k, "event"),
                    f"佐证材料“{a.name}”所属的办理记录 events[{a.event}] 不存在（本问题共 {len(p.events)} 条）",
                )
            self._require_someone(
                (*loc, "attachments", k, "uploaded_by"), a.uploaded_by, f"佐证材料“{a.name}”的上传人"
            )
        if held is not None and held.status == "closed" and project is not None:
            self._check_closed(loc, key, held, p)

    def _check_closed(self, loc: tuple, key: str, held: Problem, p: ProblemRecord) -> None:
        """A closed problem (销号) is final: the import may add to its timeline, never change it in place."""
        units = [getattr(p, name) for name in PROBLEM_UNITS if getattr(p, name)]
        if any(split_unit_key(u) not in self.units for u in units):
            return  # reported above
        values = self._problem_values(p)
        changed = []
        for name, value in values.items():
            field = name.removesuffix("_id")
            if field in PROBLEM_USERS and getattr(p, field) and value is None:
                continue  # an account this system does not have: left as it is, not a change
            if getattr(held, name) != value:
                changed.append(field)
        if changed:
            closed = timezone.localtime(held.closed_at) if held.closed_at else None
            when = f"于 {closed:%Y-%m-%d} " if closed else ""
            self._error(
                (*loc, changed[0]),
                f"问题 {key} 在系统中已{when}销号，销号的问题不能由导入修改"
                f"（文件中与系统不同的字段：{'、'.join(changed)}）",
            )

    def _check_slip(self, i: int, s: SlipRecord) -> None:
        loc: tuple[str | int, ...] = ("slips", i)
        key = _slip_key(s)
        jurisdiction = self._within((*loc, "jurisdiction_code"), s.jurisdiction_code)
        if s.problem is not None and s.problem not in self.file_problems and s.problem not in self.problems:
            self._error((*loc, "problem"), f"问题 {s.problem} 在文件和系统中都不存在")
        if s.project is not None and s.project not in self.projects:
            self._error((*loc, "project"), f"项目 “{s.project}” 在文件和系统中都不存在")
        if jurisdiction is None:
            return
        self._unit((*loc, "to_unit"), s.to_unit, jurisdiction.path, "受文单位")
        self._unit((*loc, "issued_unit"), s.issued_unit, jurisdiction.path, "签发单位")
        self._require_someone((*loc, "issued_by"), s.issued_by, f"{_slip_text(key)}的签发人")
        held = self.slips.get(key)
        parts = split_unit_key(s.to_unit)
        if held is not None and parts in self.units:
            same = (
                held.to_unit_id == self.units[parts].pk
                and held.subject == s.subject
                and held.issued_at == s.issued_at
            )
            if not same:
                self._error(
                    (*loc, "number"),
                    f"{_slip_text(key)}在系统中已是另一份四单（事项“{held.subject}”）：编号不能重复",
                )
            else:
                self._check_issued(loc, key, held, s)

    def _check_issued(self, loc: tuple, key: tuple[str, str, int, int], held: Slip, s: SlipRecord) -> None:
        """An issued slip is a record (督办单 are what the cards count): the import may add a signature
        or a 失效 mark the system lacks, never change its content, its signature or its 失效 mark."""
        text = _slip_text(key)
        fixed = {name: (getattr(held, name), getattr(s, name)) for name in SLIP_FIXED}
        fixed["problem"] = (self.problem_keys.get(held.problem_id), s.problem)
        if s.project is None or s.project in self.projects:
            project = self.projects[s.project].pk if s.project else None
            fixed["project"] = (held.project_id, project)
        if s.issued_unit is None or split_unit_key(s.issued_unit) in self.units:
            fixed["issued_unit"] = (held.issued_unit_id, self._unit_id(s.issued_unit))
        if self._user_id(s.issued_by):
            fixed["issued_by"] = (held.issued_by_id, self._user_id(s.issued_by))
        for name, (mine, theirs) in fixed.items():
            if mine != theirs:
                label = SLIP_LABELS.get(name, name)
                self._error((*loc, name), f"{text}已签发，其{label}不能由导入修改（文件与系统中的不同）")
        if held.acknowledged_at is not None:
            who = self._user_id(s.acknowledged_by)
            if s.acknowledged_at != held.acknowledged_at or (
                who is not None and who != held.acknowledged_by_id
            ):
                signed = timezone.localtime(held.acknowledged_at)
                self._error(
                    (*loc, "acknowledged_at"),
                    f"{text}已于 {signed:%Y-%m-%d %H:%M} 签收，签收不能由导入修改或撤销",
                )
        if held.voided_at is not None and (s.voided_at, s.void_reason) != (held.voided_at, held.void_reason):
            self._error(
                (*loc, "voided_at"), f"{text}已{held.void_reason or '失效'}，失效记录不能由导入修改或撤销"
            )

    # -----------------------------------------------------------------------------------------------
    # Writes

    def _unit_id(self, key: str | None) -> int | None:
        return self.units[split_unit_key(key)].pk if key else None  # type: ignore[index]

    def apply(self) -> None:
        self._apply_problems()
        self._apply_slips()
        self._apply_timelines()

    def _problem_values(self, p: ProblemRecord) -> dict[str, Any]:
        return {
            **{name: getattr(p, name) for name in PROBLEM_PLAIN},
            "project_id": self.projects[p.project].pk,
            **{f"{name}_id": self._unit_id(getattr(p, name)) for name in PROBLEM_UNITS},
            **{f"{name}_id": self._user_id(getattr(p, name)) for name in PROBLEM_USERS},
        }

    def _apply_problems(self) -> None:
        created = []
        for p in self.data.problems:
            key = problem_key(p.jurisdiction_code, p.year, p.number)
            values = self._problem_values(p)
            held = self.problems.get(key)
            if held is None:
                problem = Problem(
                    jurisdiction_id=self.jurisdictions[p.jurisdiction_code].pk,
                    year=p.year,
                    number=p.number,
                    filed_by_id=self._someone(p.filed_by),
                    **values,
                )
                created.append(problem)
                self.problems[key] = problem
                self.ctx.count("problems", "created")
                continue
            if p.filed_by and self._user_id(p.filed_by):
                values["filed_by_id"] = self._user_id(p.filed_by)
            changed = {name: v for name, v in values.items() if getattr(held, name) != v}
            if changed:
                for name, v in changed.items():
                    setattr(held, name, v)
                held._change_reason, held._history_user = self.ctx.reason, self.user
                held.save()
            self.ctx.count("problems", "updated" if changed else "unchanged")
        self.created = {id(p) for p in created}
        if created:
            bulk_create_with_history(
                created,
                Problem,
                batch_size=500,
                default_user=self.user,
                default_change_reason=self.ctx.reason,
            )
            if any(p.pk is None for p in created):
                ids = {
                    (j, y, n): pk
                    for j, y, n, pk in Problem.objects.filter(
                        jurisdiction_id__in={p.jurisdiction_id for p in created}
                    ).values_list("jurisdiction_id", "year", "number", "pk")
                }
                for p in created:
                    p.pk = ids[(p.jurisdiction_id, p.year, p.number)]

    def _apply_slips(self) -> None:
        created = []
        for s in self.data.slips:
            key = _slip_key(s)
            values = {
                **{name: getattr(s, name) for name in SLIP_PLAIN},
                "problem_id": self.problems[s.problem].pk if s.problem else None,
                "project_id": self.projects[s.project].pk if s.project else None,
                "to_unit_id": self._unit_id(s.to_unit),
                "issued_unit_id": self._unit_id(s.issued_unit),
                "acknowledged_by_id": self._user_id(s.acknowledged_by),
            }
            held = self.slips.get(key)
            if held is None:
                slip = Slip(
                    jurisdiction_id=self.jurisdictions[s.jurisdiction_code].pk,
                    kind=s.kind,
                    year=s.year,
                    number=s.number,
                    issued_by_id=self._someone(s.issued_by),
                    **values,
                )
                created.append(slip)
                self.slips[key] = slip
                self.ctx.count("slips", "created")
                continue
            if self._user_id(s.issued_by):
                values["issued_by_id"] = self._user_id(s.issued_by)
            changed = {name: v for name, v in values.items() if getattr(held, name) != v}
            if changed:
                for name, v in changed.items():
                    setattr(held, name, v)
                held.save(update_fields=list(changed))
            self.ctx.count("slips", "updated" if changed else "unchanged")
        Slip.objects.bulk_create(created, batch_size=1000)
        if any(s.pk is None for s in created):
            for key, pk in (
                ((s.jurisdiction.code, s.kind, s.year, s.number), s.pk)
                for s in Slip.objects.filter(
                    jurisdiction_id__in={s.jurisdiction_id for s in created}
                ).select_related("jurisdiction")
            ):
                self.slips[key].pk = pk

    def _apply_timelines(self) -> None:
        """Events and attachments the system lacks are added in the file's order; none are removed."""
        new_events: list[ProblemEvent] = []
        pending: list[tuple[Problem, ProblemRecord, list[ProblemEvent | None]]] = []
        for p in self.data.problems:
            problem = self.problems[problem_key(p.jurisdiction_code, p.year, p.number)]
            held = [] if id(problem) in self.created else list(problem.events.all())
            pool: dict[tuple, list[ProblemEvent]] = defaultdict(list)
            for event in held:
                pool[_event_signature(event)].append(event)
            placed: list[ProblemEvent | None] = []
            for e in p.events:
                values = self._event_values(e)
                same = pool.get(_event_signature(values))
                if same:
                    placed.append(same.pop(0))
                    self.ctx.count("problem_events", "unchanged")
                    continue
                event = ProblemEvent(problem_id=problem.pk, **values)
                new_events.append(event)
                placed.append(event)
                self.ctx.count("problem_events", "created")
            pending.append((problem, p, placed))
        ProblemEvent.objects.bulk_create(new_events, batch_size=1000)
        if any(e.pk is None for e in new_events):  # a database that does not return new ids
            raise RuntimeError("数据库未返回新建办理记录的编号，无法导入佐证材料")
        self._apply_attachments(pending)

    def _event_values(self, e: EventRecord) -> dict[str, Any]:
        return {
            "kind": e.kind,
            "actor_id": self._user_id(e.actor),
            **{f"{name}_id": self._unit_id(getattr(e, name)) for name in EVENT_UNITS},
            "at": e.at,
            "note": e.note,
            "from_level": e.from_level,
            "to_level": e.to_level,
            "slip_id": self.slips[_slip_key(e.slip)].pk if e.slip else None,
        }

    def _apply_attachments(self, pending: list) -> None:
        created: list[ProblemAttachment] = []
        stamps: dict[datetime, list[ProblemAttachment]] = defaultdict(list)
        for problem, p, placed in pending:
            held = [] if id(problem) in self.created else list(problem.attachments.all())
            pool: dict[tuple, list[ProblemAttachment]] = defaultdict(list)
            for a in held:
                pool[(a.name, a.size, a.uploaded_by_id, a.event_id)].append(a)
            for a in p.attachments:
                event = placed[a.event] if a.event is not None else None
                values = {
                    "name": a.name,
                    "size": a.size,
                    "uploaded_by_id": self._someone(a.uploaded_by),
                    "event_id": event.pk if event is not None else None,
                }
                same = pool.get(tuple(values.values()))
                if same:
                    same.pop(0)
                    self.ctx.count("problem_attachments", "unchanged")
                    continue
                attachment = ProblemAttachment(problem_id=problem.pk, file="", **values)  # no file
                created.append(attachment)
                if a.uploaded_at is not None:
                    stamps[a.uploaded_at].append(attachment)
                self.ctx.count("problem_attachments", "created")
        ProblemAttachment.objects.bulk_create(created, batch_size=1000)
        for moment, objs in stamps.items():
            for batch in _batches(obj.pk for obj in objs if obj.pk is not None):
                ProblemAttachment.objects.filter(pk__in=batch).update(uploaded_at=moment)
