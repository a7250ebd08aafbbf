"""Sealing accepted reports (issue 5 part 8, DESIGN.md "Trust"), registered with the core ledger
(`tuijin.core.ledger`). Owned by H3; imported by ReportsConfig.ready().

Each (jurisdiction, week) and (jurisdiction, month) is sealed over the ACCEPTED reports of the projects of
that jurisdiction (exactly that jurisdiction: a city's seal holds the city's own projects, each district
seals its own). A report's sealed content: project, unit, kind, period, due date, the content fields of
its kind, status, version, 代填, who submitted, approved and accepted it and when, and its whole version
history (every ReportVersion row), so changing, deleting or adding any of them after sealing shows in
`tuijin ledger verify`. Accepted is a final status (rules.TRANSITIONS), so a sealed report never changes
through the services.

When: the office presses 「封存本周 / 封存本月」 on the review page (`reports_seal_period`), and the
daily job seals every period whose end is more than SEAL_AFTER_DAYS days ago and is not yet sealed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from tuijin.core.ledger import register_sealable
from tuijin.core.ledger_services import seal_period
from tuijin.core.rules.ledger import month_key, parse_period, week_key

from . import rules
from .models import Report, ReportVersion

SEAL_KINDS = {"weekly": "weekly_report", "monthly": "monthly_report"}
REPORT_KINDS = {v: k for k, v in SEAL_KINDS.items()}
# basis = "default": no notice says when a period's reports are closed; the weekly table is due Friday
# (WH19 附件2) and the office reviews the following week, so a week is sealed by the daily job 14 days
# after it ends and a month (due the 25th) 30 days after it ends, unless the office sealed it earlier.
SEAL_AFTER_DAYS = {"weekly": 14, "monthly": 30}
# the daily job looks back this far for accepted periods not yet sealed
LOOKBACK_DAYS = 180

WORKFLOW_FIELDS = (
    "version",
    "is_proxy",
    "proxy_by_id",
    "submitted_by_id",
    "submitted_at",
    "first_submitted_at",
    "approved_by_id",
    "approved_at",
    "reviewed_by_id",
    "reviewed_at",
)
PENDING = ("submitted", "approved", "returned")


def period_key(kind: str, start: date) -> str:
    """The ledger's period key of a report period: "2024-W23" or "2024-06"."""
    return week_key(start) if kind == "weekly" else month_key(start)


def period_start_of(kind: str, key: str) -> date:
    return parse_period(key).start


def _content_fields(kind: str) -> tuple[str, ...]:
    return rules.WEEKLY_FIELDS if kind == "weekly" else (*rules.MONTHLY_FIELDS, "investment_completed")


def _records(kind: str):
    def records(jurisdiction: Any, key: str) -> list[tuple[int, dict]]:
        start = period_start_of(kind, key)
        reports = list(
            Report.objects.filter(
                project__jurisdiction=jurisdiction, kind=kind, period_start=start, status="accepted"
            ).order_by("pk")
        )
        versions: dict[int, list[dict]] = defaultdict(list)
        for v in ReportVersion.objects.filter(report__in=[r.pk for r in reports]).order_by(
            "report_id", "seq"
        ):
            versions[v.report_id].append(
                {
                    "seq": v.seq,
                    "version": v.version,
                    "event": v.event,
                    "status": v.status,
                    "content": v.content,
                    "author": v.author_id,
                    "at": v.at,
                    "reason": v.reason,
                    "is_proxy": v.is_proxy,
                }
            )
        out = []
        for r in reports:
            data: dict[str, Any] = {
                "project": r.project_id,
                "unit": r.unit_id,
                "kind": r.kind,
                "period_start": r.period_start,
                "due_on": r.due_on,
                "status": r.status,
                "content": {name: getattr(r, name) for name in _content_fields(kind)},
                "versions": versions.get(r.pk, []),
            }
            data.update({name: getattr(r, name) for name in WORKFLOW_FIELDS})
            out.append((r.pk, data))
        return out

    return records


def _describe(record_id: str) -> str | None:
    report = Report.objects.select_related("project").filter(pk=record_id).first()
    if report is None:
        return None
    return f"项目《{report.project.name}》的{rules.KINDS[report.kind]}"


def _candidates(kind: str):
    def candidates(ended_before: date):
        """(jurisdiction id, period key) of accepted reports in periods that ended before the date."""
        last_start = ended_before - timedelta(days=7 if kind == "weekly" else 31)
        pairs = (
            Report.objects.filter(
                kind=kind,
                status="accepted",
                period_start__lte=last_start,
                period_start__gte=ended_before - timedelta(days=LOOKBACK_DAYS),
            )
            .values_list("project__jurisdiction_id", "period_start")
            .distinct()
        )
        for jurisdiction_id, start in pairs:
            if parse_period(period_key(kind, start)).end < ended_before:
                yield jurisdiction_id, period_key(kind, start)

    return candidates


for _kind, _seal_kind in SEAL_KINDS.items():
    register_sealable(
        _seal_kind,
        rules.KINDS[_kind],
        records=_records(_kind),
        describe=_describe,
        period="week" if _kind == "weekly" else "month",
        auto_after_days=SEAL_AFTER_DAYS[_kind],
        candidates=_candidates(_kind),
    )


def reports_seal_period(
    *, user: Any, jurisdiction: Any, kind: str, period_start: date, today: date, reason: str = ""
):
    """The review page's 「封存本周 / 封存本月」: seal the accepted reports of the jurisdiction's period.

    Refused (ValidationError on "period") while reports of the period still wait for review and the due
    date has not passed; after the due date whatever is accepted is sealed (reports accepted later show as
    added until the office seals again with a reason). Pressing it twice seals once. Raises AccessDenied
    unless `user` is the office of this jurisdiction or above. Returns the Seal."""
    if kind not in SEAL_KINDS:
        raise ValidationError({"kind": f"未知的报告类别“{kind}”"})
    pending = Report.objects.filter(
        project__jurisdiction=jurisdiction, kind=kind, period_start=period_start, status__in=PENDING
    )
    due_on = pending.order_by("-due_on").values_list("due_on", flat=True).first()
    if due_on is not None and today <= due_on:
        n = pending.count()
        raise ValidationError(
            {
                "period": f"本期尚有 {n} 份{rules.KINDS[kind]}未审核通过，截止日（{due_on.month}月{due_on.day}日）前不能封存"
            }
        )
    return seal_period(
        kind=SEAL_KINDS[kind],
        jurisdiction=jurisdiction,
        period_key=period_key(kind, period_start),
        by=user,
        reason=reason,
    )
