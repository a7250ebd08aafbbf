"""Reads of promotion chains: the chain page's rows (nodes by phase with baseline beside deadline, re-plans,
stored lights with their reasons, evidence, confirmations), its Gantt, and the template pages. Each page
reads a constant number of queries and gets display strings ready, so templates only look values up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tuijin.core.access import can, get_readable, scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.lights.rules import LIGHTS
from tuijin.org.models import Jurisdiction, Person, Unit
from tuijin.projects import rules as project_rules
from tuijin.projects.models import Project
from tuijin.projects.selectors import transition_facts

from . import rules
from .models import Chain, ChainNode, ChainTemplate, NodeEvidence, NodeReplan, TemplateNode

LIGHT_CSS = {
    "red": "bg-red text-red-fg",
    "yellow": "bg-yellow text-yellow-fg",
    "green": "bg-green text-green-fg",
    "done": "bg-secondary-lt",
    "exempt": "bg-azure-lt",
}
PROVISIONAL_TIP = "该日期所在年度的国务院放假安排尚未发布，工作日暂按临时日历（法定节假日、无调休）计算"
CATEGORY_LABELS = project_rules.CATEGORIES


def _stored(obj: Any, name: str) -> Any:
    """A reverse one-to-one (a stored light) or None when there is none yet."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _who(user: Any) -> str:
    if user is None:
        return ""
    return user.display_name or user.username


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def ancestor_paths(jurisdiction: Jurisdiction) -> list[str]:
    """The jurisdiction's path and its ancestors', nearest first."""
    codes = jurisdiction.path.strip("/").split("/")
    return ["/" + "/".join(codes[:i]) + "/" for i in range(len(codes), 0, -1)]


# ---------------------------------------------------------------------------------------------------
# Lights as badges


@dataclass(frozen=True)
class LightBadge:
    """A stored light ready to show: the colour people see with its word, the reason, and (for an
    override) the computed light beside it with who changed it and why."""

    color: str
    label: str
    css: str
    reason: str
    provisional: bool = False
    due_soon: bool = False
    computed_label: str = ""
    computed_css: str = ""
    override_reason: str = ""
    override_by: str = ""
    override_at: str = ""


def light_badge(stored: Any) -> LightBadge | None:
    if stored is None:
        return None
    badge = LightBadge(
        color=stored.shown,
        label=LIGHTS.get(stored.shown, stored.shown),
        css=LIGHT_CSS.get(stored.shown, "bg-secondary-lt"),
        reason=stored.reason,
        provisional=stored.provisional,
        due_soon=stored.due_soon,
    )
    if not stored.override_color:
        return badge
    return LightBadge(
        **{
            **badge.__dict__,
            "computed_label": LIGHTS.get(stored.color, stored.color),
            "computed_css": LIGHT_CSS.get(stored.color, "bg-secondary-lt"),
            "override_reason": stored.override_reason,
            "override_by": _who(stored.override_by),
            "override_at": _when(stored.override_at),
        }
    )


# ---------------------------------------------------------------------------------------------------
# The chain page


@dataclass(frozen=True)
class ReplanRow:
    old: str
    new: str
    reason: str
    who: str
    when: str


@dataclass(frozen=True)
class EvidenceRow:
    pk: int
    name: str
    who: str
    when: str


@dataclass(frozen=True)
class NodeRow:
    pk: int
    key: str
    name: str
    phase: str
    step: int
    stage: str
    stage_label: str
    predecessors: str
    duration: int
    starts_clock: bool
    deadline: str
    baseline: str
    replanned: bool
    provisional: bool
    replans: tuple[ReplanRow, ...]
    unit: str
    unit_id: int
    person: str
    actual: str
    actual_from_stage: bool
    exempt_reason: str
    note: str
    light: LightBadge | None
    evidence: tuple[EvidenceRow, ...]
    unit_confirmed: str
    office_confirmed: str
    can_edit: bool = False
    can_confirm: bool = False
    can_manage: bool = False


@dataclass(frozen=True)
class PhaseGroup:
    key: str
    label: str
    rows: list[NodeRow]


@dataclass
class ChainPage:
    project: Project
    chain: Chain | None
    groups: list[PhaseGroup] = field(default_factory=list)
    rows: list[NodeRow] = field(default_factory=list)
    project_light: LightBadge | None = None
    counts: list[tuple[str, str, str, int]] = field(default_factory=list)  # (color, label, css, n)
    gantt: Gantt | None = None
    provisional: bool = False
    template: str = ""
    target: str = ""
    clock_class: str = ""
    signed: str = ""
    confirmed: str = ""
    progress: bool = False  # any actual date, confirmation, signature or evidence: no re-applying
    stage_actual: dict[str, date] = field(default_factory=dict)


def chain_of(project: Project) -> Chain | None:
    return Chain.objects.select_related("template", "confirmed_by").filter(project=project).first()


def _nodes(chain: Chain) -> list[ChainNode]:
    return list(
        chain.nodes.select_related(
            "responsible_unit",
            "responsible_person",
            "light__override_by",
            "unit_confirmed_by",
            "office_confirmed_by",
        ).prefetch_related(
            Prefetch(
                "replans",
                queryset=NodeReplan.objects.select_related("changed_by").order_by("changed_at", "id"),
            ),
            Prefetch(
                "evidence",
                queryset=NodeEvidence.objects.select_related("uploaded_by").order_by("uploaded_at", "id"),
            ),
        )
    )


def _phase_order(node: ChainNode) -> tuple:
    return (list(rules.PHASES).index(node.phase), node.step, node.sort, node.pk)


def _names(keys: Sequence[str], names: dict[str, str]) -> str:
    return "、".join(names.get(key, key) for key in keys)


def _node_row(node, *, names, before, stage_actual, calendar, user) -> NodeRow:
    actual = stage_actual.get(node.stage) if node.stage else node.actual
    provisional = any(d is not None and calendar.is_provisional(d) for d in (node.deadline, node.baseline))
    person = node.responsible_person
    return NodeRow(
        pk=node.pk,
        key=node.key,
        name=node.name,
        phase=node.phase,
        step=node.step,
        stage=node.stage,
        stage_label=rules.STAGE_NODES.get(node.stage, ""),
        predecessors=_names(before.get(node.key, ()), names),
        duration=node.duration,
        starts_clock=node.starts_clock,
        deadline=_day(node.deadline),
        baseline=_day(node.baseline),
        replanned=node.baseline is not None and node.deadline != node.baseline,
        provisional=provisional,
        replans=tuple(
            ReplanRow(
                _day(r.old_deadline) or "—",
                _day(r.new_deadline) or "—",
                r.reason,
                _who(r.changed_by),
                _when(r.changed_at),
            )
            for r in node.replans.all()
        ),
        unit=str(node.responsible_unit),
        unit_id=node.responsible_unit_id,
        person=f"{person.name}{'（' + person.post + '）' if person.post else ''}" if person else "",
        actual=_day(actual),
        actual_from_stage=bool(node.stage),
        exempt_reason=node.exempt_reason,
        note=node.note,
        light=light_badge(_stored(node, "light")),
        evidence=tuple(
            EvidenceRow(e.pk, e.name, _who(e.uploaded_by), _when(e.uploaded_at)) for e in node.evidence.all()
        ),
        unit_confirmed=_confirmed(node.unit_confirmed_by, node.unit_confirmed_at),
        office_confirmed=_confirmed(node.office_confirmed_by, node.office_confirmed_at),
        can_edit=can(user, "chains.update_node", node),
        can_confirm=can(user, "chains.confirm_node", node),
        can_manage=can(user, "chains.manage", node.chain),
    )


def _confirmed(user: Any, at: datetime | None) -> str:
    return f"{_who(user)} {timezone.localtime(at):%Y-%m-%d}" if at else ""


def stage_actual_dates(project: Project) -> dict[str, date]:
    """The project's actual start/completion/production dates, from its stage moves."""
    moves = list(project.transitions.order_by("on", "id"))
    return project_rules.actual_dates(transition_facts(moves))


def _counts(rows: list[NodeRow]) -> list[tuple[str, str, str, int]]:
    tally: dict[str, int] = {}
    for row in rows:
        if row.light is not None:
            tally[row.light.color] = tally.get(row.light.color, 0) + 1
    return [
        (color, label, LIGHT_CSS[color], tally[color]) for color, label in LIGHTS.items() if tally.get(color)
    ]


def chain_page(project: Project, *, user: Any, today: date) -> ChainPage:
    """Everything the chain page shows (REQ C1, C3, C4, D1): 8 queries whatever the chain's length."""
    chain = chain_of(project)
    page = ChainPage(project=project, chain=chain, project_light=light_badge(_stored(project, "light")))
    if chain is None:
        return page
    calendar = current_calendar()
    nodes = sorted(_nodes(chain), key=_phase_order)
    for node in nodes:  # the access predicates read the project's jurisdiction: already loaded
        node.project, node.chain = project, chain
    chain.project = project
    names = {n.key: n.name for n in nodes}
    before = rules.predecessors([rules.NodeSpec(n.key, n.name, n.step, tuple(n.after or ())) for n in nodes])
    page.stage_actual = stage_actual_dates(project)
    page.rows = [
        _node_row(
            node, names=names, before=before, stage_actual=page.stage_actual, calendar=calendar, user=user
        )
        for node in nodes
    ]
    page.groups = [
        PhaseGroup(key, label, [r for r in page.rows if r.phase == key])
        for key, label in rules.PHASES.items()
        if any(r.phase == key for r in page.rows)
    ]
    page.counts = _counts(page.rows)
    page.provisional = any(r.provisional for r in page.rows)
    page.template = chain.template.name if chain.template else ""
    page.target = _day(chain.target)
    page.clock_class = rules.CLOCK_CLASSES.get(chain.clock_class, chain.clock_class)
    page.signed = (
        f"{chain.signed_by}{' · ' + _day(chain.signed_on) if chain.signed_on else ''}"
        if chain.signed_by
        else ""
    )
    page.confirmed = _confirmed(chain.confirmed_by, chain.confirmed_at)
    page.progress = bool(
        chain.signed_by
        or chain.confirmed_at
        or any(
            r.evidence or r.unit_confirmed or r.office_confirmed or (r.actual and not r.stage)
            for r in page.rows
        )
    )
    page.gantt = chain_gantt(
        [
            GanttItem(
                n.name,
                row.light.color if row.light else "",
                n.deadline,
                n.baseline,
                n.duration,
                page.stage_actual.get(n.stage) if n.stage else n.actual,
            )
            for n, row in zip(nodes, page.rows, strict=True)
        ],
        today=today,
        calendar=calendar,
    )
    return page


def project_clock(project: Project, *, today: date) -> Any:
    """The approval clock (chains.clock_selectors, written alongside); None until that module exists."""
    try:
        from tuijin.chains.clock_selectors import project_clock as clock
    except ModuleNotFoundError as exc:
        if exc.name != "tuijin.chains.clock_selectors":
            raise
        return None
    return clock(project, today=today)


# ---------------------------------------------------------------------------------------------------
# The Gantt: baseline (thin, grey), current plan (coloured by the light), actual completion (marker)


@dataclass(frozen=True)
class GanttItem:
    name: str
    color: str
    deadline: date | None
    baseline: date | None
    duration: int
    actual: date | None


@dataclass(frozen=True)
class Bar:
    left: float
    width: float
    start: str
    end: str


@dataclass(frozen=True)
class GanttRow:
    name: str
    color: str
    plan: Bar | None
    baseline: Bar | None
    actual: float | None
    actual_text: str
    point: bool  # a zero-duration node (开工, 竣工): a diamond, not a bar


@dataclass(frozen=True)
class Gantt:
    rows: list[GanttRow]
    months: list[tuple[float, str]]
    today: float | None
    start: date
    end: date


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _window(deadline: date, duration: int, calendar: Any) -> date:
    """When a node with `duration` working days must begin to meet `deadline`."""
    if not duration:
        return deadline
    try:
        return calendar.add_workdays(deadline, -duration)
    except ValueError:
        return deadline - timedelta(days=duration)


def chain_gantt(items: Sequence[GanttItem], *, today: date, calendar: Any) -> Gantt | None:
    """Bars positioned in percent of a month-aligned axis from the earliest to the latest date shown
    (today included), month ticks, and the today line. None when no node has a date."""
    spans = []
    for item in items:
        plan = (_window(item.deadline, item.duration, calendar), item.deadline) if item.deadline else None
        base = (_window(item.baseline, item.duration, calendar), item.baseline) if item.baseline else None
        spans.append((item, plan, base))
    days = [d for _, plan, base in spans for pair in (plan, base) if pair for d in pair]
    days += [item.actual for item in items if item.actual]
    if not days:
        return None
    start, end = _month_start(min(*days, today)), _next_month(max(*days, today))
    total = (end - start).days

    def pos(d: date) -> float:
        return round((d - start).days * 100 / total, 3)

    def bar(pair: tuple[date, date] | None) -> Bar | None:
        if pair is None:
            return None
        left = pos(pair[0])
        return Bar(
            left, max(round(pos(pair[1] + timedelta(days=1)) - left, 3), 0.3), _day(pair[0]), _day(pair[1])
        )

    rows = [
        GanttRow(
            name=item.name,
            color=item.color,
            plan=bar(plan),
            baseline=bar(base),
            actual=pos(item.actual) if item.actual else None,
            actual_text=_day(item.actual),
            point=not item.duration,
        )
        for item, plan, base in spans
    ]
    return Gantt(rows, _months(start, end, pos), pos(today), start, end)


def _months(start: date, end: date, pos) -> list[tuple[float, str]]:
    """Month ticks (at most about 18 labels); a label names the year when it differs from the last one."""
    months, d = [], start
    while d < end:
        months.append(d)
        d = _next_month(d)
    every = max(1, -(-len(months) // 18))
    ticks, year = [], None
    for m in months[::every]:
        ticks.append((pos(m), f"{m.year}年{m.month}月" if m.year != year else f"{m.month}月"))
        year = m.year
    return ticks


# ---------------------------------------------------------------------------------------------------
# Pickers


def unit_choices(project: Project) -> QuerySet:
    """Units a node may be assigned to: the project's jurisdiction, its subdivisions and its ancestors."""
    return (
        Unit.objects.filter(is_active=True)
        .filter(
            Q(jurisdiction__path__startswith=project.jurisdiction.path)
            | Q(jurisdiction__path__in=ancestor_paths(project.jurisdiction))
        )
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "sort", "id")
    )


def person_choices(project: Project, *, unit_id: int | None = None) -> QuerySet:
    """People who may be a node's responsible person: the unit's when `unit_id` is given (unit staff pick
    from their own unit), else anyone of the project's jurisdiction line."""
    people = (
        Person.objects.filter(is_active=True).select_related("unit").order_by("unit_id", "-is_leader", "id")
    )
    if unit_id is not None:
        return people.filter(unit_id=unit_id)
    return people.filter(
        Q(jurisdiction__path__startswith=project.jurisdiction.path)
        | Q(jurisdiction__path__in=ancestor_paths(project.jurisdiction))
    )


def node_for_action(user: Any, pk: int) -> ChainNode:
    """A node a write is aimed at: 404 if it does not exist or the user cannot read it."""
    return get_readable(
        user, ChainNode.objects.select_related("chain", "project__jurisdiction", "responsible_unit"), pk=pk
    )


# ---------------------------------------------------------------------------------------------------
# Templates


def templates_readable(user: Any) -> QuerySet:
    """Presets and the templates of the user's jurisdiction and its ancestors."""
    qs = scope(user, ChainTemplate.objects.all())
    jurisdiction = getattr(user, "jurisdiction", None)
    if jurisdiction is None:
        return qs if user.is_superuser else qs.filter(jurisdiction__isnull=True)
    return qs.filter(Q(jurisdiction__isnull=True) | Q(jurisdiction__path__in=ancestor_paths(jurisdiction)))


def template_readable(user: Any, pk: int) -> ChainTemplate:
    return get_readable(user, templates_readable(user).select_related("jurisdiction"), pk=pk)


@dataclass(frozen=True)
class TemplateRow:
    pk: int
    name: str
    owner: str
    preset: bool
    description: str
    categories: str
    source: str
    nodes: int
    active: bool
    editable: bool


def template_rows(user: Any) -> list[TemplateRow]:
    templates = templates_readable(user).select_related("jurisdiction").annotate(n=Count("nodes"))
    templates = templates.order_by("jurisdiction__path", "sort", "id")
    return [
        TemplateRow(
            pk=t.pk,
            name=t.name,
            owner=t.jurisdiction.name if t.jurisdiction else "预置模板",
            preset=t.jurisdiction_id is None,
            description=t.description,
            categories="、".join(CATEGORY_LABELS.get(c, c) for c in t.categories or []),
            source=t.source,
            nodes=t.n,
            active=t.is_active,
            editable=t.jurisdiction_id is not None and can(user, "chains.manage_templates", t),
        )
        for t in templates
    ]


def templates_for_project(user: Any, project: Project) -> list[ChainTemplate]:
    """Active templates the project may apply, those made for its category first."""
    paths = ancestor_paths(project.jurisdiction)
    qs = ChainTemplate.objects.filter(is_active=True).filter(
        Q(jurisdiction__isnull=True) | Q(jurisdiction__path__in=paths)
    )
    templates = list(qs.select_related("jurisdiction"))
    return sorted(
        templates,
        key=lambda t: (project.category not in (t.categories or []), t.jurisdiction_id is None, t.sort, t.pk),
    )


@dataclass(frozen=True)
class TemplateNodeRow:
    pk: int
    key: str
    name: str
    phase: str
    step: int
    after: str
    after_keys: tuple[str, ...]
    duration: int
    department: str
    anchor: str
    anchor_key: str
    stage: str
    stage_key: str
    starts_clock: bool
    note: str


@dataclass
class TemplatePage:
    template: ChainTemplate
    owner: str
    steps: list[tuple[int, list[TemplateNodeRow]]]
    nodes: list[TemplateNodeRow]
    problems: list[str]
    categories: str


def template_page(template: ChainTemplate) -> TemplatePage:
    nodes = list(template.nodes.order_by("step", "id"))
    specs = [
        rules.NodeSpec(n.key, n.name, n.step, tuple(n.after or ()), n.duration, n.anchor, n.stage)
        for n in nodes
    ]
    names = {n.key: n.name for n in nodes}
    before = rules.predecessors(specs)
    rows = [
        TemplateNodeRow(
            pk=n.pk,
            key=n.key,
            name=n.name,
            phase=rules.PHASES.get(n.phase, n.phase),
            step=n.step,
            after=_names(before.get(n.key, ()), names) if not n.after else _names(n.after, names),
            after_keys=tuple(n.after or ()),
            duration=n.duration,
            department=n.department,
            anchor=rules.ANCHORS.get(n.anchor, ""),
            anchor_key=n.anchor,
            stage=rules.STAGE_NODES.get(n.stage, ""),
            stage_key=n.stage,
            starts_clock=n.starts_clock,
            note=n.note,
        )
        for n in nodes
    ]
    steps: dict[int, list[TemplateNodeRow]] = {}
    for row in rows:
        steps.setdefault(row.step, []).append(row)
    return TemplatePage(
        template=template,
        owner=template.jurisdiction.name if template.jurisdiction else "预置模板（各辖区通用）",
        steps=sorted(steps.items()),
        nodes=rows,
        problems=rules.check_template(specs),
        categories="、".join(CATEGORY_LABELS.get(c, c) for c in template.categories or []),
    )


def template_nodes(template: ChainTemplate) -> list[TemplateNode]:
    return list(template.nodes.order_by("step", "id"))
