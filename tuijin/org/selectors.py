"""Reads of the organisation app, always through the access scope."""

from dataclasses import dataclass

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from tuijin.core.access import scope

from .models import Jurisdiction, LeadingGroup, LoginEvent, Person, Role, Unit, User


def accounts_for(user, *, query: str = "", role: str = "", status: str = "") -> QuerySet:
    qs = scope(user, User.objects.select_related("jurisdiction", "unit", "person"))
    if query:
        qs = qs.filter(
            Q(username__icontains=query) | Q(display_name__icontains=query) | Q(unit__name__icontains=query)
        )
    if role:
        qs = qs.filter(role=role)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "disabled":
        qs = qs.filter(is_active=False)
    # roles in the order of DESIGN.md's table (office admin first), then by unit and username
    role_order = Case(
        *[When(role=value, then=Value(i)) for i, value in enumerate(Role.values)], default=Value(99)
    )
    return qs.order_by("jurisdiction__path", role_order, "unit__sort", "username")


@dataclass(frozen=True)
class AccountRow:
    """One row of the accounts page, display values prepared here (DESIGN: few template operations per
    cell keep big tables fast)."""

    pk: int
    username: str
    display_name: str
    role: str
    jurisdiction: str
    unit: str
    status: str
    status_css: str
    last_login: str
    is_active: bool


def _account_status(user: User, now) -> tuple[str, str]:
    if not user.is_active:
        return "已停用", "bg-secondary-lt"
    if user.locked_until and user.locked_until > now:
        return "已锁定", "bg-red-lt"
    return "在用", "bg-green-lt"


def account_rows(users, *, now) -> list[AccountRow]:
    roles = dict(Role.choices)
    rows = []
    for user in users:
        status, css = _account_status(user, now)
        last_login = (
            timezone.localtime(user.last_login).strftime("%Y-%m-%d %H:%M") if user.last_login else "从未登录"
        )
        rows.append(
            AccountRow(
                pk=user.pk,
                username=user.username,
                display_name=user.display_name,
                role=roles.get(user.role, "—"),
                jurisdiction=user.jurisdiction.name if user.jurisdiction else "—",
                unit=str(user.unit) if user.unit else "—",
                status=status,
                status_css=css,
                last_login=last_login,
                is_active=user.is_active,
            )
        )
    return rows


def units_for(user, *, query: str = "", kind: str = "") -> QuerySet:
    qs = scope(user, Unit.objects.select_related("jurisdiction")).filter(is_active=True)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(people_count=Count("people", filter=Q(people__is_active=True))).order_by(
        "jurisdiction__path", "sort", "id"
    )


def people_for(user, *, query: str = "", leaders_only: bool = False) -> QuerySet:
    qs = scope(user, Person.objects.select_related("jurisdiction", "unit")).filter(is_active=True)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(post__icontains=query) | Q(unit__name__icontains=query))
    if leaders_only:
        qs = qs.filter(is_leader=True)
    return qs.prefetch_related("units_in_charge").order_by(
        "jurisdiction__path", "-is_leader", "unit__sort", "id"
    )


def jurisdictions_for(user) -> QuerySet:
    return scope(user, Jurisdiction.objects.all())


def leading_groups_for(user) -> QuerySet:
    return scope(user, LeadingGroup.objects.select_related("jurisdiction", "office")).prefetch_related(
        "members__person__unit"
    )


def login_events_for(user, *, limit: int = 200) -> QuerySet:
    return scope(user, LoginEvent.objects.select_related("user"))[:limit]


def access_denials_for(user, *, limit: int = 200) -> QuerySet:
    from .models import AccessDenial

    return scope(user, AccessDenial.objects.select_related("user"))[:limit]
