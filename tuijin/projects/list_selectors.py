"""Reads of the project list page and its export (issue 3 parts 5 and 6).

The query string is parsed once into a `ListQuery`, so the page, its htmx swaps, the export and the saved
filters all read the same filters. Rows come out with every display value prepared here (DESIGN.md
"Performance facts": one template lookup per cell, no per-cell `get_FOO_display`), in a constant number
of queries whatever the page size: the page's ids, their rows, their plan entries and their tags.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from html import escape as html_escape
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.safestring import SafeString, mark_safe

from tuijin.core.access import scope
from tuijin.org.models import Jurisdiction, Person, Unit, UnitKind

from . import rules
from .models import AnnualPlan, PlanEntry, Project, ProjectTag, SavedFilter

PAGE_SIZES = (20, 50, 100)
# sort key → its label (`ordered` maps each to its column); "-key" sorts descending
SORTS = {
    "name": "项目名称",
    "total": "总投资",
    "start": "计划开工",
    "stage": "所处阶段",
    "planned": "年度计划投资",
}
LIBRARY_CSS = {"reserve": "bg-secondary-lt", "construction": "bg-blue-lt", "completed": "bg-green-lt"}
MAX_SEARCH = 100


@dataclass(frozen=True)
class ListQuery:
    """The list's filters, sort and paging, as read from the query string (invalid values are dropped and
    named in `problems`)."""

    year: int
    q: str = ""
    category: str = ""
    tag: int | None = None
    plan_type: str = ""
    stage: str = ""
    library: str = ""
    unit: int | None = None
    leader: int | None = None
    street: int | None = None
    min_investment: Decimal | None = None
    max_investment: Decimal | None = None
    sort: str = ""
    per: int = PAGE_SIZES[0]
    page: str = "1"
    default_year: int = 0
    problems: tuple[str, ...] = field(default=(), compare=False)

    def params(self) -> dict[str, str]:
        """The non-default parameters, in a fixed order (page excluded): what a shared URL carries."""
        values = {
            "q": self.q,
            "category": self.category,
            "tag": self.tag,
            "year": self.year if self.year != self.default_year else None,
            "plan_type": self.plan_type,
            "stage": self.stage,
            "library": self.library,
            "unit": self.unit,
            "leader": self.leader,
            "street": self.street,
            "min": _plain(self.min_investment),
            "max": _plain(self.max_investment),
            "sort": self.sort,
            "per": self.per if self.per != PAGE_SIZES[0] else None,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def urlencode(self, **changes: object) -> str:
        """The query string with some parameters changed (None drops one), e.g. `urlencode(sort="name")`."""
        params: dict[str, object] = dict(self.params())
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = value
        return urlencode(params)

    @property
    def filtered(self) -> bool:
        """Any filter beyond sort and page size."""
        return any(key not in ("sort", "per") for key in self.params())


def _plain(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    return format(amount.normalize(), "f") if amount == amount.to_integral() else str(amount)


def parse_list_query(params: Mapping[str, str], *, today: date) -> ListQuery:
    """Read the list's query string. Unknown choices and malformed numbers are ignored with a Chinese
    note naming the parameter, so a stale shared URL still opens."""
    problems: list[str] = []

    def text(key: str) -> str:
        return (params.get(key) or "").strip()

    def choice(key: str, label: str, choices: Mapping[str, str]) -> str:
        value = text(key)
        if value and value not in choices:
            problems.append(f"{label}“{value}”不存在，已忽略。")
            return ""
        return value

    def number(key: str, label: str) -> int | None:
        value = text(key)
        if not value:
            return None
        if not value.isdigit():
            problems.append(f"{label}“{value}”无效，已忽略。")
            return None
        return int(value)

    def money(key: str, label: str) -> Decimal | None:
        value = text(key).replace(",", "").replace("，", "")
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            problems.append(f"{label}应为不小于 0 的数（万元），“{text(key)}”无效，已忽略。")
            return None
        return amount

    year = number("year", "年度") or today.year
    if not 2000 <= year <= 2100:
        problems.append(f"年度 {year} 无效，已改为 {today.year} 年。")
        year = today.year
    sort = text("sort")
    if sort and sort.lstrip("-") not in SORTS:
        problems.append(f"排序“{sort}”不存在，已忽略。")
        sort = ""
    per = number("per", "每页条数") or PAGE_SIZES[0]
    if per not in PAGE_SIZES:
        problems.append(f"每页条数只能是 {'、'.join(map(str, PAGE_SIZES))}，已改为 {PAGE_SIZES[0]}。")
        per = PAGE_SIZES[0]
    low, high = money("min", "总投资下限"), money("max", "总投资上限")
    if low is not None and high is not None and low > high:
        problems.append(f"总投资下限 {low} 万元大于上限 {high} 万元，已互换。")
        low, high = high, low
    return ListQuery(
        year=year,
        default_year=today.year,
        q=text("q")[:MAX_SEARCH],
        category=choice("category", "项目类别", rules.CATEGORIES),
        tag=number("tag", "项目级别"),
        plan_type=choice("plan_type", "计划类型", rules.PLAN_TYPES),
        stage=choice("stage", "所处阶段", rules.STAGES),
        library=choice("library", "项目库", rules.LIBRARIES),
        unit=number("unit", "责任单位"),
        leader=number("leader", "挂点领导"),
        street=number("street", "所在街道"),
        min_investment=low,
        max_investment=high,
        sort=sort,
        per=per,
        page=text("page") or "1",
        problems=tuple(problems),
    )


# ---------------------------------------------------------------------------------------------------
# The filtered queryset


def _year_entries(year: int) -> QuerySet:
    """Active entries of the year's plans (a project sits in one plan a year; the deepest wins if two)."""
    return PlanEntry.objects.filter(plan__year=year, removed=False)


def projects_for(user, query: ListQuery) -> QuerySet:
    """The projects the user may read that match the filters (no ordering, no display values)."""
    qs = scope(user, Project.objects.all())
    if qs.query.distinct:
        # unit staff's scope joins secondary units; a plain id filter keeps sorting and counting simple
        qs = Project.objects.filter(pk__in=qs.values("pk"))
    if query.q:
        words = query.q
        qs = qs.filter(
            Q(name__icontains=words)
            | Q(code__icontains=words)
            | Q(owner__icontains=words)
            | Q(content__icontains=words)
        )
    if query.category:
        qs = qs.filter(category=query.category)
    if query.tag is not None:
        qs = qs.filter(
            Exists(Project.tags.through.objects.filter(project=OuterRef("pk"), projecttag=query.tag))
        )
    if query.plan_type:
        entries = _year_entries(query.year).filter(project=OuterRef("pk"), plan_type=query.plan_type)
        qs = qs.filter(Exists(entries))
    if query.stage:
        qs = qs.filter(stage=query.stage)
    if query.library:
        qs = qs.filter(stage__in=rules.stages_of_library(query.library))
    if query.unit is not None:
        qs = qs.filter(responsible_unit_id=query.unit)
    if query.leader is not None:
        qs = qs.filter(lead_leader_id=query.leader)
    if query.street is not None:
        qs = qs.filter(street_id=query.street)
    if query.min_investment is not None:
        qs = qs.filter(total_investment__gte=query.min_investment)
    if query.max_investment is not None:
        qs = qs.filter(total_investment__lte=query.max_investment)
    return qs


def _stage_order() -> Case:
    return Case(*[When(stage=s, then=Value(n)) for s, n in rules.STAGE_ORDER.items()], default=Value(99))


def ordered(qs: QuerySet, query: ListQuery) -> QuerySet:
    """Sort by the chosen column (nulls last), then by the list's default order, so pages are stable."""
    key = query.sort.lstrip("-")
    descending = query.sort.startswith("-")
    if key == "planned":
        entry = _year_entries(query.year).filter(project=OuterRef("pk")).order_by("-plan__jurisdiction__path")
        qs = qs.annotate(sort_value=Subquery(entry.values("planned_investment")[:1]))
        expression = F("sort_value")
    elif key == "stage":
        qs = qs.annotate(sort_value=_stage_order())
        expression = F("sort_value")
    elif key:
        expression = F({"name": "name", "total": "total_investment", "start": "planned_start"}[key])
    else:
        return qs.order_by("jurisdiction_id", "id")
    first = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return qs.order_by(first, "id")


# ---------------------------------------------------------------------------------------------------
# Rows for the page


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def _unit_name(name: str | None, short: str | None) -> str:
    return short or name or ""


ROW_FIELDS = (
    "pk",
    "name",
    "code",
    "jurisdiction_id",
    "jurisdiction__name",
    "category",
    "stage",
    "total_investment",
    "planned_start",
    "planned_start_precision",
    "lead_leader__name",
    "responsible_unit__name",
    "responsible_unit__short_name",
    "street__name",
    "street__short_name",
)


def year_entries_for(ids, year: int) -> dict[int, dict]:
    """project id → its entry in the year's plan ({plan_type, planned_investment}); one query."""
    entries: dict[int, dict] = {}
    rows = (
        _year_entries(year)
        .filter(project_id__in=ids)
        .order_by("plan__jurisdiction__path")
        .values("project_id", "plan_type", "planned_investment")
    )
    for entry in rows:  # ordered by depth: the deepest plan's entry is written last and wins
        entries[entry["project_id"]] = entry
    return entries


def tags_for(ids) -> dict[int, list[str]]:
    """project id → its level tags' names in the tags' order; one query."""
    tags: dict[int, list[str]] = {}
    through = Project.tags.through.objects.filter(project_id__in=ids)
    pairs = through.order_by("projecttag__sort", "projecttag_id").values_list(
        "project_id", "projecttag__name"
    )
    for project_id, name in pairs:
        tags.setdefault(project_id, []).append(name)
    return tags


def project_rows(
    ids: list[int],
    *,
    year: int,
    first_number: int = 1,
    detail_base: str = "/projects/",
    home: int | None = None,
) -> list[dict]:
    """The list's rows for these projects, in the order of `ids`, display values ready (three queries).
    A project outside the reader's own jurisdiction `home` (a city office reading its districts) is named
    with its jurisdiction beside its code: every district has a 区发改委."""
    if not ids:
        return []
    found = {row["pk"]: row for row in Project.objects.filter(pk__in=ids).values(*ROW_FIELDS)}
    entries = year_entries_for(ids, year)
    tags = tags_for(ids)
    # the column is headed 项目类别: "民生社会事业" rather than "民生社会事业项目" keeps the table on one screen
    categories = {key: label.removesuffix("项目") for key, label in rules.CATEGORIES.items()}
    stages, plan_types = rules.STAGES, rules.PLAN_TYPES
    rows = []
    for number, pk in enumerate(ids, start=first_number):
        row = found.get(pk)
        if row is None:  # deleted between the two queries
            continue
        entry = entries.get(pk)
        library = rules.library_of(row["stage"])
        rows.append(
            {
                "number": number,
                "pk": pk,
                "url": f"{detail_base}{pk}/",
                "name": row["name"],
                "code": row["code"],
                "sub": " · ".join(
                    filter(
                        None,
                        (row["jurisdiction__name"] if row["jurisdiction_id"] != home else "", row["code"]),
                    )
                ),
                "category": categories.get(row["category"], row["category"]),
                "tags": "、".join(tags.get(pk, ())),
                "total": _money(row["total_investment"]),
                "planned": _money(entry["planned_investment"]) if entry else "",
                "plan_type": plan_types.get(entry["plan_type"], "") if entry else "",
                "stage": stages.get(row["stage"], row["stage"]),
                "stage_css": LIBRARY_CSS[library],
                "start": rules.format_planned(row["planned_start"], row["planned_start_precision"]),
                "leader": row["lead_leader__name"] or "",
                "unit": _unit_name(row["responsible_unit__name"], row["responsible_unit__short_name"]),
                "street": _unit_name(row["street__name"], row["street__short_name"]),
            }
        )
    return rows


@dataclass(frozen=True)
class ListPage:
    page: Page
    rows: list[dict]
    count: int


def list_page(user, query: ListQuery, *, detail_base: str = "/projects/") -> ListPage:
    """One page of the list: count, the page's ids, then its rows (five queries whatever the size)."""
    qs = ordered(projects_for(user, query), query)
    paginator = Paginator(qs.values_list("pk", flat=True), query.per, allow_empty_first_page=True)
    page = paginator.get_page(query.page)
    ids = list(page.object_list)
    first = page.start_index() or 1
    home = getattr(user, "jurisdiction_id", None)
    rows = project_rows(ids, year=query.year, first_number=first, detail_base=detail_base, home=home)
    return ListPage(page=page, rows=rows, count=paginator.count)


# ---------------------------------------------------------------------------------------------------
# The filter form's choices


def escape(value) -> str:
    """django.utils.html.escape's text without its lazy-string wrapper (a city's form has ~1,000 of them)."""
    return html_escape(str(value))


def options_html(choices, current, *, grouped: bool = False) -> SafeString:
    """`<option>`s of a filter, the current one selected; `grouped` puts them in an `<optgroup>` per
    jurisdiction (a city's districts all have a 区发改委). Rendered here: a city has hundreds of units, and
    three template lookups an option would cost more than the table (DESIGN.md "Performance facts")."""
    current = "" if current is None else str(current)
    parts, group = [], None
    for value, label, *place in choices:
        if grouped and place and place[0] != group:
            parts.append(f'{"</optgroup>" if group else ""}<optgroup label="{escape(place[0])}">')
            group = place[0]
        selected = " selected" if str(value) == current else ""
        parts.append(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')
    if group:
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above


_LEADERS: dict[tuple, tuple[float, list[tuple]]] = {}
_LEADERS_KEPT = 256
# a transaction that began before the stamp was read and commits after it (a long import) adds history rows
# below the highest key: its changes show within this time at the latest
LEADERS_KEEP_SECONDS = 60


def history_stamp() -> tuple:
    """A stamp that changes whenever a project, a person or a jurisdiction is written: the highest key and
    the latest date of their history tables (every write leaves a history row: the services, the import,
    the exchange, the demo). The date as well, so that ids a rolled-back transaction gave back and used
    again (SQLite) do not repeat a stamp. One query of index look-ups."""
    parts = []
    for model in (Project, Person, Jurisdiction):
        table = connection.ops.quote_name(model.history.model._meta.db_table)
        # table names come from the models, never from input
        parts += [f"(SELECT MAX(history_id) FROM {table})", f"(SELECT MAX(history_date) FROM {table})"]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def leader_choices(leaders: QuerySet) -> list[tuple]:
    """The 挂点领导 filter's choices: the people leading a project the reader reads. Finding them reads every
    project in scope (≈10 ms for a city of 10,000 on PostgreSQL, the list's dearest query), so the answer
    is kept per process under the query's SQL (the reader's scope) and `history_stamp()`, for at most
    LEADERS_KEEP_SECONDS: a committed write makes a new key; the stamp's query replaces the leaders' one
    while nothing changed."""
    sql, params = leaders.query.sql_with_params()
    try:
        key = (sql, tuple(params), history_stamp())
        hash(key)
    except TypeError:  # a parameter that cannot be a key: no keeping
        return list(leaders)
    now = time.monotonic()
    kept = _LEADERS.get(key)
    if kept is None or now - kept[0] > LEADERS_KEEP_SECONDS:
        if len(_LEADERS) >= _LEADERS_KEPT:
            _LEADERS.clear()
        kept = _LEADERS[key] = (now, list(leaders))
    return kept[1]


def filter_options(user, query: ListQuery) -> dict[str, SafeString]:
    """Every filter's options as HTML, the current one selected (four queries; five when the leaders
    are read afresh, see `leader_choices`)."""
    units = list(
        scope(user, Unit.objects.filter(is_active=True))
        .exclude(kind__in=(UnitKind.SUPERVISION, UnitKind.DISCIPLINE))
        .order_by("jurisdiction__path", "sort", "id")
        .values_list("pk", "name", "short_name", "kind", "jurisdiction__name")
    )
    readable = scope(user, Project.objects.all())
    leaders = leader_choices(
        Person.objects.filter(Exists(readable.filter(lead_leader=OuterRef("pk"))))
        .order_by("jurisdiction__path", "id")
        .values_list("pk", "name", "jurisdiction__name")
    )
    plan_years = set(
        scope(user, AnnualPlan.objects.all()).order_by().values_list("year", flat=True).distinct()
    )
    years = sorted(plan_years | {query.default_year or query.year, query.year}, reverse=True)
    tags = ProjectTag.objects.order_by("sort", "id").values_list("pk", "name")
    grouped = len({place for *_rest, place in units}) > 1
    return {
        "categories": options_html(rules.CATEGORIES.items(), query.category),
        "tags": options_html(tags, query.tag),
        "years": options_html(((y, f"{y}年") for y in years), query.year),
        "plan_types": options_html(rules.PLAN_TYPES.items(), query.plan_type),
        "stages": options_html(rules.STAGES.items(), query.stage),
        "libraries": options_html(rules.LIBRARIES.items(), query.library),
        "units": options_html(
            ((pk, short or name, place) for pk, name, short, _kind, place in units),
            query.unit,
            grouped=grouped,
        ),
        "leaders": options_html(leaders, query.leader, grouped=grouped),
        "streets": options_html(
            ((pk, short or name, place) for pk, name, short, kind, place in units if kind == UnitKind.STREET),
            query.street,
            grouped=grouped,
        ),
    }


def saved_filters_for(user) -> list[SavedFilter]:
    """The user's own saved filters (nobody else's, whatever their role)."""
    return list(SavedFilter.objects.filter(user=user).order_by("name"))


def saved_filter_by_id(pk: int) -> SavedFilter | None:
    """A saved filter by id, or None when it does not exist (ownership is the service's check)."""
    return SavedFilter.objects.filter(pk=pk).first()
