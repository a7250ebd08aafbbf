"""Writes of the project library: projects, stage moves, hand-overs, monthly investment (REQ B1–B3, G3).

Every write checks access (`user=None` is the command line or a system job), validates everything first
with the pure rules and raises `ValidationError({field: Chinese message})`, then writes under one
transaction, so nothing is half-saved. History (django-simple-history) records the author of each change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tuijin.core.access import AccessDenied, can, require, scope, subtree_path
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction, Person, Unit

from . import rules
from .models import FundingSource, Handover, InvestmentEntry, Project, StageTransition

# What the responsible unit's staff may change (permissions.py: projects.edit without projects.edit_all).
UNIT_EDITABLE = ("content", "address", "longitude", "latitude", "image_progress")
# Every field a create or an update may set; the stage changes through project_move_stage only.
PROJECT_FIELDS = (
    "name",
    "code",
    "category",
    "sector",
    "total_investment",
    "content",
    "address",
    "longitude",
    "latitude",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "planned_production",
    "planned_production_precision",
    "image_progress",
    "lead_leader",
    "responsible_unit",
    "service_officer",
    "owner",
    "supervising_unit",
    "street",
    "coordinating_office",
)
UNIT_FIELDS = ("responsible_unit", "supervising_unit", "street", "coordinating_office")
PERSON_FIELDS = ("lead_leader", "service_officer")
PRECISION_FIELDS = ("planned_start_precision", "planned_completion_precision", "planned_production_precision")
REASON_LENGTH = 100  # simple-history's change-reason column


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# ---------------------------------------------------------------------------------------------------
# "Project changed" listeners: what other apps keep from a project's stage, stage transitions or planned
# dates (lights) registers here from its AppConfig.ready(). Called with the project ids after the write,
# inside the same transaction, as `listener(ids, today=today)` (today: the day the caller works on, None
# for the real today).

ProjectListener = Callable[..., None]
_PROJECT_LISTENERS: list[ProjectListener] = []


def register_project_listener(listener: ProjectListener) -> None:
    """Call `listener(project_ids, today=...)` after every project create, update, stage move, backfill
    and import (registering the same function twice registers it once)."""
    if listener not in _PROJECT_LISTENERS:
        _PROJECT_LISTENERS.append(listener)


def project_changed(project_ids: Sequence[int], *, today: date | None = None) -> None:
    """Tell the listeners these projects changed (the library's writers call it after their write)."""
    if project_ids:
        for listener in list(_PROJECT_LISTENERS):
            listener(list(project_ids), today=today)


def _require(user: Any, action: str, obj: Any = None) -> None:
    if user is not None:
        require(user, action, obj)


def _reason(text: str) -> str:
    return text[:REASON_LENGTH]


# ---------------------------------------------------------------------------------------------------
# Validation shared by create and update


@dataclass(frozen=True)
class FundingLine:
    kind: str
    amount: Decimal | None = None
    note: str = ""


def _funding_lines(funding: Iterable[Mapping[str, Any] | FundingLine]) -> list[FundingLine]:
    lines = []
    for item in funding:
        if isinstance(item, FundingLine):
            lines.append(item)
        else:
            lines.append(FundingLine(item["kind"], item.get("amount"), item.get("note", "") or ""))
    return lines


def jurisdiction_codes(jurisdiction: Jurisdiction) -> list[str]:
    """The codes of a jurisdiction and its ancestors (what a project code's region must lie within)."""
    return [code for code in jurisdiction.path.split("/") if code]


def _related_path(project_path: str, other_path: str) -> bool:
    """A unit or person may serve a project of its own jurisdiction, an ancestor's or a subdivision's."""
    return project_path.startswith(other_path) or other_path.startswith(project_path)


def _check_links(project: Project, secondary_units: Sequence[Unit]) -> dict[str, str]:
    """Units and people must belong to the project's jurisdiction (or above or below it)."""
    errors: dict[str, str] = {}
    if project.responsible_unit_id is None:
        errors["responsible_unit"] = "请选择责任单位。"
    linked: list[tuple[str, Unit | Person]] = [
        (name, getattr(project, name)) for name in UNIT_FIELDS + PERSON_FIELDS if getattr(project, name)
    ]
    linked += [("secondary_units", unit) for unit in secondary_units]
    ids = {obj.jurisdiction_id for _, obj in linked}
    paths = dict(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    for field, obj in linked:
        if not _related_path(project.jurisdiction.path, paths.get(obj.jurisdiction_id, "")):
            errors.setdefault(
                field, f"“{obj}”不属于{project.jurisdiction.name}，请从本辖区的单位或人员中选择。"
            )
    if project.street is not None and project.street.kind != "street":
        errors.setdefault("street", f"“{project.street}”不是镇/街道，所在街道请选择镇或街道办事处。")
    return errors


def _check_code(project: Project, today: date, user: Any) -> dict[str, str]:
    """Check the national project code and keep its notes (REQ B1); a duplicate names the other project
    when the user may read it."""
    check = rules.check_project_code(
        project.code,
        jurisdiction_codes=jurisdiction_codes(project.jurisdiction),
        jurisdiction_name=project.jurisdiction.name,
        today=today,
    )
    project.code = check.code
    project.code_note = "；".join(check.notes)[:120]
    if not check.ok:
        return {"code": " ".join(check.errors)}
    return _duplicate_code(project, user)


def _duplicate_code(project: Project, user: Any) -> dict[str, str]:
    """The error for a code another project already has. A project the user may not read (another
    district's, or the city's) is not named: the code is only said to be taken."""
    if not project.code:
        return {}
    others = Project.objects.filter(code=project.code).exclude(pk=project.pk)
    other = others.select_related("jurisdiction").first()
    if other is None:
        return {}
    code = project.code
    if user is None or scope(user, Project.objects.filter(pk=other.pk)).exists():
        used = f"已被项目“{other.name}”（{other.jurisdiction.name}）使用"
    elif other.jurisdiction_id != project.jurisdiction_id:
        used = "已被其他辖区的项目使用"
    else:
        used = "已被其他项目使用"
    return {"code": f"项目代码 {code} {used}，同一代码只能对应一个项目。"}


def _save_project(project: Project, user: Any, **kwargs: Any) -> None:
    """Save the project; a code taken meanwhile by a concurrent write (the unique constraint) is the
    Chinese duplicate-code error, and the savepoint keeps the caller's transaction usable."""
    try:
        with transaction.atomic():
            project.save(**kwargs)
    except IntegrityError:
        errors = _duplicate_code(project, user)
        if errors:
            raise ValidationError(errors) from None
        raise


def _validate(
    project: Project, lines: Sequence[FundingLine], secondary_units: Sequence[Unit], today: date, user: Any
) -> None:
    facts = rules.ProjectFacts(
        name=project.name or "",
        category=project.category or "",
        total_investment=project.total_investment,
        planned_start=project.planned_start,
        planned_completion=project.planned_completion,
        planned_production=project.planned_production,
        longitude=project.longitude,
        latitude=project.latitude,
        funding=tuple(line.amount for line in lines),
        planned_start_precision=project.planned_start_precision,
        planned_completion_precision=project.planned_completion_precision,
        planned_production_precision=project.planned_production_precision,
    )
    errors = rules.validate_project(facts)
    if project.sector and project.sector not in rules.SECTORS:
        errors["sector"] = f"产业类型应为：{'、'.join(rules.SECTORS.values())}。"
    for name in PRECISION_FIELDS:
        if getattr(project, name) not in rules.PRECISIONS:
            errors[name] = "日期精度应为：日、周或月。"
    if project.stage not in rules.STAGES:
        errors["stage"] = f"所处阶段应为：{'、'.join(rules.STAGES.values())}。"
    funding_errors = rules.validate_funding([(line.kind, line.amount) for line in lines])
    if funding_errors:
        errors.setdefault("funding", " ".join(funding_errors.values()))
    for field, message in _check_links(project, secondary_units).items():
        errors.setdefault(field, message)
    for field, message in _check_code(project, today, user).items():
        errors.setdefault(field, message)
    if errors:
        raise ValidationError(errors)


def _set_fields(project: Project, data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(PROJECT_FIELDS))
    if unknown:
        raise ValueError(f"unknown project fields: {unknown}")
    for name, value in data.items():
        setattr(project, name, "" if value is None and name in ("code", "sector", "owner") else value)
    if project.code is None:
        project.code = ""


# ---------------------------------------------------------------------------------------------------
# Projects


def _save_funding(project: Project, lines: Sequence[FundingLine], user: Any) -> bool:
    """Make the project's funding sources these lines: rows of the same kind are updated in place (so
    their history reads old → new), others added or removed. True when anything changed."""
    existing: dict[str, list[FundingSource]] = {}
    for row in project.funding_sources.order_by("id"):
        existing.setdefault(row.kind, []).append(row)
    changed = False
    for line in lines:
        row = existing.get(line.kind, []).pop(0) if existing.get(line.kind) else None
        if row is None:
            row = FundingSource(project=project, kind=line.kind)
        elif (row.amount, row.note) == (line.amount, line.note):
            continue
        row.amount, row.note = line.amount, line.note
        row._history_user = user
        row.save()
        changed = True
    for rows in existing.values():
        for row in rows:
            row._history_user = user
            row.delete()
            changed = True
    return changed


@transaction.atomic
def project_create(
    *,
    user: Any,
    jurisdiction: Jurisdiction,
    data: Mapping[str, Any],
    tags: Iterable[Any] = (),
    secondary_units: Iterable[Unit] = (),
    funding: Iterable[Mapping[str, Any] | FundingLine] = (),
    stage: str = "planning",
    today: date | None = None,
) -> Project:
    """Add a project to the library (REQ B1). Created in `stage` without inventing transitions: its actual
    dates start with the first recorded move. With no coordinating office given, the jurisdiction's
    routing rules pick one (WH19 二)."""
    _require(user, "projects.create")
    _require_jurisdiction(user, jurisdiction)
    today = _today(today)
    data = dict(data)
    project = Project(jurisdiction=jurisdiction, stage=data.pop("stage", stage))
    _set_fields(project, data)
    lines, secondary = _funding_lines(funding), list(secondary_units)
    _validate(project, lines, secondary, today, user)
    if project.coordinating_office_id is None:
        project.coordinating_office = project_route(project=project).office
    project.skip_history_when_saving = True
    _save_project(project, user)
    project.tags.set(list(tags))
    project.secondary_units.set(secondary)
    del project.skip_history_when_saving
    _save_funding(project, lines, user)
    # one history row for the whole new record, its tags and secondary units included
    project._history_user = user
    project._change_reason = "新建项目"
    project.save(update_fields=["updated_at"])
    project.history.filter(history_id=project.history.latest().history_id).update(history_type="+")
    project_changed([project.pk], today=today)
    return project


def _require_jurisdiction(user: Any, jurisdiction: Jurisdiction) -> None:
    if user is None or (user.is_superuser and user.is_active):
        return
    root = subtree_path(user)
    if root is None or not jurisdiction.path.startswith(root):
        raise AccessDenied(
            f"不能在{jurisdiction.name}新建项目：该辖区不在您的管辖范围内。", action="projects.create"
        )


def _locked(project: Project) -> Project:
    """The project re-read and locked for the write (PostgreSQL locks only the project row)."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("jurisdiction", *UNIT_FIELDS, *PERSON_FIELDS)
        .get(pk=project.pk)
    )


def _lock(project: Project) -> None:
    """Lock the project's row without reading it: writes of its child records follow each other."""
    list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True))


def _m2m_ids(project: Project, name: str) -> set[int]:
    return set(getattr(project, name).values_list("pk", flat=True))


@transaction.atomic
def project_update(
    *,
    user: Any,
    project: Project,
    data: Mapping[str, Any],
    tags: Iterable[Any] | None = None,
    secondary_units: Iterable[Unit] | None = None,
    funding: Iterable[Mapping[str, Any] | FundingLine] | None = None,
    reason: str = "",
    today: date | None = None,
) -> Project:
    """Change a project. The office changes everything; the responsible unit's staff change only content,
    address, map point, image progress and funding sources (anything else is refused with 403). `None`
    leaves tags, secondary units or funding as they are."""
    _require(user, "projects.edit", project)
    project = _locked(project)
    full = user is None or can(user, "projects.edit_all", project)
    data = dict(data)
    if data.get("code"):
        data["code"] = rules.normalise_code(data["code"])
    if data.pop("stage", project.stage) != project.stage:
        raise ValidationError({"stage": "阶段变更须在项目页面“记录阶段变更”中登记日期和依据，不能直接修改。"})
    changed = [name for name, value in data.items() if getattr(project, name, None) != value]
    tags = None if tags is None else list(tags)
    secondary = None if secondary_units is None else list(secondary_units)
    tags_changed = tags is not None and {getattr(t, "pk", t) for t in tags} != _m2m_ids(project, "tags")
    units_changed = secondary is not None and {u.pk for u in secondary} != _m2m_ids(
        project, "secondary_units"
    )
    restricted = [name for name in changed if name not in UNIT_EDITABLE]
    if not full and (restricted or tags_changed or units_changed):
        require(user, "projects.edit_all", project)
    _set_fields(project, data)
    lines = (
        _funding_lines(funding)
        if funding is not None
        else [FundingLine(f.kind, f.amount, f.note) for f in project.funding_sources.order_by("id")]
    )
    current_secondary = secondary if secondary is not None else list(project.secondary_units.all())
    _validate(project, lines, current_secondary, _today(today), user)
    if "coordinating_office" in data and project.coordinating_office_id is None:
        project.coordinating_office = project_route(project=project).office
        if project.coordinating_office_id is not None:
            changed.append("coordinating_office")
    project.skip_history_when_saving = True
    if tags_changed:
        project.tags.set(tags)
    if units_changed:
        project.secondary_units.set(secondary)
    del project.skip_history_when_saving
    funding_changed = funding is not None and _save_funding(project, lines, user)
    if changed or tags_changed or units_changed:
        project._history_user = user
        project._change_reason = _reason(reason or "修改项目信息")
        _save_project(project, user)
    elif funding_changed:
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    if changed:
        project_changed([project.pk], today=today)
    return project


# ---------------------------------------------------------------------------------------------------
# Stages (REQ B2)


def _history_facts(project: Project) -> list[rules.TransitionFacts]:
    moves = project.transitions.order_by("on", "id").values_list("to_stage", "on", "backfill")
    return [rules.TransitionFacts(stage, on, backfill) for stage, on, backfill in moves]


@transaction.atomic
def project_move_stage(
    *,
    user: Any,
    project: Project,
    to_stage: str,
    on: date | None,
    note: str = "",
    document: str = "",
    today: date | None = None,
) -> StageTransition:
    """Record a dated move into another stage, signed by `user` (REQ B2). Its date is the actual date
    of a start, completion or production (DESIGN.md: one source of truth)."""
    _require(user, "projects.move_stage", project)
    project = _locked(project)
    if on is None:
        raise ValidationError({"on": "请填写阶段变更的日期。"})
    errors = rules.check_transition_fields(
        current=project.stage, target=to_stage, on=on, history=_history_facts(project), today=_today(today)
    )
    if errors:
        raise ValidationError({field: " ".join(messages) for field, messages in errors.items()})
    move = StageTransition.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        on=on,
        note=note,
        document=document,
        recorded_by=user,
    )
    project.stage = to_stage
    project._history_user = user
    project._change_reason = _reason(f"阶段变更：{rules.STAGES[move.from_stage]} → {rules.STAGES[to_stage]}")
    project.save(update_fields=["stage", "updated_at"])
    project_changed([project.pk], today=today)
    return move


@transaction.atomic
def project_backfill_milestone(
    *,
    user: Any,
    project: Project,
    milestone: str,
    on: date | None,
    note: str = "",
    document: str = "",
    today: date | None = None,
) -> StageTransition:
    """Record the actual start, completion or production date of a project that reached that milestone
    with no date in the library (created or imported at 开工 or later): 补录实际开工/竣工/投产日期. The
    project stays in its stage; the record is a transition marked `backfill`, so `rules.actual_dates`
    stays the one source of truth."""
    _require(user, "projects.move_stage", project)
    project = _locked(project)
    if on is None:
        raise ValidationError({"on": "请填写日期。"})
    errors = rules.check_backfill_fields(
        current=project.stage,
        milestone=milestone,
        on=on,
        history=_history_facts(project),
        today=_today(today),
    )
    if errors:
        raise ValidationError({field: " ".join(messages) for field, messages in errors.items()})
    record = StageTransition.objects.create(
        project=project,
        from_stage=milestone,
        to_stage=milestone,
        on=on,
        note=note,
        document=document,
        recorded_by=user,
        backfill=True,
    )
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    project_changed([project.pk], today=today)
    return record


# ---------------------------------------------------------------------------------------------------
# Hand-overs (REQ B3, ETDZ19 四(五))


@transaction.atomic
def handover_open(
    *,
    user: Any,
    project: Project,
    kind: str,
    since: date | None,
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
    note: str = "",
    today: date | None = None,
) -> Handover:
    """Start a hand-over; its deadline is one month from `since` (the day the signing and registration
    papers were complete, or the day production began) (ETDZ19 四(五))."""
    _require(user, "projects.handover", project)
    project = _locked(project)
    if since is None:
        raise ValidationError({"since": "请填写起算日期。"})
    errors = rules.check_handover_open(kind, stage=project.stage, since=since, today=_today(today))
    if not errors and project.handovers.filter(kind=kind).exists():
        errors["kind"] = f"该项目已有“{rules.HANDOVER_KINDS[kind]}”的移交记录，每类移交只办理一次。"
    for field, unit in (("from_unit", from_unit), ("to_unit", to_unit)):
        if unit is not None and not _related_path(project.jurisdiction.path, unit.jurisdiction.path):
            errors[field] = f"“{unit}”不属于{project.jurisdiction.name}。"
    if errors:
        raise ValidationError(errors)
    handover = Handover(
        project=project,
        kind=kind,
        from_unit=from_unit,
        to_unit=to_unit,
        since=since,
        due_on=rules.handover_due(kind, since=since),
        note=note,
        recorded_by=user,
    )
    handover._history_user = user
    handover.save()
    return handover


@transaction.atomic
def handover_complete(
    *,
    user: Any,
    handover: Handover,
    handed_on: date | None,
    signed_by: str,
    site_checked_on: date | None = None,
    note: str = "",
    today: date | None = None,
) -> Handover:
    """Sign a hand-over off: the date, the signer, and for the office's hand-over the on-site check."""
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("project__jurisdiction")
        .get(pk=handover.pk)
    )
    _require(user, "projects.handover", handover.project)
    if handover.handed_on is not None:
        raise ValidationError({"handed_on": f"该移交已于 {handover.handed_on} 办结。"})
    errors = rules.check_handover_complete(
        handover.kind,
        since=handover.since,
        handed_on=handed_on,
        site_checked_on=site_checked_on,
        signed_by=signed_by,
        today=_today(today),
    )
    if errors:
        raise ValidationError(errors)
    handover.handed_on, handover.signed_by = handed_on, signed_by.strip()
    handover.site_checked_on = site_checked_on
    if note:
        handover.note = note
    handover._history_user = user
    handover.save()
    return handover


# ---------------------------------------------------------------------------------------------------
# Monthly investment (REQ G3)


@transaction.atomic
def investment_record(
    *,
    user: Any,
    project: Project,
    year: int,
    month: int,
    amount: Decimal | None,
    note: str = "",
    source: str = "office",
    today: date | None = None,
) -> InvestmentEntry:
    """Record (or correct) the investment a project completed in one month, 万元; never a future month.

    The project row is locked first, so two first entries for the same month made at once follow each
    other (the second corrects the first) instead of both inserting."""
    _require(user, "projects.record_investment", project)
    errors = rules.check_investment_month(year=year, month=month, amount=amount, today=_today(today))
    if errors:
        raise ValidationError(errors)
    _lock(project)
    entry = InvestmentEntry.objects.filter(project=project, year=year, month=month).first()
    if entry is None:
        entry = InvestmentEntry(project=project, year=year, month=month)
    elif entry.source == "report":  # written by an accepted (final, sealed) monthly report
        raise ValidationError(
            {
                "month": f"{year}年{month}月的完成投资来自已审核通过的月报（已封存或将被封存），不能在此改写；"
                "如需更正，请通过该月月报更正。"
            }
        )
    entry.amount, entry.note, entry.source, entry.recorded_by = amount, note, source, user
    entry._history_user = user
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # a writer that does not lock the project (a bulk import) inserted the month meanwhile
        if (
            entry.pk is not None
            or not InvestmentEntry.objects.filter(project=project, year=year, month=month).exists()
        ):
            raise
        raise ValidationError(
            {"month": f"{year}年{month}月的完成投资刚由他人录入，请刷新页面核对后再保存。"}
        ) from None
    project_changed([project.pk], today=today)  # the investment light reads the entries
    return entry


# ---------------------------------------------------------------------------------------------------
# Routing to a coordinating office (WH19 二 三层五线; REQ A4)


@dataclass(frozen=True)
class RouteResult:
    office: Unit | None
    route: rules.Route | None
    explanation: str


def _office_unit(project: Project, route: rules.Route) -> Unit | None:
    """The unit of the jurisdiction (or the nearest ancestor) named as the route's office."""
    names = (route.office, *route.aliases)
    candidates = Unit.objects.filter(
        jurisdiction__code__in=jurisdiction_codes(project.jurisdiction), is_active=True
    ).select_related("jurisdiction")
    matching = [unit for unit in candidates.filter(name__in=names)] or [
        unit for unit in candidates.filter(short_name__in=names)
    ]
    return max(matching, key=lambda unit: len(unit.jurisdiction.path), default=None)


def project_route(*, project: Project) -> RouteResult:
    """The coordinating office the jurisdiction's rule set assigns the project, with why (Chinese)."""
    version = ruleset_version_for_jurisdiction(project.jurisdiction)
    if version is None:
        return RouteResult(
            None, None, f"{project.jurisdiction.name}及其上级未采用规则集，无法按规则确定统筹协调部门。"
        )
    short = version.data.get("meta", {}).get("short") or version.rule_set.slug
    section = version.data.get("routing")
    if not section:
        return RouteResult(None, None, f"所采用的规则集（{short}）没有分线归口规则，统筹协调部门请手工指定。")
    total = project.total_investment if project.total_investment is not None else Decimal(0)
    route = rules.route_project(
        rules.routes_from(section), sector=project.sector or "", total_investment=total, name=project.name
    )
    if route is None:
        sector = rules.SECTORS.get(project.sector, "未填写")
        return RouteResult(
            None,
            None,
            f"没有符合的归口规则（{short}）：项目产业类型为{sector}，总投资 {rules.format_money(total)}。"
            "请补充产业类型或手工指定统筹协调部门。",
        )
    why = f"按 {short} {route.source}：{route.describe()}，由{route.office}统筹协调。"
    office = _office_unit(project, route)
    if office is None:
        return RouteResult(
            None,
            route,
            f"{why}但{project.jurisdiction.name}没有名为“{route.office}”的单位，请先在责任单位中添加。",
        )
    return RouteResult(office, route, why)
