"""What the home page shows each role. Later capabilities add their panels here."""

from django.utils import timezone

from tuijin.core.access import scope
from tuijin.org.models import Jurisdiction, LeadingGroup, Person, Role, Unit, User


def home_for(user) -> dict:
    today = timezone.localdate()
    context: dict = {"today": today, "role_label": user.get_role_display() if user.role else ""}
    jurisdictions = scope(user, Jurisdiction.objects.all())
    context["jurisdiction_count"] = jurisdictions.count()
    context["unit_count"] = scope(user, Unit.objects.filter(is_active=True)).count()
    context["leader_count"] = scope(user, Person.objects.filter(is_active=True, is_leader=True)).count()
    context["group"] = scope(user, LeadingGroup.objects.select_related("office")).first()
    if user.role == Role.OFFICE_ADMIN or user.is_superuser:
        accounts = scope(user, User.objects.all())
        context["account_count"] = accounts.filter(is_active=True).count()
        context["locked_count"] = accounts.filter(locked_until__gt=timezone.now()).count()
    return context
