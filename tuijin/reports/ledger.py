"""Sealing accepted reports (issue 5 part 8, DESIGN.md "Trust"), registered with the core ledger
(`tuijin.core.ledger`). Imported by ReportsConfig.ready().

Each (jurisdiction, week) and (jurisdiction, month) is sealed over the ACCEPTED reports of the projects of
that jurisdiction (exactly that jurisdiction: a city's seal holds the city's own projects, each district
seals its own). A report's sealed content: every concrete field of `Report` except `id` (content,
status, version, events, 代填, return reason, who saved, submitted, approved and accepted it and when —
a field added later is sealed too, see UNSEALED_FIELDS), its whole version history (every ReportVersion
row), its site photos (id, sha256 of the file, date taken, caption) and, for a monthly report that gives
an investment, the library's `InvestmentEntry` of that month (amount, source). So changing, deleting or
adding any of them after sealing shows in `tuijin ledger verify`. Accepted is a final status
(rules.TRANSITIONS), photos are refused on an accepted report, and the library refuses to overwrite a
month that came from an accepted monthly report, so a sealed report never changes through the services.

When: the office presses 「封存本周 / 封存本月」 on the review page (`reports_seal_period`), and the
daily job seals every period whose end is more than SEAL_AFTER_DAYS days ago, is not yet sealed and has
no report still waiting for review (held at most HOLD_MAX_DAYS). A report accepted after its period was
sealed is listed by verify as 待重新封存 (not a failure) until the office seals again with a reason.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from tuijin.core.ledger import register_sealable
from tuijin.core.ledger_services import seal_period
from tuijin.core.rules.ledger import month_key, parse_period, week_key
from tuijin.projects.models import InvestmentEntry

from . import rules
from .models import Report, ReportVersion, SitePhoto

SEAL_KINDS = {"weekly": "weekly_report", "monthly": "monthly_report"}
REPORT_KINDS = {v: k for k, v in SEAL_KINDS.items()}
# basis = "default": no notice says when a period's reports are closed; the weekly table is due Friday
# (WH19 附件2) and the office reviews the following week, so a week is sealed by the daily job 14 days
# after it ends and a month (due the 25th) 30 days after it ends, unless the office sealed it earlier.
SEAL_AFTER_DAYS = {"weekly": 14, "monthly": 30}
# the daily job looks back this far for accepted periods not yet sealed
LOOKBACK_DAYS = 180
# basis = "default": the daily job does not seal a period while some of its reports still wait for the
# office's or the head's review (submitted / approved), so a normal late acceptance is sealed with its
# week; a period still waiting this many days after it ended is sealed anyway (what is accepted by then)
HOLD_MAX_DAYS = 60
WAITING = ("submitted", "approved")

# Report fields NOT sealed: none. Every concrete field but `id` is sealed; a field that legitimately
# changes after acceptance (none today: nothing writes an accepted report) would be listed here.
UNSEALED_FIELDS = frozenset({"id"})
PENDING = ("submitted", "approved", "returned")


def period_key(kind: str, start: date) -> str:
    """The ledger's period key of a report period: "2024-W23" or "2024-06"."""
    return week_key(start) if kind == "weekly" else month_key(start)


def period_start_of(kind: str, key: str) -> date:
    return parse_period(key).start


def _sealed_fields() -> list:
    return [f for f in Report._meta.concrete_fields if f.name not in UNSEALED_FIELDS]


def photo_digest(photo: SitePhoto) -> str:
    """sha256 of the photo's file; of its stored name and size when the file cannot be read (an import
    carries the metadata only), so a file replaced, removed or re-pointed after sealing shows."""
    if photo.file and photo.file.name:
        try:
            digest = hashlib.sha256()
            with photo.file.storage.open(photo.file.name, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
            return digest.hexdigest()
        except (OSError, ValueError):
            pass
    return hashlib.sha256(f"{photo.file.name or ''}|{photo.size}".encode()).hexdigest()


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
        photos: dict[int, list[dict]] = defaultdict(list)
        for photo in SitePhoto.objects.filter(report__in=[r.pk for r in reports]).order_by("report_id", "pk"):
            photos[photo.report_id].append(
                {
                    "id": photo.pk,
                    "sha256": photo_digest(photo),
                    "taken_on": photo.taken_on,
                    "caption": photo.caption,
                }
            )
        investment: dict[int, dict] = {}
        if kind == "monthly":
            for e in InvestmentEntry.objects.filter(
                project_id__in=[r.project_id for r in reports], year=start.year, month=start.month
            ):
                investment[e.project_id] = {"amount": e.amount, "source": e.source}
        fields = _sealed_fields()
        out = []
        for r in reports:
            data: dict[str, Any] = {f.attname: getattr(r, f.attname) for f in fields}
            data["versions"] = versions.get(r.pk, [])
            data["photos"] = photos.get(r.pk, [])
            if kind == "monthly" and r.investment_completed is not None:
                # the month's library entry the report wrote (an office entry for a month the report
                # gave no investment for stays the office's to correct)
                data["investment_entry"] = investment.get(r.project_id)
            out.append((r.pk, data))
        return out

    return records


def _describe(record_id: str) -> str | None:
    report = Report.objects.select_related("project").filter(pk=record_id).first()
    if report is None:
        return None
    return f"项目《{report.project.name}》的{rules.KINDS[report.kind]}"


def _late_additions(record_ids: list[str], sealed_at: datetime) -> list[int]:
    """Reports found in a sealed period but not in its seal that were accepted after the seal was made
    (verify lists them as 待重新封存)."""
    ids = [int(rid) for rid in record_ids if str(rid).isdigit()]
    return list(
        Report.objects.filter(pk__in=ids, status="accepted", reviewed_at__gt=sealed_at).values_list(
            "pk", flat=True
        )
    )


def _candidates(kind: str):
    def candidates(ended_before: date):
        """(jurisdiction id, period key) of accepted reports in periods that ended before the date, except
        periods with reports still waiting for review that ended less than HOLD_MAX_DAYS ago."""
        last_start = ended_before - timedelta(days=7 if kind == "weekly" else 31)
        window = {
            "kind": kind,
            "period_start__lte": last_start,
            "period_start__gte": ended_before - timedelta(days=LOOKBACK_DAYS),
        }
        pairs = (
            Report.objects.filter(status="accepted", **window)
            .values_list("project__jurisdiction_id", "period_start")
            .distinct()
        )
        waiting = set(
            Report.objects.filter(status__in=WAITING, **window)
            .values_list("project__jurisdiction_id", "period_start")
            .distinct()
        )
        today = ended_before + timedelta(days=SEAL_AFTER_DAYS[kind])
        for jurisdiction_id, start in pairs:
            end = parse_period(period_key(kind, start)).end
            if end >= ended_before:
                continue
            if (jurisdiction_id, start) in waiting and end >= today - timedelta(days=HOLD_MAX_DAYS):
                continue  # still under review: wait, unless far past
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
        late_additions=_late_additions,
    )


def reports_seal_period(
    *, user: Any, jurisdiction: Any, kind: str, period_start: date, today: date, reason: str = ""
):
    """The review page's 「封存本周 / 封存本月」: seal the accepted reports of the jurisdiction's period.

    Refused (ValidationError on "period") while reports of the period still wait for review and the due
    date has not passed; after the due date whatever is accepted is sealed (reports accepted later are listed
    by verify as 待重新封存 until the office seals again with a reason). Pressing it twice seals once. Raises AccessDenied
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
