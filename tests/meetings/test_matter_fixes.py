"""Review fixes in decided matters (issue 6 review items 6, 7, 9, 10, 15, 18, 20, 21, 23): lateness kept
when a late matter ends unresolved, the unit's completion date, "same level" by level, the rule set's
`[matters].unresolved`, the escalation target locked, 404 for a foreign meeting, no orphan evidence
files, no silent 0 without a calendar year, no decisions before the meeting."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.meetings.matter_factories import TODAY, decided, meeting, pdf, replied, series
from tests.meetings.test_matter_services import issued, messages, with_rules
from tuijin.meetings import matter_selectors as sel
from tuijin.meetings import matter_services as services
from tuijin.meetings.models import AgendaItem, Matter, MatterAttachment, Meeting

pytestmark = pytest.mark.django_db

DEADLINE = date(2024, 5, 10)  # a Friday
ENDED = date(2024, 6, 3)  # 17 working days later: 5/11 (make-up Saturday), 5/13–5/31 (15), 6/3


# ---------------------------------------------------------------------------------------------------
# 6. A late matter carried, escalated, re-raised or cancelled keeps its lateness; the facts count it


def _end(world, how, matter, s):
    if how == "carry":
        meeting(world, s, on=date(2024, 6, 14), status="preparing")
        return services.matter_carry(actor=world.admin, matter=matter, today=ENDED)
    if how == "escalate":
        group = series(world, key="group", name="领导小组会议", level_key="leading_group")
        return services.matter_escalate(actor=world.admin, matter=matter, series=group, today=ENDED)
    if how == "cancel":
        return services.matter_cancel(
            actor=world.admin, matter=matter, reason="会议决定不再推进", today=ENDED
        )
    nxt = meeting(world, s, on=ENDED)
    item = AgendaItem.objects.create(meeting=nxt, kind="carried_matter", title=matter.title, matter=matter)
    decided(world, nxt, agenda_item=item, deadline=date(2024, 6, 28))
    return Matter.objects.get(pk=matter.pk)


@pytest.mark.parametrize(
    ("how", "status", "kind"),
    [
        ("carry", "carried", "carry"),
        ("escalate", "escalated", "escalate"),
        ("cancel", "cancelled", "cancel"),
        ("re_raise", "carried", "carry"),
    ],
)
def test_a_late_matter_ending_unresolved_keeps_its_lateness(world, how, status, kind):
    version = with_rules(world)
    s = series(world, level_key="leader")
    matter = decided(
        world, meeting(world, s, on=date(2024, 5, 6)), deadline=DEADLINE, units=[world.other_dept]
    )
    ended = _end(world, how, matter, s)
    ended.refresh_from_db()
    assert ended.status == status
    assert (ended.late_workdays, ended.band, ended.rule_version) == (17, "late_2", version)
    assert ended.done_on is None  # not completed
    assert "超期 17 个工作日" in ended.events.get(kind=kind).note
    row = sel.matter_page(world.admin, ended, TODAY).row
    assert row.band == "late_2" and "时已超期 17 个工作日" in row.lateness and not row.overdue
    facts = sel.matter_facts(world.district, date(2024, 6, 1), date(2024, 6, 30))
    for unit in (world.dept, world.other_dept):
        assert [(f["matter"], f["late"], f["band"], f["as_of"]) for f in facts[unit.pk].open_overdue] == [
            (ended, 17, "late_2", ENDED)
        ]
    # another period: not counted again
    july = sel.matter_facts(world.district, date(2024, 7, 1), date(2024, 7, 31))
    assert all(f["matter"] != ended for u in july.values() for f in u.open_overdue)


def test_a_matter_carried_before_its_deadline_keeps_no_lateness(world):
    s = series(world)
    matter = decided(world, meeting(world, s, on=date(2024, 5, 6)), deadline=date(2024, 6, 28))
    _end(world, "carry", matter, s)
    matter.refresh_from_db()
    assert (matter.status, matter.late_workdays, matter.band) == ("carried", None, "")
    facts = sel.matter_facts(world.district, date(2024, 6, 1), date(2024, 6, 30))
    assert facts == {} or all(not u.open_overdue for u in facts.values())


# ---------------------------------------------------------------------------------------------------
# 7. The completion date the unit enters is kept, shown and graded


def test_reply_done_on_is_used_at_closing(world):
    matter = decided(world, meeting(world, on=date(2024, 5, 10)), deadline=date(2024, 5, 31))
    services.matter_reply(
        actor=world.reporter,
        matter=matter,
        note="已完成",
        files=[pdf()],
        done_on=date(2024, 5, 30),
        today=TODAY,
    )
    matter.refresh_from_db()
    assert matter.done_on == date(2024, 5, 30)
    assert "完成日期（单位填报）：2024-05-30" in matter.events.get(kind="reply").note
    services.matter_close(actor=world.admin, matter=matter, today=TODAY)
    matter.refresh_from_db()
    # reported on 6/3 (one working day late) but done on 5/30: one working day early
    assert (matter.done_on, matter.late_workdays, matter.band) == (date(2024, 5, 30), -1, "early")
    assert "完成日期 2024-05-30" in matter.events.get(kind="close").note


@pytest.mark.parametrize(
    ("done_on", "word"), [(date(2024, 6, 4), "晚于今天"), (date(2024, 5, 9), "早于会议日期")]
)
def test_reply_done_on_is_checked(world, done_on, word):
    matter = decided(world, meeting(world, on=date(2024, 5, 10)))
    with pytest.raises(ValidationError) as exc:
        services.matter_reply(
            actor=world.reporter, matter=matter, note="已完成", files=[pdf()], done_on=done_on, today=TODAY
        )
    assert "done_on" in exc.value.error_dict and word in messages(exc)
    matter.refresh_from_db()
    assert matter.status == "open" and matter.done_on is None
    assert not MatterAttachment.objects.exists()


def test_return_clears_the_reported_date_and_the_default_is_the_reply_day(world):
    matter = decided(world, meeting(world, on=date(2024, 5, 10)))
    services.matter_reply(
        actor=world.reporter, matter=matter, note="x", files=[pdf()], done_on=date(2024, 5, 20), today=TODAY
    )
    services.matter_return(actor=world.admin, matter=matter, reason="佐证不足", today=TODAY)
    matter.refresh_from_db()
    assert matter.done_on is None
    replied(world, matter, on=date(2024, 6, 5))
    matter.refresh_from_db()
    assert matter.done_on == date(2024, 6, 5)


def test_reply_form_passes_done_on_through(world, client_for):
    matter = decided(world, meeting(world, on=date(2024, 5, 10)))
    response = client_for(world.reporter).post(
        f"/meetings/matters/{matter.pk}/step/reply/",
        {"note": "已完成", "files": pdf(), "done_on": "2024-05-28"},
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.done_on) == ("replied", date(2024, 5, 28))
    html = client_for(world.admin).get(f"/meetings/matters/{matter.pk}/").content.decode()
    assert "完成日期（单位填报）：2024-05-28" in html and 'id="matter-done-on"' in html


# ---------------------------------------------------------------------------------------------------
# 9. Same level = the series' level, not the series


def test_same_level_is_the_level_not_the_series(world):
    with_rules(world)
    a = series(world, key="deputy-a", name="分管副区长甲月度调度会", level_key="leader")
    b = series(world, key="deputy-b", name="分管副区长乙月度调度会", level_key="leader")
    first = decided(world, meeting(world, a, on=date(2024, 5, 10)), deadline=None)
    mb = meeting(world, b, on=date(2024, 6, 10))
    item = AgendaItem.objects.create(meeting=mb, kind="carried_matter", title=first.title, matter=first)
    second = decided(world, mb, deadline=None, agenda_item=item)
    first.refresh_from_db()
    assert (second.first_raise, second.raise_count) == (first, 2)
    assert (first.status, first.carried_to, first.escalated_to) == ("carried", mb, "")
    # carrying to the other series of the level is allowed; escalating to it is refused
    other = decided(world, meeting(world, a, on=date(2024, 5, 12)), title="另一事项")
    later = meeting(world, b, on=date(2024, 6, 20), status="preparing")
    with pytest.raises(ValidationError) as exc:
        services.matter_escalate(actor=world.admin, matter=other, series=b)
    assert "另一层级" in messages(exc)
    carried = services.matter_carry(actor=world.admin, matter=other, to_meeting=later, today=TODAY)
    assert carried.carried_to == later
    # the carry form offers the level's later meetings; the escalate form leaves the level out
    from tuijin.meetings.matter_views import _higher_series, _later_meetings

    third = decided(world, meeting(world, a, on=date(2024, 5, 14)), title="第三事项")
    assert later in list(_later_meetings(third))
    assert b not in list(_higher_series(third))


def test_a_series_without_a_level_is_only_its_own_level(world):
    a = series(world, key="x", name="专题会甲", level_key="")
    b = series(world, key="y", name="专题会乙", level_key="")
    assert sel.same_level(a, a) and not sel.same_level(a, b)


# ---------------------------------------------------------------------------------------------------
# 10. `[matters].unresolved` decides which of 转下次会议 / 提请上级 the page offers first


@pytest.mark.parametrize(("unresolved", "first"), [("carry", "carry"), ("escalate", "escalate")])
def test_unresolved_rule_orders_the_page(world, client_for, unresolved, first):
    with_rules(world, unresolved=unresolved)
    matter = decided(world, meeting(world, on=date(2024, 5, 10)))
    html = client_for(world.admin).get(f"/meetings/matters/{matter.pk}/").content.decode()
    carry, escalate = html.index('id="step-carry"'), html.index('id="step-escalate"')
    assert (carry < escalate) == (first == "carry")
    chunk = html[html.index(f'id="step-{first}"') :][:900]
    assert "规则集默认" in chunk
    label = "转入本层级下次会议" if first == "carry" else "提请上一层级会议"
    assert f"规则集：未办结事项{label}" in chunk


# ---------------------------------------------------------------------------------------------------
# 15. The escalation target is locked and looked at again


def test_escalate_does_not_add_to_minutes_issued_meanwhile(world, monkeypatch):
    with_rules(world)
    monthly = series(world, key="monthly", name="月度调度会", level_key="leader")
    group = series(world, key="group", name="领导小组会议", level_key="leading_group")
    matter = decided(world, meeting(world, monthly))
    target = meeting(world, group, on=date(2024, 6, 20), status="preparing")
    stale = Meeting.objects.get(pk=target.pk)  # read before it was issued
    issued(target)
    monkeypatch.setattr(services, "next_meeting", lambda series, after: stale)
    done = services.matter_escalate(actor=world.admin, matter=matter, series=group, today=TODAY)
    assert done.status == "escalated"
    assert not AgendaItem.objects.filter(meeting=target).exists()
    assert done.events.get(kind="escalate").meeting is None


# ---------------------------------------------------------------------------------------------------
# 18. A meeting outside the user's scope is a 404 on the decision page


@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_office_gets_404_on_another_districts_meeting(world, client_for, method):
    m = meeting(world)
    client = client_for(world.foreign_admin)
    url = f"/meetings/{m.pk}/matters/new/"
    data = {"title": "x", "content": "y", "lead_unit": world.dept.pk, "no_deadline": "on"}
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert not Matter.objects.exists()


# ---------------------------------------------------------------------------------------------------
# 20. No orphan evidence files when storing one of them fails


def test_failed_upload_leaves_no_files(world, settings, tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(
        MatterAttachment._meta.get_field("file"), "storage", FileSystemStorage(location=str(tmp_path))
    )
    real = FileSystemStorage._save
    calls = {"n": 0}

    def flaky(self, name, content):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("磁盘已满")
        return real(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", flaky)
    matter = decided(world, meeting(world, on=date(2024, 5, 10)))
    with pytest.raises(OSError):
        services.matter_reply(
            actor=world.reporter, matter=matter, note="x", files=[pdf("a.pdf"), pdf("b.pdf")], today=TODAY
        )
    assert calls["n"] == 2
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert not MatterAttachment.objects.exists()


# ---------------------------------------------------------------------------------------------------
# 21. A calendar without the year: no silent 0


class NoYearCalendar:
    first = date(2025, 1, 1)

    def workday_on_or_after(self, d):
        raise ValueError(f"日期 {d} 超出工作日历范围")

    def workdays_between(self, a, b):
        raise ValueError("超出工作日历范围")


def test_lateness_without_a_calendar_year_is_said_not_zero(world):
    matter = decided(world, meeting(world, on=date(2024, 5, 10)), deadline=date(2024, 5, 31))
    rules, _ = sel.rules_for(world.district)
    row = sel.matter_row(matter, TODAY, rules, NoYearCalendar())
    assert row.late is None and row.overdue
    assert row.calendar_note == "工作日历缺少2024年，超期工作日暂未计算"
    assert "已过时限 3 天" in row.lateness


# ---------------------------------------------------------------------------------------------------
# 23. No decisions at a meeting that has not happened yet


def test_decide_refused_before_the_meeting(world, client_for):
    future = meeting(world, on=date(2024, 6, 20), status="preparing")
    with pytest.raises(ValidationError) as exc:
        decided(world, future, today=TODAY)
    assert "会议尚未召开" in messages(exc)
    assert not Matter.objects.exists()
    later = meeting(
        world, on=timezone.localdate().replace(year=timezone.localdate().year + 1), status="preparing"
    )
    html = client_for(world.admin).get(f"/meetings/{later.pk}/matters/new/").content.decode()
    assert "会议尚未召开" in html
    block = sel.matters_of_meeting(world.admin, later)
    assert block.not_yet_held and not block.can_decide
