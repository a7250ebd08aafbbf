"""Access rows of meeting series, the calendar, meetings, agenda, attendance, minutes and their Word (issue
6 parts 1–2). Library readers see the calendar and the list; the meeting of these rows has 区发改委 as a
member unit, so its head and reporter read it; only the office manages series and meetings; the
discipline viewer sees none."""

from datetime import date

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
DAY = date(2024, 6, 3)


def _series(w):
    from tuijin.meetings.models import MeetingSeries

    s = MeetingSeries.objects.create(
        jurisdiction=w.district,
        key="monthly",
        name="区重大重点项目月度调度会",
        frequency="monthly",
        chair="区长",
    )
    s.member_units.set([w.dept])
    return s


def _meeting(w):
    from tuijin.meetings import services

    return services.meeting_create(actor=w.admin, series=_series(w), date=DAY)


def _item(w):
    from tuijin.meetings import services

    m = _meeting(w)
    item = services.agenda_add_item(actor=w.admin, meeting=m, title="议题")
    return m, item


def _item_url(w, step):
    m, item = _item(w)
    return f"/meetings/{m.pk}/agenda/{item.pk}/{step}/"


def _ready(w):
    from tuijin.meetings import services

    m, item = _item(w)
    m.refresh_from_db()
    services.minutes_save(actor=w.admin, meeting=m, summary="导语", items={item.pk: "纪要"})
    return m


def _issued(w):
    from tuijin.meetings import services

    m = _ready(w)
    services.meeting_issue(actor=w.admin, meeting=m, today=DAY)
    return m


def _series_data(w):
    return {
        "name": "自设系列",
        "kind": "meeting",
        "frequency": "monthly",
        "times": 1,
        "chair": "区长",
        "is_active": "on",
    }


ROWS = [
    Row("meetings:calendar", "GET", lambda w: "/meetings/", READERS),
    Row("meetings:list", "GET", lambda w: "/meetings/list/", READERS),
    Row("meetings:series", "GET", lambda w: "/meetings/series/", ADMIN),
    Row("meetings:series_sync", "POST", lambda w: "/meetings/series/sync/", ADMIN, ok_status=(302,)),
    Row(
        "meetings:series_new",
        "POST",
        lambda w: "/meetings/series/new/",
        ADMIN,
        data=_series_data,
        ok_status=(302,),
    ),
    Row(
        "meetings:series_leaders",
        "POST",
        lambda w: "/meetings/series/leaders/",
        ADMIN,
        data=lambda w: {"name": "分管领导调度会", "persons": [w.leader_person.pk], "frequency": "monthly"},
        ok_status=(302,),
    ),
    Row("meetings:series_edit", "GET", lambda w: f"/meetings/series/{_series(w).pk}/", ADMIN),
    Row(
        "meetings:series_edit",
        "POST",
        lambda w: f"/meetings/series/{_series(w).pk}/",
        ADMIN,
        data=_series_data,
        ok_status=(302,),
    ),
    Row("meetings:new", "GET", lambda w: "/meetings/new/", ADMIN),
    Row(
        "meetings:new",
        "POST",
        lambda w: "/meetings/new/",
        ADMIN,
        data=lambda w: {"series": _series(w).pk, "date": "2024-06-03"},
        ok_status=(302,),
    ),
    Row("meetings:detail", "GET", lambda w: f"/meetings/{_meeting(w).pk}/", READERS),
    Row(
        "meetings:edit",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/edit/",
        ADMIN,
        data=lambda w: {"info-version": 1, "info-title": "改名", "info-date": "2024-06-04"},
        ok_status=(302,),
    ),
    Row(
        "meetings:cancel",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/cancel/",
        ADMIN,
        data=lambda w: {"cancel-reason": "领导另有安排"},
        ok_status=(302,),
    ),
    Row("meetings:agenda_propose", "GET", lambda w: f"/meetings/{_meeting(w).pk}/agenda/propose/", ADMIN),
    Row(
        "meetings:agenda_add",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/agenda/add/",
        ADMIN,
        data=lambda w: {"agenda-title": "其他事项"},
        ok_status=(302,),
    ),
    Row(
        "meetings:agenda_remove",
        "POST",
        lambda w: _item_url(w, "remove"),
        ADMIN,
        ok_status=(302,),
    ),
    Row(
        "meetings:agenda_move",
        "POST",
        lambda w: _item_url(w, "move"),
        ADMIN,
        data=lambda w: {"direction": "up"},
        ok_status=(302,),
    ),
    Row(
        "meetings:attendance",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/attendance/",
        ADMIN,
        data=lambda w: {"rows": 1, "row-0-unit": w.dept.pk, "row-0-status": "present"},
        ok_status=(302,),
    ),
    Row(
        "meetings:minutes",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/minutes/",
        ADMIN,
        data=lambda w: {"version": 1, "summary": "导语"},
        ok_status=(302,),
    ),
    Row("meetings:issue", "POST", lambda w: f"/meetings/{_ready(w).pk}/issue/", ADMIN, ok_status=(302,)),
    Row("meetings:minutes_docx", "GET", lambda w: f"/meetings/{_issued(w).pk}/minutes.docx", READERS),
]
