"""Writes of lights (REQ D): the only code that stores NodeLight, ProjectLight and LightChange rows.

- `lights_refresh_project`: one project now (after a node or a project change; under 20 ms).
- `lights_refresh_projects`: some projects (a spreadsheet import), in chunks.
- `lights_on_reports` (the reports services' listener) / `lights_on_reports_changed`: a late weekly
  report, a monthly investment figure.
- `lights_recompute`: every project (the daily job, a calendar change), streamed in chunks of project ids
  so memory stays flat whatever the number of projects; three reads per chunk (`facts`), and only
  changed rows are written (raw multi-row writes: COPY on PostgreSQL, executemany on SQLite).
- `light_override` / `light_override_clear`: the office sets the light people see; the computed one stays
  beside it, and a recompute never drops an override.

Colours come from `lights.rules` only (`node_light`, `project_light`). A shown light that changes gets a
LightChange row (old → new, reason, the day). A project's first light gets one from "" (the boards'
trend replays each project's changes from its first row); a node's first light does not (its earlier
state is the `old` of its first change, else the stored light), which halves the rows a first
computation writes. A node's override is what its project's light sees too (the light people see).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from tuijin.core.access import require
from tuijin.core.calendar_selectors import current_calendar
from tuijin.projects.models import Project

from . import facts, rules
from .facts import LIGHT_FIELDS, PROJECT_EXTRA, Chunk, Stored, ThresholdCache
from .models import LightChange, NodeLight, ProjectLight

REASON_LENGTH = 300
CHUNK = 2000
# A refresh of this many projects or fewer runs in the caller's transaction (a stage move, an import of
# a few rows); more are left to a background task after the commit (an import of thousands of rows).
INLINE_REFRESH = 200
OVERRIDE_COLORS = ("red", "yellow", "green")


@dataclass(frozen=True)
class RecomputeSummary:
    """What a recompute did: projects and nodes computed, shown lights that changed (LightChange rows
    written), light rows inserted or updated, and the wall time."""

    projects: int
    nodes: int
    changed: int
    written: int
    seconds: float

    def message(self) -> str:
        return (
            f"已重算 {self.projects} 个项目、{self.nodes} 个节点的亮灯：{self.changed} 处亮灯变化，"
            f"写入 {self.written} 行，用时 {self.seconds:.1f} 秒。"
        )


@dataclass
class _Counts:
    projects: int = 0
    nodes: int = 0
    changed: int = 0
    written: int = 0

    def add(self, other: _Counts) -> None:
        self.projects += other.projects
        self.nodes += other.nodes
        self.changed += other.changed
        self.written += other.written


# ---------------------------------------------------------------------------------------------------
# Computing a chunk


class _NodeLights:
    """`rules.node_light` for one chunk, remembered by what it reads. A node's light depends on its name,
    deadline, actual date and exemption (today, the calendar and the thresholds are the run's), and
    chains built from the same template share names and often deadlines: in the demo city a chunk of
    2,000 projects has about 26,000 nodes but 9,000 different lights. Cleared for every chunk, so memory
    stays flat."""

    def __init__(self, today: date, calendar) -> None:
        self.today, self.calendar = today, calendar
        self.memo: dict[tuple, rules.Light] = {}

    def __call__(self, row: facts.NodeRow, limits: facts.Thresholds) -> rules.Light:
        key = (row.name, row.deadline, row.actual, row.exempt_reason, id(limits))
        light = self.memo.get(key)
        if light is None:
            node = rules.NodeFacts(row.id, row.name, row.deadline, row.actual, row.exempt_reason)
            try:
                light = rules.node_light(node, today=self.today, calendar=self.calendar, rules=limits.rules)
            except ValueError:  # a date outside the working-day calendar (2000–2100): say so, go on
                light = rules.Light("green", f"{row.name} 完成时限超出工作日历范围，无法计算")
            self.memo[key] = light
        return light


@dataclass(frozen=True)
class _Dimensions:
    """The project light's flags beside its colour: 应开未开 / 应竣未竣 (when the rule set lights them),
    投资滞后, weekly reports missing in a row, the last due one late."""

    late_start: bool = False
    late_finish: bool = False
    investment_behind: bool = False
    reports_missing: int = 0
    report_late: bool = False


def _project(
    project: rules.ProjectFacts,
    nodes: list[rules.Light],
    *,
    today: date,
    calendar,
    light_rules,
    investment: rules.InvestmentFacts | None = None,
    cycles: Sequence[rules.ReportCycle] = (),
    findings: Sequence[rules.FindingFacts] = (),
) -> tuple[rules.Light, _Dimensions]:
    """The project's computed light (nodes, planned dates, investment, weekly reports, 督查 findings)
    and its flags."""
    args = {"today": today, "calendar": calendar, "rules": light_rules}
    try:
        behind = rules.investment_light(investment, rules=light_rules) if investment is not None else None
        reporting = rules.report_state(cycles, **args)
        found = rules.finding_light(findings, rules=light_rules)
        overall = rules.project_light(project, nodes, **args, extra=(behind, reporting.light, found))
        flags = _Dimensions(
            late_start=light_rules.should_start and rules.should_have_started(project, **args) is not None,
            late_finish=light_rules.should_finish and rules.should_have_finished(project, **args) is not None,
            investment_behind=behind is not None,
            reports_missing=reporting.missing,
            report_late=reporting.late,
        )
    except ValueError:
        return rules.Light("green", "计划日期超出工作日历范围，无法计算"), _Dimensions()
    return overall, flags


def _node_input(row: facts.NodeRow, computed: rules.Light, override: str, reason: str) -> rules.Light:
    """The node's light as its project sees it: the override when there is one; a red or yellow light
    names its node (the project's light points at its worst node)."""
    if override and override != computed.color:
        text = f"{row.name} 人工调整为{rules.LIGHTS[override]}：{reason}"
        days = computed.days if override in ("red", "yellow") else 0
        return rules.Light(override, text, days, computed.provisional, row.id)
    if computed.color in ("red", "yellow") and computed.node_id != row.id:
        return rules.Light(computed.color, computed.reason, computed.days, computed.provisional, row.id)
    return computed


@dataclass
class _Writes:
    """The rows one chunk writes."""

    day: Any  # the computation's day as the database takes it
    node_inserts: list[tuple] = field(default_factory=list)
    node_updates: list[tuple] = field(default_factory=list)
    project_inserts: list[tuple] = field(default_factory=list)
    project_updates: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)  # project, node, old, new, reason

    def light(self, project_id: int, node_id: int | None, values: tuple, stored: Stored | None) -> None:
        """Queue the insert or update of a light (values: LIGHT_FIELDS [+ PROJECT_EXTRA]) and its change."""
        key = node_id or project_id
        if stored is None:
            (self.node_inserts if node_id else self.project_inserts).append((key, project_id, values))
            if node_id is None:  # a project's first light starts its history (trends replay from it)
                self.changes.append((project_id, None, "", values[6], values[1]))
            return
        old = stored[0]
        if old == values:
            return
        (self.node_updates if node_id else self.project_updates).append((*values, self.day, key))
        if old[6] != values[6]:
            self.changes.append((project_id, node_id, old[6], values[6], values[1]))


def _compute_chunk(
    chunk: Chunk, *, today: date, day: Any, calendar, thresholds: ThresholdCache, node_lights: _NodeLights
) -> _Writes:
    """Every light of the chunk's projects, compared with the stored ones: the writes needed."""
    writes = _Writes(day)
    for project, (jurisdiction_id, path), stored_project in chunk.projects:
        limits = thresholds.get(jurisdiction_id, path)
        version_id = limits.rule_version_id
        seen: list[rules.Light] = []
        red = yellow = 0
        for row in chunk.nodes[project.id]:
            computed = node_lights(row, limits)
            stored = row.stored
            override, override_reason = (stored[1], stored[2]) if stored is not None else ("", "")
            shown = override or computed.color
            values = (
                computed.color,
                computed.reason[:REASON_LENGTH],
                computed.days,
                computed.provisional,
                computed.due_soon,
                version_id,
                shown,
            )
            writes.light(project.id, row.id, values, stored)
            seen.append(_node_input(row, computed, override, override_reason))
            red += shown == "red"
            yellow += shown == "yellow"
        overall, flags = _project(
            project,
            seen,
            today=today,
            calendar=calendar,
            light_rules=limits.rules,
            investment=chunk.investment.get(project.id),
            cycles=chunk.cycles.get(project.id, ()),
            findings=chunk.findings.get(project.id, ()),
        )
        override = stored_project[1] if stored_project is not None else ""
        values = (
            overall.color,
            overall.reason[:REASON_LENGTH],
            overall.days,
            overall.provisional,
            overall.due_soon,
            version_id,
            override or overall.color,
            overall.node_id,
            red,
            yellow,
            flags.late_start,
            flags.late_finish,
            flags.investment_behind,
            flags.reports_missing,
            flags.report_late,
        )
        writes.light(project.id, None, values, stored_project)
    return writes


# ---------------------------------------------------------------------------------------------------
# Writing: raw multi-row statements (Django's bulk_update builds one CASE per column and row)

NODE_INSERT = ("node_id", "project_id", *LIGHT_FIELDS, "computed_on", "override_color", "override_reason")
PROJECT_INSERT = ("project_id", *LIGHT_FIELDS, *PROJECT_EXTRA, "computed_on")
PROJECT_INSERT += ("override_color", "override_reason")
CHANGE_INSERT = ("project_id", "node_id", "on", "at", "old", "new", "reason", "by_id")
TEMP_UPDATE_FROM = 100  # PostgreSQL: this many rows or more go through COPY into a temporary table
ANALYZE_AFTER = 50_000  # PostgreSQL: new light rows in one run after which their statistics are refreshed


class _Sql:
    """Raw writes of many rows on the default database's connection."""

    def __init__(self) -> None:
        self.connection = connections[router.db_for_write(NodeLight)]
        self.postgres = self.connection.vendor == "postgresql"
        self.qn = self.connection.ops.quote_name

    def day(self, value: date) -> Any:
        return value if self.postgres else value.isoformat()

    def _columns(self, model, attnames: Sequence[str]) -> list[str]:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        return [fields[name].column for name in attnames]

    def insert(self, model, attnames: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        columns = self._columns(model, attnames)
        table = self.qn(model._meta.db_table)
        names = ", ".join(self.qn(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def update(self, model, attnames: Sequence[str], rows: list[tuple]) -> None:
        """UPDATE each of `attnames` WHERE the primary key = the row's last value."""
        if not rows:
            return
        columns = self._columns(model, attnames)
        key = model._meta.pk.column
        table = self.qn(model._meta.db_table)
        with self.connection.cursor() as cursor:
            if self.postgres and len(rows) >= TEMP_UPDATE_FROM:
                temp = self.qn(f"tmp_{model._meta.db_table}")
                names = ", ".join(self.qn(c) for c in (*columns, key))
                cursor.execute(f"CREATE TEMP TABLE {temp} AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608
                with cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                sets = ", ".join(f"{self.qn(c)} = s.{self.qn(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} AS d SET {sets} FROM {temp} AS s WHERE d.{self.qn(key)} = s.{self.qn(key)}"  # noqa: S608
                )
                cursor.execute(f"DROP TABLE {temp}")
                return
            sets = ", ".join(f"{self.qn(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {self.qn(key)} = %s", rows)  # noqa: S608


def _flush(writes: _Writes, sql: _Sql) -> tuple[int, int]:
    """Write the chunk's rows; (rows written, changes recorded)."""
    today = writes.day
    now = LightChange._meta.get_field("at").get_db_prep_save(timezone.now(), sql.connection)
    sql.insert(
        NodeLight,
        NODE_INSERT,
        [
            (node_id, project_id, *values, today, "", "")
            for node_id, project_id, values in writes.node_inserts
        ],
    )
    sql.insert(
        ProjectLight,
        PROJECT_INSERT,
        [(project_id, *values, today, "", "") for project_id, _, values in writes.project_inserts],
    )
    sql.update(NodeLight, [*LIGHT_FIELDS, "computed_on"], writes.node_updates)
    sql.update(ProjectLight, [*LIGHT_FIELDS, *PROJECT_EXTRA, "computed_on"], writes.project_updates)
    sql.insert(
        LightChange,
        CHANGE_INSERT,
        [
            (project_id, node_id, today, now, old, new, reason, None)
            for project_id, node_id, old, new, reason in writes.changes
        ],
    )
    written = len(writes.node_inserts) + len(writes.node_updates)
    written += len(writes.project_inserts) + len(writes.project_updates)
    return written, len(writes.changes)


class _Run:
    """One computation: its day, the calendar, the thresholds of each jurisdiction and the node lights
    already computed, shared by its chunks."""

    def __init__(self, today: date | None) -> None:
        self.today = today or timezone.localdate()
        self.calendar = current_calendar()
        self.thresholds = ThresholdCache()
        self.node_lights = _NodeLights(self.today, self.calendar)
        self.counts = _Counts()
        self.inserted = 0
        self.started = time.perf_counter()

    def refresh(self, project_rows: Sequence[tuple]) -> None:
        """Compute these projects (`facts.next_projects` rows, locked) and write what changed."""
        if not project_rows:
            return
        sql = _Sql()
        chunk = facts.read_chunk(project_rows, today=self.today, thresholds=self.thresholds)
        self.node_lights.memo.clear()
        writes = _compute_chunk(
            chunk,
            today=self.today,
            day=sql.day(self.today),
            calendar=self.calendar,
            thresholds=self.thresholds,
            node_lights=self.node_lights,
        )
        written, changed = _flush(writes, sql)
        self.counts.add(_Counts(len(project_rows), chunk.node_count, changed, written))
        self.inserted += len(writes.node_inserts) + len(writes.project_inserts)

    def analyze(self) -> None:
        """After many new rows (a first computation), refresh PostgreSQL's statistics of the light tables
        so the pages' queries (and the next run) are planned on what is there; autovacuum would, later."""
        sql = _Sql()
        if sql.postgres and self.inserted >= ANALYZE_AFTER:
            tables = ", ".join(sql.qn(m._meta.db_table) for m in (NodeLight, ProjectLight, LightChange))
            with sql.connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")

    def summary(self) -> RecomputeSummary:
        return RecomputeSummary(
            projects=self.counts.projects,
            nodes=self.counts.nodes,
            changed=self.counts.changed,
            written=self.counts.written,
            seconds=round(time.perf_counter() - self.started, 3),
        )


# ---------------------------------------------------------------------------------------------------
# Services


def lights_refresh_project(*, project_id: int, today: date | None = None) -> ProjectLight:
    """Recompute one project's node lights and project light now, store what changed and record the
    changes of shown lights. Call it inside the transaction of the change (chain and project services
    do), so the page shows the new light at once."""
    run = _Run(today)
    with transaction.atomic():
        rows = facts.projects_by_id([project_id], lock=True)
        if not rows:
            raise Project.DoesNotExist(f"项目 {project_id} 不存在")
        run.refresh(rows)
        return ProjectLight.objects.get(pk=project_id)


def lights_refresh_projects(
    *, project_ids: Iterable[int], today: date | None = None, chunk: int = CHUNK
) -> RecomputeSummary:
    """Recompute these projects (those that still exist), in chunks of `chunk` ids."""
    run = _Run(today)
    ids = sorted(set(project_ids))
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            run.refresh(facts.projects_by_id(ids[start : start + chunk], lock=True))
    run.analyze()
    return run.summary()


def lights_recompute(*, today: date | None = None, jurisdiction=None, chunk: int = CHUNK) -> RecomputeSummary:
    """Recompute every project's lights (of `jurisdiction` and its subtree when given), streamed in
    chunks of `chunk` project ids, each chunk its own transaction: memory stays flat in the number of
    projects, and a chunk's projects are locked only while it is written."""
    if chunk < 1:
        raise ValueError("chunk must be positive")
    run = _Run(today)
    path = jurisdiction.path if jurisdiction is not None else None
    after = 0
    while True:
        with transaction.atomic():
            rows = facts.next_projects(after=after, limit=chunk, path=path, lock=True)
            run.refresh(rows)
        if not rows:
            break
        after = rows[-1][0]
    run.analyze()
    return run.summary()


def lights_on_project_changed(project_ids: Sequence[int], *, today: date | None = None) -> None:
    """The projects services' listener (a stage move, a planned-date edit, an import): refresh now, in
    the caller's transaction, or for many projects in a background task after the commit."""
    ids = list(project_ids)
    if len(ids) <= INLINE_REFRESH:
        if len(ids) == 1:
            lights_refresh_project(project_id=ids[0], today=today)
        elif ids:
            lights_refresh_projects(project_ids=ids, today=today)
        return
    from .tasks import lights_refresh_projects_task

    day = today.isoformat() if today is not None else None
    transaction.on_commit(lambda: lights_refresh_projects_task.enqueue(ids, day))


def lights_on_reports_changed(
    *, project_ids: Sequence[int], kind: str, due_on: date, today: date | None = None
) -> None:
    """The reports services' listener (issue 5 part 4): after a weekly report of a past-due week is
    submitted, filled in (代填), returned or accepted, or a monthly report writes the month's completed
    investment. A weekly report whose due date has not passed changes no light (the lights read only the
    cycles already due), so the Friday rush costs nothing here; otherwise as `lights_on_project_changed`."""
    day = today or timezone.localdate()
    if kind == "weekly" and due_on >= day:
        return
    lights_on_project_changed(project_ids, today=today)


# Workflow events after which a report counts as reported (its first submission, or the office's 代填);
# approving or returning changes no light (a returned report was submitted). Accepting a monthly report
# writes its month's InvestmentEntry, which the investment light reads.
REPORTED_EVENTS = ("submit", "proxy")
INVESTMENT_EVENTS = ("accept", "proxy")


def lights_on_reports(*, reports: Sequence[Any], event: str, today: date) -> None:
    """The reports services' listener (registered in apps.py): after a submission or a 代填, refresh the
    projects of the weekly reports of weeks already due (a late report) and of monthly reports (their
    completed investment) — in the caller's transaction. This week's reports, not yet due, change nothing:
    the Friday rush costs a loop over its rows."""
    ids: set[int] = set()
    if event in INVESTMENT_EVENTS:
        ids |= {r.project_id for r in reports if r.kind == "monthly"}
    if event in REPORTED_EVENTS:
        ids |= {r.project_id for r in reports if r.kind == "weekly" and r.due_on < today}
    if ids:
        lights_on_project_changed(sorted(ids), today=today)


def lights_on_findings(*, project_ids: Sequence[int], today: date) -> None:
    """The supervision services' listener (issue 6 part 4, registered in apps.py): a 督查 finding that
    lights a project (填报与现场不符, 举行开工仪式无实质进展) was recorded or resolved — refresh those
    projects in the caller's transaction."""
    lights_on_project_changed(list(project_ids), today=today)


# ---------------------------------------------------------------------------------------------------
# Overrides (office only)


def _target(project, node):
    if (project is None) == (node is None):
        raise ValueError("light_override: give exactly one of project or node")
    return (node.project, node) if node is not None else (project, None)


def _reason_text(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": f"请填写{what}的理由。"})
    if len(text) > 200:
        raise ValidationError({"reason": f"{what}的理由不超过 200 字，现为 {len(text)} 字。"})
    return text


def _stored_light(project, node, today: date):
    """The stored light to override, computed first when the project has none yet."""
    model, key = (NodeLight, node.pk) if node is not None else (ProjectLight, project.pk)
    light = model.objects.select_for_update().filter(pk=key).first()
    if light is None:
        lights_refresh_project(project_id=project.pk, today=today)
        light = model.objects.select_for_update().get(pk=key)
    return light


def _set_shown(light, *, project_id: int, node_id: int | None, actor, reason: str, today: date) -> None:
    old, light.shown = light.shown, light.override_color or light.color
    light.save()
    if old != light.shown:
        LightChange.objects.create(
            project_id=project_id,
            node_id=node_id,
            on=today,
            old=old,
            new=light.shown,
            reason=reason,
            by=actor,
        )


@transaction.atomic
def light_override(*, actor, project=None, node=None, color: str, reason: str, today: date | None = None):
    """The office sets the light people see on a project or a node, with its reason; the computed light
    stays beside it and recomputes keep the override until it is cleared. Returns the stored light."""
    project, node = _target(project, node)
    require(actor, "lights.override", project)
    today = today or timezone.localdate()
    if color not in OVERRIDE_COLORS:
        allowed = "、".join(rules.LIGHTS[c] for c in OVERRIDE_COLORS)
        raise ValidationError({"color": f"调整后的亮灯应为{allowed}之一。"})
    text = _reason_text(reason, "人工调整亮灯")
    facts.projects_by_id([project.pk], lock=True)
    light = _stored_light(project, node, today)
    light.override_color, light.override_reason = color, text
    light.override_by, light.override_at = actor, timezone.now()
    _set_shown(
        light,
        project_id=project.pk,
        node_id=node.pk if node else None,
        actor=actor,
        reason=f"人工调整：{text}",
        today=today,
    )
    if node is not None:  # the project's light sees the node as people see it
        lights_refresh_project(project_id=project.pk, today=today)
    light.refresh_from_db()
    return light


@transaction.atomic
def light_override_clear(*, actor, project=None, node=None, reason: str, today: date | None = None):
    """Drop the office's override: the computed light is shown again. Returns the stored light."""
    project, node = _target(project, node)
    require(actor, "lights.override", project)
    today = today or timezone.localdate()
    text = _reason_text(reason, "取消人工调整")
    facts.projects_by_id([project.pk], lock=True)
    light = _stored_light(project, node, today)
    if not light.override_color:
        raise ValidationError({"color": "该亮灯没有人工调整，无需取消。"})
    light.override_color = light.override_reason = ""
    light.override_by, light.override_at = None, None
    _set_shown(
        light,
        project_id=project.pk,
        node_id=node.pk if node else None,
        actor=actor,
        reason=f"取消人工调整：{text}",
        today=today,
    )
    if node is not None:
        lights_refresh_project(project_id=project.pk, today=today)
    light.refresh_from_db()
    return light
