"""Reads of the exemption, bonus and rectification pages and their to-do sources. Every queryset goes
through `scope()`: a unit reads its own records, the office, leaders and supervisors their subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from tuijin.core.access import scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.rules.ledger import parse_period
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.projects.models import Project

from .models import Bonus, Exemption, Rectification, ScoreEntry, ScorePeriod


def exemptions_for(
    user: Any, *, month: str = "", status: str = "", unit: int | None = None, mine: bool = False
) -> QuerySet:
    qs = scope(user, Exemption.objects.all()).select_related(
        "unit", "project", "project_leader", "leader_in_charge", "applied_by"
    )
    if month:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    if unit:
        qs = qs.filter(unit_id=unit)
    if mine:
        qs = qs.filter(awaiting_q(user))
    return qs.order_by("-month", "unit__sort", "unit_id", "project_id", "-id")


def awaiting_q(user: Any) -> Q:
    """Applications waiting for the user's own signature (the person named and not yet signed)."""
    person_id = getattr(user, "person_id", None)
    if person_id is None:
        return Q(pk__in=[])
    return Q(status="applied") & (
        Q(project_leader_id=person_id, project_leader_signed_at__isnull=True)
        | Q(leader_in_charge_id=person_id, leader_in_charge_signed_at__isnull=True)
    )


def awaiting_signature(user: Any) -> QuerySet:
    return scope(user, Exemption.objects.filter(awaiting_q(user)))


def unit_projects(user: Any) -> QuerySet:
    """The projects the user's unit is responsible for (what it may apply an exemption for)."""
    if getattr(user, "unit_id", None) is None:
        return Project.objects.none()
    return scope(user, Project.objects.filter(responsible_unit_id=user.unit_id)).order_by("name", "id")


def exempted_entries(user: Any, exemption: Exemption) -> QuerySet:
    """The ledger's deductions this exemption waived (each keeps its points in `exempted_points`)."""
    return (
        scope(user, ScoreEntry.objects.filter(exemption=exemption))
        .select_related("period", "node")
        .order_by("period__start", "on", "pk")
    )


def renewal_of(exemption: Exemption) -> Exemption | None:
    return Exemption.objects.filter(renews=exemption).exclude(status="withdrawn").order_by("-id").first()


# ---------------------------------------------------------------------------------------------------
# Bonuses


def year_periods(user: Any, jurisdiction: Any) -> QuerySet:
    return scope(user, ScorePeriod.objects.filter(jurisdiction=jurisdiction, kind="year")).order_by("-start")


def bonuses_of(user: Any, period: ScorePeriod) -> QuerySet:
    return (
        scope(user, Bonus.objects.filter(period=period))
        .select_related("unit", "proposed_by", "decided_by")
        .order_by("unit__sort", "unit_id", "pk")
    )


def pending_bonuses(user: Any) -> QuerySet:
    return scope(user, Bonus.objects.filter(status="proposed", period__status="open"))


def has_year_rules(jurisdiction: Any) -> bool:
    version = ruleset_version_for_jurisdiction(jurisdiction)
    section = ((version.data or {}).get("scoring") or {}) if version is not None else {}
    return (section.get("year") or {}).get("bonus_max") is not None


# ---------------------------------------------------------------------------------------------------
# Rectification reports


@dataclass(frozen=True)
class RectificationRow:
    r: Rectification
    overdue_workdays: int  # working days past `due` while not submitted (0: not overdue)

    @property
    def overdue(self) -> bool:
        return self.overdue_workdays > 0


def overdue_workdays(rectification: Rectification, today: date) -> int:
    """Working days after the due date, up to today, while the report is still due or returned."""
    if rectification.status not in ("due", "returned") or today <= rectification.due:
        return 0
    try:
        return current_calendar().workdays_between(rectification.due, today)
    except ValueError:  # outside the calendar's years: count calendar days
        return (today - rectification.due).days


def rectification_periods(user: Any, jurisdiction: Any) -> QuerySet:
    periods = Rectification.objects.values("period_id")
    return scope(user, ScorePeriod.objects.filter(jurisdiction=jurisdiction, pk__in=periods)).order_by(
        "-start", "kind"
    )


def rectifications_of(user: Any, period: ScorePeriod, today: date) -> list[RectificationRow]:
    qs = scope(user, Rectification.objects.filter(period=period)).select_related("unit", "submitted_by")
    return [RectificationRow(r, overdue_workdays(r, today)) for r in qs.order_by("rank", "unit_id")]


def rectifications_due(user: Any) -> QuerySet:
    """The unit's reports still to submit (due or returned)."""
    if getattr(user, "unit_id", None) is None:
        return Rectification.objects.none()
    return scope(user, Rectification.objects.filter(unit_id=user.unit_id, status__in=("due", "returned")))


def rectifications_to_review(user: Any) -> QuerySet:
    return scope(user, Rectification.objects.filter(status="submitted"))


def month_choices(today: date, back: int = 12) -> list[tuple[str, str]]:
    """Next month, this month and the `back` months before it, newest first, as ("2024-06", "2024年6月")."""
    year, month = today.year, today.month + 1
    if month == 13:
        year, month = year + 1, 1
    out = []
    for _ in range(back + 2):
        key = f"{year}-{month:02d}"
        out.append((key, parse_period(key).label))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out
