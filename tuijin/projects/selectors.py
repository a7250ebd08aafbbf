"""Reads of one project: everything its page shows, fetched in a constant number of queries and prepared
for the template (display strings ready, no per-cell lookups). Lists live in `list_selectors.py`, plans
in `plan_selectors.py`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from tuijin.core.access import get_readable, scope
from tuijin.org.models import Person, Unit

from . import rules
from .models import (
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

PROJECT_RELATED = (
    "jurisdiction",
    "lead_leader",
    "responsible_unit",
    "service_officer",
    "supervising_unit",
    "street",
    "coordinating_office",
)


def project_readable(user: Any, pk: int) -> Project:
    """One project the user may read (404 otherwise), with its responsibilities joined."""
    return get_readable(user, Project.objects.select_related(*PROJECT_RELATED), pk=pk)


def unit_choices(user: Any, jurisdiction) -> QuerySet:
    """Units the pickers offer: the jurisdiction's and its subdivisions', within the user's scope."""
    return (
        scope(user, Unit.objects.filter(is_active=True))
        .filter(jurisdiction__path__startswith=jurisdiction.path)
        .order_by("jurisdiction__path", "sort", "id")
    )


def person_choices(user: Any, jurisdiction, *, leaders_only: bool = False) -> QuerySet:
    qs = scope(user, Person.objects.filter(is_active=True)).filter(
        jurisdiction__path__startswith=jurisdiction.path
    )
    if leaders_only:
        qs = qs.filter(is_leader=True)
    return qs.select_related("unit").order_by("jurisdiction__path", "-is_leader", "id")


# ---------------------------------------------------------------------------------------------------
# The project page


@dataclass(frozen=True)
class DateRow:
    """A planned date beside the actual date from the stage transitions (late ones marked)."""

    label: str
    planned: str
    precision: str
    actual: str
    status: str
    css: str


@dataclass(frozen=True)
class MonthCell:
    month: int
    target: str
    actual: str
    behind: bool


@dataclass(frozen=True)
class YearBlock:
    """One year of the plan against the monthly investment entries."""

    year: int
    plan_title: str
    plan_type: str
    planned: str
    annual_content: str
    removed: bool
    months: list[MonthCell]
    target_total: str
    actual_total: str
    rate: str


@dataclass(frozen=True)
class HandoverRow:
    pk: int
    kind: str
    kind_code: str
    from_unit: str
    to_unit: str
    since: str
    due_on: str
    handed_on: str
    site_checked_on: str
    signed_by: str
    note: str
    status: str
    css: str
    open: bool


@dataclass(frozen=True)
class TimelineRow:
    on: str
    from_stage: str
    to_stage: str
    note: str
    document: str
    who: str
    milestone: str
    backfill: bool = False  # a milestone's date recorded later (补录); the stage did not change


@dataclass
class ProjectPage:
    project: Project
    code: str
    code_note: str
    category: str
    sector: str
    tags: list[str]
    stage: str
    stage_code: str
    library: str
    total_investment: str
    longitude: str
    latitude: str
    dates: list[DateRow]
    responsibilities: list[tuple[str, str]]
    funding: list[tuple[str, str, str]]
    funding_total: str
    cumulative: str
    this_year: str
    this_year_planned: str
    this_year_rate: str
    years: list[YearBlock]
    timeline: list[TimelineRow]
    handovers: list[HandoverRow]
    history: list[Any] = field(default_factory=list)
    open_handover_kinds: list[tuple[str, str]] = field(default_factory=list)
    stage_pipeline: list[tuple[str, str, str]] = field(default_factory=list)
    # milestones reached with no actual date in the library (created or imported at 开工 or later):
    # (stage, "实际开工") pairs the stage card offers to backfill
    missing_milestones: list[tuple[str, str]] = field(default_factory=list)


def _money(amount: Decimal | None) -> str:
    return rules.format_money(amount) if amount is not None else "—"


def _wan(amount: Decimal | None) -> str:
    """A bare 万元 figure for table cells (the column says 万元)."""
    if amount is None:
        return ""
    text = f"{amount.quantize(Decimal('0.01')):,}"
    return text.removesuffix(".00")


def _rate(done: Decimal, of: Decimal) -> str:
    if not of:
        return "—"
    return f"{(done * 100 / of).quantize(Decimal('0.1'))}%"


def _date_rows(project: Project, actual: dict[str, date], today: date) -> list[DateRow]:
    rows = []
    for stage, label, planned, precision in (
        ("started", "开工", project.planned_start, project.planned_start_precision),
        ("completed", "竣工", project.planned_completion, project.planned_completion_precision),
        ("producing", "投产", project.planned_production, project.planned_production_precision),
    ):
        done = actual.get(stage)
        late = rules.is_late(planned, precision, done, today=today)
        if planned is None:
            status, css = ("已" + label if done else "未计划"), "bg-secondary-lt"
        elif done is not None:
            end = rules.period_end(planned, precision)
            status = f"逾期 {(done - end).days} 天" if late else "按期"
            css = "bg-red-lt" if late else "bg-green-lt"
        elif late:
            end = rules.period_end(planned, precision)
            status, css = f"应{label}未{label}，已逾期 {(today - end).days} 天", "bg-red-lt"
        else:
            status, css = "未到期", "bg-secondary-lt"
        rows.append(
            DateRow(
                label=label,
                planned=rules.format_planned(planned, precision) or "—",
                precision=rules.PRECISIONS.get(precision, ""),
                actual=done.isoformat() if done else "—",
                status=status,
                css=css,
            )
        )
    return rows


def _responsibilities(project: Project, secondary: list[Unit]) -> list[tuple[str, str]]:
    def name(obj) -> str:
        return str(obj) if obj is not None else "—"

    return [
        ("挂点领导", name(project.lead_leader)),
        ("责任单位", name(project.responsible_unit)),
        ("服务专员", name(project.service_officer)),
        ("业主单位", project.owner or "—"),
        ("主管部门", name(project.supervising_unit)),
        ("所在街道", name(project.street)),
        ("统筹协调部门", name(project.coordinating_office)),
        ("配合单位", "、".join(str(unit) for unit in secondary) or "—"),
    ]


def _year_blocks(
    entries: list[PlanEntry], invested: dict[tuple[int, int], Decimal], today: date
) -> list[YearBlock]:
    by_year = {entry.plan.year: entry for entry in entries}
    years = sorted(set(by_year) | {year for year, _ in invested}, reverse=True)
    blocks = []
    for year in years:
        entry = by_year.get(year)
        targets = list(entry.monthly_targets) if entry is not None else []
        months, target_total, actual_total = [], Decimal(0), Decimal(0)
        for month in range(1, 13):
            target = (
                Decimal(str(targets[month - 1])) if len(targets) >= month and targets[month - 1] else None
            )
            actual = invested.get((year, month))
            target_total += target or 0
            actual_total += actual or 0
            past = (year, month) < (today.year, today.month)
            behind = past and target is not None and (actual or 0) < target
            months.append(MonthCell(month, _wan(target), _wan(actual), behind))
        planned = entry.planned_investment if entry is not None else None
        blocks.append(
            YearBlock(
                year=year,
                plan_title=entry.plan.title if entry is not None else "",
                plan_type=rules.PLAN_TYPES.get(entry.plan_type, "")
                if entry is not None
                else "未列入年度计划",
                planned=_money(planned),
                annual_content=entry.annual_content if entry is not None else "",
                removed=bool(entry is not None and entry.removed),
                months=months,
                target_total=_wan(target_total) if targets else "",
                actual_total=_wan(actual_total),
                rate=_rate(actual_total, planned or Decimal(0)),
            )
        )
    return blocks


def _handover_rows(handovers: list[Handover], today: date) -> list[HandoverRow]:
    rows = []
    for handover in handovers:
        late = rules.handover_overdue_days(handover.due_on, handover.handed_on, today=today)
        if handover.handed_on is not None:
            status, css = (
                (f"已移交（逾期 {late} 天）", "bg-orange-lt") if late else ("已按期移交", "bg-green-lt")
            )
        elif late:
            status, css = f"逾期 {late} 天未移交", "bg-red-lt"
        else:
            status, css = f"办理中，剩 {(handover.due_on - today).days} 天", "bg-azure-lt"
        rows.append(
            HandoverRow(
                pk=handover.pk,
                kind=rules.HANDOVER_KINDS.get(handover.kind, handover.kind),
                kind_code=handover.kind,
                from_unit=str(handover.from_unit or "—"),
                to_unit=str(handover.to_unit or "—"),
                since=handover.since.isoformat() if handover.since else "—",
                due_on=handover.due_on.isoformat(),
                handed_on=handover.handed_on.isoformat() if handover.handed_on else "",
                site_checked_on=handover.site_checked_on.isoformat() if handover.site_checked_on else "",
                signed_by=handover.signed_by,
                note=handover.note,
                status=status,
                css=css,
                open=handover.handed_on is None,
            )
        )
    return rows


def _who(user) -> str:
    if user is None:
        return "系统"
    return user.display_name or user.username


def _timeline(moves: list[StageTransition]) -> list[TimelineRow]:
    return [
        TimelineRow(
            on=move.on.isoformat(),
            from_stage=rules.STAGES.get(move.from_stage, "—") if move.from_stage else "—",
            to_stage=rules.STAGES[move.to_stage],
            note=move.note,
            document=move.document,
            who=_who(move.recorded_by),
            milestone=rules.MILESTONE_STAGES.get(move.to_stage, ""),
            backfill=move.backfill,
        )
        for move in reversed(moves)
    ]


def transition_facts(moves: list[StageTransition]) -> list[rules.TransitionFacts]:
    return [rules.TransitionFacts(m.to_stage, m.on, m.backfill) for m in moves]


def missing_milestones(stage: str, actual: dict[str, date]) -> list[tuple[str, str]]:
    """Milestones the project has reached (its stage is at or past them) whose actual date is unknown."""
    return [
        (milestone, label)
        for milestone, label in rules.MILESTONE_STAGES.items()
        if rules.STAGE_ORDER[milestone] <= rules.STAGE_ORDER[stage] and milestone not in actual
    ]


def _pipeline(stage: str) -> list[tuple[str, str, str]]:
    """The ten stages with the current one marked: (label, library, state) with state done/current/todo."""
    current = rules.STAGE_ORDER[stage]
    steps = []
    for name, label in rules.STAGES.items():
        order = rules.STAGE_ORDER[name]
        state = "done" if order < current else ("current" if order == current else "todo")
        steps.append((label, rules.LIBRARIES[rules.library_of(name)], state))
    return steps


def project_page(project: Project, *, today: date) -> ProjectPage:
    """Everything about one project (REQ B1–B5): 12 queries whatever its history's length."""
    tags = list(project.tags.values_list("name", flat=True))
    secondary = list(project.secondary_units.all())
    funding = list(project.funding_sources.all())
    moves = list(project.transitions.select_related("recorded_by").order_by("on", "id"))
    handovers = list(project.handovers.select_related("from_unit", "to_unit"))
    entries = list(project.plan_entries.select_related("plan").order_by("-plan__year"))
    investments = list(InvestmentEntry.objects.filter(project=project).values_list("year", "month", "amount"))

    actual = rules.actual_dates(transition_facts(moves))
    invested = {(year, month): amount for year, month, amount in investments}
    cumulative = sum(invested.values(), Decimal(0))
    this_year = sum((a for (y, _), a in invested.items() if y == today.year), Decimal(0))
    current_entry = next((e for e in entries if e.plan.year == today.year and not e.removed), None)
    planned_now = current_entry.planned_investment if current_entry is not None else None
    funded = [f.amount for f in funding if f.amount is not None]
    taken = {h.kind for h in handovers}
    return ProjectPage(
        project=project,
        code=project.code or "—",
        code_note=project.code_note,
        category=rules.CATEGORIES.get(project.category, project.category),
        sector=rules.SECTORS.get(project.sector, "—"),
        tags=tags,
        stage=rules.STAGES[project.stage],
        stage_code=project.stage,
        library=rules.LIBRARIES[project.library],
        total_investment=_money(project.total_investment),
        longitude=str(project.longitude) if project.longitude is not None else "",
        latitude=str(project.latitude) if project.latitude is not None else "",
        dates=_date_rows(project, actual, today),
        responsibilities=_responsibilities(project, secondary),
        funding=[(f.get_kind_display(), _money(f.amount), f.note) for f in funding],
        funding_total=_money(sum(funded, Decimal(0))) if funded else "—",
        cumulative=_money(cumulative),
        this_year=_money(this_year),
        this_year_planned=_money(planned_now),
        this_year_rate=_rate(this_year, planned_now or Decimal(0)),
        years=_year_blocks(entries, invested, today),
        timeline=_timeline(moves),
        handovers=_handover_rows(handovers, today),
        history=history_items(project, moves=moves),
        open_handover_kinds=[
            (kind, label)
            for kind, label in rules.HANDOVER_KINDS.items()
            if kind not in taken
            and rules.STAGE_ORDER[project.stage] >= rules.STAGE_ORDER[rules.HANDOVER_FROM_STAGE[kind]]
        ],
        stage_pipeline=_pipeline(project.stage),
        missing_milestones=missing_milestones(project.stage, actual),
    )


# ---------------------------------------------------------------------------------------------------
# The project's full history: who, when, what (old → new), merged from every record that tells it


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryItem:
    when: datetime
    who: str
    title: str
    changes: tuple[Change, ...] = ()
    note: str = ""
    icon: str = "edit"

    @property
    def when_text(self) -> str:
        return timezone.localtime(self.when).strftime("%Y-%m-%d %H:%M")


HISTORY_META = ("id", "history_id", "history_date", "history_type", "history_change_reason")
USER_COLUMNS = ("history_user__display_name", "history_user__username")
MONEY_FIELDS = ("total_investment", "amount", "planned_investment")
SHORT_TEXT = 60
# Project columns the history compares: stage moves are told by their transitions, timestamps by the row.
PROJECT_COLUMNS = tuple(
    f.attname
    for f in Project._meta.concrete_fields
    if f.name not in ("id", "created_at", "updated_at", "stage", "jurisdiction")
)
FUNDING_COLUMNS = ("kind", "amount", "note")
ENTRY_COLUMNS = ("plan_id", "plan_type", "planned_investment", "monthly_targets", "annual_content", "removed")
INVESTMENT_COLUMNS = ("year", "month", "amount", "note", "source")
HANDOVER_COLUMNS = (
    "kind",
    "from_unit_id",
    "to_unit_id",
    "since",
    "due_on",
    "handed_on",
    "site_checked_on",
    "signed_by",
    "note",
)


def _who_row(row: dict) -> str:
    return row["history_user__display_name"] or row["history_user__username"] or "系统"


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(_text(item) for item in value)
    text = str(value)
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1] + "…"


class _Shown:
    """Labels and display values of one model's history columns: choice labels, money, names behind
    foreign keys (looked up once for the whole page)."""

    def __init__(self, model, names: dict[type, dict[int, str]]) -> None:
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self.names = names

    def label(self, attname: str) -> str:
        return str(self.fields[attname].verbose_name)

    def __call__(self, attname: str, value: Any) -> str:
        f = self.fields[attname]
        if value is None or value == "":
            return "—"
        if f.choices:
            return str(dict(f.choices).get(value, value))
        if f.is_relation:
            return self.names.get(f.related_model, {}).get(value, f"#{value}")
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, Decimal) and f.name in MONEY_FIELDS:
            return rules.format_money(value)
        return _text(value)

    def changes(self, prev: dict, row: dict, columns: tuple[str, ...]) -> tuple[Change, ...]:
        return tuple(
            Change(self.label(c), self(c, prev[c]), self(c, row[c])) for c in columns if prev[c] != row[c]
        )


def _rows(model, project_id: int, columns: tuple[str, ...]) -> list[dict]:
    lookup = {"id": project_id} if model is Project else {"project_id": project_id}
    return list(
        model.history.filter(**lookup)
        .order_by("history_date", "history_id")
        .values(*HISTORY_META, *USER_COLUMNS, *columns)
    )


def _walk(rows: list[dict]):
    """Each history row with the previous row of the same record (None for the first)."""
    last: dict[int, dict] = {}
    for row in rows:
        yield row, last.get(row["id"])
        last[row["id"]] = row


def _item(row: dict, title: str, changes: tuple[Change, ...] = (), *, icon: str = "edit") -> HistoryItem:
    return HistoryItem(row["history_date"], _who_row(row), title, changes, icon=icon)


def _m2m_snapshots(project_id: int, model_name: str, column: str) -> dict[int, frozenset[int]]:
    model = apps.get_model("projects", model_name)
    snapshots: dict[int, set[int]] = defaultdict(set)
    for history_id, value in model.objects.filter(project_id=project_id).values_list("history_id", column):
        snapshots[history_id].add(value)
    return {key: frozenset(value) for key, value in snapshots.items()}


def _project_items(rows, tags, units, shown: _Shown, names) -> list[HistoryItem]:
    tag_names, unit_names = names[ProjectTag], names[Unit]
    items, previous = [], None
    for row in rows:
        hid = row["history_id"]
        if row["history_type"] == "+" or previous is None:
            title = f"新建项目（总投资 {shown('total_investment', row['total_investment'])}）"
            items.append(_item(row, title, icon="plus"))
        else:
            changes = list(shown.changes(previous, row, PROJECT_COLUMNS))
            for label, snapshot, lookup in (("项目级别", tags, tag_names), ("配合单位", units, unit_names)):
                old, new = snapshot.get(previous["history_id"], frozenset()), snapshot.get(hid, frozenset())
                if old != new:
                    changes.append(Change(label, _names(old, lookup), _names(new, lookup)))
            if changes:
                title = row["history_change_reason"] or "修改项目信息"
                items.append(_item(row, title, tuple(changes)))
        previous = row
    return items


def _names(ids: frozenset[int], lookup: dict[int, str]) -> str:
    return "、".join(sorted(lookup.get(i, f"#{i}") for i in ids)) or "—"


def _record_items(rows, shown: _Shown, columns, describe) -> list[HistoryItem]:
    """History items of a project's child records (funding, plan entries, investment, hand-overs)."""
    items = []
    for row, prev in _walk(rows):
        what = describe(row)
        if row["history_type"] == "+" or prev is None:
            items.append(_item(row, f"新增{what}", icon="plus"))
        elif row["history_type"] == "-":
            items.append(_item(row, f"删除{what}", icon="trash"))
        else:
            changes = shown.changes(prev, row, columns)
            if changes:
                items.append(_item(row, f"修改{what}", changes))
    return items


def _lookups(project_rows, handover_rows, tags, units) -> dict[type, dict[int, str]]:
    unit_ids, person_ids = set().union(*units.values()) if units else set(), set()
    for row in project_rows:
        unit_ids.update(row[c] for c in PROJECT_UNIT_COLUMNS if row[c])
        person_ids.update(row[c] for c in ("lead_leader_id", "service_officer_id") if row[c])
    for row in handover_rows:
        unit_ids.update(row[c] for c in ("from_unit_id", "to_unit_id") if row[c])
    units_by_id = {
        pk: short or name
        for pk, short, name in Unit.objects.filter(pk__in=unit_ids)
        .order_by()
        .values_list("pk", "short_name", "name")
    }
    people = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name")) if person_ids else {}
    tag_ids = set().union(*tags.values()) if tags else set()
    tag_names = dict(ProjectTag.objects.filter(pk__in=tag_ids).values_list("pk", "name")) if tag_ids else {}
    return {Unit: units_by_id, Person: people, ProjectTag: tag_names}


PROJECT_UNIT_COLUMNS = ("responsible_unit_id", "supervising_unit_id", "street_id", "coordinating_office_id")


def history_items(project: Project, *, moves: list[StageTransition]) -> list[HistoryItem]:
    """The full history of a project, newest first: edits of the project and of its funding sources, plan
    entries, monthly investment and hand-overs (old → new, with Chinese labels), stage moves and plan
    changes. At most 13 queries whatever the length of the history."""
    pid = project.pk
    project_rows = _rows(Project, pid, PROJECT_COLUMNS)
    tags = _m2m_snapshots(pid, "HistoricalProject_tags", "projecttag_id")
    units = _m2m_snapshots(pid, "HistoricalProject_secondary_units", "unit_id")
    handover_rows = _rows(Handover, pid, HANDOVER_COLUMNS)
    names = _lookups(project_rows, handover_rows, tags, units)
    items = _project_items(project_rows, tags, units, _Shown(Project, names), names)

    funding = _Shown(FundingSource, names)
    items += _record_items(
        _rows(FundingSource, pid, FUNDING_COLUMNS),
        funding,
        FUNDING_COLUMNS,
        lambda r: f"资金来源：{funding('kind', r['kind'])} {funding('amount', r['amount'])}",
    )
    entry_rows = list(
        PlanEntry.history.filter(project_id=pid)
        .order_by("history_date", "history_id")
        .values(*HISTORY_META, *USER_COLUMNS, *ENTRY_COLUMNS, "plan__year")
    )
    entries = _Shown(PlanEntry, names)
    items += _record_items(
        entry_rows,
        entries,
        tuple(c for c in ENTRY_COLUMNS if c != "plan_id"),
        lambda r: f"{r['plan__year']} 年度计划项目（{entries('plan_type', r['plan_type'])}）",
    )
    investment = _Shown(InvestmentEntry, names)
    items += _record_items(
        _rows(InvestmentEntry, pid, INVESTMENT_COLUMNS),
        investment,
        ("amount", "note"),
        lambda r: f"{r['year']}年{r['month']}月完成投资 {investment('amount', r['amount'])}",
    )
    handover = _Shown(Handover, names)
    items += _record_items(
        handover_rows,
        handover,
        HANDOVER_COLUMNS,
        lambda r: f"移交：{handover('kind', r['kind'])}（期限 {_text(r['due_on'])}）",
    )
    items += [_move_item(move) for move in moves]
    items += [
        _change_item(change)
        for change in PlanChange.objects.filter(project=project).select_related("plan", "recorded_by")
    ]
    items.sort(key=lambda item: item.when, reverse=True)
    return items


def _move_item(move: StageTransition) -> HistoryItem:
    source = rules.STAGES.get(move.from_stage, "—") if move.from_stage else "—"
    note = "；".join(filter(None, [move.note, f"依据：{move.document}" if move.document else ""]))
    if move.backfill:
        label = rules.MILESTONE_STAGES.get(move.to_stage, rules.STAGES[move.to_stage])
        return HistoryItem(
            move.recorded_at,
            _who(move.recorded_by),
            f"补录{label}日期（阶段不变）",
            (Change(f"{label}日期", "—", move.on.isoformat()),),
            note,
            icon="calendar-plus",
        )
    return HistoryItem(
        move.recorded_at,
        _who(move.recorded_by),
        f"阶段变更（{move.on.isoformat()}）",
        (Change("所处阶段", source, rules.STAGES[move.to_stage]),),
        note,
        icon="arrow-big-right",
    )


def _change_item(change: PlanChange) -> HistoryItem:
    kind = rules.PLAN_CHANGE_KINDS.get(change.kind, change.kind)
    parts = [change.decided_by, change.decided_on.isoformat(), change.document_number]
    return HistoryItem(
        change.recorded_at,
        _who(change.recorded_by),
        f"{change.plan.year} 年度计划{kind}（{'，'.join(filter(None, parts))}）",
        (),
        f"理由：{change.reason}",
        icon="calendar-event",
    )
