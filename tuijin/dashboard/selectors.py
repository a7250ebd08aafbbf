"""What the home page shows each role. Later capabilities add their panels here."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from tuijin.core.access import can, is_subtree_reader, scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import LeadingGroup, Person, Unit, User
from tuijin.projects.plan_selectors import home_plan_for

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class DayLine:
    date: date
    weekday: str
    label: str
    css: str
    provisional: bool = False


@dataclass(frozen=True)
class Today:
    date: date
    weekday: str
    is_workday: bool
    label: str
    provisional: bool
    next_workday: date
    week: list[DayLine]
    coming: list[DayLine]


def _day_line(cal, day: date) -> DayLine:
    info = cal.day_info(day)
    label = {
        "workday": "工作日",
        "weekend": "周末",
        "holiday": info.name or "休息日",
        "makeup": f"补班（{info.name}）",
    }[info.kind]
    css = {"workday": "", "weekend": "text-secondary", "holiday": "text-red", "makeup": "text-azure fw-bold"}[
        info.kind
    ]
    return DayLine(
        date=day, weekday=WEEKDAYS[day.weekday()], label=label, css=css, provisional=info.provisional
    )


def today_on_calendar(today: date, *, horizon_days: int = 60) -> Today:
    """Today on the working-day calendar, this week, and the coming holidays and make-up days."""
    cal = current_calendar()
    info = cal.day_info(today)
    monday = today - timedelta(days=today.weekday())
    coming = []
    for offset in range(1, horizon_days + 1):
        day = today + timedelta(days=offset)
        if cal.day_info(day).kind in ("holiday", "makeup"):
            coming.append(_day_line(cal, day))
    return Today(
        date=today,
        weekday=WEEKDAYS[today.weekday()],
        is_workday=info.is_workday,
        label=_day_line(cal, today).label,
        provisional=info.provisional,
        next_workday=cal.next_workday(today),
        week=[_day_line(cal, monday + timedelta(days=i)) for i in range(7)],
        coming=coming[:8],
    )


def library_version() -> tuple:
    """A stamp that changes whenever anything the plan panel reads changes: the highest key of each
    append-only table and of the history tables of edited records (every write through the services,
    the import and the exchange leaves a history row). One query of index look-ups."""
    from django.db import connection

    from tuijin.projects.models import (
        AnnualPlan,
        InvestmentEntry,
        PlanChange,
        PlanEntry,
        Project,
        StageTransition,
    )

    tables = [(StageTransition._meta.db_table, "id"), (PlanChange._meta.db_table, "id")]
    for model in (Project, PlanEntry, AnnualPlan, InvestmentEntry):
        tables += [(model.history.model._meta.db_table, "history_id"), (model._meta.db_table, "id")]
    quote = connection.ops.quote_name
    # table and column names come from the models, never from input
    parts = [f"(SELECT MAX({quote(c)}) FROM {quote(t)})" for t, c in tables]  # noqa: S608
    sql = "SELECT " + ", ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _scope_key(user) -> str:
    """Users who read the same records share the panel: subtree readers by jurisdiction and role, unit
    staff by unit too."""
    return f"{user.role}:{user.jurisdiction_id}:{user.unit_id if not is_subtree_reader(user) else ''}"


def cached_home_plan(user, *, today):
    """The plan panel reads every entry of the user's plans (10,000 at city scale, ≈0.7 s), so it is kept
    per process under the scope, the day and `library_version()`: any write makes a new key, so no
    process ever shows a stale panel; it is only recomputed after a change."""
    from django.core.cache import cache

    key = f"home-plan:{_scope_key(user)}:{today.isoformat()}:{hash(library_version())}"
    panel = cache.get(key)
    if panel is None:
        panel = home_plan_for(user, today=today)
        cache.set(key, panel, timeout=3600)
    return panel


def home_for(user) -> dict:
    today = timezone.localdate()
    context: dict = {"today": today, "role_label": user.get_role_display() if user.role else ""}
    context["calendar"] = today_on_calendar(today)
    context["unit_count"] = scope(user, Unit.objects.filter(is_active=True)).count()
    if is_subtree_reader(user):  # unit staff read only their own unit's people: a leader count would mislead
        context["leader_count"] = scope(user, Person.objects.filter(is_active=True, is_leader=True)).count()
    context["group"] = scope(user, LeadingGroup.objects.select_related("office")).first()
    if can(user, "projects.view_plans"):
        context["plan_panel"] = cached_home_plan(user, today=today)
        context["can_manage_plans"] = can(user, "projects.manage_plan")
    if can(user, "org.view_accounts"):
        context.update(_admin_panel(user))
    return context


def _admin_panel(user) -> dict:
    from tuijin.core.models import TaskAttempt
    from tuijin.core.task_selectors import worker_liveness_for

    now = timezone.now()
    counts = scope(user, User.objects.all()).aggregate(
        account_count=Count("pk", filter=Q(is_active=True)),
        locked_count=Count("pk", filter=Q(locked_until__gt=now)),
        never_logged_in=Count("pk", filter=Q(is_active=True, last_login__isnull=True)),
    )
    given_up = scope(user, TaskAttempt.objects.filter(outcome=TaskAttempt.Outcome.GIVEN_UP))
    return {**counts, "given_up_tasks": given_up.count(), "liveness": worker_liveness_for(user, now=now)}
