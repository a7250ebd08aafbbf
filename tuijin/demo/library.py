"""Writes the demo's project library in bulk (issue 3 part 8: `tuijin demo --projects 10000` in under a
minute), and removes it again before a rebuild.

The demo is a builder, like the rest of `tuijin.demo`: it writes in bulk rather than through the
record-at-a-time services. Records carry the dates they happened on (entered, recorded, reported), not the
day the demo was built; every record that keeps history (projects, plans, plan entries, funding, monthly
investment, hand-overs) gets its creation row, signed by the demo's admin account (investment by whoever
reported it).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.db import connections, models, router
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.chains.models import Chain, ChainNode, NodeEvidence, NodeReplan
from tuijin.lights.models import LightChange, NodeLight, ProjectLight
from tuijin.org.models import Jurisdiction, Person, Unit, User
from tuijin.projects.models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

from . import library_data as data
from .stories import District, Library, Story

REASON = "演示数据"
BATCH = 2000


def insert_rows(model: type[models.Model], objs: list[Any]) -> None:
    """INSERT the objects' rows with `executemany`, the database numbering them: for the big tables whose
    new ids nobody needs back (transitions, monthly investment, funding, m2m history, chain nodes).
    `objs` are model instances or anything with the model's attributes (a slotted draft). Values are
    adapted as the ORM would (dates, times, decimals, JSON), at about a third of `bulk_create`'s cost."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f, connection)) is not None]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 (quoted names from the model; values are parameters)
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = operator.attrgetter(*(f.attname for f in fields))
    rows = []
    for obj in objs:
        row = list(values(obj)) if len(fields) > 1 else [values(obj)]
        for i, adapt in adapters:
            row[i] = adapt(row[i])
        rows.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERT for big tables
            names = ", ".join(quote(f.column) for f in fields)
            with cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _adapter(field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How a value of the field goes to the database; None when as it is."""
    ops, kind = connection.ops, field.get_internal_type()
    if kind == "DateTimeField":
        return functools.cache(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "JSONField":
        return _json_adapter(field, connection)
    return None


def _json_adapter(field: models.Field, connection) -> Callable[[Any], Any]:
    """JSON values, each distinct one encoded once (a chain node's predecessors repeat thousands of
    times); `repr` tells JSON-able values apart exactly (1 and 1.0, True and 1, key order)."""
    encoded: dict[str, Any] = {}

    def adapt(value: Any) -> Any:
        key = repr(value)
        if key not in encoded:
            encoded[key] = field.get_db_prep_save(value, connection)
        return encoded[key]

    return adapt


@functools.cache
def moment(day: date, hour: int = 9) -> datetime:
    """A time on `day` in the installation's time zone (records dated when they happened)."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let the builder set `auto_now`/`auto_now_add` fields itself, so a demo pinned to a date shows
    records entered around that date rather than on the day the demo was built. Only the demo builder
    (one command in one process) uses this."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def district_context(
    jurisdiction: Jurisdiction, *, recorder: User | None, investment_bureau: str = data.INVESTMENT_BUREAU
) -> District:
    """What a district's library draws on, read from its organisation (units, leaders, staff)."""
    units = list(Unit.objects.filter(jurisdiction=jurisdiction).order_by("sort", "id"))
    people = list(
        Person.objects.filter(jurisdiction=jurisdiction).prefetch_related("units_in_charge").order_by("id")
    )
    leaders = [p for p in people if p.is_leader and "区长" in p.post]
    leader_of = {u.pk: p for p in leaders for u in p.units_in_charge.all()}
    staff: dict[int, list[Person]] = {}
    for person in people:
        if person.unit_id and not person.is_leader and person.post != "主要负责人":
            staff.setdefault(person.unit_id, []).append(person)
    by_short = {u.short_name or u.name: u for u in units}
    bureau = by_short[investment_bureau]
    heads = {p.unit_id: p.name for p in people if p.unit_id and p.post == "主要负责人"}
    office = next(u for u in units if u.kind == "office")
    code = jurisdiction.code
    return District(
        jurisdiction=jurisdiction,
        codes=tuple(jurisdiction.path.strip("/").split("/")),
        units=by_short,
        streets=[u for u in units if u.kind == "street"],
        approval=[u for u in units if u.kind == "approval"],
        office=office,
        leader_of=leader_of,
        leaders=leaders,
        staff=staff,
        recorder=recorder,
        places=data.PLACES[code],
        centre=data.CENTRES[code],
        signer=heads.get(bureau.pk, ""),
        office_signer=heads.get(office.pk, ""),
    )


def plan_for(district: District, library: Library, *, today: date) -> AnnualPlan:
    """The district's plan for `today`'s year, issued on 6 February as DH24 was."""
    name, year = district.jurisdiction.name, today.year
    issued = moment(min(date(year, 2, 6), today))
    plan = AnnualPlan(
        jurisdiction=district.jurisdiction,
        year=year,
        title=f"{name}{year}年重大重点项目实施计划",
        document=f"{name[0]}办发〔{year}〕1号",
        early_planning_target=library.early,
        created_at=issued,
    )
    plan._change_reason, plan._history_date, plan._history_user = REASON, issued, district.recorder
    with explicit_timestamps(AnnualPlan):
        plan.save()
    return plan


def write_library(
    stories: list[Story], plans: dict[int, AnnualPlan], *, recorder: User | None, today: date
) -> None:
    """Every story's records, model by model in bulk. `plans` maps a jurisdiction id to its plan."""
    with explicit_timestamps(Project, StageTransition, InvestmentEntry, PlanChange):
        _write_projects(stories, recorder)
        _write_rows(stories, plans, recorder, today)


def _write_projects(stories: list[Story], recorder: User | None) -> None:
    projects = []
    for story in stories:
        project = story.project
        project.created_at = moment(story.entered_on)
        project.updated_at = moment(story.transitions[-1].on, 17)
        project._history_date = project.created_at
        projects.append(project)
    Project.objects.bulk_create(projects, batch_size=BATCH)
    history = Project.history.bulk_history_create(
        projects, batch_size=BATCH, default_user=recorder, default_change_reason=REASON
    )
    tags = {t.name: t.pk for t in ProjectTag.objects.all()}
    for sort, (name, (must, source)) in enumerate(data.TAGS.items(), start=1):
        if name not in tags:
            tags[name] = ProjectTag.objects.create(
                name=name, must_be_listed=must, source=source, sort=sort
            ).pk
    Tags, Secondary = Project.tags.through, Project.secondary_units.through
    tag_rows = [Tags(project_id=s.project.pk, projecttag_id=tags[name]) for s in stories for name in s.tags]
    unit_rows = [Secondary(project_id=s.project.pk, unit_id=u.pk) for s in stories for u in s.secondary]
    Tags.objects.bulk_create(tag_rows, batch_size=BATCH)
    Secondary.objects.bulk_create(unit_rows, batch_size=BATCH)
    _m2m_history(history, tag_rows, unit_rows)


def _m2m_history(history: list, tag_rows: list, unit_rows: list) -> None:
    """The creation record of each project lists its tags and secondary units, as simple-history does
    when they are set through the form."""
    record_of = {h.id: h.pk for h in history}
    HistoricalTags = apps.get_model("projects", "HistoricalProject_tags")
    HistoricalUnits = apps.get_model("projects", "HistoricalProject_secondary_units")
    insert_rows(
        HistoricalTags,
        [
            HistoricalTags(
                id=r.pk,
                history_id=record_of[r.project_id],
                project_id=r.project_id,
                projecttag_id=r.projecttag_id,
            )
            for r in tag_rows
        ],
    )
    insert_rows(
        HistoricalUnits,
        [
            HistoricalUnits(
                id=r.pk, history_id=record_of[r.project_id], project_id=r.project_id, unit_id=r.unit_id
            )
            for r in unit_rows
        ],
    )


def _write_rows(
    stories: list[Story], plans: dict[int, AnnualPlan], recorder: User | None, today: date
) -> None:
    funding, transitions, investments, handovers, entries, changes = [], [], [], [], [], []
    for story in stories:
        project_id = story.project.pk
        for row in story.funding:
            row.project_id = project_id
            funding.append(row)
        for row in story.transitions:
            row.project_id, row.recorded_at = project_id, moment(row.on, 17)
            transitions.append(row)
        for row in story.investments:
            reported = min(date(row.year + row.month // 12, row.month % 12 + 1, 5), today)
            row.project_id, row.recorded_at = project_id, moment(reported, 10)
            investments.append(row)
        for row in story.handovers:
            row.project_id = project_id
            row._history_date = moment(row.handed_on or row.site_checked_on or row.since)
            handovers.append(row)
        plan = plans.get(story.project.jurisdiction_id)
        if story.entry is not None and plan is not None:
            story.entry.plan_id, story.entry.project_id = plan.pk, project_id
            entries.append(story.entry)
            for row in story.changes:
                row.plan_id, row.project_id, row.recorded_at = plan.pk, project_id, moment(row.decided_on, 16)
                changes.append(row)
    insert_rows(FundingSource, funding)
    insert_rows(StageTransition, transitions)
    insert_rows(InvestmentEntry, investments)
    bulk_create_with_history(
        handovers, Handover, batch_size=BATCH, default_user=recorder, default_change_reason=REASON
    )
    insert_rows(PlanEntry, entries)
    insert_rows(PlanChange, changes)
    creation_history([s.project.pk for s in stories], recorder=recorder)


# The "+" history row of each funding source, plan entry and monthly investment entry, copied from the
# rows just written by one INSERT … SELECT per batch of projects (the database does the copying; a few
# tenths of a second for a city of 10,000 projects), dated when the record was entered: funding with its
# project, plan entries with their plan, investment when it was reported. Without them the project page
# would call the first later edit of such a record "新增".
CREATION_HISTORY = (
    (FundingSource, Project, "project_id", "o.created_at", None),
    (PlanEntry, AnnualPlan, "plan_id", "o.created_at", None),
    (InvestmentEntry, None, "", "t.recorded_at", "recorded_by_id"),
)


def creation_history(project_ids: list[int], *, recorder: User | None) -> None:
    if not project_ids:
        return
    connection = connections[router.db_for_write(Project)]
    quote = connection.ops.quote_name
    user = "NULL" if recorder is None else str(int(recorder.pk))
    for model, other, key, when, recorded_by in CREATION_HISTORY:
        historical = model.history.model
        tracked = [f.column for f in historical.tracked_fields]
        meta = ["history_date", "history_change_reason", "history_type", "history_user_id"]
        author = f"COALESCE(t.{quote(recorded_by)}, {user})" if recorded_by else user
        join = f"JOIN {quote(other._meta.db_table)} o ON o.id = t.{quote(key)} " if other else ""
        head = (
            f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(map(quote, [*tracked, *meta]))}) "  # noqa: S608 (quoted names from the models; values are parameters)
            f"SELECT {', '.join(f't.{quote(c)}' for c in tracked)}, {when}, %s, '+', {author} "
            f"FROM {quote(model._meta.db_table)} t {join}WHERE t.project_id IN "
        )
        with connection.cursor() as cursor:
            for start in range(0, len(project_ids), 900):
                batch = project_ids[start : start + 900]
                cursor.execute(head + f"({', '.join(['%s'] * len(batch))})", [REASON, *batch])


def wipe_library(root: Jurisdiction) -> int:
    """Remove the project library of `root`'s subtree, history included, before building it anew.
    Bulk deletes without per-row history (the demo's own records, not somebody's data: the command
    refuses a database with other accounts unless forced). Returns how many projects went."""
    under = {"jurisdiction__path__startswith": root.path}
    projects = Project.objects.filter(**under)
    count = projects.count()
    if not count:
        return 0
    from .services import wipe_issue6  # issue 6: meetings, matters, supervision and cards point at them

    wipe_issue6(root)
    from .problems import wipe_problems  # issue 5: problems and slips point at the projects

    wipe_problems(root)
    from .reports import wipe_reports  # issue 5: reports point at the projects

    wipe_reports(root)
    plans = AnnualPlan.objects.filter(**under)
    of_projects = {"project__in": projects.values("pk")}
    ids = {"id__in": projects.values("pk")}
    querysets = [
        *_chain_rows(projects),
        PlanChange.objects.filter(plan__in=plans.values("pk")),
        PlanEntry.history.model.objects.filter(plan_id__in=plans.values("pk")),
        PlanEntry.objects.filter(plan__in=plans.values("pk")),
        AnnualPlan.history.model.objects.filter(id__in=plans.values("pk")),
        plans,
        InvestmentEntry.history.model.objects.filter(project_id__in=projects.values("pk")),
        InvestmentEntry.objects.filter(**of_projects),
        StageTransition.objects.filter(**of_projects),
        Handover.history.model.objects.filter(project_id__in=projects.values("pk")),
        Handover.objects.filter(**of_projects),
        FundingSource.history.model.objects.filter(project_id__in=projects.values("pk")),
        FundingSource.objects.filter(**of_projects),
        apps.get_model("projects", "HistoricalProject_tags").objects.filter(
            project_id__in=projects.values("pk")
        ),
        apps.get_model("projects", "HistoricalProject_secondary_units").objects.filter(
            project_id__in=projects.values("pk")
        ),
        Project.history.model.objects.filter(**ids),
        Project.tags.through.objects.filter(project_id__in=projects.values("pk")),
        Project.secondary_units.through.objects.filter(project_id__in=projects.values("pk")),
    ]
    for queryset in querysets:
        queryset._raw_delete(queryset.db)  # no per-row signals: history of a wiped demo is not kept
    projects._raw_delete(projects.db)
    return count


def _chain_rows(projects: models.QuerySet) -> list[models.QuerySet]:
    """The projects' chains and lights, in an order the foreign keys allow (history rows have none)."""
    of_projects = {"project__in": projects.values("pk")}
    nodes = ChainNode.objects.filter(**of_projects).values("pk")
    return [
        LightChange.objects.filter(**of_projects),
        NodeLight.objects.filter(**of_projects),
        ProjectLight.objects.filter(**of_projects),
        NodeEvidence.objects.filter(node__in=nodes),
        NodeReplan.objects.filter(node__in=nodes),
        ChainNode.history.model.objects.filter(project_id__in=projects.values("pk")),
        ChainNode.objects.filter(**of_projects),
        Chain.history.model.objects.filter(project_id__in=projects.values("pk")),
        Chain.objects.filter(**of_projects),
    ]
