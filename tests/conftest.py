import pytest


@pytest.fixture
def world(db):
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def client_for(client):
    """Log a persona in: `client_for(world.admin)`."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _fresh_calendar_cache(settings):
    """current_calendar() caches per process; tests roll the tables back, so each test starts afresh."""
    from tuijin.core.calendar_selectors import calendar_refresh

    settings.CALENDAR_RECHECK_SECONDS = 0
    calendar_refresh()
    yield
    calendar_refresh()


@pytest.fixture
def empty_calendar(db, settings):
    """An empty calendar table (the migration seeds 2004–2026): tests that enter years themselves."""
    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.models import CalendarDay, CalendarYear

    settings.CALENDAR_RECHECK_SECONDS = 0
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    calendar_refresh()
    yield
    calendar_refresh()
