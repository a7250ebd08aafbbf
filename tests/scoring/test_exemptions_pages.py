"""The exemption, bonus and rectification pages through the test client, role by role, and their to-do
sources."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.scoring.exemption_factories import (
    applied,
    granted,
    period,
    project,
    rectification,
    wanghai,
    with_rules,
    year,
)
from tuijin.dashboard.todo import todo_for
from tuijin.scoring.models import Bonus, Exemption, Rectification, ScoreEntry

NOW = "2024-06-20 10:00 +0800"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def html(response) -> str:
    return response.content.decode()


# --- exemptions -----------------------------------------------------------------------------------


def test_without_the_mechanism_the_pages_say_so_and_offer_no_apply(world, client_for):
    with_rules(world, exemption=False)
    page = html(client_for(world.unit_head).get("/scoring/exemptions/"))
    assert 'id="exemption-no-mechanism"' in page
    assert "exemption-apply-btn" not in page
    response = client_for(world.unit_head).post(
        "/scoring/exemptions/new/", {"project": project(world).pk, "month": "2024-06", "reason": "暴雨"}
    )
    assert response.status_code == 400
    assert "没有客观原因免扣分机制" in html(response)
    assert not Exemption.objects.exists()


def test_unit_head_applies_through_the_form(world, client_for):
    with_rules(world)
    p = project(world)
    client = client_for(world.unit_head)
    page = html(client.get("/scoring/exemptions/"))
    assert "exemption-apply-btn" in page
    form = html(client.get("/scoring/exemptions/new/"))
    assert "东湖数字经济产业园" in form
    response = client.post(
        "/scoring/exemptions/new/",
        {"project": p.pk, "month": "2024-06", "reason": "受持续强降雨影响", "progress": "基坑支护完成"},
        follow=True,
    )
    e = Exemption.objects.get()
    assert response.redirect_chain[-1][0] == f"/scoring/exemptions/{e.pk}/"
    text = html(response)
    assert "等待挂点领导 王海 和分管领导 林志远 签字" in text
    assert "待签字" in text


def test_form_shows_only_the_units_projects(world, client_for):
    with_rules(world)
    project(world, name="本单位项目")
    project(world, name="住建局项目", responsible_unit=world.other_dept)
    form = html(client_for(world.reporter).get("/scoring/exemptions/new/"))
    assert "本单位项目" in form
    assert "住建局项目" not in form


def test_another_units_project_posted_by_hand_is_refused(world, client_for):
    with_rules(world)
    other = project(world, name="住建局项目", responsible_unit=world.other_dept)
    response = client_for(world.unit_head).post(
        "/scoring/exemptions/new/", {"project": other.pk, "month": "2024-06", "reason": "暴雨"}
    )
    assert response.status_code == 400
    assert not Exemption.objects.exists()


def test_closed_month_shows_the_error_beside_the_field(world, client_for):
    with_rules(world)
    period(world, "2024Q2", status="closed")
    response = client_for(world.unit_head).post(
        "/scoring/exemptions/new/", {"project": project(world).pk, "month": "2024-05", "reason": "暴雨"}
    )
    assert response.status_code == 400
    assert "2024年5月所在的考核期间（2024Q2）已关账，不能再申请免扣分。" in html(response)


def test_leaders_see_what_waits_for_their_signature(world, client_for):
    with_rules(world)
    e = applied(world)
    client = client_for(world.leader)
    mine = html(client.get("/scoring/exemptions/?mine=1"))
    assert f'data-exemption="{e.pk}"' in mine
    page = html(client.get(f"/scoring/exemptions/{e.pk}/"))
    assert 'id="sign-btn"' in page
    response = client.post(f"/scoring/exemptions/{e.pk}/sign/", follow=True)
    assert "已签字同意，等待另一位领导签字。" in html(response)
    assert f'data-exemption="{e.pk}"' not in html(client.get("/scoring/exemptions/?mine=1"))
    assert 'id="sign-btn"' not in html(client.get(f"/scoring/exemptions/{e.pk}/"))


def test_second_signature_grants_and_the_page_shows_both(world, client_for):
    with_rules(world)
    e = applied(world)
    client_for(world.leader).post(f"/scoring/exemptions/{e.pk}/sign/")
    client = client_for(wanghai())
    response = client.post(f"/scoring/exemptions/{e.pk}/sign/", follow=True)
    text = html(response)
    assert "两位领导均已签字同意，2024年6月该项目不扣分" in text
    assert text.count("已签字同意 2024-06-20 10:00") == 2
    assert 'id="renew-btn"' not in text  # the leader does not renew; the unit does


def test_the_wrong_leader_gets_403_naming_the_signers(world, client_for):
    from tests.factories import account
    from tuijin.org.models import Person, Role

    with_rules(world)
    e = applied(world)
    stranger = Person.objects.create(jurisdiction=world.district, name="赵强", is_leader=True)
    user = account("zhaoqiang", Role.LEADER, world.district, person=stranger)
    client = client_for(user)
    assert 'id="sign-btn"' not in html(client.get(f"/scoring/exemptions/{e.pk}/"))
    response = client.post(f"/scoring/exemptions/{e.pk}/sign/")
    assert response.status_code == 403
    assert "只有项目挂点领导 王海 或分管领导 林志远 可以签字" in html(response)


def test_refusing_without_a_note_shows_the_error(world, client_for):
    with_rules(world)
    e = applied(world)
    response = client_for(world.leader).post(f"/scoring/exemptions/{e.pk}/refuse/", {"note": ""})
    assert response.status_code == 400
    assert "不同意时须写明理由。" in html(response)
    response = client_for(world.leader).post(
        f"/scoring/exemptions/{e.pk}/refuse/", {"note": "主观原因"}, follow=True
    )
    assert "分管领导 林志远：主观原因" in html(response)


def test_unit_withdraws(world, client_for):
    with_rules(world)
    e = applied(world)
    client = client_for(world.reporter)
    assert 'id="withdraw-btn"' in html(client.get(f"/scoring/exemptions/{e.pk}/"))
    client.post(f"/scoring/exemptions/{e.pk}/withdraw/")
    e.refresh_from_db()
    assert e.status == "withdrawn"


def test_unit_renews_a_granted_exemption(world, client_for):
    with_rules(world)
    e = granted(world)
    client = client_for(world.unit_head)
    page = html(client.get(f"/scoring/exemptions/{e.pk}/"))
    assert "申请2024年7月继续免扣分" in page
    form = html(client.get(f"/scoring/exemptions/{e.pk}/renew/"))
    assert "受持续强降雨影响，土方外运暂停" in form  # carried over for editing
    response = client.post(
        f"/scoring/exemptions/{e.pk}/renew/",
        {"reason": "强降雨持续", "progress": "7月完成主体 30%"},
        follow=True,
    )
    renewed = Exemption.objects.get(renews=e)
    assert (renewed.month, renewed.reason) == ("2024-07", "强降雨持续")
    assert "已提交2024年7月的续申请" in html(response)
    assert 'id="renew-btn"' not in html(client.get(f"/scoring/exemptions/{e.pk}/"))


def test_detail_lists_the_deductions_it_waived(world, client_for):
    version = with_rules(world)
    e = granted(world)
    q2 = period(world, "2024Q2", version=version)
    ScoreEntry.objects.create(
        period=q2,
        unit=world.dept,
        kind="late_start",
        rule_version=version,
        category="new_starts",
        points=Decimal(0),
        weighted=Decimal(0),
        exempted_points=Decimal(-4),
        exemption=e,
        on=date(2024, 6, 1),
        key=f"late_start:p{e.project_id}",
        sentence="项目《东湖数字经济产业园》计划 2024年5月 开工，截至 2024-06-01 未开工，延期开工扣 4 分（客观原因免扣分：挂点领导 王海、分管领导 林志远 签字同意）",
        project=e.project,
    )
    page = html(client_for(world.reporter).get(f"/scoring/exemptions/{e.pk}/"))
    assert "延期开工扣 4 分（客观原因免扣分" in page
    assert ">-4<" in page


def test_other_units_staff_cannot_read_the_exemption(world, client_for):
    from tests.factories import account
    from tuijin.org.models import Role

    with_rules(world)
    e = applied(world)
    other = account("otherhead", Role.UNIT_HEAD, world.district, world.other_dept)
    assert client_for(other).get(f"/scoring/exemptions/{e.pk}/").status_code == 404
    assert f'data-exemption="{e.pk}"' not in html(client_for(other).get("/scoring/exemptions/"))


def test_list_filters_by_month_status_and_unit(world, client_for):
    with_rules(world)
    p = project(world)
    june = granted(world, p=p)
    july = applied(world, p=p, month="2024-07")
    client = client_for(world.admin)
    assert f'data-exemption="{july.pk}"' not in html(client.get("/scoring/exemptions/?month=2024-06"))
    assert f'data-exemption="{june.pk}"' in html(client.get("/scoring/exemptions/?month=2024-06"))
    by_status = html(client.get("/scoring/exemptions/?status=applied"))
    assert f'data-exemption="{july.pk}"' in by_status
    assert f'data-exemption="{june.pk}"' not in by_status
    other_unit = html(client.get(f"/scoring/exemptions/?unit={world.other_dept.pk}"))
    assert "exemption-row" not in other_unit


# --- bonuses --------------------------------------------------------------------------------------


def test_office_proposes_and_the_leader_approves(world, client_for):
    with_rules(world)
    client = client_for(world.admin)
    page = html(client.get("/scoring/bonuses/"))
    assert 'id="bonus-propose-form"' in page
    response = client.post(
        "/scoring/bonuses/propose/",
        {
            "year": "2024",
            "unit": world.dept.pk,
            "points": "2.5",
            "reason": "获省政府通报表扬",
            "document": "赣府办字〔2024〕8号",
        },
        follow=True,
    )
    assert "已提出区发展和改革委员会2024年度奖励加分 2.5 分" in html(response)
    b = Bonus.objects.get()
    leader = client_for(world.leader)
    assert "bonus-propose-form" not in html(leader.get("/scoring/bonuses/?year=2024"))
    response = leader.post(f"/scoring/bonuses/{b.pk}/approve/", follow=True)
    b.refresh_from_db()
    assert (b.status, b.decided_by) == ("approved", world.leader)
    assert "已批准区发展和改革委员会奖励加分 2.5 分" in html(response)


def test_over_the_allowance_shows_the_remaining_points(world, client_for):
    with_rules(world)
    y = year(world)
    Bonus.objects.create(period=y, unit=world.dept, points=Decimal(4), reason="表扬", proposed_by=world.admin)
    response = client_for(world.admin).post(
        "/scoring/bonuses/propose/",
        {"year": "2024", "unit": world.dept.pk, "points": "2", "reason": "再次表扬"},
    )
    assert response.status_code == 400
    assert "最多还能加 1 分" in html(response)
    assert Bonus.objects.count() == 1


def test_leader_refusal_without_note_is_shown(world, client_for):
    with_rules(world)
    b = Bonus.objects.create(
        period=year(world), unit=world.dept, points=Decimal(1), reason="表扬", proposed_by=world.admin
    )
    response = client_for(world.leader).post(f"/scoring/bonuses/{b.pk}/refuse/", {"note": ""})
    assert response.status_code == 400
    assert "不批准时须写明理由。" in html(response)


def test_unit_staff_see_their_own_bonuses_only(world, client_for):
    with_rules(world)
    y = year(world)
    Bonus.objects.create(
        period=y, unit=world.dept, points=Decimal(1), reason="本单位表扬", proposed_by=world.admin
    )
    Bonus.objects.create(
        period=y, unit=world.other_dept, points=Decimal(1), reason="住建局表扬", proposed_by=world.admin
    )
    page = html(client_for(world.reporter).get("/scoring/bonuses/?year=2024"))
    assert "本单位表扬" in page
    assert "住建局表扬" not in page


# --- rectification reports ------------------------------------------------------------------------


def test_list_flags_overdue_in_working_days(world, client_for):
    with_rules(world)
    r = rectification(world, due=date(2024, 6, 14))  # Friday; 06-17..06-20 are 4 working days
    page = html(client_for(world.admin).get("/scoring/rectifications/"))
    assert f'data-rectification="{r.pk}"' in page
    assert "逾期 4 个工作日" in page
    # the period is named as people say it, with its state
    assert f"整改报告 · {r.period.label}" in page and r.period.label.startswith("2024年")
    assert f"{r.period.label}（未关账）" in page or f"{r.period.label}（已关账）" in page


def test_unit_head_submits_with_a_file_and_the_office_returns_then_accepts(world, client_for):
    with_rules(world)
    r = rectification(world)
    head = client_for(world.unit_head)
    assert 'id="step-submit"' in html(head.get(f"/scoring/rectifications/{r.pk}/"))
    pdf = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = head.post(
        f"/scoring/rectifications/{r.pk}/submit/", {"report": "整改措施……", "file": pdf}, follow=True
    )
    assert "整改报告已提交，等待项目办审核。" in html(response)
    r.refresh_from_db()
    assert r.status == "submitted"
    download = head.get(f"/scoring/rectifications/{r.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"
    office = Client()
    office.force_login(world.admin)
    office.post(f"/scoring/rectifications/{r.pk}/return/", {"note": "缺少整改时限"})
    r.refresh_from_db()
    assert (r.status, r.review_note) == ("returned", "缺少整改时限")
    page = html(head.get(f"/scoring/rectifications/{r.pk}/"))
    assert "重新提交整改报告" in page
    assert "缺少整改时限" in page
    head.post(f"/scoring/rectifications/{r.pk}/submit/", {"report": "整改措施……时限 9 月底"})
    office.post(f"/scoring/rectifications/{r.pk}/accept/")
    r.refresh_from_db()
    assert r.status == "accepted"


def test_bad_file_type_is_shown_beside_the_field(world, client_for):
    with_rules(world)
    r = rectification(world)
    exe = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    response = client_for(world.unit_head).post(
        f"/scoring/rectifications/{r.pk}/submit/", {"report": "x", "file": exe}
    )
    assert response.status_code == 400
    assert "文件“a.exe”的类型不支持" in html(response)
    r.refresh_from_db()
    assert r.status == "due"


def test_other_units_report_is_not_readable(world, client_for):
    with_rules(world)
    r = rectification(world, unit=world.other_dept)
    assert client_for(world.unit_head).get(f"/scoring/rectifications/{r.pk}/").status_code == 404


# --- to-do ----------------------------------------------------------------------------------------


def _titles(user):
    return {g.title: [i.title for i in g.items] for g in todo_for(user, date(2024, 6, 20))}


def test_todo_sources(world):
    with_rules(world)
    e = applied(world)
    q2 = period(world, "2024Q2")
    rectification(world, q2, due=date(2024, 6, 14))
    rectification(world, q2, unit=world.other_dept, status="submitted", rank=6)
    Bonus.objects.create(
        period=year(world), unit=world.dept, points=Decimal(1), reason="表扬", proposed_by=world.admin
    )
    leader = _titles(world.leader)
    assert leader["待签字的免扣分申请"] == ["区发改委：项目《东湖数字经济产业园》2024年6月申请免扣分"]
    assert leader["待审批的奖励加分"] == ["区发改委：2024年度奖励加分 1 分待审批"]
    head = todo_for(world.unit_head, date(2024, 6, 20))
    due = next(g for g in head if g.title == "待提交的整改报告")
    assert [(i.title, i.overdue) for i in due.items] == [("2024Q2 排名第 5 名：提交整改报告", True)]
    assert _titles(world.admin)["待审核的整改报告"] == ["区住建局：2024Q2 整改报告待审核"]
    assert "待签字的免扣分申请" not in _titles(world.admin)
    # once both sign, it leaves the leader's list
    from tuijin.scoring.exemption_services import exemption_sign

    exemption_sign(by=world.leader, exemption=e, agree=True)
    assert "待签字的免扣分申请" not in _titles(world.leader)
    assert Rectification.objects.count() == 2


def test_the_bonus_year_asked_for_is_selected_in_the_year_choice(world, client_for):
    with_rules(world)
    page = html(client_for(world.admin).get("/scoring/bonuses/?year=2021"))
    assert '<option value="2021" selected>2021年度</option>' in page
