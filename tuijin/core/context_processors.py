from django.conf import settings

from .nav import nav_for


def site(request):
    user = getattr(request, "user", None)
    context = {"SITE_NAME": settings.SITE_NAME}
    if user is not None and user.is_authenticated:
        context["nav"] = nav_for(user, request.path)
        context["calendar_banner"] = _calendar_banner(user)
        # the to-do badge: known on the pages that gathered the to-do list, else loaded after the page
        context["todo_count"] = getattr(request, "_todo_count", None)
    return context


def _calendar_banner(user):
    """Admins see which coming year's holiday schedule still has to be entered (DESIGN.md)."""
    from .access import can

    if not can(user, "core.edit_calendar"):
        return None
    from .calendar_selectors import provisional_years_ahead

    years = provisional_years_ahead()
    return years or None
