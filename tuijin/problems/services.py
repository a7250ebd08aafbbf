"""Writes of the problem closed loop and the four slips (梳理—交办—跟踪—销号).

Every service checks access first (`actor=None` is the command line, the demo or a system job), locks the
problem row, checks the step against `rules.STEPS` (a wrong state → `ValidationError` in Chinese, nothing
written), and writes the problem, its timeline event and any slip in one transaction.

Retries: each form carries a one-time `token`; a step whose token the problem's timeline already holds
returns without doing anything (a double-click or a retried POST is recognised, never doubled). Without a
token the state checks still refuse a second 签收/销号.

Numbers: problems and slips are numbered per (jurisdiction, year, series) through a locked `Counter` row,
so concurrent issuers wait for each other, a rolled-back transaction gives its number back, and a number
imported from elsewhere is never given again (the next number is above both the counter and the highest
number stored).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tuijin.core.access import AccessDenied, require
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Jurisdiction, Unit
from tuijin.projects.models import Project

from . import rules
from .models import Counter, Problem, ProblemAttachment, ProblemEvent, Slip

EVIDENCE_TYPES = (".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".zip")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------
# Helpers


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _moment(today: date | None) -> datetime:
    """Now; or, when a past `today` is given (the demo, tests), ten o'clock that day."""
    now = timezone.now()
    if today is None or today == timezone.localdate():
        return now
    return timezone.make_aware(datetime.combine(today, time(10, 0)))


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


def next_number(jurisdiction: Jurisdiction, year: int, series: str) -> int:
    """Take the next number of a series inside the caller's transaction (the counter row stays locked
    until it commits)."""
    counter = (
        Counter.objects.select_for_update()
        .filter(jurisdiction=jurisdiction, year=year, series=series)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                Counter.objects.create(jurisdiction=jurisdiction, year=year, series=series, last=0)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        counter = Counter.objects.select_for_update().get(jurisdiction=jurisdiction, year=year, series=series)
    if series == "problem":
        stored = Problem.objects.filter(jurisdiction=jurisdiction, year=year).aggregate(m=Max("number"))["m"]
    else:
        stored = Slip.objects.filter(jurisdiction=jurisdiction, year=year, kind=series).aggregate(
            m=Max("number")
        )["m"]
    counter.last = max(counter.last, stored or 0) + 1
    counter.save(update_fields=["last"])
    return counter.last


def _lock(problem: Problem) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "project", "assigned_unit", "filed_unit")
        .get(pk=problem.pk)
    )


def _done_before(problem: Problem, token: str) -> bool:
    return bool(token) and ProblemEvent.objects.filter(problem=problem, token=token).exists()


def _check(problem: Problem, step: str) -> None:
    if message := rules.check_step(step, problem.status):
        raise ValidationError({"__all__": message})


def _event(problem: Problem, kind: str, actor: Any, at: datetime, token: str = "", **kw: Any) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, actor=actor, unit=_unit_of(actor), at=at, token=token[:64], **kw
    )


def _text(value: str | None, field: str, label: str, *, required: bool = True, limit: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if limit and len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 个字。"})
    return text


def _check_unit(unit: Unit | None, jurisdiction: Jurisdiction, field: str = "unit") -> Unit:
    """A unit of the jurisdiction or one of its ancestors: only those can see and handle the problem or
    slip (scopes follow the subtree). A subdivision's unit is refused: its own office takes the matter."""
    if unit is None:
        raise ValidationError({field: "请选择承办单位。"})
    if not unit.is_active:
        raise ValidationError({field: f"单位“{unit.name}”已停用，请另选。"})
    if not jurisdiction.path.startswith(unit.jurisdiction.path):
        raise ValidationError(
            {
                field: f"单位“{unit.name}”不属于{jurisdiction.name}或其上级辖区，看不到本辖区的问题和四单；"
                f"下级辖区的事项请交由该辖区项目办交办。"
            }
        )
    return unit


def _due(start: date, workdays: Any) -> date:
    if message := rules.check_workdays(workdays):
        raise ValidationError({"workdays": message})
    try:
        return rules.due_date(current_calendar(), start, workdays)
    except ValueError as exc:
        raise ValidationError({"workdays": f"无法按工作日历计算办结期限：{exc}"}) from exc


def check_files(files: Iterable[Any], field: str = "files") -> list[Any]:
    """Evidence files: type and size checked, in Chinese, naming the file."""
    checked = []
    for upload in files or ():
        name = os.path.basename(getattr(upload, "name", "") or "")
        if not name:
            continue
        if not name.lower().endswith(EVIDENCE_TYPES):
            raise ValidationError(
                {field: f"文件“{name}”的类型不支持；可上传 PDF、OFD、图片、Word、Excel 或 ZIP 文件。"}
            )
        if upload.size > EVIDENCE_MAX_BYTES:
            raise ValidationError({field: f"文件“{name}”超过 20 MB，请压缩后再上传。"})
        if upload.size == 0:
            raise ValidationError({field: f"文件“{name}”是空文件。"})
        checked.append(upload)
    return checked


def _attach(problem: Problem, event: ProblemEvent, files: list[Any], actor: Any) -> None:
    for upload in files:
        name = os.path.basename(upload.name)[:120]
        attachment = ProblemAttachment(
            problem=problem, event=event, name=name, size=upload.size, uploaded_by=actor
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()


# ---------------------------------------------------------------------------------------------------
# Slips

_slip_listeners: list = []


def register_slip_listener(fn) -> None:
    """Call `fn(slip)` inside the issuing transaction after each new slip (the cards propose a yellow card
    for every 督办单). Registering the same function twice keeps one."""
    if fn not in _slip_listeners:
        _slip_listeners.append(fn)


def _slip_issued(slip: Slip) -> Slip:
    for fn in list(_slip_listeners):
        fn(slip)
    return slip


@transaction.atomic
def slip_issue(
    *,
    actor: Any,
    kind: str,
    jurisdiction: Jurisdiction,
    to_unit: Unit,
    subject: str,
    content: str,
    requirement: str = "",
    deadline: date | None = None,
    problem: Problem | None = None,
    project: Project | None = None,
    source: str = "",
    today: date | None = None,
) -> Slip:
    """Issue a numbered slip. Problem services call it; meeting matters and supervision acts (later
    issues) call it with a subject and `source` and no problem."""
    if kind not in rules.SLIP_KINDS:
        raise ValidationError({"kind": "请选择交办单、转办单、提醒单或督办单。"})
    action = "problems.supervise" if kind == "supervise" else "problems.manage"
    if problem is not None and problem.jurisdiction_id != jurisdiction.pk:
        raise ValidationError(
            {"jurisdiction": f"问题 {problem.code} 属于另一个辖区，四单须由问题所在辖区签发。"}
        )
    if actor is not None:
        # against a probe of the jurisdiction: an office (or supervision office) issues only in its subtree
        require(actor, action, problem or Slip(kind=kind, jurisdiction=jurisdiction))
    to_unit = _check_unit(to_unit, jurisdiction, "to_unit")
    at = _moment(today)
    year = _today(today).year
    slip = Slip.objects.create(
        kind=kind,
        jurisdiction=jurisdiction,
        year=year,
        number=next_number(jurisdiction, year, kind),
        problem=problem,
        project=project or (problem.project if problem is not None else None),
        source=source[:60],
        subject=_text(subject, "subject", "事项", limit=200),
        to_unit=to_unit,
        content=_text(content, "content", "内容"),
        requirement=(requirement or "").strip(),
        deadline=deadline,
        issued_by=actor,
        issued_unit=_unit_of(actor),
        issued_at=at,
    )
    return _slip_issued(slip)


def _issue_for(
    kind: str, problem: Problem, actor: Any, content: str, requirement: str, today: date | None
) -> Slip:
    at = _moment(today)
    year = _today(today).year
    slip = Slip.objects.create(
        kind=kind,
        jurisdiction=problem.jurisdiction,
        year=year,
        number=next_number(problem.jurisdiction, year, kind),
        problem=problem,
        project=problem.project,
        subject=problem.title,
        to_unit=problem.assigned_unit,
        content=content,
        requirement=requirement,
        deadline=problem.due_date,
        issued_by=actor,
        issued_unit=_unit_of(actor),
        issued_at=at,
    )
    return _slip_issued(slip)


@transaction.atomic
def slip_acknowledge(*, actor: Any, slip: Slip, today: date | None = None) -> Slip:
    """The receiving unit signs for the slip (签收). Twice → Chinese error, nothing changes. Signing a
    交办单/转办单 of a problem still waiting to be acknowledged also acknowledges the problem."""
    slip = (
        Slip.objects.select_for_update(of=("self",)).select_related("jurisdiction", "to_unit").get(pk=slip.pk)
    )
    _require(actor, "problems.slip_acknowledge", slip)
    if slip.voided_at is not None:
        raise ValidationError(
            {
                "__all__": f"{slip.get_kind_display()}{slip.number_text}{slip.void_reason or '已失效'}，无需签收。"
            }
        )
    if slip.acknowledged_at is not None:
        who = slip.acknowledged_by or "系统"
        raise ValidationError(
            {
                "__all__": f"{slip.get_kind_display()}{slip.number_text}已于"
                f"{timezone.localtime(slip.acknowledged_at):%Y-%m-%d %H:%M}由{who}签收，无需重复签收。"
            }
        )
    slip.acknowledged_by = actor
    slip.acknowledged_at = _moment(today)
    slip.save(update_fields=["acknowledged_by", "acknowledged_at"])
    if slip.problem_id:
        # every signature is a step of the problem's timeline; a 交办单/转办单 also acknowledges the problem
        problem = _lock(slip.problem)
        if (
            slip.kind in ("assign", "transfer")
            and problem.status == "assigned"
            and problem.assigned_unit_id == slip.to_unit_id
        ):
            problem.status = "acknowledged"
            _saved(problem, actor, "签收")
        _event(problem, "acknowledged", actor, slip.acknowledged_at, slip=slip, note=f"签收{slip}")
    return slip


def _ack_pending_slips(problem: Problem, actor: Any, at: datetime) -> Slip | None:
    pending = list(
        Slip.objects.select_for_update()
        .filter(
            problem=problem,
            to_unit=problem.assigned_unit,
            kind__in=("assign", "transfer"),
            acknowledged_at=None,
            voided_at=None,
        )
        .order_by("issued_at", "id")
    )
    for slip in pending:
        slip.acknowledged_by, slip.acknowledged_at = actor, at
        slip.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return pending[-1] if pending else None


# ---------------------------------------------------------------------------------------------------
# Filing and the office's sorting and assigning


def _unit_projects(unit_id: int):
    from django.db.models import Q

    return Project.objects.filter(
        Q(responsible_unit_id=unit_id)
        | Q(street_id=unit_id)
        | Q(supervising_unit_id=unit_id)
        | Q(secondary_units__id=unit_id)
    )


@transaction.atomic
def problem_file(
    *,
    actor: Any,
    project: Project,
    kind: str,
    title: str,
    description: str,
    needs: str = "",
    grade: str = "general",
    filed_unit: Unit | None = None,
    token: str = "",
    today: date | None = None,
) -> Problem:
    """A unit files a problem against one of its projects (上报). The office may file for a unit."""
    _require(actor, "problems.file")
    project = Project.objects.select_related("jurisdiction", "responsible_unit").get(pk=project.pk)
    by_office = actor is not None and actor.role == "office_admin"
    if actor is not None and not by_office:
        if not _unit_projects(actor.unit_id).filter(pk=project.pk).exists():
            raise AccessDenied(
                f"“{project.name}”不是本单位负责的项目，不能为其上报问题。", action="problems.file"
            )
        filed_unit = actor.unit
    elif actor is not None:
        require(actor, "problems.manage", project_problem_probe(project))
    filed_unit = filed_unit or project.responsible_unit
    if kind not in rules.KINDS:
        raise ValidationError({"kind": "请选择问题类别。"})
    if grade not in rules.GRADES:
        raise ValidationError({"grade": "请选择问题级别。"})
    title = _text(title, "title", "问题概述", limit=120)
    description = _text(description, "description", "问题描述")
    year = _today(today).year
    number = next_number(project.jurisdiction, year, "problem")  # locks the series: retries wait here
    if token:
        earlier = ProblemEvent.objects.filter(kind="filed", token=token[:64], actor=actor).select_related(
            "problem"
        )
        if (done := earlier.first()) is not None:
            transaction.set_rollback(True)  # give the number back
            return done.problem
    at = _moment(today)
    problem = Problem(
        jurisdiction=project.jurisdiction,
        project=project,
        year=year,
        number=number,
        kind=kind,
        grade=grade,
        title=title,
        description=description,
        needs=(needs or "").strip(),
        filed_unit=filed_unit,
        filed_by=actor,
        filed_at=at,
        filed_by_office=by_office,  # 代报: the office files for the unit; lists and the timeline say so
    )
    _saved(problem, actor, "项目办代报" if by_office else "上报问题")
    _event(problem, "filed", actor, at, token, note=problem.description)
    return problem


def project_problem_probe(project: Project) -> Problem:
    """An unsaved problem of the project: what `access.require` checks the office's rights against."""
    return Problem(jurisdiction=project.jurisdiction, project=project)


@transaction.atomic
def problem_sort(
    *, actor: Any, problem: Problem, kind: str, grade: str, note: str = "", token: str = "", today=None
) -> Problem:
    """The office sorts the problem (梳理): fixes its kind and grade, notes how it is to be handled."""
    problem = _lock(problem)
    _require(actor, "problems.manage", problem)
    if _done_before(problem, token):
        return problem
    _check(problem, "sort")
    if kind not in rules.KINDS:
        raise ValidationError({"kind": "请选择问题类别。"})
    if grade not in rules.GRADES:
        raise ValidationError({"grade": "请选择问题级别。"})
    changes = []
    if kind != problem.kind:
        changes.append(f"类别：{rules.KINDS[problem.kind]} → {rules.KINDS[kind]}")
    if grade != problem.grade:
        changes.append(f"级别：{rules.GRADES[problem.grade]} → {rules.GRADES[grade]}")
    problem.kind, problem.grade, problem.status = kind, grade, "sorted"
    problem.sorted_note = _text(note, "note", "梳理意见", required=False, limit=300)
    _saved(problem, actor, "梳理")
    _event(
        problem,
        "sorted",
        actor,
        _moment(today),
        token,
        note="；".join([*changes, problem.sorted_note]).strip("；"),
    )
    return problem


@transaction.atomic
def problem_assign(
    *,
    actor: Any,
    problem: Problem,
    unit: Unit,
    workdays: int = rules.DEFAULT_DEADLINE_WORKDAYS,
    requirement: str = "",
    token: str = "",
    today: date | None = None,
) -> Problem:
    """The office assigns the problem (交办) to a unit with a deadline in working days; a 交办单 is issued."""
    problem = _lock(problem)
    _require(actor, "problems.manage", problem)
    if _done_before(problem, token):
        return problem
    _check(problem, "assign")
    unit = _check_unit(unit, problem.jurisdiction)
    day = _today(today)
    problem.due_date = _due(day, workdays)
    problem.deadline_workdays = workdays
    problem.assigned_unit = unit
    problem.assigned_at = _moment(today)
    problem.requirement = (requirement or "").strip()
    problem.status = "assigned"
    _saved(problem, actor, "交办")
    content = problem.description + (f"\n需协调解决：{problem.needs}" if problem.needs else "")
    require_text = (
        problem.requirement or f"请于 {problem.due_date:%Y年%m月%d日} 前办结并书面答复，附佐证材料。"
    )
    slip = _issue_for("assign", problem, actor, content, require_text, today)
    _event(
        problem,
        "assigned",
        actor,
        problem.assigned_at,
        token,
        to_unit=unit,
        slip=slip,
        note=f"交办{unit}，{workdays} 个工作日内（{problem.due_date:%Y-%m-%d} 前）办结。{problem.requirement}".strip(),
    )
    return problem


# ---------------------------------------------------------------------------------------------------
# The assigned unit


def _unit_step(actor: Any, problem: Problem, step: str, token: str) -> tuple[Problem, bool]:
    problem = _lock(problem)
    _require(actor, "problems.handle", problem)
    if _done_before(problem, token):
        return problem, True
    _check(problem, step)
    return problem, False


@transaction.atomic
def problem_acknowledge(
    *, actor: Any, problem: Problem, token: str = "", today: date | None = None
) -> Problem:
    """The assigned unit signs for the problem (签收); its pending 交办单/转办单 are signed too."""
    problem, done = _unit_step(actor, problem, "acknowledge", token)
    if done:
        return problem
    at = _moment(today)
    slip = _ack_pending_slips(problem, actor, at)
    problem.status = "acknowledged"
    _saved(problem, actor, "签收")
    _event(problem, "acknowledged", actor, at, token, slip=slip, note=f"签收{slip}" if slip else "")
    return problem


@transaction.atomic
def problem_progress(
    *, actor: Any, problem: Problem, note: str, files: Iterable[Any] = (), token: str = "", today=None
) -> Problem:
    problem, done = _unit_step(actor, problem, "progress", token)
    if done:
        return problem
    note = _text(note, "note", "办理进展")
    files = check_files(files)
    event = _event(problem, "progress", actor, _moment(today), token, note=note)
    _attach(problem, event, files, actor)
    _saved(problem, actor, "办理进展")
    return problem


def _no_pending_request(problem: Problem, kind: str) -> None:
    """A pending request is the office's to decide: another request may not silently replace it."""
    if problem.pending_request and problem.pending_request != kind:
        pending = rules.REQUESTS[problem.pending_request]
        raise ValidationError(
            {
                "__all__": f"该问题已有待项目办处理的{pending}（{problem.request_note}），"
                f"须等项目办处理（同意或不同意）后才能{rules.REQUESTS[kind]}。"
            }
        )


@transaction.atomic
def problem_request_transfer(
    *, actor: Any, problem: Problem, reason: str, unit: Unit | None = None, token: str = "", today=None
) -> Problem:
    """The unit asks the office to transfer the problem (申请转办), naming the unit it belongs to."""
    problem, done = _unit_step(actor, problem, "request_transfer", token)
    if done:
        return problem
    _no_pending_request(problem, "transfer")
    reason = _text(reason, "reason", "申请理由", limit=300)
    if unit is not None:
        _check_unit(unit, problem.jurisdiction)
        if unit.pk == problem.assigned_unit_id:
            raise ValidationError({"unit": "建议转办的单位不能是本单位。"})
    problem.pending_request, problem.request_note, problem.request_unit, problem.request_level = (
        "transfer",
        reason,
        unit,
        "",
    )
    _saved(problem, actor, "申请转办")
    _event(problem, "transfer_requested", actor, _moment(today), token, note=reason, to_unit=unit)
    return problem


def ladder_for(jurisdiction: Jurisdiction) -> list[rules.Level]:
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

    version = ruleset_version_for_jurisdiction(jurisdiction)
    data = version.data if version is not None else {}
    return rules.ladder((data.get("escalation") or {}).get("levels"))


@transaction.atomic
def problem_request_escalation(
    *, actor: Any, problem: Problem, reason: str, level: str = "", token: str = "", today=None
) -> Problem:
    """The unit asks for the problem to go up the ladder (申请上报): it cannot solve it at its level."""
    problem, done = _unit_step(actor, problem, "request_escalation", token)
    if done:
        return problem
    _no_pending_request(problem, "escalation")
    reason = _text(reason, "reason", "申请理由", limit=300)
    levels = ladder_for(problem.jurisdiction)
    target = level or (lvl.key if (lvl := rules.next_level(levels, problem.level)) else "")
    if message := rules.check_escalation(levels, problem.level, target):
        raise ValidationError({"level": message})
    problem.pending_request, problem.request_note, problem.request_unit, problem.request_level = (
        "escalation",
        reason,
        None,
        target,
    )
    _saved(problem, actor, "申请上报")
    _event(
        problem,
        "escalation_requested",
        actor,
        _moment(today),
        token,
        note=reason,
        from_level=problem.level,
        to_level=target,
    )
    return problem


@transaction.atomic
def problem_reply(
    *, actor: Any, problem: Problem, resolution: str, files: Iterable[Any] = (), token: str = "", today=None
) -> Problem:
    """The unit answers (答复): how the problem was solved, with evidence; the office reviews it next."""
    problem, done = _unit_step(actor, problem, "reply", token)
    if done:
        return problem
    resolution = _text(resolution, "resolution", "办理结果")
    files = check_files(files)
    at = _moment(today)
    problem.resolution, problem.replied_by, problem.replied_at, problem.status = (
        resolution,
        actor,
        at,
        "replied",
    )
    problem.pending_request = ""
    _saved(problem, actor, "答复")
    event = _event(problem, "replied", actor, at, token, note=resolution)
    _attach(problem, event, files, actor)
    return problem


# ---------------------------------------------------------------------------------------------------
# The office: transfer, escalate, remind, supervise, review


def _office_step(actor: Any, problem: Problem, step: str, token: str, action: str = "problems.manage"):
    problem = _lock(problem)
    _require(actor, action, problem)
    if _done_before(problem, token):
        return problem, True
    _check(problem, step)
    return problem, False


@transaction.atomic
def problem_transfer(
    *,
    actor: Any,
    problem: Problem,
    unit: Unit,
    workdays: int | None = None,
    note: str = "",
    token: str = "",
    today: date | None = None,
) -> Problem:
    """The office transfers the problem (转办) to another unit with a new deadline; a 转办单 is issued."""
    problem, done = _office_step(actor, problem, "transfer", token)
    if done:
        return problem
    unit = _check_unit(unit, problem.jurisdiction)
    if unit.pk == problem.assigned_unit_id:
        raise ValidationError({"unit": f"该问题已由“{unit}”承办，请选择其他单位。"})
    workdays = workdays or problem.deadline_workdays or rules.DEFAULT_DEADLINE_WORKDAYS
    old = problem.assigned_unit
    problem.due_date = _due(_today(today), workdays)
    problem.deadline_workdays = workdays
    problem.assigned_unit = unit
    problem.assigned_at = _moment(today)
    problem.status = "assigned"
    problem.pending_request, problem.request_note, problem.request_unit = "", "", None
    _saved(problem, actor, "转办")
    # the old unit's unsigned slips of this problem are superseded: no longer theirs to sign
    Slip.objects.filter(problem=problem, to_unit=old, acknowledged_at=None, voided_at=None).update(
        voided_at=problem.assigned_at, void_reason="已转办"
    )
    note = (note or "").strip()
    content = problem.description + (f"\n转办说明：{note}" if note else "")
    require_text = f"请于 {problem.due_date:%Y年%m月%d日} 前办结并书面答复，附佐证材料。"
    slip = _issue_for("transfer", problem, actor, content, require_text, today)
    _event(
        problem,
        "transferred",
        actor,
        problem.assigned_at,
        token,
        from_unit=old,
        to_unit=unit,
        slip=slip,
        note=f"由{old}转{unit}办理，{workdays} 个工作日内（{problem.due_date:%Y-%m-%d} 前）办结。{note}".strip(),
    )
    return problem


@transaction.atomic
def problem_escalate(
    *, actor: Any, problem: Problem, level: str = "", note: str = "", token: str = "", today=None
) -> Problem:
    """The office moves the problem up the rule set's ladder (上报); it becomes an agenda candidate of
    that level's next meeting (`selectors.agenda_candidates`)."""
    problem, done = _office_step(actor, problem, "escalate", token)
    if done:
        return problem
    levels = ladder_for(problem.jurisdiction)
    target = (
        level
        or problem.request_level
        or (lvl.key if (lvl := rules.next_level(levels, problem.level)) else "")
    )
    if message := rules.check_escalation(levels, problem.level, target):
        raise ValidationError({"level": message})
    old = problem.level
    at = _moment(today)
    problem.level, problem.escalated_at = target, at
    problem.pending_request, problem.request_note, problem.request_level = "", "", ""
    _saved(problem, actor, "上报")
    name = rules.level_name(levels, target)
    _event(
        problem,
        "escalated",
        actor,
        at,
        token,
        from_level=old,
        to_level=target,
        note=f"上报至“{name}”协调。{(note or '').strip()}".strip(),
    )
    return problem


@transaction.atomic
def problem_decline_request(
    *, actor: Any, problem: Problem, note: str, token: str = "", today=None
) -> Problem:
    """The office declines a transfer or escalation request (the unit keeps the problem)."""
    problem = _lock(problem)
    _require(actor, "problems.manage", problem)
    if _done_before(problem, token):
        return problem
    if not problem.pending_request:
        raise ValidationError({"__all__": "该问题没有待处理的转办或上报申请。"})
    note = _text(note, "note", "不予同意的理由", limit=300)
    kind = "transfer_requested" if problem.pending_request == "transfer" else "escalation_requested"
    label = rules.REQUESTS[problem.pending_request]
    problem.pending_request, problem.request_note, problem.request_unit, problem.request_level = (
        "",
        "",
        None,
        "",
    )
    _saved(problem, actor, "不同意申请")
    _event(problem, kind, actor, _moment(today), token, note=f"不同意{label}：{note}")
    return problem


def _slip_step(kind: str, event: str, action: str):
    @transaction.atomic
    def issue(
        *,
        actor: Any,
        problem: Problem,
        content: str,
        requirement: str = "",
        token: str = "",
        today: date | None = None,
    ) -> Slip | None:
        step = "remind" if kind == "remind" else "supervise"
        problem, done = _office_step(actor, problem, step, token, action)
        if done:
            return problem.events.filter(token=token).first().slip
        content = _text(content, "content", "提醒内容" if kind == "remind" else "督办内容")
        slip = _issue_for(kind, problem, actor, content, (requirement or "").strip(), today)
        _event(
            problem,
            event,
            actor,
            slip.issued_at,
            token,
            to_unit=problem.assigned_unit,
            slip=slip,
            note=content,
        )
        _saved(problem, actor, rules.SLIP_KINDS[kind])
        return slip

    return issue


problem_remind = _slip_step("remind", "reminded", "problems.manage")
problem_remind.__doc__ = "The office reminds the assigned unit (提醒单)."
problem_supervise = _slip_step("supervise", "supervised", "problems.supervise")
problem_supervise.__doc__ = (
    "The office or the supervision office supervises the unit (督办单, counted by the cards)."
)


def problem_evidence_count(problem: Problem) -> int:
    """The evidence of the reply under review: the attachments of the latest 答复 only. A reply the office
    returned, a progress note or the files of a unit the problem was transferred away from do not count."""
    reply = problem.events.filter(kind="replied").order_by("-at", "-id").first()
    if reply is None:
        return 0
    return ProblemAttachment.objects.filter(problem=problem, event=reply).count()


@transaction.atomic
def problem_review_close(
    *, actor: Any, problem: Problem, note: str = "", files: Iterable[Any] = (), token: str = "", today=None
) -> Problem:
    """The office reviews the reply and closes the problem (复核销号). Refused without a resolution and
    evidence: the attachments of the latest reply (`problem_evidence_count`) or files the office adds now."""
    problem, done = _office_step(actor, problem, "review_close", token)
    if done:
        return problem
    files = check_files(files)
    if not problem.resolution.strip():
        raise ValidationError({"__all__": "承办单位尚未填写办理结果，不能销号。"})
    if not files and not problem_evidence_count(problem):
        raise ValidationError(
            {"files": "销号须有佐证材料：承办单位本次答复没有附件，请上传复核材料，或退回承办单位补充。"}
        )
    at = _moment(today)
    problem.status = "closed"
    problem.reviewed_by = problem.closed_by = actor
    problem.reviewed_at = problem.closed_at = at
    problem.review_note = (note or "").strip()[:300]
    _saved(problem, actor, "复核销号")
    event = _event(
        problem, "closed", actor, at, token, note=problem.review_note or "经复核，问题已解决，予以销号。"
    )
    _attach(problem, event, files, actor)
    return problem


@transaction.atomic
def problem_review_return(
    *, actor: Any, problem: Problem, reason: str, token: str = "", today=None
) -> Problem:
    """The office returns the reply (退回): the unit keeps working on it (办理中) and answers again."""
    problem, done = _office_step(actor, problem, "review_return", token)
    if done:
        return problem
    reason = _text(reason, "reason", "退回理由", limit=300)
    at = _moment(today)
    problem.status = "acknowledged"
    problem.reviewed_by, problem.reviewed_at, problem.review_note = actor, at, reason
    _saved(problem, actor, "复核退回")
    _event(problem, "review_returned", actor, at, token, note=reason, to_unit=problem.assigned_unit)
    return problem
