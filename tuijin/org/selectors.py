"""Reads of the organisation app, always through the access scope."""

from django.db.models import Count, Q, QuerySet

from tuijin.core.access import scope

from .models import Jurisdiction, LeadingGroup, LoginEvent, Person, Unit, User


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
    return qs.order_by("jurisdiction__path", "role", "username")


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
