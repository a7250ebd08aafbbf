"""Importing the project list from `.xlsx` as offices keep it (issue 3 part 6; REQ B6).

`import_preview` reads the workbook (sheet_read), maps its columns (the office's choices, remembered
`ColumnMapping`s, our headers and their aliases), parses every cell (sheet_parse), resolves unit and
leader names (exact names, the office's choices, remembered `NameMapping`s), matches existing projects
(by code, else by name and responsible unit) and validates every row with the library's rules. It writes
nothing.

`import_apply` does the same and, when no row has an error, writes every row in one transaction with
bulk operations: new and changed projects with their history (author: the importing user), level tags
and secondary units, funding sources, a 开工 `StageTransition` for a filled 实际开工时间, and the year's
`AnnualPlan` entries when the sheet has a plan type or annual planned investment. Re-importing a sheet
updates the projects it matches instead of duplicating them. A blank cell keeps what the library has: an
import never clears a value. A new project takes the 所处阶段 column's stage without inventing transitions
(like `project_create`); an existing project's stage moves only by a dated transition, so a different
所处阶段 is noted in the preview and not applied. The one move an import records is the 开工 of a new
实际开工时间 (the actual start, DESIGN.md one source of truth).

Between preview and confirm the uploaded file waits in the default storage under `imports/<user id>/`
named by a random token; confirming re-reads that file, never data echoed by the browser.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tuijin.core.access import AccessDenied, require, subtree_path
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction, Person, Unit

from . import rules
from . import sheet_parse as parse
from .import_rows import (
    ImportMapping,
    ImportPreview,
    Library,
    NameIndex,
    RowPlan,
    RowPlanner,
    map_columns,
    plan_rows,
    sheet_codes,
    tag_key,
)
from .models import (
    AnnualPlan,
    ColumnMapping,
    FundingSource,
    NameMapping,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)
from .plan_services import plan_is_issued
from .services import jurisdiction_codes, project_changed
from .sheet_columns import BY_KEY, is_ignored_header, match_any_header, normalise_header
from .sheet_read import Book, SheetError, read_bytes, read_workbook

UPLOAD_DIR = "imports"
UPLOAD_KEEP = timedelta(days=1)
SWEEP_EVERY = timedelta(hours=1)
SWEEP_MARK = f"{UPLOAD_DIR}/swept"
BATCH = 500
REASON_LENGTH = 100


class ImportRefused(ValidationError):
    """The sheet has errors: nothing was written. `preview` lists them."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(preview.messages() or ["表格有错误，未导入。"])
        self.preview = preview


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    entries: int
    starts: int
    year: int

    @property
    def message(self) -> str:
        text = f"导入完成：新增 {self.created} 个项目，更新 {self.updated} 个，{self.unchanged} 个无变化"
        if self.entries:
            text += f"；{self.year} 年度计划新增或调整 {self.entries} 个项目"
        if self.starts:
            text += f"；记录实际开工 {self.starts} 个"
        return text + "。"


# ---------------------------------------------------------------------------------------------------
# Access


def _check_access(user: Any, jurisdiction: Jurisdiction) -> None:
    """Office admins import into their own subtree (`user=None`: the command line, acting as the system)."""
    if user is None:
        return
    require(user, "projects.import")
    if user.is_superuser and user.is_active:
        return
    root = subtree_path(user)
    if root is None or not jurisdiction.path.startswith(root):
        raise AccessDenied(
            f"不能导入到{jurisdiction.name}：该辖区不在您的管辖范围内。", action="projects.import"
        )


# ---------------------------------------------------------------------------------------------------
# What the library already has (a constant number of queries)


def related_filter(jurisdiction: Jurisdiction, field_name: str = "jurisdiction") -> Q:
    """Records of the jurisdiction, its ancestors and its subdivisions (services._check_links)."""
    return Q(**{f"{field_name}__path__startswith": jurisdiction.path}) | Q(
        **{f"{field_name}__code__in": jurisdiction_codes(jurisdiction)}
    )


def _name_index(jurisdiction: Jurisdiction, mapping: ImportMapping) -> NameIndex:
    units = Unit.objects.filter(related_filter(jurisdiction), is_active=True)
    people = Person.objects.filter(related_filter(jurisdiction), is_active=True)
    remembered = NameMapping.objects.filter(jurisdiction=jurisdiction).values_list(
        "kind", "text", "unit", "person"
    )
    return NameIndex(
        units=units.values_list("pk", "name", "short_name", "kind"),
        people=people.values_list("pk", "name", "is_leader"),
        remembered={(kind, text): unit or person for kind, text, unit, person in remembered},
        mapping=mapping,
    )


def _load_library(jurisdiction: Jurisdiction, year: int) -> Library:
    attnames = [f.attname for f in Project._meta.concrete_fields]
    projects = {row["id"]: row for row in Project.objects.filter(jurisdiction=jurisdiction).values(*attnames)}
    of_here = {"project__jurisdiction": jurisdiction}
    tags: dict[int, dict[int, int]] = {}
    for pk, project, tag in Project.tags.through.objects.filter(**of_here).values_list(
        "id", "project_id", "projecttag_id"
    ):
        tags.setdefault(project, {})[tag] = pk
    secondary: dict[int, dict[int, int]] = {}
    units = Project.secondary_units.through.objects.filter(**of_here).values_list(
        "id", "project_id", "unit_id"
    )
    for pk, project, unit in units:
        secondary.setdefault(project, {})[unit] = pk
    funding: dict[int, list] = {}
    for pk, project, kind, amount, note in (
        FundingSource.objects.filter(**of_here)
        .order_by("id")
        .values_list("id", "project_id", "kind", "amount", "note")
    ):
        funding.setdefault(project, []).append((pk, kind, amount, note))
    history: dict[int, list[rules.TransitionFacts]] = {}
    moves = (
        StageTransition.objects.filter(**of_here)
        .order_by("on", "id")
        .values_list("project_id", "to_stage", "on")
    )
    for project, stage, on in moves:
        history.setdefault(project, []).append(rules.TransitionFacts(stage, on))
    started: dict[int, date] = {}
    for project, facts in history.items():
        if (on := rules.actual_dates(facts).get("started")) is not None:
            started[project] = on
    last_move = {project: (facts[-1].on, facts[-1].stage) for project, facts in history.items()}
    plan = AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).first()
    entries = {}
    if plan is not None:
        for entry in plan.entries.values(*[f.attname for f in PlanEntry._meta.concrete_fields]):
            entries[entry["project_id"]] = entry
    all_tags = list(ProjectTag.objects.values_list("pk", "name"))
    return Library(
        projects=projects,
        by_code={row["code"]: pk for pk, row in projects.items() if row["code"]},
        by_name_unit={
            (parse.compact(row["name"]), row["responsible_unit_id"]): pk for pk, row in projects.items()
        },
        tags=tags,
        secondary=secondary,
        funding=funding,
        started=started,
        last_move=last_move,
        plan_exists=plan is not None,
        plan_document=plan.document.strip() if plan is not None and plan_is_issued(plan) else "",
        entries=entries,
        tag_ids={tag_key(name): pk for pk, name in all_tags},
        tag_names=[name for _, name in all_tags],
    )


def _codes_elsewhere(codes: list[str], jurisdiction: Jurisdiction) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(codes), 2000):
        rows = (
            Project.objects.filter(code__in=codes[start : start + 2000])
            .exclude(jurisdiction=jurisdiction)
            .values_list("code", "name", "jurisdiction__name")
        )
        found.update({code: (name, where) for code, name, where in rows})
    return found


def _remembered_columns(jurisdiction: Jurisdiction) -> dict[str, str]:
    rows = ColumnMapping.objects.filter(jurisdiction=jurisdiction).values_list("header", "field")
    return {normalise_header(header): key for header, key in rows}


# ---------------------------------------------------------------------------------------------------
# Preview


def _preview(
    *, book: Book, jurisdiction: Jurisdiction, year: int, mapping: ImportMapping, today: date
) -> ImportPreview:
    preview = ImportPreview(file_name=book.file_name, jurisdiction=jurisdiction, year=year)
    preview.ignored_sheets = book.ignored_sheets
    keyed = map_columns(book, preview, mapping, _remembered_columns(jurisdiction))
    library = preview.library = _load_library(jurisdiction, year)
    plan = AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).values_list("title", flat=True)
    preview.plan_title = plan.first() or _plan_title(jurisdiction, year)
    planner = RowPlanner(
        preview,
        library=library,
        names=_name_index(jurisdiction, mapping),
        today=today,
        jurisdiction_codes=jurisdiction_codes(jurisdiction),
        codes_elsewhere=_codes_elsewhere(sheet_codes(book, keyed), jurisdiction),
    )
    plan_rows(book, preview, keyed=keyed, planner=planner)
    return preview


def _plan_title(jurisdiction: Jurisdiction, year: int) -> str:
    return f"{jurisdiction.name}{year}年重大重点项目计划"


def _read(data: bytes, *, file_name: str, jurisdiction: Jurisdiction) -> Book:
    remembered = _remembered_columns(jurisdiction)
    try:
        return read_workbook(
            data, file_name=file_name, guess=lambda text: remembered.get(normalise_header(text))
        )
    except SheetError as exc:
        raise ValidationError(exc.message) from exc


def _file_data(file: Any, file_name: str) -> bytes:
    if isinstance(file, bytes):
        return file
    try:
        return read_bytes(file, file_name=file_name)
    except SheetError as exc:
        raise ValidationError(exc.message) from exc


def _year(year: int | None, book: Book, today: date) -> int:
    year = year or book.year or today.year
    if not 2000 <= year <= 2100:
        raise ValidationError(f"年度 {year} 不对：应在 2000～2100 之间。")
    return year


def import_preview(
    *,
    user: Any,
    jurisdiction: Jurisdiction,
    file: Any,
    year: int | None,
    mapping: ImportMapping | None = None,
    file_name: str = "",
    today: date | None = None,
) -> ImportPreview:
    """Every row's errors and what the import would do; writes nothing. Raises ValidationError when the
    file cannot be read as a project list at all."""
    _check_access(user, jurisdiction)
    name = file_name or getattr(file, "name", "") or "上传的文件"
    today = today or timezone.localdate()
    book = _read(_file_data(file, name), file_name=name, jurisdiction=jurisdiction)
    return _preview(
        book=book,
        jurisdiction=jurisdiction,
        year=_year(year, book, today),
        mapping=mapping or ImportMapping(),
        today=today,
    )


def import_apply(
    *,
    user: Any,
    jurisdiction: Jurisdiction,
    file: Any,
    year: int | None,
    mapping: ImportMapping | None = None,
    file_name: str = "",
    today: date | None = None,
) -> ImportResult:
    """Import every row or none (one transaction). Raises ImportRefused (a ValidationError listing every
    row's errors) when any row is wrong."""
    _check_access(user, jurisdiction)
    name = file_name or getattr(file, "name", "") or "上传的文件"
    today = today or timezone.localdate()
    mapping = mapping or ImportMapping()
    book = _read(_file_data(file, name), file_name=name, jurisdiction=jurisdiction)
    year = _year(year, book, today)
    try:
        with transaction.atomic():
            # one import per jurisdiction at a time, so two offices' sheets cannot both add the same project
            list(Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).values_list("pk"))
            preview = _preview(book=book, jurisdiction=jurisdiction, year=year, mapping=mapping, today=today)
            if not preview.ok:
                raise ImportRefused(preview)
            import_mappings_save(user=user, jurisdiction=jurisdiction, mapping=mapping, check=False)
            result = _write(preview, user=user, reason=f"表格导入：{name}"[:REASON_LENGTH])
            project_changed([p.project_id for p in preview.plans if p.action != "无变化"], today=today)
            return result
    except IntegrityError as exc:
        # another import or edit took a code meanwhile: nothing was written
        raise ValidationError(
            "导入时项目库被同时修改（如项目代码已被占用），未导入任何行，请重新预览后再导入。"
        ) from exc


# ---------------------------------------------------------------------------------------------------
# Writing: every row in bulk; history rows carry the importing user


class _Writer:
    """Multi-row INSERTs (… RETURNING the new keys) and executemany UPDATEs. Django's bulk_create compiles
    every value of every row into SQL; for 10,000 projects with their history, tags, funding and plan
    entries (about 120,000 rows) that alone took longer than the 10 s the issue allows on SQLite, while
    the same statement built once per batch takes a fraction of it. On PostgreSQL the rows go as one
    array per column through UNNEST, as bulk_create does there (a statement with a placeholder per value
    is slow to send). Both databases return the keys in row order, as bulk_create relies on too. Values
    go through each field's `get_db_prep_save` where the database needs a conversion (dates, decimals,
    JSON)."""

    PLAIN = frozenset(
        {"CharField", "TextField", "BooleanField", "ForeignKey", "IntegerField", "BigIntegerField"}
        | {
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "AutoField",
            "BigAutoField",
        }
    )

    def __init__(self, *, user: Any, reason: str, now) -> None:
        self.connection = connections[router.db_for_write(Project)]
        self.user, self.user_id = user, (user.pk if user is not None else None)
        self.reason, self.now = reason, now

    def _fields(self, model, attnames: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        return [fields[name] for name in attnames]

    # values psycopg sends as they are, which get_db_prep_save on PostgreSQL returns unchanged
    NATIVE_ON_POSTGRESQL = {"DecimalField": Decimal, "DateField": date, "DateTimeField": datetime}

    def _prepare(self, fields, rows: list[tuple]) -> list:
        """The rows with each value the database needs converted converted (rows as they are if none)."""
        conn = self.connection
        native = self.NATIVE_ON_POSTGRESQL if conn.vendor == "postgresql" else {}
        columns = [
            (i, f, native.get(f.get_internal_type()))
            for i, f in enumerate(fields)
            if f.get_internal_type() not in self.PLAIN
        ]
        if not columns:
            return rows
        prepared = []
        for row in rows:
            row = list(row)
            for i, f, kind in columns:
                value = row[i]
                if value is None or (type(value) is kind and (kind is not datetime or value.tzinfo)):
                    continue
                row[i] = f.get_db_prep_save(value, conn)
            prepared.append(row)
        return prepared

    def _batch(self, width: int) -> int:
        limit = self.connection.features.max_query_params or 65535
        if self.connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 32):
            limit = 32766  # the default limit of SQLite from 3.32 (Django assumes the old 999)
        return max(1, min(BATCH, limit // width))

    def insert(self, model, attnames: list[str], rows: list[tuple], *, returning: bool = True) -> list[int]:
        """Insert `rows` (values in `attnames` order); the new primary keys in order."""
        if not rows:
            return []
        fields = self._fields(model, attnames)
        if self.connection.vendor == "postgresql":
            return self._copy(model, fields, rows)
        qn = self.connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        tail = f" RETURNING {qn(model._meta.pk.column)}" if returning else ""
        table = qn(model._meta.db_table)
        keys: list[int] = []
        size = self._batch(len(fields))
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = self._prepare(fields, rows[start : start + size])
                values = ", ".join([one] * len(chunk))
                sql = f"INSERT INTO {table} ({columns}) VALUES {values}{tail}"  # noqa: S608
                cursor.execute(sql, [value for row in chunk for value in row])
                if returning:
                    keys += [row[0] for row in cursor.fetchall()]
        return keys

    def _copy(self, model, fields, rows: list[tuple]) -> list[int]:
        """PostgreSQL: take the keys from the table's sequence, then COPY the rows in (a statement with a
        placeholder per value, or an array per column, is slow to send through client-side binding)."""
        qn = self.connection.ops.quote_name
        table, pk = model._meta.db_table, model._meta.pk.column
        with self.connection.cursor() as cursor:
            # the sequence looked up once, not for every key (a name lookup per row tripled the time)
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [qn(table), pk])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)])
            keys = [row[0] for row in cursor.fetchall()]
            columns = ", ".join(qn(c) for c in (pk, *(f.column for f in fields)))
            with cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
                for key, row in zip(keys, self._prepare(fields, rows), strict=True):
                    copy.write_row((key, *row))
        return keys

    def update(self, model, attnames: list[str], rows: list[tuple]) -> None:
        """UPDATE … SET each of `attnames` WHERE pk = the row's last value."""
        if not rows:
            return
        fields = self._fields(model, [*attnames, model._meta.pk.attname])
        qn = self.connection.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields[:-1])
        sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(fields[-1].column)} = %s"  # noqa: S608
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, self._prepare(fields, rows))

    def delete(self, model, pks: list[int]) -> None:
        for start in range(0, len(pks), BATCH):
            batch = model.objects.filter(pk__in=pks[start : start + BATCH])
            batch._raw_delete(batch.db)  # their "-" history rows are written by history(); see _write_funding

    def history(self, model, snapshots: list[dict[str, Any]], kind: str) -> list[int]:
        """One history row per snapshot (the record's values after the change), as simple-history writes it."""
        historical = model.history.model
        tracked = [f.attname for f in historical.tracked_fields]
        meta = {"history_date": self.now, "history_user_id": self.user_id}
        meta |= {"history_change_reason": self.reason, "history_type": kind}
        attnames = [*tracked, *meta]
        rows = [tuple(s[name] for name in tracked) + tuple(meta.values()) for s in snapshots]
        return self.insert(historical, attnames, rows)


def _write(preview: ImportPreview, *, user: Any, reason: str) -> ImportResult:
    library = preview.library
    counts = [p.action for p in preview.plans]  # before the new rows get their ids
    writer = _Writer(user=user, reason=reason, now=timezone.now())
    new = [p for p in preview.plans if p.project_id is None]
    existing = [p for p in preview.plans if p.project_id is not None]
    snapshots = _write_projects(writer, preview, new, [p for p in existing if p.changed])
    _write_m2m(writer, preview.plans, library)
    touched = [p for p in existing if p.changed or p.tags is not None or p.secondary is not None]
    for plan in touched:
        snapshots.setdefault(plan.project_id, {**library.projects[plan.project_id], **plan.fields})
    _project_history(writer, new, touched, snapshots, library)
    _write_funding(writer, preview.plans, library)
    starts = _write_starts(writer, preview.plans, library)
    entries = _write_plan(writer, preview)
    return ImportResult(
        created=len(new),
        updated=counts.count("更新"),
        unchanged=counts.count("无变化"),
        entries=entries,
        starts=starts,
        year=preview.year,
    )


PROJECT_COLUMNS = [f.attname for f in Project._meta.concrete_fields if not f.primary_key]


def _write_projects(writer: _Writer, preview: ImportPreview, new: list[RowPlan], changed: list[RowPlan]):
    """Insert the new projects, update the changed ones; each project's values as they now are."""
    route = _router(preview.jurisdiction)
    now = writer.now
    values = []
    for plan in new:
        extra = {"jurisdiction_id": preview.jurisdiction.pk, "created_at": now, "updated_at": now}
        values.append({**plan.fields, **extra, "coordinating_office_id": route(plan.fields)})
    ids = writer.insert(
        Project, PROJECT_COLUMNS, [tuple(v[name] for name in PROJECT_COLUMNS) for v in values]
    )
    snapshots = {}
    for plan, row, pk in zip(new, values, ids, strict=True):
        plan.project_id = pk
        plan.tags, plan.secondary = plan.tags or [], plan.secondary or []
        snapshots[pk] = {**row, "id": pk}
    columns = sorted({name for plan in changed for name in plan.changed}) + ["updated_at"]
    rows = []
    for plan in changed:
        row = {**preview.library.projects[plan.project_id], **plan.fields, "updated_at": now}
        snapshots[plan.project_id] = row
        rows.append(tuple(row[name] for name in columns) + (plan.project_id,))
    writer.update(Project, columns, rows)
    return snapshots


def _router(jurisdiction: Jurisdiction):
    """The coordinating office of a new project by the jurisdiction's routing rules (WH19 二), as
    `project_create` does, with the rule set read once and each office looked up once."""
    version = ruleset_version_for_jurisdiction(jurisdiction)
    routes = rules.routes_from(version.data.get("routing") or {}) if version is not None else []
    offices: dict[str, int | None] = {}
    units = Unit.objects.filter(jurisdiction__code__in=jurisdiction_codes(jurisdiction), is_active=True)

    def office(route: rules.Route) -> int | None:
        if route.office not in offices:
            names = (route.office, *route.aliases)
            found = units.filter(Q(name__in=names) | Q(short_name__in=names)).order_by("-jurisdiction__path")
            offices[route.office] = found.values_list("pk", flat=True).first()
        return offices[route.office]

    def route_of(fields: dict[str, Any]) -> int | None:
        if not routes:
            return None
        total = fields["total_investment"] or Decimal(0)
        found = rules.route_project(
            routes, sector=fields["sector"] or "", total_investment=total, name=fields["name"]
        )
        return office(found) if found else None

    return route_of


M2M = (("tags", "tags", "projecttag_id"), ("secondary_units", "secondary", "unit_id"))


def _write_m2m(writer: _Writer, plans: list[RowPlan], library: Library) -> None:
    """Replace the tags and secondary units the sheet changed; keep the through rows' ids for history."""
    for name, attr, column in M2M:
        current = getattr(library, attr)
        through = getattr(Project, name).through
        replace = [p for p in plans if getattr(p, attr) is not None]
        stale = [p.project_id for p in replace if p.project_id in current]
        for start in range(0, len(stale), BATCH):
            through.objects.filter(project_id__in=stale[start : start + BATCH]).delete()
        pairs = [(p.project_id, target) for p in replace for target in getattr(p, attr)]
        ids = writer.insert(through, ["project_id", column], pairs)
        for p in replace:
            current[p.project_id] = {}
        for (project, target), pk in zip(pairs, ids, strict=True):
            current[project][target] = pk


def _project_history(writer: _Writer, new, touched, snapshots: dict[int, dict], library: Library) -> None:
    """One history row per new or changed project, with its tags and secondary units as they now are."""
    for kind, plans in (("+", new), ("~", touched)):
        ids = writer.history(Project, [snapshots[p.project_id] for p in plans], kind)
        for name, attr, column in M2M:
            current = getattr(library, attr)
            rows = [
                (through_id, plan.project_id, target, history_id)
                for plan, history_id in zip(plans, ids, strict=True)
                for target, through_id in current.get(plan.project_id, {}).items()
            ]
            model = HistoricalRecords.m2m_models[Project._meta.get_field(name)]
            writer.insert(model, ["id", "project_id", column, "history_id"], rows, returning=False)


FUNDING_COLUMNS = ["project_id", "kind", "amount", "note"]


def _write_funding(writer: _Writer, plans: list[RowPlan], library: Library) -> None:
    """Replace the funding sources of the rows that changed them; removals get a "-" history row."""
    replace = [p for p in plans if p.funding is not None]
    old = [
        (pk, p.project_id, kind, amount, note)
        for p in replace
        for pk, kind, amount, note in library.funding.get(p.project_id, [])
    ]
    writer.history(FundingSource, [dict(zip(["id", *FUNDING_COLUMNS], row, strict=True)) for row in old], "-")
    writer.delete(FundingSource, [row[0] for row in old])
    rows = [(p.project_id, item.kind, item.amount, item.note) for p in replace for item in p.funding or []]
    ids = writer.insert(FundingSource, FUNDING_COLUMNS, rows)
    snapshots = [
        dict(zip(["id", *FUNDING_COLUMNS], (pk, *row), strict=True))
        for pk, row in zip(ids, rows, strict=True)
    ]
    writer.history(FundingSource, snapshots, "+")


def _from_stage(plan: RowPlan, library: Library) -> str:
    """The stage a recorded start moves the project from: its stage before 开工, else none (a new
    project, or one already past 开工 whose start is only being dated; its stage stays)."""
    held = library.projects.get(plan.project_id)
    if held is None or rules.STAGE_ORDER[held["stage"]] >= rules.STAGE_ORDER["started"]:
        return ""
    return held["stage"]


def _write_starts(writer: _Writer, plans: list[RowPlan], library: Library) -> int:
    rows = [
        (
            p.project_id,
            _from_stage(p, library),
            "started",
            p.started_on,
            "表格导入：实际开工时间",
            "",
            writer.user_id,
            writer.now,
        )
        for p in plans
        if p.started_on
    ]
    columns = [
        "project_id",
        "from_stage",
        "to_stage",
        "on",
        "note",
        "document",
        "recorded_by_id",
        "recorded_at",
    ]
    writer.insert(StageTransition, columns, rows, returning=False)
    return len(rows)


ENTRY_COLUMNS = [
    "plan_id",
    "project_id",
    "plan_type",
    "planned_investment",
    "monthly_targets",
    "annual_content",
    "removed",
    "sort",
]


def _write_plan(writer: _Writer, preview: ImportPreview) -> int:
    """The year's plan (created when missing) gets the new entries; changed entries get new values."""
    rows = [p for p in preview.plans if p.plan_changed]
    if not rows:
        return 0
    plan = AnnualPlan.objects.filter(jurisdiction=preview.jurisdiction, year=preview.year).first()
    if plan is None:
        plan = AnnualPlan(jurisdiction=preview.jurisdiction, year=preview.year, title=preview.plan_title)
        plan._history_user = writer.user
        plan._change_reason = writer.reason
        plan.save()
    entries = preview.library.entries
    sort = max((e["sort"] for e in entries.values()), default=0)
    new, changed = [], []
    for p in rows:
        plan_type, planned = p.plan
        entry = entries.get(p.project_id)
        if entry is None:
            sort += 1
            new.append(
                {
                    "plan_id": plan.pk,
                    "project_id": p.project_id,
                    "plan_type": plan_type,
                    "planned_investment": planned,
                    "monthly_targets": [],
                    "annual_content": "",
                    "removed": False,
                    "sort": sort,
                }
            )
        else:
            changed.append({**entry, "plan_type": plan_type, "planned_investment": planned})
    ids = writer.insert(PlanEntry, ENTRY_COLUMNS, [tuple(e[c] for c in ENTRY_COLUMNS) for e in new])
    for entry, pk in zip(new, ids, strict=True):
        entry["id"] = pk
    writer.update(
        PlanEntry,
        ["plan_type", "planned_investment"],
        [(e["plan_type"], e["planned_investment"], e["id"]) for e in changed],
    )
    writer.history(PlanEntry, new, "+")
    writer.history(PlanEntry, changed, "~")
    return len(rows)


# ---------------------------------------------------------------------------------------------------
# Remembered mappings


@transaction.atomic
def import_mappings_save(
    *, user: Any, jurisdiction: Jurisdiction, mapping: ImportMapping, check: bool = True
) -> None:
    """Remember the office's column choices (where they differ from what we would guess) and name
    choices for this jurisdiction, so the next sheet with the same headers and names needs none."""
    if check:
        _check_access(user, jurisdiction)
    for header, key in mapping.columns.items():
        if key and key not in BY_KEY:
            continue
        text = normalise_header(header)[:120]
        if key == (match_any_header(header) or ("" if is_ignored_header(header) else None)):
            ColumnMapping.objects.filter(jurisdiction=jurisdiction, header=text).delete()
            continue
        ColumnMapping.objects.update_or_create(
            jurisdiction=jurisdiction, header=text, defaults={"field": key, "updated_by": user}
        )
    units = dict(
        Unit.objects.filter(
            related_filter(jurisdiction), pk__in=[v for v in mapping.units.values() if v]
        ).values_list("pk", "pk")
    )
    people = dict(
        Person.objects.filter(
            related_filter(jurisdiction), pk__in=[v for v in mapping.people.values() if v]
        ).values_list("pk", "pk")
    )
    for kind, choices, known in (("unit", mapping.units, units), ("person", mapping.people, people)):
        for text, pk in choices.items():
            if pk is not None and pk not in known:
                continue
            target = (
                {"unit_id": pk, "person_id": None} if kind == "unit" else {"unit_id": None, "person_id": pk}
            )
            NameMapping.objects.update_or_create(
                jurisdiction=jurisdiction, kind=kind, text=text[:120], defaults={**target, "updated_by": user}
            )


# ---------------------------------------------------------------------------------------------------
# The uploaded file between preview and confirm


@dataclass(frozen=True)
class Upload:
    token: str
    file_name: str
    jurisdiction_id: int
    year: int | None
    data: bytes


def _upload_path(user: Any, token: str, suffix: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise ValidationError("导入链接无效，请重新上传表格。")
    return f"{UPLOAD_DIR}/{user.pk}/{token}{suffix}"


def import_upload_save(*, user: Any, jurisdiction: Jurisdiction, year: int | None, file: Any) -> str:
    """Keep an uploaded sheet for the preview and the confirm step; returns its token. Only the user who
    uploaded it can open it (the token is looked up under their own folder)."""
    _check_access(user, jurisdiction)
    name = getattr(file, "name", "") or "上传的文件.xlsx"
    data = _file_data(file, name)
    _discard_old(user)
    token = secrets.token_urlsafe(24)
    meta = {
        "file_name": name,
        "jurisdiction": jurisdiction.pk,
        "year": year,
        "at": timezone.now().isoformat(),
    }
    default_storage.save(_upload_path(user, token, ".xlsx"), ContentFile(data))
    default_storage.save(_upload_path(user, token, ".json"), ContentFile(json.dumps(meta).encode()))
    return token


def import_upload_open(*, user: Any, token: str) -> Upload:
    path = _upload_path(user, token, ".json")
    if not default_storage.exists(path):
        raise ValidationError("这份上传的表格已过期或已导入，请重新上传。")
    with default_storage.open(path, "rb") as handle:
        meta = json.loads(handle.read())
    with default_storage.open(_upload_path(user, token, ".xlsx"), "rb") as handle:
        data = handle.read()
    return Upload(token, meta["file_name"], meta["jurisdiction"], meta["year"], data)


def import_upload_discard(*, user: Any, token: str) -> None:
    for suffix in (".xlsx", ".json"):
        path = _upload_path(user, token, suffix)
        if default_storage.exists(path):
            default_storage.delete(path)


def _discard_old(user: Any) -> None:
    """Uploads older than a day are abandoned: the uploader's own on each upload, everybody's at most
    once an hour (a marker file's time says when the last sweep ran, for every process)."""
    _discard_stale(f"{UPLOAD_DIR}/{user.pk}")
    if not _sweep_due():
        return
    try:
        folders, _ = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    for folder in folders:
        if folder != str(user.pk):
            _discard_stale(f"{UPLOAD_DIR}/{folder}")


def _sweep_due() -> bool:
    """Whether an hour has passed since the last sweep of all users' uploads; if so, mark it as run now."""
    now = timezone.now()
    try:
        if default_storage.get_modified_time(SWEEP_MARK) > now - SWEEP_EVERY:
            return False
    except (FileNotFoundError, NotImplementedError, OSError):
        pass
    if default_storage.exists(SWEEP_MARK):
        default_storage.delete(SWEEP_MARK)
    default_storage.save(SWEEP_MARK, ContentFile(now.isoformat().encode()))
    return True


def _discard_stale(folder: str) -> None:
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - UPLOAD_KEEP
    for name in files:
        path = f"{folder}/{name}"
        try:
            old = default_storage.get_modified_time(path) < limit
        except (NotImplementedError, OSError):
            old = False
        if old:
            default_storage.delete(path)
