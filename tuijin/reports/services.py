"""Writes of reports (issue 5 parts 1–3): a unit's week or month saved and submitted in one request, the
head's approval, the office's acceptance, return and 代填, site photos and camera links.

Every write checks access first (a project outside the unit's reporting projects is refused with 403 and
logged by the access middleware), validates every row with the pure rules and raises
`ValidationError({"p<project id>.<field>" or field: Chinese message})`, then writes under one
transaction with bulk operations (a fixed number of queries for a unit's 50 projects): nothing is
half-saved. Every change appends a `ReportVersion`. A page's one-time token (`new_token()`) makes a
retried or double-clicked POST return the first result and write nothing: the token row is inserted
first, so a simultaneous duplicate waits on the unique index and then reads the first's result.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models import DateTimeField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tuijin.core.access import AccessDenied, require
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Unit
from tuijin.projects.models import InvestmentEntry, Project

from . import rules
from .models import CameraLink, Report, ReportVersion, SitePhoto, SubmissionToken
from .selectors import new_start_facts, period_projects

logger = logging.getLogger("tuijin.reports")

PHOTO_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
THUMBNAIL_SIZE = (480, 360)

ReportListener = Callable[..., None]
_LISTENERS: list[ReportListener] = []


def register_report_listener(listener: ReportListener) -> None:
    """Call `listener(reports=[...], event=..., today=...)` inside the transaction of every workflow
    change (submit, approve, return, accept, proxy); registering twice registers once."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def _notify(reports: list[Report], event: str, today: date) -> None:
    for listener in _LISTENERS:
        listener(reports=reports, event=event, today=today)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Outcome:
    """What a workflow call did: the reports touched (ids), a Chinese message, and whether it was a
    replay of an earlier POST with the same token (then nothing was written)."""

    report_ids: list[int] = field(default_factory=list)
    message: str = ""
    replayed: bool = False

    def as_json(self) -> dict:
        return {"report_ids": self.report_ids, "message": self.message}


def _claim(token: str | None, user: Any, action: str) -> Outcome | None:
    """Insert the token (inside the caller's transaction). None: go on; an Outcome: a replay."""
    if not token:
        return None
    if len(token) > 64:
        raise ValidationError({"token": "提交令牌无效，请刷新页面后重试。"})
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token, user=user, action=action)
    except IntegrityError:
        first = SubmissionToken.objects.filter(token=token).first()
        if first is None or first.user_id != getattr(user, "pk", None) or first.action != action:
            raise ValidationError({"token": "提交令牌无效，请刷新页面后重试。"}) from None
        logger.info("replayed %s token by user %s", action, getattr(user, "pk", None))
        return Outcome(
            report_ids=list(first.result.get("report_ids", [])),
            message=first.result.get("message", "") or "已处理（重复提交未再次保存）。",
            replayed=True,
        )
    return None


def _settle(token: str | None, outcome: Outcome) -> Outcome:
    if token:
        SubmissionToken.objects.filter(token=token).update(result=outcome.as_json())
    return outcome


# ---------------------------------------------------------------------------------------------------
# Content


def content_of(report: Report) -> dict[str, Any]:
    """The report's content as JSON-ready values (investment as a string)."""
    data: dict[str, Any] = {}
    for name in rules.CONTENT_FIELDS:
        value = getattr(report, name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        data[name] = value if value is not None else ""
    for name in ("investment_completed", *rules.DATE_FIELDS, *rules.BOOL_FIELDS):
        if getattr(report, name) is None:
            data[name] = None
    return data


def typed_content(report: Report) -> dict[str, Any]:
    """The report's content as typed values (Decimal, date, bool), for the rules' checks."""
    return {name: getattr(report, name) for name in rules.CONTENT_FIELDS}


def _clean_row(kind: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form values → typed content of the kind's fields, and parse errors."""
    fields = rules.fields_of(kind)
    labels = rules.labels_of(kind)
    content: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in fields:
        if name not in raw:
            continue
        value = raw[name]
        if name in rules.DATE_FIELDS:
            content[name], error = rules.parse_day(value, labels[name])
            if error:
                errors[name] = error
        elif name in rules.BOOL_FIELDS:
            content[name] = rules.parse_yes_no(value)
        elif name == "investment_completed":
            if isinstance(value, Decimal) or value is None:
                content[name] = value
            else:
                amount, error = rules.parse_amount(str(value))
                if error:
                    errors[name] = error
                content[name] = amount
        else:
            content[name] = str(value or "").strip().replace("\r\n", "\n")
    return content, errors


def _ruleset_data(jurisdiction_id: int) -> dict | None:
    from tuijin.org.models import Jurisdiction

    jurisdiction = Jurisdiction.objects.get(pk=jurisdiction_id)
    version = ruleset_version_for_jurisdiction(jurisdiction)
    return version.data if version is not None else None


def period_due(unit: Unit, kind: str, start: date) -> date:
    """The due day of a unit's period from its jurisdiction's rule set."""
    rule = rules.due_rule(kind, _ruleset_data(unit.jurisdiction_id))
    return rules.due_date(kind, start, rule)


# ---------------------------------------------------------------------------------------------------
# A unit's period: save, submit, proxy fill


def _lock_period(
    *, unit: Unit, kind: str, start: date, project_ids: Sequence[int], projects: Mapping[int, dict]
) -> dict[int, Report]:
    """The period's reports of these projects, created as empty drafts where missing, locked."""
    due_on = period_due(unit, kind, start)
    _insert_all(
        Report,
        [
            Report(project_id=pid, unit_id=unit.pk, kind=kind, period_start=start, due_on=due_on)
            for pid in project_ids
        ],
        ignore_conflicts=True,
    )
    locked = (
        Report.objects.select_for_update()
        .filter(project_id__in=project_ids, kind=kind, period_start=start)
        .order_by("pk")
    )
    return {report.project_id: report for report in locked}


def _version(report: Report, event: str, user: Any, now: Any, reason: str = "") -> ReportVersion:
    report.events += 1
    return ReportVersion(
        report=report,
        seq=report.events,
        version=report.version,
        event=event,
        status=report.status,
        content=content_of(report),
        author=user,
        at=now,
        reason=reason,
        is_proxy=report.is_proxy,
    )


def _cumulative_before(project_ids: Iterable[int], start: date) -> dict[int, Decimal]:
    rows = (
        InvestmentEntry.objects.filter(project_id__in=list(project_ids))
        .exclude(year=start.year, month=start.month)
        .values("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["project_id"]: row["total"] or Decimal(0) for row in rows}


def _tidy_new_start(content: dict[str, Any], *, started: bool) -> None:
    """A started project keeps no 未开工原因 / 预计开工时间; no 开工仪式 date unless one was held."""
    if started:
        if "not_started_reason" in content:
            content["not_started_reason"] = ""
        if "expected_start" in content:
            content["expected_start"] = None
    if "ceremony_held" in content and content["ceremony_held"] is not True:
        content["ceremony_on"] = None


WORKFLOW_UPDATE_FIELDS = (
    "status",
    "version",
    "events",
    "is_proxy",
    "proxy_by",
    "saved_by",
    "saved_at",
    "submitted_by",
    "submitted_at",
    "first_submitted_at",
    "reviewed_by",
    "reviewed_at",
    "return_reason",
)
UPDATE_FIELDS = (*rules.CONTENT_FIELDS, *WORKFLOW_UPDATE_FIELDS)


# Bulk writes of a unit's rows, a fixed number of statements whatever their number. Not Django's
# `bulk_update`: it builds and resolves a `CASE WHEN id = … THEN …` per field per row (≈ 0.5 s of CPU
# for a unit's week of 50 projects). The workflow fields, which are the same for every row, go in one
# `UPDATE … WHERE id IN (…)` per new status (`version` and `events` as `F() + 1`: the rows are locked, so
# the database adds what the Python objects added); each row's own content, and new rows, in one
# statement. On PostgreSQL the rows travel as ONE JSON parameter read by `jsonb_to_recordset`: Django's
# many-row insert is `UNNEST(%s::text[], …)`, and psycopg's client-side quoting of an array of long
# strings takes ≈ 2 ms a row (≈ 100 ms for the JSON snapshots of a unit's week), and a placeholder per
# value (VALUES (…), (…)) makes psycopg parse a query of 1,800 placeholders (≈ 20 ms, not cached). On
# SQLite an executemany of a one-row statement (one call; `bulk_create` would split a wide model's rows
# into batches of 999 parameters).


def _update_same(reports: Sequence[Report], **values: Any) -> None:
    """One UPDATE per status the rows now have, setting `values` (the same for every row) and the status."""
    by_status: dict[str, list[int]] = {}
    for report in reports:
        by_status.setdefault(report.status, []).append(report.pk)
    for status, ids in by_status.items():
        Report.objects.filter(pk__in=ids).update(status=status, **values)


def _json_value(value: Any) -> Any:
    if isinstance(value, date):  # datetime too: ISO 8601 with the offset and every microsecond
        return value.isoformat()
    return str(value)  # Decimal


def _recordset(connection: Any, fields: Sequence[Any], objs: Sequence[Any], *, add: bool) -> tuple[str, str]:
    """PostgreSQL: `jsonb_to_recordset(%s::jsonb) AS v(column type, …)` and its one parameter, the
    objects' values of `fields` (types without their length: an over-long value fails on assignment)."""
    quote = connection.ops.quote_name
    spec = ", ".join(f"{quote(f.column)} {f.db_type(connection).split('(')[0]}" for f in fields)
    rows = [
        {f.column: f.pre_save(obj, add) if add else getattr(obj, f.attname) for f in fields} for obj in objs
    ]
    return (
        f"jsonb_to_recordset(%s::jsonb) AS v({spec})",
        json.dumps(rows, ensure_ascii=False, default=_json_value),
    )


def _update_each(reports: Sequence[Report], names: Sequence[str]) -> None:
    """Write each report's own values of the fields `names` (its Python attributes) in one statement."""
    if not reports or not names:
        return
    connection = connections[router.db_for_write(Report)]
    fields = [Report._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(Report._meta.db_table), quote(Report._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, param = _recordset(connection, [*fields, Report._meta.pk], reports, add=False)
            sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
            sql = f"UPDATE {table} AS r SET {sets} FROM {source} WHERE r.{pk} = v.{pk}"  # noqa: S608
            cursor.execute(sql, [param])
        else:
            rows = [
                [f.get_db_prep_save(getattr(report, f.attname), connection) for f in fields] + [report.pk]
                for report in reports
            ]
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)  # noqa: S608


def _insert_all(model: Any, objs: Sequence[Any], *, ignore_conflicts: bool = False) -> None:
    """Insert new rows in one statement whatever their number (their ids are not read back)."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor not in ("postgresql", "sqlite"):
        model.objects.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source, param = _recordset(connection, fields, objs, add=True)
            tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {source}{tail}"  # noqa: S608
            cursor.execute(sql, [param])
        else:
            rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
            verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"{verb} INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _write_changed(changed: Sequence[Report], *, kind: str, event: str, user: Any, now: Any) -> None:
    """Store what `_write_period` changed on the Python objects: the kind's content fields row by row,
    the workflow fields (the same for every row) at once."""
    _update_each(changed, rules.fields_of(kind))
    same: dict[str, Any] = {"saved_by": user, "saved_at": now, "events": F("events") + 1}
    if event in ("submit", "proxy"):
        same |= {
            "version": F("version") + 1,
            "submitted_by": user,
            "submitted_at": now,
            "first_submitted_at": Coalesce("first_submitted_at", Value(now, output_field=DateTimeField())),
            "return_reason": "",
        }
    if event == "proxy":
        same |= {"is_proxy": True, "proxy_by": user, "reviewed_by": user, "reviewed_at": now}
    _update_same(changed, **same)


def _write_period(
    *,
    user: Any,
    unit: Unit,
    kind: str,
    period_start: date,
    rows: Mapping[int, Mapping[str, Any]],
    event: str,
    token: str | None,
    today: date | None,
    action: str,
) -> Outcome:
    if kind not in rules.KINDS:
        raise ValidationError({"kind": "报告类别无效。"})
    require(user, action, unit)
    today = _today(today)
    start = rules.period_start(kind, period_start)
    period_error = rules.check_period(kind, start, today=today)
    if period_error:
        raise ValidationError({"period": period_error})
    if not rows:
        raise ValidationError({"rows": "没有要保存的项目。"})
    replay = _claim(token, user, f"{kind}.{event}")
    if replay is not None:
        return replay
    project_ids = sorted({int(pid) for pid in rows})
    projects = {
        row["pk"]: row
        for row in period_projects(unit, kind, start)
        .filter(pk__in=project_ids)
        .values("pk", "name", "total_investment", "stage")
    }
    foreign = [pid for pid in project_ids if pid not in projects]
    if foreign:
        names = list(Project.objects.filter(pk__in=foreign).values_list("name", flat=True)[:3]) or foreign
        logger.warning("user %s tried to report on projects %s for unit %s", user.pk, foreign, unit.pk)
        raise AccessDenied(
            f"项目{'、'.join(f'《{n}》' for n in names)}不是{unit.name}负责填报的项目，不能填报。",
            action=action,
        )
    errors: dict[str, str] = {}
    cleaned: dict[int, dict[str, Any]] = {}
    for pid in project_ids:
        content, parse_errors = _clean_row(kind, rows[pid] if pid in rows else rows[str(pid)])
        cleaned[pid] = content
        for name, message in parse_errors.items():
            errors[f"p{pid}.{name}"] = f"《{projects[pid]['name']}》{message}"
    if errors:
        raise ValidationError(errors)
    reports = _lock_period(unit=unit, kind=kind, start=start, project_ids=project_ids, projects=projects)
    before = _cumulative_before(project_ids, start) if kind == "monthly" else {}
    started: dict[int, bool] = {}
    if kind == "new_starts":
        facts = new_start_facts({pid: projects[pid]["stage"] for pid in project_ids}, start)
        started = {pid: fact.started for pid, fact in facts.items()}
        for pid in project_ids:
            _tidy_new_start(cleaned[pid], started=started[pid])
    submitting = event in ("submit", "proxy")
    for pid in project_ids:
        report = reports[pid]
        name = projects[pid]["name"]
        if report.unit_id != unit.pk and event != "proxy":
            errors[f"p{pid}.status"] = f"《{name}》本期报告由其他单位填报。"
            continue
        if rules.next_status(report.status, event) is None:
            errors[f"p{pid}.status"] = f"《{name}》{rules.transition_error(report.status, event)}"
            continue
        merged = {**typed_content(report), **cleaned[pid]}
        for key, message in rules.check_content(
            kind,
            merged,
            submitting=submitting,
            cumulative_before=before.get(pid, Decimal(0)),
            total_investment=projects[pid]["total_investment"],
            started=started.get(pid, False),
            period_start=start,
            today=today,
        ).items():
            errors[f"p{pid}.{key}"] = f"《{name}》{message}"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    changed: list[Report] = []
    versions: list[ReportVersion] = []
    for pid in project_ids:
        report = reports[pid]
        old = content_of(report)
        for name, value in cleaned[pid].items():
            setattr(report, name, value)
        if event == "save" and not rules.content_changed(old, content_of(report)):
            continue
        report.status = rules.next_status(report.status, event) or report.status
        report.saved_by, report.saved_at = user, now
        if submitting:
            report.version += 1
            report.submitted_by, report.submitted_at = user, now
            report.first_submitted_at = report.first_submitted_at or now
            report.return_reason = ""
        if event == "proxy":
            report.is_proxy, report.proxy_by = True, user
            report.reviewed_by, report.reviewed_at = user, now
        changed.append(report)
        versions.append(_version(report, event, user, now))
    if changed:
        _write_changed(changed, kind=kind, event=event, user=user, now=now)
        _insert_all(ReportVersion, versions)
    if event == "proxy" and kind == "monthly":
        _record_investment(changed, user)
    if event != "save" and changed:
        _notify(changed, event, today)
    label = rules.KINDS[kind]
    verb = {"save": "保存草稿", "submit": "提交", "proxy": "代填"}[event]
    message = f"已{verb} {len(changed)} 个项目的{label}（{rules.period_label(kind, start)}）。"
    if event == "save" and not changed:
        message = "内容没有变化，未保存新版本。"
    return _settle(token, Outcome(report_ids=[r.pk for r in changed], message=message))


@transaction.atomic
def report_save_draft(
    *,
    user: Any,
    unit: Unit,
    kind: str,
    period_start: date,
    rows: Mapping[int, Mapping[str, Any]],
    token: str | None = None,
    today: date | None = None,
) -> Outcome:
    """Save the given rows of a unit's period as drafts (a returned report stays returned while edited)."""
    return _write_period(
        user=user,
        unit=unit,
        kind=kind,
        period_start=period_start,
        rows=rows,
        event="save",
        token=token,
        today=today,
        action="reports.fill",
    )


@transaction.atomic
def report_submit(
    *,
    user: Any,
    unit: Unit,
    kind: str,
    period_start: date,
    rows: Mapping[int, Mapping[str, Any]],
    token: str | None = None,
    today: date | None = None,
) -> Outcome:
    """Save and submit the given rows of a unit's period to the unit's head, all or none."""
    return _write_period(
        user=user,
        unit=unit,
        kind=kind,
        period_start=period_start,
        rows=rows,
        event="submit",
        token=token,
        today=today,
        action="reports.fill",
    )


@transaction.atomic
def report_proxy_fill(
    *,
    user: Any,
    unit: Unit,
    kind: str,
    period_start: date,
    rows: Mapping[int, Mapping[str, Any]],
    token: str | None = None,
    today: date | None = None,
) -> Outcome:
    """The office fills in a unit's reports (代填): marked as such and accepted at once."""
    return _write_period(
        user=user,
        unit=unit,
        kind=kind,
        period_start=period_start,
        rows=rows,
        event="proxy",
        token=token,
        today=today,
        action="reports.proxy",
    )


# ---------------------------------------------------------------------------------------------------
# Approval and review


@transaction.atomic
def report_approve(
    *,
    user: Any,
    unit: Unit,
    kind: str,
    period_start: date,
    token: str | None = None,
    today: date | None = None,
    seen: Mapping[int, int] | None = None,
) -> Outcome:
    """The unit's head approves the submitted reports of the unit's period and sends them to the office.
    `seen` ({report id: its `events` counter} as the page showed them; the page always posts it): approve
    exactly those — refused when one changed since or another was submitted meanwhile (`check_seen`)."""
    require(user, "reports.approve", unit)
    today = _today(today)
    start = rules.period_start(kind, period_start)
    replay = _claim(token, user, f"{kind}.approve")
    if replay is not None:
        return replay
    reports = list(
        Report.objects.select_for_update()
        .filter(unit=unit, kind=kind, period_start=start, status="submitted")
        .order_by("pk")
    )
    if seen is not None:
        check_seen(reports, seen)
    if not reports:
        raise ValidationError(
            {"period": f"{rules.period_label(kind, start)}没有待审核的{rules.KINDS[kind]}。"}
        )
    now = timezone.now()
    versions = []
    for report in reports:
        report.status = "approved"
        report.approved_by, report.approved_at = user, now
        versions.append(_version(report, "approve", user, now))
    _update_same(reports, approved_by=user, approved_at=now, events=F("events") + 1)
    _insert_all(ReportVersion, versions)
    _notify(reports, "approve", today)
    message = (
        f"已审核通过并报送 {len(reports)} 个项目的{rules.KINDS[kind]}（{rules.period_label(kind, start)}）。"
    )
    return _settle(token, Outcome(report_ids=[r.pk for r in reports], message=message))


STALE = "报告已有新版本，请刷新后再审核。"


def check_seen(reports: Sequence[Report], seen: Mapping[int, int]) -> None:
    """Refuse (Chinese) unless `reports` are exactly the reports the reviewer saw, unchanged since: the
    same ids and the same `events` counter (every save, submission, approval or return adds one)."""
    try:
        expected = {int(pk): int(events) for pk, events in seen.items()}
    except (TypeError, ValueError):
        raise ValidationError({"reports": STALE}) from None
    if {r.pk: r.events for r in reports} != expected:
        logger.info("stale review: saw %s, now %s", expected, {r.pk: r.events for r in reports})
        raise ValidationError({"reports": STALE})


@transaction.atomic
def report_accept(
    *,
    user: Any,
    reports: Iterable[Report],
    token: str | None = None,
    today: date | None = None,
    seen: Mapping[int, int] | None = None,
) -> Outcome:
    """The office accepts approved reports (one or a whole period at once); a monthly report's investment
    becomes the project's `InvestmentEntry` for that month (source 月报). `seen` ({report id: `events`}
    as the page showed them): refused unless `reports` are exactly those, unchanged since (`check_seen`);
    the page's 「全部通过」 passes the period's approved reports as they are now, so one approved meanwhile
    is refused too."""
    ids = sorted({r.pk for r in reports})
    if not ids and not seen:
        raise ValidationError({"reports": "没有选择要通过的报告。"})
    today = _today(today)
    locked = list(
        Report.objects.select_for_update().filter(pk__in=ids).select_related("project", "unit").order_by("pk")
    )
    for report in locked:
        require(user, "reports.review", report)
    replay = _claim(token, user, "accept")
    if replay is not None:
        return replay
    if seen is not None:
        check_seen(locked, seen)
    errors = {
        f"r{r.pk}": f"《{r.project.name}》{rules.transition_error(r.status, 'accept')}"
        for r in locked
        if rules.next_status(r.status, "accept") is None
    }
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    versions = []
    for report in locked:
        report.status = "accepted"
        report.reviewed_by, report.reviewed_at = user, now
        report.return_reason = ""
        versions.append(_version(report, "accept", user, now))
    _update_same(locked, reviewed_by=user, reviewed_at=now, return_reason="", events=F("events") + 1)
    _insert_all(ReportVersion, versions)
    _record_investment([r for r in locked if r.kind == "monthly"], user)
    _notify(locked, "accept", today)
    return _settle(token, Outcome(report_ids=ids, message=f"已审核通过 {len(locked)} 份报告。"))


@transaction.atomic
def report_return(
    *, user: Any, report: Report, reason: str, token: str | None = None, today: date | None = None
) -> Outcome:
    """Return a report with a reason: the unit's head returns a submitted one, the office an approved one."""
    today = _today(today)
    report = Report.objects.select_for_update().select_related("project", "unit").get(pk=report.pk)
    # the token first, as the other services: a double-clicked 退回 replays the first answer (the report
    # is "returned" by then, which the state check below would refuse); a refused call rolls it back
    replay = _claim(token, user, "return")
    if replay is not None:
        return replay
    require(user, "reports.approve" if report.status == "submitted" else "reports.review", report)
    error = rules.check_reason(reason)
    if error:
        raise ValidationError({"reason": error})
    if rules.next_status(report.status, "return") is None:
        raise ValidationError({"reason": rules.transition_error(report.status, "return")})
    now = timezone.now()
    report.status = "returned"
    report.return_reason = reason.strip()
    report.reviewed_by, report.reviewed_at = user, now
    version = _version(report, "return", user, now, reason=report.return_reason)
    report.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at", "events"])
    version.save()
    _notify([report], "return", today)
    return _settle(token, Outcome(report_ids=[report.pk], message=f"已退回《{report.project.name}》的报告。"))


def _record_investment(reports: Sequence[Report], user: Any) -> None:
    """Accepted monthly reports' investment → `InvestmentEntry` (one source of truth), in bulk."""
    reports = [r for r in reports if r.kind == "monthly" and r.investment_completed is not None]
    if not reports:
        return
    keys = {(r.project_id, r.period_start.year, r.period_start.month): r for r in reports}
    existing = {
        (e.project_id, e.year, e.month): e
        for e in InvestmentEntry.objects.filter(project_id__in=[r.project_id for r in reports]).filter(
            year__in={k[1] for k in keys}, month__in={k[2] for k in keys}
        )
    }
    updates, creates = [], []
    for key, report in keys.items():
        note = f"{report.period_start.year}年{report.period_start.month}月月报"
        entry = existing.get(key)
        if entry is None:
            creates.append(
                InvestmentEntry(
                    project_id=key[0],
                    year=key[1],
                    month=key[2],
                    amount=report.investment_completed,
                    source="report",
                    note=note,
                    recorded_by=user,
                )
            )
        else:
            entry.amount, entry.source, entry.note, entry.recorded_by = (
                report.investment_completed,
                "report",
                note,
                user,
            )
            updates.append(entry)
    if creates:
        bulk_create_with_history(creates, InvestmentEntry, default_user=user)
    if updates:
        bulk_update_with_history(
            updates, InvestmentEntry, ["amount", "source", "note", "recorded_by"], default_user=user
        )


# ---------------------------------------------------------------------------------------------------
# Site photos and cameras


def photo_max_bytes() -> int:
    return int(getattr(settings, "REPORT_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT))


def _image_format(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    except Image.DecompressionBombError:
        return None


def _thumbnail(data: bytes) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        return out.getvalue()


@transaction.atomic
def photo_upload(
    *,
    user: Any,
    project: Project,
    file: Any,
    taken_on: date | None,
    caption: str = "",
    report: Report | None = None,
    node: Any = None,
    today: date | None = None,
) -> SitePhoto:
    """Store a site photo of a project (on a report or a chain node) with its thumbnail; only JPEG, PNG or
    WebP within `REPORT_PHOTO_MAX_BYTES`."""
    if user is not None:
        require(user, "reports.upload_photo", project)
    today = _today(today)
    name = os.path.basename(getattr(file, "name", "") or "photo")
    errors: dict[str, str] = {}
    size = getattr(file, "size", None)
    max_bytes = photo_max_bytes()
    data = b""
    if size is None or size <= max_bytes:
        data = file.read()
        size = len(data)
    image_format = _image_format(data) if data and size <= max_bytes else None
    error = rules.check_photo(name=name, size=size, image_format=image_format, max_bytes=max_bytes)
    if error:
        errors["file"] = error
    date_error = rules.check_taken_on(taken_on, today=today)
    if date_error:
        errors["taken_on"] = date_error
    if len(caption or "") > 200:
        errors["caption"] = "说明不能超过 200 字。"
    if report is not None and report.project_id != project.pk:
        errors["report"] = "报告不属于该项目。"
    elif report is not None and report.status == "accepted":  # final and sealed (tuijin/reports/ledger.py)
        errors["report"] = (
            "该报告已审核通过（已封存或将被封存），不能再添加照片；请把照片添加到项目或建设节点。"
        )
    if node is not None and node.project_id != project.pk:
        errors["node"] = "节点不属于该项目。"
    if errors:
        logger.info("photo refused for project %s: %s", project.pk, errors)
        raise ValidationError(errors)
    content_type = rules.PHOTO_FORMATS[image_format or ""]
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]
    stem = secrets.token_hex(8)
    photo = SitePhoto(
        project=project,
        report=report,
        node=node,
        taken_on=taken_on,
        caption=(caption or "").strip(),
        content_type=content_type,
        size=size,
        original_name=name[:255],
        uploaded_by=user,
    )
    photo.file.save(f"{stem}.{extension}", ContentFile(data), save=False)
    photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(_thumbnail(data)), save=False)
    photo.save()
    return photo


@transaction.atomic
def camera_add(*, user: Any, project: Project, name: str, url: str) -> CameraLink:
    if user is not None:
        require(user, "reports.manage_cameras", project)
    from django.core.validators import URLValidator

    errors = {}
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        errors["name"] = "请填写监控点名称。"
    elif len(name) > 60:
        errors["name"] = "名称不能超过 60 字。"
    try:
        URLValidator(schemes=["http", "https", "rtsp"])(url)
    except ValidationError:
        errors["url"] = f"“{url}”不是有效的网址。"
    if errors:
        raise ValidationError(errors)
    return CameraLink.objects.create(project=project, name=name, url=url, created_by=user)


@transaction.atomic
def camera_delete(*, user: Any, camera: CameraLink) -> None:
    require(user, "reports.manage_cameras", camera.project)
    camera.delete()
