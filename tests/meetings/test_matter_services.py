"""Services of decided matters: deciding (numbering, re-raise chains, refusals), progress, 报办结 with
evidence, 销号 keeping lateness and band, return, remind/supervise slips, carry, escalate, cancel; the
agenda candidates and the facts the scoring reads."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.meetings.matter_factories import TODAY, decided, meeting, pdf, replied, series
from tuijin.core.access import AccessDenied
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.meetings import matter_selectors as sel
from tuijin.meetings import matter_services as services
from tuijin.meetings.models import AgendaItem, Matter, MatterEvent
from tuijin.problems.models import Slip

pytestmark = pytest.mark.django_db

LADDER = [
    {"key": "unit", "name": "项目责任单位"},
    {"key": "project_office", "name": "领导小组办公室"},
    {"key": "leader", "name": "项目挂点区领导"},
    {"key": "leading_group", "name": "领导小组"},
]


def with_rules(world, **matters):
    section = {
        "late_bands": [5, 10, 20],
        "repeat_threshold": 3,
        "repeat_counts_from": "first",
        "unresolved": "carry",
        "source": "测试",
        **matters,
    }
    rule_set = RuleSet.objects.create(slug="test-matters", name="测试规则")
    version = RuleSetVersion.objects.create(
        rule_set=rule_set, number=1, data={"escalation": {"levels": LADDER}, "matters": section}, sha256="x"
    )
    world.district.rule_set = rule_set
    world.district.save()
    return version


def issued(m):
    m.status, m.minutes_year, m.minutes_number, m.issued_at = "issued", m.date.year, 1, timezone.now()
    m.save()
    return m


def messages(exc):
    return " ".join(exc.value.messages)


# ---------------------------------------------------------------------------------------------------
# Deciding


def test_decide_numbers_within_the_meeting_and_counts_the_lead_unit(world):
    m = meeting(world)
    a = decided(world, m, units=[world.other_dept])
    b = decided(world, m, title="第二项", deadline=None)
    assert (a.number, b.number) == (1, 2)
    assert set(a.units.values_list("pk", flat=True)) == {world.dept.pk, world.other_dept.pk}
    assert a.status == "open" and a.raise_count == 1 and a.first_raise is None
    assert a.events.get().kind == "decided"
    assert "办结时限 2024-05-31" in a.events.get().note
    assert "无办结时限" in b.events.get().note
    other = meeting(world, on=date(2024, 5, 20))
    assert decided(world, other).number == 1


def test_decide_token_is_recognised(world):
    m = meeting(world)
    a = decided(world, m, token="t1")
    again = decided(world, m, token="t1")
    assert again.pk == a.pk and Matter.objects.count() == 1


def test_decide_refused_after_issue_and_nothing_saved(world):
    m = issued(meeting(world))
    with pytest.raises(ValidationError) as exc:
        decided(world, m)
    assert "印发" in messages(exc)
    assert Matter.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "word"),
    [
        ({"title": " "}, "title", "请填写事项"),
        ({"deadline": date(2024, 5, 1)}, "deadline", "早于会议日期"),
    ],
)
def test_decide_bad_input(world, change, field, word):
    with pytest.raises(ValidationError) as exc:
        decided(world, **change)
    assert field in exc.value.error_dict
    assert word in messages(exc)
    assert Matter.objects.count() == 0


def test_decide_refuses_a_unit_of_another_district(world):
    with pytest.raises(ValidationError) as exc:
        decided(world, lead=world.foreign_unit)
    assert "不属于东湖区" in messages(exc)


@pytest.mark.parametrize("who", ["leader", "unit_head", "supervisor", "foreign_admin"])
def test_decide_is_the_offices(world, who):
    m = meeting(world)
    with pytest.raises(AccessDenied):
        services.matter_decide(
            actor=getattr(world, who), meeting=m, title="x", content="y", lead_unit=world.dept, deadline=None
        )


def test_re_raise_chain_at_the_same_level_is_counted_and_flagged(world):
    s = series(world)
    m1, m2, m3 = (meeting(world, s, on=date(2024, month, 10)) for month in (3, 4, 5))
    first = decided(world, m1, deadline=None, title="协调学校配套用地")
    item2 = AgendaItem.objects.create(meeting=m2, kind="carried_matter", title=first.title, matter=first)
    second = decided(world, m2, deadline=None, title="协调学校配套用地", agenda_item=item2)
    first.refresh_from_db()
    assert first.status == "carried" and first.carried_to == m2
    assert (second.first_raise, second.raise_count) == (first, 2)
    item3 = AgendaItem.objects.create(meeting=m3, kind="carried_matter", title=first.title, matter=second)
    third = decided(world, m3, deadline=None, title="协调学校配套用地", agenda_item=item3)
    assert (third.first_raise, third.raise_count) == (first, 3)
    assert third.events.filter(kind="raised_again").get().note.startswith("本层级第3次上会")
    assert "反复上会" in third.events.get(kind="raised_again").note
    row = sel.matter_page(world.admin, third, TODAY).row
    assert row.flagged and row.raise_label == "本层级第3次上会"
    assert not sel.matter_page(world.admin, second, TODAY).row.flagged
    page = sel.matter_page(world.admin, third, TODAY)
    assert [c.raise_count for c in page.chain] == [1, 2, 3]
    assert list(sel.matters_for(world.admin, flagged=True)) == [third]


def test_a_matter_with_a_deadline_raised_three_times_is_not_flagged(world):
    s = series(world)
    m1, m2, m3 = (meeting(world, s, on=date(2024, month, 10)) for month in (3, 4, 5))
    a = decided(world, m1, deadline=date(2024, 3, 29))
    b = decided(world, m2, agenda_item=AgendaItem.objects.create(meeting=m2, title="x", matter=a))
    c = decided(world, m3, agenda_item=AgendaItem.objects.create(meeting=m3, title="x", matter=b))
    assert c.raise_count == 3
    assert not sel.matter_page(world.admin, c, TODAY).row.flagged


# ---------------------------------------------------------------------------------------------------
# The units


def test_progress_by_a_co_operating_unit_but_not_by_others(world, django_user_model):
    from tests.factories import account

    matter = decided(world, units=[world.other_dept])
    co = account("co", "unit_reporter", world.district, world.other_dept)
    services.matter_progress(actor=co, matter=matter, note="已对接", files=[pdf("对接记录.pdf")])
    assert matter.events.filter(kind="progress").count() == 1
    assert matter.attachments.count() == 1
    stranger = account("stranger", "unit_reporter", world.district, world.street_unit)
    with pytest.raises(AccessDenied):
        services.matter_progress(actor=stranger, matter=matter, note="x")
    # only the lead unit reports completion
    with pytest.raises(AccessDenied):
        services.matter_reply(actor=co, matter=matter, note="办结", files=[pdf()])


def test_reply_requires_evidence_and_checks_it(world):
    matter = decided(world)
    with pytest.raises(ValidationError) as exc:
        services.matter_reply(actor=world.reporter, matter=matter, note="已办结")
    assert "佐证材料" in messages(exc)
    bad = SimpleUploadedFile("病毒.exe", b"MZ" * 10)
    with pytest.raises(ValidationError) as exc:
        services.matter_reply(actor=world.reporter, matter=matter, note="已办结", files=[bad])
    assert "病毒.exe" in messages(exc)
    matter.refresh_from_db()
    assert matter.status == "open" and not matter.events.filter(kind="reply").exists()
    services.matter_reply(actor=world.reporter, matter=matter, note="已办结", files=[pdf()], token="r1")
    services.matter_reply(actor=world.reporter, matter=matter, note="已办结", files=[pdf()], token="r1")
    matter.refresh_from_db()
    assert matter.status == "replied" and matter.events.filter(kind="reply").count() == 1


# ---------------------------------------------------------------------------------------------------
# Closing


def test_close_keeps_lateness_band_and_rule_version(world):
    version = with_rules(world, late_bands=[3, 8])
    matter = decided(world, deadline=date(2024, 9, 27), today=date(2024, 9, 20))
    services.matter_reply(
        actor=world.reporter, matter=matter, note="完成", files=[pdf()], today=date(2024, 10, 11)
    )
    closed = services.matter_close(actor=world.admin, matter=matter, note="同意", today=date(2024, 10, 14))
    closed.refresh_from_db()
    assert closed.status == "closed"
    assert closed.done_on == date(2024, 10, 11)  # the reply's date, not the close's
    assert closed.late_workdays == 6  # 09-29 (make-up), 09-30, 10-08 … 10-11 across National Day
    assert closed.band == "late_1"  # more than 3 under this rule set
    assert closed.rule_version == version
    assert closed.closed_by == world.admin
    note = closed.events.get(kind="close").note
    assert "超期 6 个工作日" in note and "超期超过3个工作日" in note
    # the kept values stay when the rule set changes later
    version.data = {"matters": {**version.data["matters"], "late_bands": [10, 20]}}
    version.save()
    row = sel.matter_page(world.admin, closed, TODAY).row
    assert (row.late, row.band) == (6, "late_1")


def test_close_early_and_without_deadline(world):
    early = decided(world, deadline=date(2024, 10, 8), today=date(2024, 9, 20))
    replied(world, early, on=date(2024, 9, 30))
    early = services.matter_close(actor=world.admin, matter=early, today=date(2024, 10, 8))
    assert (early.late_workdays, early.band) == (-1, "early")
    none = decided(world, deadline=None, title="无时限")
    replied(world, none, on=date(2024, 6, 3))
    none = services.matter_close(actor=world.admin, matter=none, today=date(2024, 6, 4))
    assert (none.late_workdays, none.band, none.done_on) == (None, "", date(2024, 6, 3))


def test_close_refusals(world):
    matter = decided(world)
    with pytest.raises(ValidationError) as exc:
        services.matter_close(actor=world.admin, matter=matter)
    assert "尚未报办结" in messages(exc)
    replied(world, matter)
    for who in ("reporter", "leader", "supervisor", "foreign_admin"):
        with pytest.raises(AccessDenied):
            services.matter_close(actor=getattr(world, who), matter=matter)
    services.matter_close(actor=world.admin, matter=matter)
    with pytest.raises(ValidationError) as exc:
        services.matter_close(actor=world.admin, matter=matter)
    assert "该事项已由admin于" in messages(exc) and "销号" in messages(exc)


def test_close_refused_by_an_office_above_the_jurisdiction(world):
    from tests.factories import account

    city_office = account("city", "office_admin", world.city, None)
    matter = replied(world)
    with pytest.raises(AccessDenied) as exc:
        services.matter_close(actor=city_office, matter=matter)
    assert "东湖区的项目办" in str(exc.value)


def test_close_refused_without_evidence_of_the_latest_reply(world):
    matter = replied(world)
    services.matter_return(actor=world.admin, matter=matter, reason="材料不全")
    # an imported reply without files (exchange records carry no files)
    MatterEvent.objects.create(matter=matter, kind="reply", actor=world.reporter, at=timezone.now())
    Matter.objects.filter(pk=matter.pk).update(status="replied")
    with pytest.raises(ValidationError) as exc:
        services.matter_close(actor=world.admin, matter=matter)
    assert "佐证材料" in messages(exc)
    assert Matter.objects.get(pk=matter.pk).status == "replied"


def test_return_and_reply_again(world):
    matter = replied(world)
    services.matter_return(actor=world.admin, matter=matter, reason="缺少批复文件")
    matter.refresh_from_db()
    assert matter.status == "open"
    with pytest.raises(ValidationError):
        services.matter_return(actor=world.admin, matter=matter, reason="again")
    services.matter_reply(actor=world.unit_head, matter=matter, note="补充批复", files=[pdf("批复.pdf")])
    closed = services.matter_close(actor=world.admin, matter=matter)
    assert closed.status == "closed"
    assert [a.name for a in sel.matter_page(world.admin, closed, TODAY).evidence] == ["批复.pdf"]


# ---------------------------------------------------------------------------------------------------
# Slips, carry, escalate, cancel


def test_remind_and_supervise_issue_slips_to_the_lead_unit(world):
    matter = decided(world, units=[world.other_dept])
    slip = services.matter_remind(actor=world.admin, matter=matter, content="请抓紧", token="s1")
    again = services.matter_remind(actor=world.admin, matter=matter, content="请抓紧", token="s1")
    assert again.pk == slip.pk
    assert (slip.kind, slip.to_unit, slip.source) == ("remind", world.dept, f"matter:{matter.pk}")
    sup = services.matter_supervise(actor=world.supervisor, matter=matter, content="已超期，请加快")
    assert sup.kind == "supervise" and sup.deadline == matter.deadline
    assert Slip.objects.filter(source=f"matter:{matter.pk}").count() == 2
    assert [e.kind for e in matter.events.all()] == ["decided", "remind", "supervise"]
    with pytest.raises(AccessDenied):
        services.matter_remind(actor=world.supervisor, matter=matter, content="x")
    page = sel.matter_page(world.admin, matter, TODAY)
    assert len(page.slips) == 2


def test_carry_to_the_series_next_meeting(world):
    s = series(world)
    m1 = meeting(world, s, on=date(2024, 5, 10))
    matter = decided(world, m1)
    with pytest.raises(ValidationError) as exc:
        services.matter_carry(actor=world.admin, matter=matter, today=date(2024, 5, 20))
    assert "还没有下次会议" in messages(exc)
    done = issued(meeting(world, s, on=date(2024, 6, 7)))
    with pytest.raises(ValidationError) as exc:
        services.matter_carry(actor=world.admin, matter=matter, to_meeting=done)
    assert "印发" in messages(exc)
    m2 = meeting(world, s, on=date(2024, 6, 14), status="preparing")
    carried = services.matter_carry(actor=world.admin, matter=matter, today=date(2024, 6, 3))
    assert carried.status == "carried" and carried.carried_to == m2
    item = AgendaItem.objects.get(meeting=m2, matter=matter)
    assert item.kind == "carried_matter" and "未办结" in item.reason
    # the next meeting's decision on that item continues the chain
    again = decided(world, m2, agenda_item=item, deadline=date(2024, 6, 28))
    assert (again.first_raise, again.raise_count) == (matter, 2)


def test_carry_refuses_another_series(world):
    s = series(world)
    other = series(world, key="weekly", name="周协调会", level_key="project_office")
    matter = decided(world, meeting(world, s))
    with pytest.raises(ValidationError) as exc:
        services.matter_carry(
            actor=world.admin, matter=matter, to_meeting=meeting(world, other, on=date(2024, 6, 3))
        )
    assert "同一协调层级" in messages(exc)


def test_escalate_to_a_higher_level(world):
    with_rules(world)
    weekly = series(world, key="weekly", name="周协调会", level_key="project_office")
    monthly = series(world, key="monthly", name="月度调度会", level_key="leader")
    group = series(world, key="group", name="领导小组会议", level_key="leading_group")
    matter = decided(world, meeting(world, monthly))
    with pytest.raises(ValidationError) as exc:
        services.matter_escalate(actor=world.admin, matter=matter, series=weekly)
    assert "更高层级" in messages(exc)
    with pytest.raises(ValidationError):
        services.matter_escalate(actor=world.admin, matter=matter, series=monthly)
    upcoming = meeting(world, group, on=date(2024, 6, 20), status="preparing")
    done = services.matter_escalate(actor=world.admin, matter=matter, series=group, today=TODAY)
    assert (done.status, done.escalated_to) == ("escalated", "leading_group")
    assert AgendaItem.objects.filter(meeting=upcoming, matter=matter).exists()
    assert matter.events.get(kind="escalate").meeting == upcoming


def test_escalated_matter_without_a_meeting_is_proposed_to_that_level(world):
    with_rules(world)
    monthly = series(world, key="monthly", name="月度调度会", level_key="leader")
    group = series(world, key="group", name="领导小组会议", level_key="leading_group")
    matter = decided(world, meeting(world, monthly))
    services.matter_escalate(actor=world.admin, matter=matter, series=group, today=TODAY)
    found = sel.agenda_matters(group, TODAY)
    assert [c["matter_id"] for c in found] == [matter.pk]
    assert "提请本层级研究" in found[0]["reason"]
    assert sel.agenda_matters(monthly, TODAY) == []


def test_cancel(world):
    matter = decided(world)
    with pytest.raises(ValidationError):
        services.matter_cancel(actor=world.admin, matter=matter, reason="")
    services.matter_cancel(actor=world.admin, matter=matter, reason="会议决定不再推进")
    matter.refresh_from_db()
    assert matter.status == "cancelled"
    with pytest.raises(ValidationError) as exc:
        services.matter_reply(actor=world.reporter, matter=matter, note="x", files=[pdf()])
    assert "已撤销" in messages(exc)


# ---------------------------------------------------------------------------------------------------
# Reads: agenda candidates, scope, facts


def test_agenda_matters(world):
    s = series(world)
    m1 = meeting(world, s, on=date(2024, 5, 10))
    overdue = decided(world, m1, title="超期事项", deadline=date(2024, 5, 24))
    not_yet = decided(world, m1, title="未到期", deadline=date(2024, 6, 30))
    decided(world, m1, title="无时限事项", deadline=None)
    done = decided(world, m1, title="已销号", deadline=date(2024, 5, 24))
    replied(world, done)
    services.matter_close(actor=world.admin, matter=done)
    listed = decided(world, m1, title="已列入议程", deadline=date(2024, 5, 24))
    nxt = meeting(world, s, on=date(2024, 6, 14), status="preparing")
    AgendaItem.objects.create(meeting=nxt, kind="overdue_matter", title="x", matter=listed)
    found = {c["title"]: c for c in sel.agenda_matters(s, TODAY)}
    assert set(found) == {"超期事项", "无时限事项"}
    assert found["超期事项"]["kind"] == "overdue_matter"
    assert "已超期 6 个工作日" in found["超期事项"]["reason"]  # 05-27 … 06-03
    assert "超期超过5个工作日" in found["超期事项"]["reason"]
    assert found["无时限事项"]["kind"] == "carried_matter"
    assert "本层级已上会1次" in found["无时限事项"]["reason"]
    # preparing `nxt`: what is on its own agenda is returned (marked by the agenda page), not others'
    titles = {c["title"] for c in sel.agenda_matters(s, TODAY, meeting=nxt)}
    assert titles == {"超期事项", "无时限事项", "已列入议程"}
    assert not_yet.pk not in {c["matter_id"] for c in sel.agenda_matters(s, TODAY)}
    assert overdue.pk in {c["matter_id"] for c in sel.agenda_matters(s, TODAY)}


def test_agenda_matters_fixed_query_count(world, django_assert_max_num_queries):
    s = series(world)
    m1 = meeting(world, s, on=date(2024, 5, 10))
    for i in range(3):
        decided(world, m1, title=f"事项{i}", deadline=date(2024, 5, 20) if i % 2 else None)
    sel.agenda_matters(s, TODAY)  # warm the calendar cache
    with django_assert_max_num_queries(4) as few:
        small = sel.agenda_matters(s, TODAY)
    for i in range(30):
        decided(world, m1, title=f"更多{i}", deadline=date(2024, 5, 20) if i % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        big = sel.agenda_matters(s, TODAY)
    assert len(big) == len(small) + 30


def test_scope_of_unit_staff(world):
    from tests.factories import account

    mine = decided(world, title="发改委牵头")
    co = decided(world, title="住建局牵头", lead=world.other_dept, units=[world.dept])
    other = decided(world, title="街道牵头", lead=world.street_unit)
    assert set(sel.matters_for(world.reporter)) == {mine, co}
    assert set(sel.matters_for(world.admin)) == {mine, co, other}
    assert list(sel.matters_for(world.discipline)) == []
    assert list(sel.matters_for(world.foreign_admin)) == []
    street = account("street", "unit_reporter", world.district, world.street_unit)
    assert [r.m for r in sel.matters_of_meeting(street, other.meeting)] == [other]


def test_matters_for_overdue_filter_uses_working_days(world):
    m = meeting(world, on=date(2024, 9, 20))
    a = decided(world, m, deadline=date(2024, 9, 30), today=date(2024, 9, 20))
    assert list(sel.matters_for(world.admin, today=date(2024, 10, 7), overdue=True)) == []
    assert list(sel.matters_for(world.admin, today=date(2024, 10, 8), overdue=True)) == [a]
    rows = sel.matter_rows([a], date(2024, 10, 8))
    assert (rows[0].overdue, rows[0].late, rows[0].lateness) == (True, 1, "超期 1 个工作日")


def test_matter_facts_per_unit(world):
    s = series(world)
    m = meeting(world, s, on=date(2024, 5, 10))
    late = decided(world, m, deadline=date(2024, 5, 20), units=[world.other_dept])
    replied(world, late, on=date(2024, 6, 3))
    services.matter_close(actor=world.admin, matter=late, today=date(2024, 6, 4))
    open_overdue = decided(world, m, title="仍未办结", deadline=date(2024, 5, 24))
    chain = decided(world, m, title="无时限反复", deadline=None, lead=world.street_unit)
    for month in (6, 7):
        nxt = meeting(world, s, on=date(2024, month, 10))
        item = AgendaItem.objects.create(meeting=nxt, title="x", matter=chain)
        chain = decided(
            world, nxt, title="无时限反复", deadline=None, lead=world.street_unit, agenda_item=item
        )
    facts = sel.matter_facts(world.district, date(2024, 6, 1), date(2024, 7, 31))
    dept, other, street = facts[world.dept.pk], facts[world.other_dept.pk], facts[world.street_unit.pk]
    assert [(f["matter"], f["band"], f["late"]) for f in dept.closed] == [(late, "late_1", 10)]
    assert other.band_counts() == {"late_1": 1}
    assert [f["matter"] for f in dept.open_overdue] == [open_overdue]
    assert street.repeats == [{"first": chain.first_raise_id, "raise_count": 3, "penalised": 3}]
    # a period before the third raise: nothing penalised yet
    early = sel.matter_facts(world.district, date(2024, 5, 1), date(2024, 6, 30))
    assert world.street_unit.pk not in early


def test_matter_facts_counting_from_the_threshold(world):
    with_rules(world, repeat_counts_from="threshold")
    s = series(world)
    chain = decided(world, meeting(world, s, on=date(2024, 3, 10)), deadline=None)
    for month in (4, 5, 6):
        nxt = meeting(world, s, on=date(2024, month, 10))
        item = AgendaItem.objects.create(meeting=nxt, title="x", matter=chain)
        chain = decided(world, nxt, deadline=None, agenda_item=item)
    facts = sel.matter_facts(world.district, date(2024, 1, 1), date(2024, 12, 31))
    assert facts[world.dept.pk].repeats[0]["penalised"] == 2  # the 3rd and the 4th raise
    may = sel.matter_facts(world.district, date(2024, 6, 1), date(2024, 6, 30))
    assert may[world.dept.pk].repeats[0]["penalised"] == 1


def test_todo_sources(world):
    from tuijin.dashboard.todo import todo_sources as sources

    matter = decided(world, deadline=TODAY - timedelta(days=7))
    unit = {s.key: s for s in sources()}["meetings.matters_open"]
    items = unit.items(world.reporter, TODAY)
    assert [i.title for i in items] == [matter.title] and items[0].overdue
    assert unit.count(world.reporter, TODAY) == 1
    office = {s.key: s for s in sources()}["meetings.matters_replied"]
    assert office.count(world.admin, TODAY) == 0
    replied(world, matter)
    assert office.count(world.admin, TODAY) == 1
    assert "已报办结" in office.items(world.admin, TODAY)[0].detail
    assert unit.count(world.reporter, TODAY) == 0
