"""Writes of supervision acts (督查记录): the H1 methods (窗口催办, 实地督办, 链条跟办, 进度评办) and KF19 五's
monthly circuit supervision (巡回督导), their findings, photos and required actions (整改要求) with
their follow-up (REQ H1, H3; NC20 三(四); KF19 五; WH19 四(二), 附件3 第1行 2).

Every service checks access first (`actor=None` is the command line, the demo or a system job), locks
the act (or the action) row, re-checks its state and writes in one transaction; bad input raises
`ValidationError` with Chinese messages by field, nothing half-saved. Creates carry the form's one-time
`token` (`ActToken`): a second submission of the same form returns what the first made.

A finding of kind `discrepancy` or `ceremony` on a project feeds the project's light (dimension "督查"):
the services tell the listeners of `listeners.py` (the lights register one) when such a finding is
recorded or resolved. A 督办单 issued for a required action (`action_supervise`) goes through
`problems.services.slip_issue(kind="supervise", source="supervision_action:<id>")`, which the cards
count (one yellow card per 督办单). A circuit supervision ends in accountability proposals (问责建议)
through the cards' referral path (`card_services.referral_propose`).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tuijin.core.access import require
from tuijin.org.models import Jurisdiction, Unit
from tuijin.projects.models import Project

from . import rules, selectors
from .listeners import LIGHT_KINDS, notify_findings
from .models import ActPhoto, ActToken, Finding, RequiredAction, SupervisionAct

# the finding kinds a circuit supervision's checklist proposes (KF19 五: 会议纪要落实、节点计划执行、
# 应开未开、应竣未竣)
CIRCUIT_KINDS = ("minutes", "node_plan", "should_start", "should_finish")
# the kinds that compare what was reported with what was seen: `observed` is required
OBSERVED_KINDS = ("discrepancy", "ceremony")
EDITABLE = ("draft", "recorded")


# ---------------------------------------------------------------------------------------------------
# Helpers


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _moment(today: date | None) -> datetime:
    """Now; or, when a past `today` is given (the demo, tests), ten o'clock that day."""
    if today is None or today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(today, time(10, 0)))


def _require(actor: Any, action: str, obj: Any = None) -> None:
    if actor is not None:
        require(actor, action, obj)


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


def _earlier(token: str, what: str, model: Any) -> Any:
    """Claim the form's token before anything is written; returns what an earlier submission of the
    same form made (None: this submission goes ahead and holds the token).

    The claim is an `ActToken` row inserted in a savepoint (object_id 0 until `_remember` fills it in).
    Two submissions racing with one token: the second's insert waits on the unique index until the first
    commits, fails cleanly inside its savepoint (the outer transaction stays usable), and returns the
    first's record; if the first rolled back, the second's insert succeeds and it goes ahead."""
    if not token:
        return None
    token = token[:64]
    row = ActToken.objects.filter(token=token).first()
    if row is None:
        try:
            with transaction.atomic():
                ActToken.objects.create(token=token, what=what, object_id=0)
            return None
        except IntegrityError:
            row = ActToken.objects.filter(token=token).first()
    if row is None or row.what != what or not row.object_id:
        raise ValidationError({"__all__": "该表单已提交过，未重复记录；请刷新页面后再填写。"})
    done = model.objects.filter(pk=row.object_id).first()
    if done is None:
        raise ValidationError({"__all__": "该表单已提交过，未重复记录；请刷新页面后再填写。"})
    return done


def _remember(token: str, what: str, obj: Any, actor: Any) -> Any:
    """Fill the claimed token (see `_earlier`) with what this submission made."""
    if token:
        ActToken.objects.filter(token=token[:64], what=what).update(object_id=obj.pk, user=actor)
    return obj


def check_unit(
    unit: Unit | None, jurisdiction: Jurisdiction, field: str = "unit", label: str = "单位"
) -> Unit:
    """A unit of the jurisdiction or one of its ancestors (only those see its records)."""
    if unit is None:
        raise ValidationError({field: f"请选择{label}。"})
    if not unit.is_active:
        raise ValidationError({field: f"单位“{unit.name}”已停用，请另选。"})
    if not jurisdiction.path.startswith(unit.jurisdiction.path):
        raise ValidationError({field: f"单位“{unit.name}”不属于{jurisdiction.name}或其上级辖区，请另选。"})
    return unit


def check_project(project: Project, jurisdiction: Jurisdiction, field: str = "project") -> Project:
    if not project.jurisdiction.path.startswith(jurisdiction.path):
        raise ValidationError({field: f"项目“{project.name}”不属于{jurisdiction.name}，不能在此督查。"})
    return project


def lock_act(act: SupervisionAct) -> SupervisionAct:
    return (
        SupervisionAct.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", "lead_unit")
        .get(pk=act.pk)
    )


def _editable(act: SupervisionAct, what: str) -> None:
    if act.status not in EDITABLE:
        raise ValidationError({"__all__": f"该督查记录已办结，不能再{what}。"})


def act_probe(jurisdiction: Jurisdiction) -> SupervisionAct:
    """An unsaved act of the jurisdiction: what `access.require` checks a recorder's rights against."""
    return SupervisionAct(jurisdiction=jurisdiction)


# ---------------------------------------------------------------------------------------------------
# Acts


def _act_values(
    jurisdiction: Jurisdiction,
    *,
    kind: str,
    title: str,
    date_: date | None,
    end_date: date | None,
    inspectors: str,
    lead_unit: Unit | None,
    projects: Iterable[Project],
    units: Iterable[Unit],
    summary: str,
    today: date,
) -> dict[str, Any]:
    """The act's fields checked together: every error at once, by field."""
    errors: dict[str, str] = {}
    if kind == "circuit":
        errors["kind"] = (
            "巡回督导请在“巡回督导”页按月生成（清单由系统按会议纪要、节点计划、应开未开和应竣未竣预填）。"
        )
    elif kind not in rules.ACT_KINDS:
        errors["kind"] = "请选择督查方式：窗口催办、实地督办、链条跟办或进度评办。"
    values: dict[str, Any] = {"kind": kind}
    for name, value, label, limit in (
        ("title", title, "督查事项", 200),
        ("inspectors", inspectors, "督查人员", 200),
    ):
        text = (value or "").strip()
        if not text:
            errors[name] = f"请填写{label}。"
        elif len(text) > limit:
            errors[name] = f"{label}不能超过 {limit} 个字。"
        values[name] = text
    if date_ is None:
        errors["date"] = "请填写督查日期。"
    elif date_ > today:
        errors["date"] = f"督查日期 {date_:%Y-%m-%d} 晚于今天，请记录已开展的督查。"
    if end_date is not None and date_ is not None and end_date < date_:
        errors["end_date"] = f"结束日期 {end_date:%Y-%m-%d} 早于督查日期 {date_:%Y-%m-%d}。"
    values.update(date=date_, end_date=end_date, summary=(summary or "").strip())
    for name, checker, items in (
        ("projects", check_project, list(projects or ())),
        ("units", check_unit, list(units or ())),
    ):
        for item in items:
            try:
                checker(item, jurisdiction, name)
            except ValidationError as exc:
                errors[name] = exc.message_dict[name][0]
        values[name] = items
    if lead_unit is not None:
        try:
            check_unit(lead_unit, jurisdiction, "lead_unit", "牵头单位")
        except ValidationError as exc:
            errors["lead_unit"] = exc.message_dict["lead_unit"][0]
    values["lead_unit"] = lead_unit
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def act_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    kind: str,
    title: str,
    date: date | None,
    inspectors: str,
    lead_unit: Unit | None = None,
    projects: Iterable[Project] = (),
    units: Iterable[Unit] = (),
    summary: str = "",
    end_date: date | None = None,
    token: str = "",
    today: date | None = None,
) -> SupervisionAct:
    """Record a supervision act (记录中): the supervision office or the project office of the subtree."""
    _require(actor, "supervision.record", act_probe(jurisdiction))
    if (done := _earlier(token, "act", SupervisionAct)) is not None:
        return done
    values = _act_values(
        jurisdiction,
        kind=kind,
        title=title,
        date_=date,
        end_date=end_date,
        inspectors=inspectors,
        lead_unit=lead_unit,
        projects=projects,
        units=units,
        summary=summary,
        today=_today(today),
    )
    projects_, units_ = values.pop("projects"), values.pop("units")
    act = SupervisionAct(jurisdiction=jurisdiction, created_by=actor or _system_user(), **values)
    _saved(act, actor, "记录督查")
    act.projects.set(projects_)
    act.units.set(units_)
    return _remember(token, "act", act, actor)


def _system_user() -> Any:
    """The account the command line and the demo record as (the first superuser)."""
    from tuijin.org.models import User

    user = User.objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise ValidationError(
            {"__all__": "没有可用的系统账号：请先创建超级管理员，或以具体用户身份记录督查。"}
        )
    return user


@transaction.atomic
def act_update(
    *,
    actor: Any,
    act: SupervisionAct,
    title: str,
    date: date | None,
    inspectors: str,
    lead_unit: Unit | None = None,
    projects: Iterable[Project] = (),
    units: Iterable[Unit] = (),
    summary: str = "",
    end_date: date | None = None,
    today: date | None = None,
) -> SupervisionAct:
    """Edit an act not yet closed (its kind stays). Projects and units that have findings stay named."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    _editable(act, "修改")
    kind = "onsite" if act.kind == "circuit" else act.kind  # a circuit act keeps its kind; check the rest
    values = _act_values(
        act.jurisdiction,
        kind=kind,
        title=title,
        date_=date,
        end_date=end_date,
        inspectors=inspectors,
        lead_unit=lead_unit,
        projects=projects,
        units=units,
        summary=summary,
        today=_today(today),
    )
    values.pop("kind")
    projects_, units_ = values.pop("projects"), values.pop("units")
    for name, value in values.items():
        setattr(act, name, value)
    _saved(act, actor, "修改督查记录")
    used_projects = set(act.findings.exclude(project=None).values_list("project_id", flat=True))
    used_units = set(act.findings.exclude(unit=None).values_list("unit_id", flat=True))
    used_units |= set(act.actions.values_list("unit_id", flat=True))
    act.projects.set({p.pk for p in projects_} | used_projects)
    act.units.set({u.pk for u in units_} | used_units)
    return act


@transaction.atomic
def act_record(*, actor: Any, act: SupervisionAct, today: date | None = None) -> SupervisionAct:
    """记录中 → 已记录: the act's record is complete (findings, photos, required actions may still follow)."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if act.status != "draft":
        raise ValidationError(
            {"__all__": f"该督查记录状态为“{act.get_status_display()}”，无需再次确认记录。"}
        )
    if not act.summary.strip() and not act.findings.exists():
        raise ValidationError({"summary": "请先填写督查情况，或记录至少一条督查发现，再确认记录。"})
    act.status = "recorded"
    _saved(act, actor, "确认记录")
    # findings light their projects once the act is recorded (lights.facts reads recorded/closed acts)
    lit = sorted(
        {
            pid
            for pid in act.findings.filter(kind__in=LIGHT_KINDS, resolved_at__isnull=True).values_list(
                "project_id", flat=True
            )
            if pid is not None
        }
    )
    if lit:
        notify_findings(project_ids=lit, today=_today(today))
    return act


@transaction.atomic
def act_close(*, actor: Any, act: SupervisionAct, today: date | None = None) -> SupervisionAct:
    """已记录 → 已办结, only when every required action is done (checked by the supervisor); otherwise
    refused with the list of those still open."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if act.status == "closed":
        raise ValidationError({"__all__": "该督查记录已办结。"})
    if act.status != "recorded":
        raise ValidationError({"__all__": "请先确认记录，再办结。"})
    day = _today(today)
    waiting = list(
        RequiredAction.objects.select_for_update(of=("self",))
        .filter(act=act)
        .exclude(status="done")
        .select_related("unit")
        .order_by("deadline", "id")
    )
    if waiting:
        lines = "；".join(selectors.action_line(a, day) for a in waiting)
        raise ValidationError({"__all__": f"还有 {len(waiting)} 项整改要求未复查通过，不能办结：{lines}"})
    act.status = "closed"
    _saved(act, actor, "办结")
    return act


# ---------------------------------------------------------------------------------------------------
# Findings


@transaction.atomic
def finding_add(
    *,
    actor: Any,
    act: SupervisionAct,
    kind: str,
    project: Project | None = None,
    unit: Unit | None = None,
    node: Any = None,
    report: Any = None,
    reported: str = "",
    observed: str = "",
    note: str = "",
    token: str = "",
    today: date | None = None,
) -> Finding:
    """A finding of the act on a project or at a unit. For a project, `reported` is what the unit last
    reported (the latest weekly report's 最新工作进展, the stage, recently completed nodes — filled from
    `selectors.reported_facts` when left blank) beside `observed`, what was seen; a discrepancy or a
    ceremony without real progress needs the project and what was seen."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if (done := _earlier(token, "finding", Finding)) is not None:
        return done
    _editable(act, "记录督查发现")
    errors: dict[str, str] = {}
    if kind not in rules.FINDING_KINDS:
        errors["kind"] = "请选择发现类别。"
    if project is not None:
        try:
            check_project(project, act.jurisdiction)
        except ValidationError as exc:
            errors["project"] = exc.message_dict["project"][0]
    if unit is not None:
        try:
            check_unit(unit, act.jurisdiction, "unit", "责任单位")
        except ValidationError as exc:
            errors["unit"] = exc.message_dict["unit"][0]
    observed = (observed or "").strip()
    if kind in OBSERVED_KINDS:
        if project is None:
            errors["project"] = (
                f"“{rules.FINDING_KINDS[kind]}”须选择项目：它比对的是该项目的填报情况与现场情况。"
            )
        if not observed:
            errors["observed"] = f"“{rules.FINDING_KINDS[kind]}”须填写现场所见：写明现场实际看到的情况。"
    if project is None and unit is None and "project" not in errors:
        errors["project"] = "请选择项目或责任单位（督查发现须落到具体项目或单位）。"
    if node is not None and (project is None or node.project_id != project.pk):
        errors["node"] = "所选链条节点不属于该项目。"
    if report is not None and (project is None or report.project_id != project.pk):
        errors["report"] = "所选报告不属于该项目。"
    if len(note or "") > 2000:
        errors["note"] = "说明不能超过 2000 字。"
    if errors:
        raise ValidationError(errors)
    reported = (reported or "").strip()
    if project is not None:
        facts = selectors.reported_facts(project)
        reported = reported or facts.text
        report = report or facts.report
        unit = unit or project.responsible_unit
    finding = Finding.objects.create(
        act=act,
        kind=kind,
        project=project,
        unit=unit,
        node=node,
        report=report,
        reported=reported,
        observed=observed,
        note=(note or "").strip(),
    )
    if project is not None:
        act.projects.add(project)
    if unit is not None:
        act.units.add(unit)
    if kind in LIGHT_KINDS:
        notify_findings(project_ids=[finding.project_id], today=_today(today))
    return _remember(token, "finding", finding, actor)


@transaction.atomic
def finding_resolve(*, actor: Any, finding: Finding, note: str, today: date | None = None) -> Finding:
    """The office or the supervisor marks a finding corrected (已纠正): it no longer lights the project."""
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("act__jurisdiction", "project")
        .get(pk=finding.pk)
    )
    _require(actor, "supervision.record", finding.act)
    if finding.resolved_at is not None:
        at = timezone.localtime(finding.resolved_at)
        raise ValidationError(
            {
                "__all__": f"该发现已于 {at:%Y-%m-%d %H:%M} 标记为已纠正（{finding.resolved_note}），无需重复操作。"
            }
        )
    finding.resolved_note = _text(note, "note", "纠正说明", limit=300)
    finding.resolved_at = _moment(today)
    finding.save(update_fields=["resolved_note", "resolved_at"])
    if finding.kind in LIGHT_KINDS:
        notify_findings(project_ids=[finding.project_id], today=_today(today))
    return finding


# ---------------------------------------------------------------------------------------------------
# Photos (the reports' checks: JPEG, PNG or WebP decoded by Pillow, the size limit, a thumbnail)


def _image_format(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def _thumbnail(data: bytes) -> bytes:
    from PIL import Image, ImageOps

    from tuijin.reports.services import THUMBNAIL_SIZE

    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        return out.getvalue()


def _check_photo(
    *,
    act: SupervisionAct,
    file: Any,
    taken_on: date | None,
    caption: str,
    finding: Finding | None,
    project: Project | None,
    actor: Any,
    today: date,
    field: str = "file",
    action: RequiredAction | None = None,
) -> ActPhoto:
    from tuijin.reports import rules as report_rules
    from tuijin.reports.services import photo_max_bytes

    name = os.path.basename(getattr(file, "name", "") or "photo")
    size = getattr(file, "size", None)
    max_bytes = photo_max_bytes()
    data = b""
    if size is None or size <= max_bytes:
        data = file.read()
        size = len(data)
    image_format = _image_format(data) if data and size <= max_bytes else None
    errors: dict[str, str] = {}
    if error := report_rules.check_photo(
        name=name, size=size, image_format=image_format, max_bytes=max_bytes
    ):
        errors[field] = error
    if error := report_rules.check_taken_on(taken_on, today=today):
        errors["taken_on"] = error
    if len(caption or "") > 200:
        errors["caption"] = "说明不能超过 200 字。"
    if errors:
        raise ValidationError(errors)
    content_type = report_rules.PHOTO_FORMATS[image_format or ""]
    photo = ActPhoto(
        act=act,
        finding=finding,
        action=action,
        project=project or (finding.project if finding is not None else None),
        taken_on=taken_on,
        caption=(caption or "").strip(),
        content_type=content_type,
        size=size,
        original_name=name[:255],
        uploaded_by=actor,
    )
    photo._data = data  # written by `_write_photos` once every upload of the request passed its checks
    return photo


def _write_photos(photos: Sequence[ActPhoto]) -> list[ActPhoto]:
    """Store the checked photos' files and rows. A failure part way removes the files already written (the
    transaction rolls the rows back), so no orphaned file stays in storage."""
    written: list[Any] = []
    try:
        for photo in photos:
            extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
            stem = secrets.token_hex(8)
            photo.file.save(f"{stem}.{extension}", ContentFile(photo._data), save=False)
            written.append(photo.file)
            photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(_thumbnail(photo._data)), save=False)
            written.append(photo.thumbnail)
            photo.save()
    except Exception:
        for stored in written:
            with contextlib.suppress(Exception):
                stored.storage.delete(stored.name)
        raise
    return list(photos)


def _store_photo(**kwargs: Any) -> ActPhoto:
    """Check one upload and store it."""
    return _write_photos([_check_photo(**kwargs)])[0]


@transaction.atomic
def photo_add(
    *,
    actor: Any,
    act: SupervisionAct,
    file: Any,
    taken_on: date | None,
    caption: str = "",
    finding: Finding | None = None,
    project: Project | None = None,
    token: str = "",
    today: date | None = None,
) -> ActPhoto:
    """A site photo of the act (of one of its findings or projects)."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if (done := _earlier(token, "photo", ActPhoto)) is not None:
        return done
    _editable(act, "上传照片")
    if finding is not None and finding.act_id != act.pk:
        raise ValidationError({"finding": "所选督查发现不属于该督查记录。"})
    if project is not None:
        check_project(project, act.jurisdiction)
    photo = _store_photo(
        act=act,
        file=file,
        taken_on=taken_on,
        caption=caption,
        finding=finding,
        project=project,
        actor=actor,
        today=_today(today),
    )
    return _remember(token, "photo", photo, actor)


# ---------------------------------------------------------------------------------------------------
# Required actions (整改要求)


def lock_action(action: RequiredAction) -> RequiredAction:
    return (
        RequiredAction.objects.select_for_update(of=("self",))
        .select_related("act__jurisdiction", "unit", "project", "slip")
        .get(pk=action.pk)
    )


@transaction.atomic
def action_add(
    *,
    actor: Any,
    act: SupervisionAct,
    unit: Unit | None,
    content: str,
    deadline: date | None,
    project: Project | None = None,
    finding: Finding | None = None,
    token: str = "",
    today: date | None = None,
) -> RequiredAction:
    """A required action (整改要求): which unit must do what by when."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if (done := _earlier(token, "action", RequiredAction)) is not None:
        return done
    _editable(act, "提出整改要求")
    day = _today(today)
    errors: dict[str, str] = {}
    try:
        unit = check_unit(unit, act.jurisdiction, "unit", "整改单位")
    except ValidationError as exc:
        errors["unit"] = exc.message_dict["unit"][0]
    content = (content or "").strip()
    if not content:
        errors["content"] = "请填写整改要求。"
    if deadline is None:
        errors["deadline"] = "请填写整改时限。"
    elif deadline < day:
        errors["deadline"] = f"整改时限 {deadline:%Y-%m-%d} 早于今天，请给出今后的日期。"
    if finding is not None and finding.act_id != act.pk:
        errors["finding"] = "所选督查发现不属于该督查记录。"
    if project is not None:
        try:
            check_project(project, act.jurisdiction)
        except ValidationError as exc:
            errors["project"] = exc.message_dict["project"][0]
    if errors:
        raise ValidationError(errors)
    action = RequiredAction(
        act=act,
        finding=finding,
        unit=unit,
        project=project or (finding.project if finding is not None else None),
        content=content,
        deadline=deadline,
    )
    _saved(action, actor, "提出整改要求")
    act.units.add(unit)
    return _remember(token, "action", action, actor)


@transaction.atomic
def action_supervise(
    *,
    actor: Any,
    action: RequiredAction,
    content: str = "",
    requirement: str = "",
    today: date | None = None,
) -> RequiredAction:
    """Issue a 督办单 for the required action and keep it on the action. One per action: a second is
    refused naming the first (each 督办单 proposes a yellow card, so a double one would be a wrong card)."""
    from tuijin.problems.services import slip_issue

    action = lock_action(action)
    _require(actor, "supervision.record", action.act)
    if action.slip_id is not None:
        slip = action.slip
        raise ValidationError(
            {
                "__all__": f"该整改要求已于 {timezone.localtime(slip.issued_at):%Y-%m-%d} 签发"
                f"{slip.get_kind_display()}{slip.number_text}，不再重复签发。"
            }
        )
    if action.status == "done":
        raise ValidationError({"__all__": "该整改要求已整改到位，无需督办。"})
    act = action.act
    content = (
        content or ""
    ).strip() or f"{act.get_kind_display()}“{act.title}”（{act.date:%Y-%m-%d}）提出整改要求：{action.content}"
    deadline_text = f"{action.deadline:%Y年%m月%d日}前" if action.deadline else "限期"
    requirement = (
        requirement or ""
    ).strip() or f"请于{deadline_text}整改到位，并在平台报送整改情况和佐证照片。"
    slip = slip_issue(
        actor=actor,
        kind="supervise",
        jurisdiction=act.jurisdiction,
        to_unit=action.unit,
        subject=f"督查整改：{action.content}"[:200],
        content=content,
        requirement=requirement,
        deadline=action.deadline,
        project=action.project,
        source=f"supervision_action:{action.pk}",
        today=today,
    )
    action.slip = slip
    _saved(action, actor, "签发督办单")
    return action


@transaction.atomic
def action_reply(
    *,
    actor: Any,
    action: RequiredAction,
    reply: str,
    photos: Sequence[Any] = (),
    taken_on: date | None = None,
    today: date | None = None,
) -> RequiredAction:
    """The unit reports what it did (报整改), with evidence photos; the supervisor checks it next."""
    action = lock_action(action)
    _require(actor, "supervision.reply", action)
    if action.status == "replied":
        at = timezone.localtime(action.replied_at) if action.replied_at else None
        when = f"已于 {at:%Y-%m-%d %H:%M} " if at else "已"
        raise ValidationError(
            {"__all__": f"该整改要求{when}由{action.replied_by or '本单位'}报送整改情况，等待复查。"}
        )
    if action.status == "done":
        raise ValidationError({"__all__": "该整改要求已复查通过，无需再报。"})
    if action.act.status == "closed":
        raise ValidationError({"__all__": "该督查记录已办结。"})
    reply = _text(reply, "reply", "整改情况", limit=4000)
    day = _today(today)
    checked = []  # every upload is checked before the first is stored (nothing half-saved)
    for upload in photos or ():
        checked.append(
            _check_photo(
                act=action.act,
                file=upload,
                taken_on=taken_on or day,
                caption=f"整改佐证：{action.unit.short_name or action.unit.name}"[:200],
                finding=action.finding,
                project=action.project,
                actor=actor,
                today=day,
                field="photos",
                action=action,
            )
        )
    _write_photos(checked)
    action.reply = reply
    action.replied_by = actor
    action.replied_at = _moment(today)
    action.status = "replied"
    _saved(action, actor, "报送整改情况")
    return action


@transaction.atomic
def action_check(
    *, actor: Any, action: RequiredAction, result: str, note: str = "", today: date | None = None
) -> RequiredAction:
    """The supervisor checks the reply (复查): `done` (整改到位) or `returned` (退回继续整改, with a reason)."""
    action = lock_action(action)
    _require(actor, "supervision.record", action.act)
    if result not in ("done", "returned"):
        raise ValidationError({"result": "请选择复查结果：整改到位或退回继续整改。"})
    if action.status == "done":
        who = action.checked_by or "督查人员"
        at = timezone.localtime(action.checked_at) if action.checked_at else None
        raise ValidationError(
            {
                "__all__": f"该整改要求已由{who}{f'于 {at:%Y-%m-%d %H:%M} ' if at else ''}复查通过，无需重复复查。"
            }
        )
    if action.status != "replied":
        raise ValidationError({"__all__": "整改单位尚未报送整改情况，不能复查。"})
    note = _text(
        note,
        "note",
        "退回理由" if result == "returned" else "复查意见",
        required=result == "returned",
        limit=300,
    )
    action.checked_by = actor
    action.checked_at = _moment(today)
    action.check_note = note
    action.status = "done" if result == "done" else "open"
    _saved(action, actor, "复查通过" if result == "done" else "复查退回")
    return action


# ---------------------------------------------------------------------------------------------------
# Circuit supervision (巡回督导, KF19 五)


def month_start(month: date) -> date:
    return month.replace(day=1)


@transaction.atomic
def circuit_prepare(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    month: date,
    inspectors: str = "",
    today: date | None = None,
) -> SupervisionAct:
    """The month's circuit supervision act (one per jurisdiction and month; preparing again returns it),
    naming the units and projects its checklist (`selectors.circuit_checklist`) lists from the stored
    facts: open matters past their deadline, red and yellow nodes, 应开未开 and 应竣未竣 projects."""
    _require(actor, "supervision.record", act_probe(jurisdiction))
    day = _today(today)
    month = month_start(month)
    if month > month_start(day):
        raise ValidationError({"month": f"{month:%Y年%m月}尚未到来，不能开展巡回督导。"})
    # one per month: concurrent preparers wait on the jurisdiction's row, then find the first one's act
    Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).first()
    found = SupervisionAct.objects.filter(jurisdiction=jurisdiction, kind="circuit", month=month).first()
    if found is not None:
        return found
    checklist = selectors.circuit_checklist(jurisdiction, month=month, today=day)
    if not inspectors and actor is not None:
        unit = getattr(actor, "unit", None)
        inspectors = f"{unit.name if unit else ''} {actor.display_name or actor.username}".strip()
    last_day = day if month == month_start(day) else _month_end(month)
    act = SupervisionAct(
        jurisdiction=jurisdiction,
        kind="circuit",
        title=f"{month.year}年{month.month}月重大项目巡回督导",
        date=last_day,
        month=month,
        inspectors=(inspectors or "督导组")[:200],
        summary=checklist.summary,
        created_by=actor or _system_user(),
    )
    _saved(act, actor, "生成巡回督导清单")
    act.units.set([group.unit for group in checklist.groups])
    act.projects.set({line.project_id for g in checklist.groups for line in g.lines if line.project_id})
    return act


def _month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@transaction.atomic
def circuit_confirm(
    *, actor: Any, act: SupervisionAct, keys: Iterable[str], today: date | None = None
) -> list[Finding]:
    """The supervisor confirms checklist lines as findings (kinds minutes / node_plan / should_start /
    should_finish). A line confirmed before is not doubled; a key no longer on the checklist is refused."""
    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if act.kind != "circuit":
        raise ValidationError({"__all__": "只有巡回督导有督导清单。"})
    _editable(act, "确认督导清单")
    day = _today(today)
    checklist = selectors.circuit_checklist(act.jurisdiction, month=act.month, today=day, act=act)
    lines = {line.key: (group, line) for group in checklist.groups for line in group.lines}
    wanted = [k for k in dict.fromkeys(keys or ()) if k]
    if not wanted:
        raise ValidationError({"keys": "请勾选要确认为督查发现的清单事项。"})
    missing = [k for k in wanted if k not in lines]
    if missing:
        raise ValidationError({"keys": "清单已变化，部分事项已不在清单上，请刷新页面后重新勾选。"})
    made = []
    for key in wanted:
        group, line = lines[key]
        if line.confirmed:
            continue
        made.append(
            Finding.objects.create(
                act=act,
                kind=line.kind,
                project_id=line.project_id,
                unit=group.unit,
                node_id=line.node_id,
                reported=line.text,
                note=line.key,
            )
        )
    return made


@transaction.atomic
def circuit_propose(
    *,
    actor: Any,
    act: SupervisionAct,
    unit: Unit | None,
    person_name: str,
    person_post: str,
    proposal: str,
    today: date | None = None,
) -> Any:
    """An accountability proposal (问责建议) of the circuit supervision for a named unit and person; it
    follows the cards' referral path (the leader in charge's consent, sent, outcome: the referral pages of `card_views`)."""
    from tuijin.supervision import card_services

    act = lock_act(act)
    _require(actor, "supervision.record", act)
    if act.kind != "circuit":
        raise ValidationError({"__all__": "问责建议由巡回督导提出。"})
    if act.status == "draft":
        raise ValidationError({"__all__": "请先确认督导记录，再提出问责建议。"})
    errors: dict[str, str] = {}
    try:
        unit = check_unit(unit, act.jurisdiction, "unit", "被问责单位")
    except ValidationError as exc:
        errors["unit"] = exc.message_dict["unit"][0]
    if not (person_name or "").strip():
        errors["person_name"] = "请填写责任人姓名：问责建议须落到具体的人。"
    if not (proposal or "").strip():
        errors["proposal"] = "请填写问责建议（事实和建议的处理）。"
    if errors:
        raise ValidationError(errors)
    return card_services.referral_propose(
        actor=actor,
        jurisdiction=act.jurisdiction,
        unit=unit,
        origin="circuit",
        act=act,
        person_name=person_name.strip()[:40],
        person_post=(person_post or "").strip()[:80],
        proposal=proposal.strip(),
        today=today,
    )
