"""Bulk reads of what the light rules need (REQ D): for a chunk of projects, their facts (stage, planned
start and completion with precision, actual dates from their stage transitions), their chain nodes (a
stage node takes the project's actual date of its stage: one source of truth), the stored lights to
compare with, and the thresholds of each jurisdiction's rule set.

A chunk costs five queries whatever its number of nodes: the projects (locked), their stored lights,
their stage transitions, their nodes, their nodes' stored lights — each a range of the project ids on an
index, never a join (issue 5 part 4 adds two, raw SQL because building them with the ORM cost more than running
them on a one-project refresh: the plan entries of the year with their monthly targets and completed
investment, and the weekly reports of the due cycles; plus, once per jurisdiction per run, whether its
weekly reporting had started by each of those weeks; issue 6 part 4 adds one more, the unresolved
on-site findings that light a project, `_finding_rows`) (a join's plan depends on fresh statistics: after a first computation of 1.3 million
node lights PostgreSQL chose to scan them all for every chunk). The querysets are built by the ORM and
run on the cursor (`_rows`): for the 130,000 nodes of 10,000 projects the ORM's per-value converters
cost more than the queries. Nothing is kept beyond the chunk (the
recompute streams). These reads are the engine's own (system work, no user), so they do not go through
`access.scope`; pages read lights through `lights.selectors`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from tuijin.chains.models import ChainNode
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction
from tuijin.projects import rules as project_rules
from tuijin.projects.models import AnnualPlan, InvestmentEntry, PlanEntry, Project, StageTransition
from tuijin.reports import rules as report_rules
from tuijin.reports.models import Report
from tuijin.supervision import rules as supervision_rules
from tuijin.supervision.models import Finding, SupervisionAct

from . import rules
from .models import NodeLight, ProjectLight
from .ruleset_lights import light_rules

# The stored values a computation produces, in this order (compared to decide whether a row changed).
LIGHT_FIELDS = ("color", "reason", "days", "provisional", "due_soon", "rule_version_id", "shown")
PROJECT_EXTRA = (
    "node_id",
    "red_nodes",
    "yellow_nodes",
    "should_start",
    "should_finish",
    "investment_behind",
    "reports_missing",
    "report_late",
)
OVERRIDE_FIELDS = ("override_color", "override_reason")

_PROJECT_COLUMNS = (
    "id",
    "jurisdiction_id",
    "stage",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "jurisdiction__path",
)
_NODE_COLUMNS = ("project_id", "sort", "id", "name", "stage", "deadline", "actual", "exempt_reason")

# A stored light as the engine compares it: (values, override_color, override_reason), values being
# LIGHT_FIELDS [+ PROJECT_EXTRA] in order; None when the light was never computed.
Stored = tuple[tuple, str, str]


class NodeRow(NamedTuple):
    """A chain node as the engine computes it: its facts (a stage node's actual date is the project's)
    and its stored light. (A named tuple: 130,000 of them are made per 10,000 projects.)"""

    id: int
    name: str
    deadline: date | None
    actual: date | None
    exempt_reason: str
    stored: Stored | None


@dataclass
class Chunk:
    """One chunk of projects, in id order: (facts, (jurisdiction id, path), stored light) and their
    nodes."""

    projects: list[tuple[rules.ProjectFacts, tuple[int, str], Stored | None]] = field(default_factory=list)
    nodes: dict[int, list[NodeRow]] = field(default_factory=dict)
    node_count: int = 0
    # issue 5 part 4 (read when the chunk is read for a day): the plan's investment facts, the projects
    # that owe weekly reports, and the due cycles of each of those as the lights rule reads them
    investment: dict[int, rules.InvestmentFacts] = field(default_factory=dict)
    cycles: dict[int, list[rules.ReportCycle]] = field(default_factory=dict)
    # issue 6 part 4: the unresolved on-site findings (督查) that light a project
    findings: dict[int, list[rules.FindingFacts]] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    rules: rules.LightRules
    rule_version_id: int | None
    weekly_due: report_rules.DueRule | None = None


class ThresholdCache:
    """The light thresholds of each jurisdiction's rule set in force (and its weekly report's due
    weekday), read once per jurisdiction for the life of this object (one recompute run, or one
    refresh); and the week each jurisdiction's weekly reporting started (None: not yet)."""

    def __init__(self) -> None:
        self._by_jurisdiction: dict[int, Thresholds] = {}
        self._cycles: dict[int, list[tuple[date, date]]] = {}

    def get(self, jurisdiction_id: int, path: str) -> Thresholds:
        found = self._by_jurisdiction.get(jurisdiction_id)
        if found is None:
            # the rule set in force is found from the jurisdiction's path alone (its ancestors' choices)
            version = ruleset_version_for_jurisdiction(Jurisdiction(pk=jurisdiction_id, path=path))
            data = version.data if version is not None else None
            found = Thresholds(
                light_rules(data),
                version.pk if version is not None else None,
                report_rules.due_rule("weekly", data),
            )
            self._by_jurisdiction[jurisdiction_id] = found
        return found

    def cycles(self, jurisdiction_id: int, path: str, today: date) -> list[tuple[date, date]]:
        """The weekly cycles that count for staleness in the jurisdiction as of `today`, newest first, as
        (Monday, due date): the last `stale_red_cycles` weeks due before today, from the first week any
        project of the jurisdiction has a weekly report on (so a jurisdiction that has not started weekly
        reporting in Tuijin is not flagged for every week before). One query per jurisdiction and run:
        an EXISTS per candidate week, each stopping at its first report once reporting has started."""
        found = self._cycles.get(jurisdiction_id)
        if found is None:
            limits = self.get(jurisdiction_id, path)
            candidates = due_cycles(
                today=today,
                due=limits.weekly_due or report_rules.due_rule("weekly", None),
                count=limits.rules.stale_red_cycles,
                since=date.min,
            )
            started = _reporting_started(jurisdiction_id, [start for start, _ in candidates])
            found = self._cycles[jurisdiction_id] = [
                c for c, ok in zip(candidates, started, strict=True) if ok
            ]
        return found


def due_cycles(
    *, today: date, due: report_rules.DueRule, count: int, since: date | None
) -> list[tuple[date, date]]:
    """The last `count` weekly cycles whose due date is before `today`, newest first, as (Monday, due
    date), from the week `since` on (none when `since` is None: reporting has not started)."""
    if since is None or count < 1:
        return []
    start = report_rules.period_start("weekly", today)
    while report_rules.due_date("weekly", start, due) >= today:
        start = report_rules.previous_period("weekly", start)
    cycles = []
    while len(cycles) < count and start >= since:
        cycles.append((start, report_rules.due_date("weekly", start, due)))
        start = report_rules.previous_period("weekly", start)
    return cycles


def _rows(qs: QuerySet) -> list[tuple]:
    """The queryset's rows straight from the cursor. The database driver gives dates and booleans their
    Python types (psycopg natively; Django registers SQLite's converters for declared `date` and `bool`
    columns); a LEFT JOIN's missing row reads as NULLs."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _projects(qs: QuerySet, lock: bool) -> list[tuple]:
    if lock:  # FOR NO KEY UPDATE OF the project rows (PostgreSQL; SQLite's IMMEDIATE transaction locks)
        qs = qs.select_for_update(no_key=True, of=("self",))
    return _rows(qs.values_list(*_PROJECT_COLUMNS))


def next_projects(*, after: int, limit: int, path: str | None, lock: bool) -> list[tuple]:
    """The next `limit` projects with an id above `after` (within the jurisdiction subtree `path`), in
    id order. With `lock` their rows stay locked until the transaction ends, so a
    refresh and a recompute of the same project follow each other."""
    qs = Project.objects.filter(id__gt=after)
    if path is not None:
        qs = qs.filter(jurisdiction__path__startswith=path)
    return _projects(qs.order_by("id")[:limit], lock)


def projects_by_id(ids: Sequence[int], *, lock: bool) -> list[tuple]:
    """These projects (those that still exist), in id order."""
    return _projects(Project.objects.filter(id__in=list(ids)).order_by("id"), lock)


def _project_filter(ids: Sequence[int]) -> Q:
    """The rows of these projects: an id range (the indexes' prefix), narrowed to the list when the ids
    are sparse (a recompute of one jurisdiction among others)."""
    low, high = ids[0], ids[-1]
    where = Q(project_id__gte=low, project_id__lte=high)
    if high - low + 1 > 2 * len(ids):
        where &= Q(project_id__in=list(ids))
    return where


def _stored(model, where: Q, key: str, width: int) -> dict[int, Stored]:
    """The stored lights of the chunk by `key` (node or project id): `width` values, then the override."""
    names = (*LIGHT_FIELDS, *PROJECT_EXTRA)[:width]
    rows = _rows(model.objects.filter(where).values_list(key, *names, *OVERRIDE_FIELDS))
    end = 1 + width
    return {row[0]: (row[1:end], row[end], row[end + 1]) for row in rows}


def _targets(values) -> tuple[Decimal | None, ...]:
    return tuple(Decimal(str(v)) if v not in (None, "") else None for v in values or ())


def _q(model, attname: str | None = None) -> str:
    """A model's table, or one of its columns, quoted for raw SQL."""
    qn = connections["default"].ops.quote_name
    if attname is None:
        return qn(model._meta.db_table)
    return qn(next(f.column for f in model._meta.concrete_fields if f.attname == attname))


def _fetch(sql: str, params: Sequence) -> list[tuple]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _reporting_started(jurisdiction_id: int, weeks: Sequence[date]) -> list[bool]:
    """For each week, whether any project of the jurisdiction had a weekly report for it or before."""
    if not weeks:
        return []
    r, p = _q(Report), _q(Project)
    exists = (
        f"EXISTS (SELECT 1 FROM {r} r INNER JOIN {p} p ON p.{_q(Project, 'id')} = r.{_q(Report, 'project_id')} "  # noqa: S608
        f"WHERE p.{_q(Project, 'jurisdiction_id')} = %s AND r.{_q(Report, 'kind')} = %s "
        f"AND r.{_q(Report, 'period_start')} <= %s)"
    )
    params: list = []
    for week in weeks:
        params += [jurisdiction_id, "weekly", week]
    row = _fetch("SELECT " + ", ".join([exists] * len(weeks)), params)[0]  # noqa: S608
    return [bool(value) for value in row]


def _ids_where(column: str, ids: Sequence[int]) -> tuple[str, list]:
    """`column` within the chunk's ids: a range (the indexes' prefix), narrowed to the list when sparse
    (as `_project_filter`)."""
    low, high = ids[0], ids[-1]
    sql, params = f"{column} >= %s AND {column} <= %s", [low, high]
    if high - low + 1 > 2 * len(ids):
        sql += f" AND {column} IN ({', '.join(['%s'] * len(ids))})"
        params += list(ids)
    return sql, params


def _decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, float):  # SQLite's SUM of a decimal column
        return Decimal(str(round(value, 2)))
    return Decimal(str(value))


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):  # SQLite keeps UTC without an offset
        value = timezone.make_aware(value, UTC)
    return timezone.localdate(value)


def _plan_rows(ids: Sequence[int], years: set[int], invest_year: int, invest_month: int) -> list[tuple]:
    """(project, plan year, plan's jurisdiction path, monthly targets, completed investment of
    `invest_year` to `invest_month`) of the chunk's active plan entries of `years` — one raw query: the
    ORM's query building cost more than the query on a one-project refresh."""
    e, a, j, i = _q(PlanEntry), _q(AnnualPlan), _q(Jurisdiction), _q(InvestmentEntry)
    where, params = _ids_where(f"e.{_q(PlanEntry, 'project_id')}", ids)
    year_marks = ", ".join(["%s"] * len(years))
    sql = (
        f"SELECT e.{_q(PlanEntry, 'project_id')}, a.{_q(AnnualPlan, 'year')}, j.{_q(Jurisdiction, 'path')}, "  # noqa: S608
        f"e.{_q(PlanEntry, 'monthly_targets')}, "
        f"(SELECT SUM(i.{_q(InvestmentEntry, 'amount')}) FROM {i} i "
        f"WHERE i.{_q(InvestmentEntry, 'project_id')} = e.{_q(PlanEntry, 'project_id')} "
        f"AND i.{_q(InvestmentEntry, 'year')} = %s AND i.{_q(InvestmentEntry, 'month')} <= %s) "
        f"FROM {e} e INNER JOIN {a} a ON a.{_q(AnnualPlan, 'id')} = e.{_q(PlanEntry, 'plan_id')} "
        f"INNER JOIN {j} j ON j.{_q(Jurisdiction, 'id')} = a.{_q(AnnualPlan, 'jurisdiction_id')} "
        f"WHERE {where} AND e.{_q(PlanEntry, 'removed')} = %s AND a.{_q(AnnualPlan, 'year')} IN ({year_marks})"
    )
    return _fetch(sql, [invest_year, invest_month, *params, False, *sorted(years)])


def _report_rows(ids: Sequence[int], weeks: set[date]) -> list[tuple]:
    """(project, Monday, status, first submitted at, reviewed at) of the chunk's weekly reports of these
    weeks."""
    where, params = _ids_where(_q(Report, "project_id"), ids)
    marks = ", ".join(["%s"] * len(weeks))
    columns = ", ".join(
        _q(Report, name)
        for name in ("project_id", "period_start", "status", "first_submitted_at", "reviewed_at")
    )
    sql = (
        f"SELECT {columns} FROM {_q(Report)} WHERE {where} AND {_q(Report, 'kind')} = %s "  # noqa: S608
        f"AND {_q(Report, 'period_start')} IN ({marks})"
    )
    return _fetch(sql, [*params, "weekly", *sorted(weeks)])


def _finding_rows(ids: Sequence[int]) -> list[tuple]:
    """(project, finding kind, act date, act kind, observed) of the chunk's unresolved findings of the
    kinds that light a project (issue 6 part 4), of recorded or closed acts only — one raw query on the
    (project, kind, resolved_at) index."""
    f, a = _q(Finding), _q(SupervisionAct)
    where, params = _ids_where(f"f.{_q(Finding, 'project_id')}", ids)
    kinds = tuple(rules.FINDING_WORDS)
    marks = ", ".join(["%s"] * len(kinds))
    sql = (
        f"SELECT f.{_q(Finding, 'project_id')}, f.{_q(Finding, 'kind')}, a.{_q(SupervisionAct, 'date')}, "  # noqa: S608
        f"a.{_q(SupervisionAct, 'kind')}, f.{_q(Finding, 'observed')} FROM {f} f "
        f"INNER JOIN {a} a ON a.{_q(SupervisionAct, 'id')} = f.{_q(Finding, 'act_id')} "
        f"WHERE {where} AND f.{_q(Finding, 'kind')} IN ({marks}) AND f.{_q(Finding, 'resolved_at')} IS NULL "
        f"AND a.{_q(SupervisionAct, 'status')} IN (%s, %s)"
    )
    # a finding counts once its act is recorded: one still being typed into a draft act (记录中) lights
    # nothing yet
    return _fetch(sql, [*params, *kinds, "recorded", "closed"])


def read_findings(chunk: Chunk, ids: Sequence[int]) -> None:
    """The chunk's unresolved 督查 findings, by project (one query)."""
    for project_id, kind, on, act_kind, observed in _finding_rows(ids):
        if isinstance(on, str):
            on = date.fromisoformat(on)
        label = supervision_rules.ACT_KINDS.get(act_kind, "督查")
        chunk.findings.setdefault(project_id, []).append(
            rules.FindingFacts(kind=kind, on=on, act=label, observed=observed or "")
        )


def read_dimensions(chunk: Chunk, ids: Sequence[int], *, today: date, thresholds: ThresholdCache) -> None:
    """The investment and weekly-report facts of the chunk's projects as of `today` (issue 5 part 4):
    the plan entries of the years concerned with their completed investment of the year to the last
    complete month (one query), the weekly reports of the due cycles (one, when the jurisdictions have
    started weekly reporting), and the cycles that count per jurisdiction (once per run)."""
    if not chunk.projects:
        return
    read_findings(chunk, ids)
    invest_year, invest_month = rules.last_complete_month(today)
    cycles_of: dict[int, list[tuple[date, date]]] = {}
    for _, (jurisdiction_id, path), _ in chunk.projects:
        if jurisdiction_id not in cycles_of:
            cycles_of[jurisdiction_id] = thresholds.cycles(jurisdiction_id, path, today)
    report_year = next((c[0][1].year for c in cycles_of.values() if c), invest_year)
    # the entry of the most local plan (a project in both its district's and its city's plan follows its
    # district's targets)
    entries: dict[tuple[int, int], tuple[int, tuple, Decimal]] = {}
    for project_id, year, path, targets, invested in _plan_rows(
        ids, {invest_year, report_year}, invest_year, invest_month
    ):
        key = (project_id, year)
        if key not in entries or len(path) > entries[key][0]:
            if isinstance(targets, str):  # SQLite returns the JSON text
                targets = json.loads(targets)
            entries[key] = (len(path), _targets(targets), _decimal(invested))
    weeks = {start for cycles in cycles_of.values() for start, _ in cycles}
    submitted: dict[tuple[int, date], date | None] = {}
    if weeks:
        for project_id, start, status, first, reviewed in _report_rows(ids, weeks):
            if status == "draft":
                continue
            if isinstance(start, str):
                start = date.fromisoformat(start)
            submitted[(project_id, start)] = _aware(first) or _aware(reviewed)
    for facts_, (jurisdiction_id, _), _ in chunk.projects:
        pid = facts_.id
        entry = entries.get((pid, invest_year))
        if entry is not None:
            chunk.investment[pid] = rules.InvestmentFacts(
                stage=facts_.stage, year=invest_year, month=invest_month, targets=entry[1], invested=entry[2]
            )
        cycles = cycles_of[jurisdiction_id]
        if cycles and rules.must_report(facts_.stage, (pid, report_year) in entries):
            chunk.cycles[pid] = [
                rules.ReportCycle(start, due, submitted.get((pid, start))) for start, due in cycles
            ]


def read_chunk(
    project_rows: Sequence[tuple], *, today: date | None = None, thresholds: ThresholdCache | None = None
) -> Chunk:
    """Facts, nodes and stored lights of these projects (`next_projects` rows); with `today` and
    `thresholds`, also their investment and weekly-report facts (`read_dimensions`)."""
    chunk = Chunk()
    if not project_rows:
        return chunk
    ids = [row[0] for row in project_rows]
    where = _project_filter(ids)
    moves: dict[int, list[project_rules.TransitionFacts]] = {}
    # sorted here, not by the database: a sort of wide rows spills to disk on PostgreSQL
    transitions = (
        StageTransition.objects.filter(where)
        .order_by()
        .values_list("project_id", "on", "id", "to_stage", "backfill")
    )
    for project_id, on, _, stage, backfill in sorted(_rows(transitions)):
        moves.setdefault(project_id, []).append(project_rules.TransitionFacts(stage, on, bool(backfill)))
    actuals: dict[int, dict[str, date]] = {}
    stored = _stored(ProjectLight, where, "project_id", len(LIGHT_FIELDS) + len(PROJECT_EXTRA))
    for row in project_rows:
        pid = row[0]
        actual = actuals[pid] = project_rules.actual_dates(moves.get(pid, ()))
        facts = rules.ProjectFacts(
            id=pid,
            stage=row[2],
            planned_start=row[3],
            planned_start_precision=row[4],
            planned_completion=row[5],
            planned_completion_precision=row[6],
            started=actual.get("started"),
            completed=actual.get("completed"),
        )
        chunk.projects.append((facts, (row[1], row[7]), stored.get(pid)))
        chunk.nodes[pid] = []
    stored = _stored(NodeLight, where, "node_id", len(LIGHT_FIELDS))
    nodes = ChainNode.objects.filter(where).order_by().values_list(*_NODE_COLUMNS)
    for row in sorted(_rows(nodes)):  # project, sort, id (ids are unique: the rest is never compared)
        bucket = chunk.nodes.get(row[0])
        if bucket is None:
            continue
        stage, actual = row[4], row[6]
        if stage:  # 开工 / 竣工 / 投产: the project's actual date of that stage
            actual = actuals[row[0]].get(stage)
        bucket.append(NodeRow(row[2], row[3], row[5], actual, row[7], stored.get(row[2])))
        chunk.node_count += 1
    if today is not None and thresholds is not None:
        read_dimensions(chunk, ids, today=today, thresholds=thresholds)
    return chunk
