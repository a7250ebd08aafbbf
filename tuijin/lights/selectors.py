"""Reads of the boards (挂图作战, issue 4 part 4): the light board by unit, leader, category, street or
district, its drill-down to projects and their late nodes, the 应开未开 / 应竣未竣 lists, the wall screen,
a light trend over weeks rebuilt from the changes, and the nodes due within the reminder window.

Everything reads the stored lights (`ProjectLight.shown`, `NodeLight`), never recomputes them, and goes
through `access.scope`. Counts are aggregated in SQL (one grouped query per board); rows come out with
display values prepared here, so templates do one lookup per cell (DESIGN.md "Performance facts").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from tuijin.core.access import scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Jurisdiction, JurisdictionLevel, Person, Unit, UnitKind
from tuijin.projects import rules as project_rules
from tuijin.projects.list_selectors import options_html

from . import rules
from .models import LightChange, NodeLight, ProjectLight

BOARD_COLORS = ("red", "yellow", "green", "done")
# done and exempt share the board's 已完成 column (an override may mark a project exempt)
COLOR_GROUP = {"red": ("red",), "yellow": ("yellow",), "green": ("green",), "done": ("done", "exempt")}
LIGHT_CSS = {
    "red": "bg-red text-red-fg",
    "yellow": "bg-yellow text-yellow-fg",
    "green": "bg-green text-green-fg",
    "done": "bg-secondary-lt",
    "exempt": "bg-azure-lt",
}
DIMENSIONS = {
    "unit": "责任单位",
    "leader": "挂点领导",
    "category": "项目类别",
    "street": "街道",
    "jurisdiction": "辖区",
}
_GROUP_FIELD = {
    "unit": "project__responsible_unit_id",
    "leader": "project__lead_leader_id",
    "category": "project__category",
    "street": "project__street_id",
    "jurisdiction": "project__jurisdiction_id",
}
NONE = "none"  # the query-string value of "no leader" / "no street"
PER_PAGE = 50
DUE_LIMIT = 200
TREND_WEEKS = 26


def badge(color: str) -> dict[str, str]:
    """A light's badge: Tabler colour class and the word beside it (never a colour alone)."""
    return {"css": LIGHT_CSS.get(color, "bg-secondary-lt"), "label": rules.LIGHTS.get(color, color)}


def _unit_name(name: str | None, short: str | None) -> str:
    return short or name or ""


# ---------------------------------------------------------------------------------------------------
# Scoped querysets


def _plain(qs: QuerySet) -> QuerySet:
    """Unit staff's scope joins secondary units (DISTINCT); a primary-key filter keeps aggregation plain."""
    if qs.query.distinct:
        return qs.model.objects.filter(pk__in=qs.values("pk"))
    return qs


def project_lights(user: Any) -> QuerySet:
    return _plain(scope(user, ProjectLight.objects.all()))


def node_lights(user: Any) -> QuerySet:
    return _plain(scope(user, NodeLight.objects.all()))


def light_changes(user: Any) -> QuerySet:
    return _plain(scope(user, LightChange.objects.all()))


# ---------------------------------------------------------------------------------------------------
# The filter every page shares (a board cell's link): light, one dimension's value, page


@dataclass(frozen=True)
class LightFilter:
    """Which projects a drill-down, list or trend shows. `leader`/`street` 0 means "none assigned";
    `jurisdiction_path` is resolved from `jurisdiction` (exact when it is the reader's own level)."""

    light: str = ""
    unit: int | None = None
    leader: int | None = None
    category: str = ""
    street: int | None = None
    jurisdiction: int | None = None
    jurisdiction_path: str = ""
    jurisdiction_exact: bool = False
    page: str = "1"
    problems: tuple[str, ...] = field(default=(), compare=False)

    def params(self, *, light: bool = True) -> dict[str, str]:
        values = {
            "light": self.light if light else "",
            "unit": self.unit,
            "leader": NONE if self.leader == 0 else self.leader,
            "category": self.category,
            "street": NONE if self.street == 0 else self.street,
            "jurisdiction": self.jurisdiction,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def urlencode(self, **changes: object) -> str:
        params: dict[str, object] = dict(self.params())
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = value
        return urlencode(params)

    def project_q(self, prefix: str = "project__") -> Q:
        """The filter as a Q over a model that reaches the project through `prefix`."""
        q = Q()
        pairs = {
            "responsible_unit_id": self.unit,
            "category": self.category or None,
        }
        for name, value in pairs.items():
            if value is not None:
                q &= Q(**{f"{prefix}{name}": value})
        for name, value in (("lead_leader_id", self.leader), ("street_id", self.street)):
            if value == 0:
                q &= Q(**{f"{prefix}{name}__isnull": True})
            elif value is not None:
                q &= Q(**{f"{prefix}{name}": value})
        if self.jurisdiction_exact:
            q &= Q(**{f"{prefix}jurisdiction_id": self.jurisdiction})
        elif self.jurisdiction_path:
            q &= Q(**{f"{prefix}jurisdiction__path__startswith": self.jurisdiction_path})
        return q

    @property
    def filtered(self) -> bool:
        return bool(self.params(light=False))


def parse_filter(
    params: Mapping[str, str], *, user: Any, lights: Iterable[str] = BOARD_COLORS
) -> LightFilter:
    """Read the shared query string; unknown values are dropped with a Chinese note naming them."""
    problems: list[str] = []

    def text(key: str) -> str:
        return (params.get(key) or "").strip()

    def number(key: str, label: str, *, none_ok: bool = False) -> int | None:
        value = text(key)
        if not value:
            return None
        if none_ok and value == NONE:
            return 0
        if not value.isdigit() or len(value) > 9 or int(value) == 0:
            problems.append(f"{label}“{value}”无效，已忽略。")
            return None
        return int(value)

    light = text("light")
    if light and light not in lights:
        problems.append(f"亮灯“{light}”无效，应为{'、'.join(rules.LIGHTS[c] for c in lights)}之一，已忽略。")
        light = ""
    category = text("category")
    if category and category not in project_rules.CATEGORIES:
        problems.append(f"项目类别“{category}”不存在，已忽略。")
        category = ""
    jurisdiction = number("jurisdiction", "辖区")
    path, exact = "", False
    if jurisdiction is not None:
        found = (
            scope(user, Jurisdiction.objects.filter(pk=jurisdiction)).values_list("path", flat=True).first()
        )
        if found is None:
            problems.append(f"辖区“{jurisdiction}”不存在或不在您的管辖范围内，已忽略。")
            jurisdiction = None
        else:
            path, exact = found, jurisdiction == getattr(user, "jurisdiction_id", None)
    return LightFilter(
        light=light,
        unit=number("unit", "责任单位"),
        leader=number("leader", "挂点领导", none_ok=True),
        category=category,
        street=number("street", "街道", none_ok=True),
        jurisdiction=jurisdiction,
        jurisdiction_path=path,
        jurisdiction_exact=exact,
        page=text("page") or "1",
        problems=tuple(problems),
    )


def describe_filter(user: Any, f: LightFilter) -> str:
    """The filter in words for a page's title: "责任单位：区发改委 · 红灯" (a query per named record)."""
    parts: list[str] = []
    if f.unit is not None:
        parts.append(f"责任单位：{_unit_label(user, f.unit)}")
    if f.leader is not None:
        # named only when they lead a project the reader reads (unit staff do not read the directory)
        led = project_lights(user).filter(project__lead_leader_id=f.leader) if f.leader else None
        name = led.values_list("project__lead_leader__name", flat=True).first() if led is not None else None
        parts.append(f"挂点领导：{name or '未明确'}")
    if f.category:
        parts.append(f"项目类别：{project_rules.CATEGORIES[f.category]}")
    if f.street is not None:
        parts.append(f"街道：{_unit_label(user, f.street) if f.street else '未明确'}")
    if f.jurisdiction is not None:
        name = Jurisdiction.objects.filter(pk=f.jurisdiction).values_list("name", flat=True).first() or ""
        parts.append(f"辖区：{name}{'（本级）' if f.jurisdiction_exact else ''}")
    if f.light:
        parts.append(rules.LIGHTS[f.light] if parts else f"全部项目 · {rules.LIGHTS[f.light]}")
    return " · ".join(parts)


def _unit_label(user: Any, pk: int) -> str:
    row = scope(user, Unit.objects.filter(pk=pk)).values_list("name", "short_name").first()
    return _unit_name(*row) if row else f"单位 {pk}"


# ---------------------------------------------------------------------------------------------------
# The board


def has_districts(user: Any) -> bool:
    """Whether the reader's jurisdiction has sub-jurisdictions above street level (a city, a province):
    only then is a 辖区 grouping more than one row."""
    root = getattr(user, "jurisdiction_id", None)
    children = Jurisdiction.objects.exclude(level=JurisdictionLevel.STREET)
    if root is None:
        return getattr(user, "is_superuser", False)
    return children.filter(parent_id=root).exists()


def dimensions_for(user: Any) -> list[str]:
    keys = ["unit", "leader", "category", "street"]
    if has_districts(user):
        keys.insert(0, "jurisdiction")
    return keys


@dataclass(frozen=True)
class BoardRow:
    key: str
    label: str
    place: str
    counts: dict[str, int]
    total: int
    links: dict[str, str]
    total_link: str

    @property
    def worst(self) -> tuple[int, int, int]:
        return (self.counts["red"], self.counts["yellow"], self.total)


@dataclass(frozen=True)
class Board:
    by: str
    label: str
    rows: list[BoardRow]
    counts: dict[str, int]
    total: int
    links: dict[str, str]
    total_link: str
    computed_on: date | None
    provisional: bool


def _aggregate(qs: QuerySet, group: str) -> list[dict]:
    """One grouped query: per value of `group`, the count of each board colour, the total, how many
    were computed on a provisional calendar, and the last computation date."""
    colours = {c: Count("pk", filter=Q(shown__in=COLOR_GROUP[c])) for c in BOARD_COLORS}
    return list(
        qs.order_by()
        .values(group)
        .annotate(
            **colours,
            total=Count("pk"),
            provisional_count=Count("pk", filter=Q(provisional=True)),
            last_computed=Max("computed_on"),
        )
    )


def _links(drill_base: str, param: str, value: str) -> tuple[dict[str, str], str]:
    query = f"{param}={value}&" if param else ""
    links = {c: f"{drill_base}?{query}light={c}" for c in BOARD_COLORS}
    total = f"{drill_base}?{query[:-1]}" if query else drill_base
    return links, total


def light_board(user: Any, *, by: str, drill_base: str = "/lights/projects/") -> Board:
    """The board grouped by one dimension (two queries: the counts and the row labels; a district board
    three more over the jurisdiction tree). Rows follow the roster's order (units by jurisdiction and
    sort, leaders and districts by jurisdiction), "none" last."""
    grouped = _aggregate(project_lights(user), _GROUP_FIELD[by])
    field_name = _GROUP_FIELD[by]
    counts: dict[Any, dict[str, int]] = {}
    meta = {"provisional": False, "computed": None}
    keyed = _jurisdiction_keys(user, [g[field_name] for g in grouped]) if by == "jurisdiction" else {}
    for g in grouped:
        key = keyed.get(g[field_name], g[field_name]) if by == "jurisdiction" else g[field_name]
        target = counts.setdefault(key, dict.fromkeys((*BOARD_COLORS, "total"), 0))
        for name in (*BOARD_COLORS, "total"):
            target[name] += g[name]
        meta["provisional"] = meta["provisional"] or g["provisional_count"] > 0
        if g["last_computed"] and (meta["computed"] is None or g["last_computed"] > meta["computed"]):
            meta["computed"] = g["last_computed"]
    labels = _labels(user, by, list(counts))
    rows = []
    for key, (label, place, _order) in sorted(labels.items(), key=lambda item: item[1][2]):
        value = NONE if key is None else str(key)
        links, total_link = _links(drill_base, by, value)
        c = counts[key]
        rows.append(
            BoardRow(value, label, place, {k: c[k] for k in BOARD_COLORS}, c["total"], links, total_link)
        )
    totals = {c: sum(r.counts[c] for r in rows) for c in BOARD_COLORS}
    links, total_link = _links(drill_base, "", "")
    return Board(
        by=by,
        label=DIMENSIONS[by],
        rows=rows,
        counts=totals,
        total=sum(r.total for r in rows),
        links=links,
        total_link=total_link,
        computed_on=meta["computed"],
        provisional=bool(meta["provisional"]),
    )


def _jurisdiction_keys(user: Any, ids: list[int]) -> dict[int, int]:
    """Each project jurisdiction → the reader's sub-jurisdiction holding it (the reader's own for a
    project at its own level). Three small queries over the jurisdiction tree."""
    root_id = getattr(user, "jurisdiction_id", None)
    places = dict(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "path"))
    root_path = Jurisdiction.objects.filter(pk=root_id).values_list("path", flat=True).first() or "/"
    by_path = dict(Jurisdiction.objects.filter(parent_id=root_id).values_list("path", "pk"))
    result = {}
    for pk, path in places.items():
        rest = path[len(root_path) :]
        child = f"{root_path}{rest.split('/')[0]}/" if rest else ""
        result[pk] = by_path.get(child, root_id or pk)
    return result


def _labels(user: Any, by: str, keys: list[Any]) -> dict[Any, tuple[str, str, tuple]]:
    """key → (label, place, sort order) for the board's rows (one query; none for categories)."""
    if by == "category":
        order = list(project_rules.CATEGORIES)
        return {
            k: (project_rules.CATEGORIES.get(k, k), "", (order.index(k) if k in order else 99,)) for k in keys
        }
    ids = [k for k in keys if k is not None]
    labels: dict[Any, tuple[str, str, tuple]] = {}
    if None in keys:
        labels[None] = ({"leader": "未明确挂点领导", "street": "未明确街道"}.get(by, "未明确"), "", ("~",))
    if by in ("unit", "street"):
        home = getattr(user, "jurisdiction_id", None)
        rows = Unit.objects.filter(pk__in=ids).values_list(
            "pk", "name", "short_name", "jurisdiction_id", "jurisdiction__name", "jurisdiction__path", "sort"
        )
        for pk, name, short, place_id, place, path, sort in rows:
            labels[pk] = (_unit_name(name, short), place if place_id != home else "", (path, sort, pk))
    elif by == "leader":
        rows = Person.objects.filter(pk__in=ids).values_list("pk", "name", "post", "jurisdiction__path")
        for pk, name, post, path in rows:
            labels[pk] = (name, post, (path, pk))
    else:
        root = getattr(user, "jurisdiction_id", None)
        for pk, name, path in Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "name", "path"):
            labels[pk] = (f"{name}（本级）" if pk == root else name, "", ("" if pk == root else path,))
    for k in ids:  # a unit deleted between the queries
        labels.setdefault(k, (str(k), "", ("~",)))
    return labels


def wall_board(
    user: Any, *, by: str, drill_base: str = "/lights/projects/"
) -> tuple[Board, list[BoardRow], int]:
    """The wall screen's board: rows with a red or yellow light, worst first, and how many rows are all
    green or done (shown as one line, so the screen keeps large type)."""
    board = light_board(user, by=by, drill_base=drill_base)
    behind = [r for r in board.rows if r.counts["red"] or r.counts["yellow"]]
    behind.sort(key=lambda r: r.worst, reverse=True)
    return board, behind, len(board.rows) - len(behind)


# ---------------------------------------------------------------------------------------------------
# Drill-down: projects with their light, reason and late nodes


def _severity() -> Case:
    return Case(
        *[When(shown=c, then=Value(n)) for c, n in rules.SEVERITY.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


PROJECT_FIELDS = (
    "project_id",
    "shown",
    "color",
    "reason",
    "days",
    "provisional",
    "override_color",
    "override_reason",
    "override_by__display_name",
    "override_by__username",
    "computed_on",
    "should_start",
    "should_finish",
    "project__name",
    "project__stage",
    "project__jurisdiction_id",
    "project__jurisdiction__name",
    "project__responsible_unit__name",
    "project__responsible_unit__short_name",
    "project__lead_leader__name",
    "project__street__name",
    "project__street__short_name",
    "project__planned_start",
    "project__planned_start_precision",
    "project__planned_completion",
    "project__planned_completion_precision",
)


@dataclass(frozen=True)
class RowsPage:
    page: Page
    rows: list[dict]
    count: int


def _project_row(r: dict, *, number: int, home: int | None, chain_base: str, project_base: str) -> dict:
    pk = r["project_id"]
    return {
        "number": number,
        "pk": pk,
        "name": r["project__name"],
        "chain_url": f"{chain_base}{pk}/",
        "project_url": f"{project_base}{pk}/",
        "place": r["project__jurisdiction__name"] if r["project__jurisdiction_id"] != home else "",
        "badge": badge(r["shown"]),
        "reason": r["reason"],
        "overridden": bool(r["override_color"]),
        "computed": badge(r["color"]),
        "override_reason": r["override_reason"],
        "override_by": r["override_by__display_name"] or r["override_by__username"] or "",
        "provisional": r["provisional"],
        "stage": project_rules.STAGES.get(r["project__stage"], r["project__stage"]),
        "unit": _unit_name(r["project__responsible_unit__name"], r["project__responsible_unit__short_name"]),
        "leader": r["project__lead_leader__name"] or "",
        "street": _unit_name(r["project__street__name"], r["project__street__short_name"]),
        "late": [],
    }


def drill_page(
    user: Any,
    f: LightFilter,
    *,
    chain_base: str = "/chains/project/",
    project_base: str = "/projects/",
    per: int = PER_PAGE,
) -> RowsPage:
    """The projects behind a board cell, worst first, with their late nodes (four queries)."""
    qs = project_lights(user).filter(f.project_q())
    if f.light:
        qs = qs.filter(shown__in=COLOR_GROUP[f.light])
    qs = qs.annotate(severity=_severity()).order_by("-severity", "-days", "project_id")
    paginator = Paginator(qs.values_list("project_id", flat=True), per, allow_empty_first_page=True)
    page = paginator.get_page(f.page)
    ids = list(page.object_list)
    found = {r["project_id"]: r for r in ProjectLight.objects.filter(pk__in=ids).values(*PROJECT_FIELDS)}
    home = getattr(user, "jurisdiction_id", None)
    first = page.start_index() or 1
    rows = [
        _project_row(found[pk], number=n, home=home, chain_base=chain_base, project_base=project_base)
        for n, pk in enumerate(ids, start=first)
        if pk in found
    ]
    late = late_nodes(user, ids)
    for row in rows:
        row["late"] = late.get(row["pk"], [])
    return RowsPage(page=page, rows=rows, count=paginator.count)


def late_nodes(user: Any, project_ids: list[int]) -> dict[int, list[dict]]:
    """project id → its red and yellow nodes, most overdue first (one query)."""
    if not project_ids:
        return {}
    qs = (
        node_lights(user)
        .filter(project_id__in=project_ids, shown__in=("red", "yellow"))
        .order_by("project_id", "-days", "node__sort", "node_id")
        .values_list(
            "project_id",
            "node_id",
            "node__name",
            "node__deadline",
            "days",
            "shown",
            "node__responsible_unit__name",
            "node__responsible_unit__short_name",
            "override_color",
        )
    )
    result: dict[int, list[dict]] = {}
    for project_id, node_id, name, deadline, days, shown, unit, short, override in qs:
        result.setdefault(project_id, []).append(
            {
                "id": node_id,
                "name": name,
                "deadline": deadline.isoformat() if deadline else "未排定",
                "days": days,
                "badge": badge(shown),
                "unit": _unit_name(unit, short),
                "overridden": bool(override),
            }
        )
    return result


# ---------------------------------------------------------------------------------------------------
# 应开未开 / 应竣未竣


SHOULD = {
    "start": ("should_start", "project__planned_start", "应开未开", "计划开工"),
    "finish": ("should_finish", "project__planned_completion", "应竣未竣", "计划竣工"),
}


def should_page(
    user: Any,
    kind: str,
    f: LightFilter,
    *,
    chain_base: str = "/chains/project/",
    project_base: str = "/projects/",
    per: int = PER_PAGE,
) -> RowsPage:
    """Projects flagged 应开未开 (kind "start") or 应竣未竣 ("finish"), earliest planned first: the planned
    date with its precision and the working days since its period ended (three queries)."""
    flag, planned_field, _title, _label = SHOULD[kind]
    qs = project_lights(user).filter(f.project_q(), **{flag: True})
    qs = qs.order_by(planned_field, "project_id")
    paginator = Paginator(qs.values_list("project_id", flat=True), per, allow_empty_first_page=True)
    page = paginator.get_page(f.page)
    ids = list(page.object_list)
    found = {r["project_id"]: r for r in ProjectLight.objects.filter(pk__in=ids).values(*PROJECT_FIELDS)}
    home = getattr(user, "jurisdiction_id", None)
    calendar = current_calendar()
    rows = []
    for n, pk in enumerate(ids, start=page.start_index() or 1):
        r = found.get(pk)
        if r is None:
            continue
        row = _project_row(r, number=n, home=home, chain_base=chain_base, project_base=project_base)
        planned = r[planned_field]
        precision = r[f"{planned_field}_precision"]
        row["planned"] = project_rules.format_planned(planned, precision)
        row["precision"] = project_rules.PRECISIONS.get(precision, "")
        row["overdue"], row["overdue_provisional"] = _overdue(calendar, planned, precision, r["computed_on"])
        rows.append(row)
    return RowsPage(page=page, rows=rows, count=paginator.count)


def _overdue(calendar: Any, planned: date | None, precision: str, on: date) -> tuple[int | None, bool]:
    """Working days from the end of the planned period to the day the light was computed."""
    if planned is None:
        return None, False
    end = project_rules.period_end(planned, precision)
    try:
        days = calendar.workdays_between(end, on)
    except ValueError:
        return None, False
    return max(days, 0), calendar.is_provisional(end) or calendar.is_provisional(on)


# ---------------------------------------------------------------------------------------------------
# Nodes due within the reminder window (the reminders' source)


@dataclass(frozen=True)
class DueGroup:
    key: str
    label: str
    place: str
    rows: list[dict]
    count: int


@dataclass(frozen=True)
class DueList:
    by: str
    groups: list[DueGroup]
    total: int
    shown: int
    provisional: bool
    computed_on: date | None = None


def due_nodes(
    user: Any, *, by: str, f: LightFilter, today: date, chain_base: str = "/chains/project/"
) -> DueList:
    """Open nodes due within the reminder window (NodeLight.due_soon), grouped by the node's responsible
    unit or by the project's lead leader, soonest first; at most DUE_LIMIT rows (two queries)."""
    # `unit` here is the node's responsible unit (the one that must act), not the project's
    qs = node_lights(user).filter(replace(f, unit=None).project_q(), due_soon=True)
    qs = qs.exclude(shown__in=("done", "exempt"))
    if f.unit is not None:
        qs = qs.filter(node__responsible_unit_id=f.unit)
    key_field = "node__responsible_unit_id" if by == "unit" else "project__lead_leader_id"
    counts = dict(qs.order_by().values_list(key_field).annotate(n=Count("pk")))
    rows = list(
        qs.order_by("node__deadline", "project_id", "node__sort").values(
            key_field,
            "node_id",
            "node__name",
            "node__deadline",
            "project_id",
            "project__name",
            "project__lead_leader__name",
            "node__responsible_unit__name",
            "node__responsible_unit__short_name",
            "node__responsible_person__name",
            "provisional",
            "computed_on",
        )[:DUE_LIMIT]
    )
    calendar = current_calendar()
    labels = _labels(user, "unit" if by == "unit" else "leader", list(counts))
    grouped: dict[Any, list[dict]] = {}
    provisional = False
    for r in rows:
        # counted from the day the light was computed, like the stored due_soon flag it explains
        deadline, on = r["node__deadline"], r["computed_on"] or today
        try:
            left = calendar.workdays_between(on, deadline) if deadline else None
        except ValueError:
            left = None
        provisional = provisional or r["provisional"]
        grouped.setdefault(r[key_field], []).append(
            {
                "node": r["node__name"],
                "project": r["project__name"],
                "url": f"{chain_base}{r['project_id']}/",
                "deadline": deadline.isoformat() if deadline else "",
                "left": "今日到期" if left == 0 else (f"{left} 个工作日" if left is not None else ""),
                "unit": _unit_name(
                    r["node__responsible_unit__name"], r["node__responsible_unit__short_name"]
                ),
                "person": r["node__responsible_person__name"] or "",
                "leader": r["project__lead_leader__name"] or "",
                "provisional": r["provisional"],
            }
        )
    groups = [
        DueGroup(NONE if key is None else str(key), label, place, grouped.get(key, []), counts[key])
        for key, (label, place, _o) in sorted(labels.items(), key=lambda item: item[1][2])
    ]
    computed_on = max((r["computed_on"] for r in rows), default=None)
    return DueList(
        by=by,
        groups=groups,
        total=sum(counts.values()),
        shown=len(rows),
        provisional=provisional,
        computed_on=computed_on,
    )


# ---------------------------------------------------------------------------------------------------
# Trend: the shown light of each project at each week's end, rebuilt from the changes


@dataclass(frozen=True)
class Trend:
    labels: list[str]
    ends: list[date]
    series: dict[str, list[int]]
    rows: list[dict]


def week_ends(today: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The last `weeks` Sundays up to `today`; the current week's end is today (the week is not over)."""
    sunday = today + timedelta(days=6 - today.weekday())
    ends = [sunday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    ends[-1] = min(ends[-1], today)
    return ends


def states_at(changes: Iterable[tuple[int, date, str]], ends: list[date]) -> list[dict[str, int]]:
    """Count each colour at each date: a project's light at D is the last change on or before D
    (`changes` as (project id, day, new light) ordered by project, day, id). Pure; tested alone."""
    counts = [dict.fromkeys(rules.LIGHTS, 0) for _ in ends]
    current: int | None = None
    history: list[tuple[date, str]] = []

    def flush() -> None:
        if not history:
            return
        index = 0
        state = ""
        for i, end in enumerate(ends):
            while index < len(history) and history[index][0] <= end:
                state = history[index][1]
                index += 1
            if state:
                counts[i][state] += 1

    for project_id, on, new in changes:
        if project_id != current:
            flush()
            current, history = project_id, []
        history.append((on, new))
    flush()
    return counts


def light_trend(user: Any, f: LightFilter, *, today: date, weeks: int = TREND_WEEKS) -> Trend:
    """Counts per colour at each of the last `weeks` week ends for the filtered projects (one query over
    the projects' light changes; the light shown, so an override counts as what people saw)."""
    ends = week_ends(today, weeks)
    changes = (
        light_changes(user)
        .filter(f.project_q(), node__isnull=True, on__lte=ends[-1])
        .order_by("project_id", "on", "id")
        .values_list("project_id", "on", "new")
    )
    counts = states_at(changes.iterator(chunk_size=5000), ends)
    labels = [f"{e.month}-{e.day}" for e in ends]
    series = {c: [sum(count[x] for x in COLOR_GROUP[c]) for count in counts] for c in BOARD_COLORS}
    rows = [
        {
            "end": end.isoformat(),
            "partial": end == today and end.weekday() != 6,
            **{c: series[c][i] for c in BOARD_COLORS},
            "total": sum(series[c][i] for c in BOARD_COLORS),
        }
        for i, end in enumerate(ends)
    ]
    return Trend(labels=labels, ends=ends, series=series, rows=rows)


# ---------------------------------------------------------------------------------------------------
# The override page: a project's or a node's stored light


def stored_light(
    *, project_id: int | None = None, node_id: int | None = None
) -> ProjectLight | NodeLight | None:
    """The stored light the override page shows beside the form (None before the first computation).
    The caller has checked access on the project or node."""
    if node_id is not None:
        return NodeLight.objects.select_related("override_by").filter(pk=node_id).first()
    return ProjectLight.objects.select_related("override_by").filter(pk=project_id).first()


def unit_options(user: Any, current: int | None) -> str:
    """The trend page's unit picker: the units the reader sees, grouped by jurisdiction in a city."""
    units = list(
        scope(user, Unit.objects.filter(is_active=True))
        .exclude(kind__in=(UnitKind.SUPERVISION, UnitKind.DISCIPLINE))
        .order_by("jurisdiction__path", "sort", "id")
        .values_list("pk", "name", "short_name", "jurisdiction__name")
    )
    grouped = len({place for *_rest, place in units}) > 1
    return options_html(
        ((pk, short or name, place) for pk, name, short, place in units), current, grouped=grouped
    )


def weekly_reporting_projects(user: Any, week_start: date) -> QuerySet:
    """The projects the user reads that owe a weekly report for the week starting `week_start`
    (`rules.must_report`; the reports app's 周报审核 and 迟报缺报 agree on it)."""
    from .report_selectors import owing_projects

    return owing_projects(user, week_start)
