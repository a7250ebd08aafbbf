"""The demo's meetings (tuijin/demo/meetings.py) on the demo district built for Monday 2024-07-01."""

from datetime import date

import pytest

from tuijin.meetings.models import AgendaItem, Meeting, MeetingSeries

DAY = date(2024, 7, 1)


@pytest.fixture
def demo(transactional_db):
    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.core.ruleset_services import ruleset_seed
    from tuijin.demo.services import demo_build
    from tuijin.org.models import Jurisdiction

    calendar_seed()
    calendar_refresh()
    ruleset_seed()  # as the `demo` command does: 东湖区 then picks DH24
    demo_build(today=DAY)
    return Jurisdiction.objects.get(code="360102")


def test_demo_meetings(demo):
    from tuijin.demo.meetings import MONTHLY, demo_meetings

    series = {s.key: s for s in MeetingSeries.objects.filter(jurisdiction=demo)}
    assert {"ten_day_consultation", "monthly_notice"} <= set(series)
    monthly = MeetingSeries.objects.get(jurisdiction=demo, name=MONTHLY)
    assert monthly.level_key == "leading_group"
    assert "区长" in monthly.chair and monthly.chair_person is None  # the whole district's projects
    assert MeetingSeries.objects.filter(jurisdiction=demo, chair_person__post__contains="副区长").count() >= 3
    past = list(Meeting.objects.filter(jurisdiction=demo, date__lt=DAY).order_by("date"))
    assert [m.date for m in past] == [date(2024, 6, 3), date(2024, 6, 11), date(2024, 6, 21)]
    assert all(m.status in ("held", "issued") for m in past)
    kinds = set(AgendaItem.objects.filter(meeting__in=past).values_list("kind", flat=True))
    assert {"problem", "red_project"} <= kinds
    for m in past:
        assert m.attendance.filter(status="leave").exists(), m
        assert m.summary, m
        # the items the demo put on the agenda have minutes (matters' demo may add re-raised ones)
        assert m.agenda.exclude(minutes="").filter(kind__in=("problem", "red_project", "other")).exists(), m
    upcoming = Meeting.objects.get(jurisdiction=demo, date__gte=DAY)
    assert (upcoming.series, upcoming.status, upcoming.date) == (monthly, "preparing", DAY)
    from tuijin.meetings.selectors import agenda_proposal

    proposal = agenda_proposal(upcoming, DAY)
    assert any(c["kind"] == "problem" for c in proposal)  # escalated to the leading group after 旬会商
    assert any(c["kind"] == "red_project" for c in proposal)
    assert demo_meetings(demo, today=DAY).startswith("调度会议：已有")
