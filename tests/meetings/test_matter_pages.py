"""Pages of decided matters: the list (filters, band badges, overdue working days, 50 a page), the matter
page (lateness, raise chain, evidence, forms by role), the meeting block and recording a decision, and the
step forms' errors (400, nothing saved)."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.meetings.matter_factories import TODAY, decided, meeting, pdf, replied, series
from tuijin.meetings import matter_selectors as sel
from tuijin.meetings import matter_services as services
from tuijin.meetings.models import AgendaItem, Matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def test_list_shows_bands_overdue_days_and_filters(world, client_for, today):
    m = meeting(world)
    late = decided(world, m, title="甲事项", deadline=date(2024, 5, 24))
    ok = decided(world, m, title="乙事项", deadline=date(2024, 6, 28))
    replied(world, ok, on=date(2024, 5, 30))
    services.matter_close(actor=world.admin, matter=ok, today=date(2024, 5, 31))
    decided(world, m, title="丙事项", deadline=None)
    client = client_for(world.admin)
    html = client.get("/meetings/matters/").content.decode()
    assert "超期 6 个工作日" in html and 'data-band="late_1"' in html
    assert "提前完成" in html and "无时限" in html
    html = client.get("/meetings/matters/?overdue=1").content.decode()
    assert "甲事项" in html and "乙事项" not in html
    html = client.get("/meetings/matters/?nodeadline=1").content.decode()
    assert "丙事项" in html and "甲事项" not in html
    html = client.get("/meetings/matters/?band=early").content.decode()
    assert "乙事项" in html and "甲事项" not in html
    html = client.get(f"/meetings/matters/?unit={world.other_dept.pk}").content.decode()
    assert "没有符合条件的议定事项" in html
    assert late.pk


def test_list_pages_of_fifty_with_few_queries(world, client_for, django_assert_max_num_queries):
    m = meeting(world)
    first = decided(world, m)
    for n in range(2, 56):
        extra = Matter.objects.create(
            jurisdiction=world.district,
            meeting=m,
            series=m.series,
            number=n,
            title=f"事项{n}",
            content="x",
            lead_unit=world.dept,
            deadline=date(2024, 5, 31),
        )
        extra.units.add(world.dept)
    client = client_for(world.admin)
    client.get("/meetings/matters/")
    with django_assert_max_num_queries(30):
        response = client.get("/meetings/matters/")
    html = response.content.decode()
    assert html.count('class="matter-row"') == 50
    assert "第 1 / 2 页" in html
    assert client.get("/meetings/matters/?page=2").content.decode().count('class="matter-row"') == 5
    assert first.pk


def test_matter_page_for_the_office_and_the_unit(world, client_for, today):
    s = series(world)
    m1, m2, m3 = (meeting(world, s, on=date(2024, month, 10)) for month in (3, 4, 5))
    a = decided(world, m1, deadline=None, title="学校配套用地")
    b = decided(
        world, m2, deadline=None, agenda_item=AgendaItem.objects.create(meeting=m2, title="x", matter=a)
    )
    c = decided(
        world, m3, deadline=None, agenda_item=AgendaItem.objects.create(meeting=m3, title="x", matter=b)
    )
    html = client_for(world.admin).get(f"/meetings/matters/{c.pk}/").content.decode()
    assert "本层级第3次上会" in html and "反复上会" in html and 'id="matter-chain"' in html
    assert 'id="step-carry"' in html and 'id="step-reply"' not in html
    html = client_for(world.reporter).get(f"/meetings/matters/{c.pk}/").content.decode()
    assert 'id="step-reply"' in html and 'id="step-progress"' in html and 'id="step-carry"' not in html
    overdue = decided(world, m3, deadline=date(2024, 5, 24))
    html = client_for(world.leader).get(f"/meetings/matters/{overdue.pk}/").content.decode()
    assert "超期 6 个工作日" in html and 'class="step-form' not in html


def test_foreign_admin_gets_404_on_the_page_and_403_on_a_step(world, client_for):
    matter = replied(world)
    client = client_for(world.foreign_admin)
    assert client.get(f"/meetings/matters/{matter.pk}/").status_code == 404
    assert client.post(f"/meetings/matters/{matter.pk}/step/close/", {}).status_code == 403


def test_reply_without_files_shows_the_error_and_saves_nothing(world, client_for):
    matter = decided(world)
    response = client_for(world.reporter).post(
        f"/meetings/matters/{matter.pk}/step/reply/", {"note": "已办结"}
    )
    assert response.status_code == 400
    assert "报办结须上传佐证材料" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == "open"


def test_second_close_is_told_who_closed_it(world, client_for):
    matter = replied(world)
    client = client_for(world.admin)
    assert client.post(f"/meetings/matters/{matter.pk}/step/close/", {"note": ""}).status_code == 302
    response = client.post(f"/meetings/matters/{matter.pk}/step/close/", {"note": ""})
    assert response.status_code == 400
    assert "该事项已由admin于" in response.content.decode()


def test_meeting_block_and_recording_a_decision(world, client_for):
    m = meeting(world)
    decided(world, m, units=[world.other_dept])
    request = RequestFactory().get("/")
    request.user = world.admin
    html = render_to_string(
        "meetings/matters/_meeting_block.html",
        {"meeting": m, "matters": sel.matters_of_meeting(world.admin, m), "can_decide": True},
        request=request,
    )
    assert 'id="matter-decide-form"' in html and "配合：区住建局" in html
    assert f'action="/meetings/{m.pk}/matters/new/"' in html
    client = client_for(world.admin)
    bad = client.post(
        f"/meetings/{m.pk}/matters/new/", {"title": "x", "content": "y", "lead_unit": world.dept.pk}
    )
    assert bad.status_code == 400 and "请勾选“无时限”" in bad.content.decode()
    both = client.post(
        f"/meetings/{m.pk}/matters/new/",
        {
            "title": "x",
            "content": "y",
            "lead_unit": world.dept.pk,
            "deadline": "2024-06-28",
            "no_deadline": "on",
        },
    )
    assert both.status_code == 400
    ok = client.post(
        f"/meetings/{m.pk}/matters/new/",
        {
            "title": "协调供电",
            "content": "区供电公司 6 月底前接通",
            "lead_unit": world.dept.pk,
            "units": [world.other_dept.pk, world.street_unit.pk],
            "no_deadline": "on",
            "token": "tok",
        },
    )
    assert ok.status_code == 302
    made = Matter.objects.get(title="协调供电")
    assert made.number == 2 and made.deadline is None and made.units.count() == 3


def test_decision_on_issued_minutes_is_refused(world, client_for):
    from django.utils import timezone

    m = meeting(world)
    m.status, m.minutes_year, m.minutes_number, m.issued_at = "issued", 2024, 3, timezone.now()
    m.save()
    client = client_for(world.admin)
    response = client.post(
        f"/meetings/{m.pk}/matters/new/",
        {"title": "x", "content": "y", "lead_unit": world.dept.pk, "no_deadline": "on"},
    )
    assert response.status_code == 400 and "印发" in response.content.decode()
    assert not Matter.objects.exists()
    request = RequestFactory().get("/")
    request.user = world.admin
    html = render_to_string(
        "meetings/matters/_meeting_block.html",
        {"meeting": m, "matters": sel.matters_of_meeting(world.admin, m), "can_decide": True},
        request=request,
    )
    assert 'id="matter-decide-form"' not in html and "纪要已印发" in html


def test_supervise_from_the_page_issues_a_slip(world, client_for):
    matter = decided(world)
    response = client_for(world.supervisor).post(
        f"/meetings/matters/{matter.pk}/step/supervise/", {"content": "请加快", "requirement": ""}
    )
    assert response.status_code == 302
    html = client_for(world.admin).get(f"/meetings/matters/{matter.pk}/").content.decode()
    assert "督办单" in html and 'id="slips"' in html
    assert pdf  # imported for the other tests
