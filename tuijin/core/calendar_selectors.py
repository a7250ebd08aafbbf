"""Reads of the working-day calendar."""

from django.utils import timezone

from .models import CalendarYear


def provisional_years_ahead(today=None) -> list[int]:
    """This year and next, where no official schedule has been entered yet."""
    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1]
    entered = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [y for y in wanted if y not in entered]
