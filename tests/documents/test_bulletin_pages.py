"""The pages of briefings and notices, as the office, the leader and a unit clerk use them."""

import time_machine

from tests.documents.bulletin_factories import docx_text, june
from tuijin.dashboard.todo import todo_for
from tuijin.documents import bulletin_services as svc
from tuijin.documents.models import Bulletin

JULY = "2024-07-03 10:00 +0800"


def test_office_drafts_leader_signs_office_publishes_in_the_pages(world, client_for, settings):
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    june(world)
    office = client_for(world.admin)
    with time_machine.travel(JULY, tick=False):
        page = office.get("/documents/bulletins/new/")
        assert page.status_code == 200 and 'value="2024-06"' in page.content.decode()
        response = office.post("/documents/bulletins/new/", {"kind": "monthly_notice", "period": "2024-06"})
        b = Bulletin.objects.get()
        assert response.url == f"/documents/bulletins/{b.pk}/"
        detail = office.get(response.url).content.decode()
        assert "区发展和改革委员会" in detail and "首位" in detail and "红牌〔2024〕第1号" in detail
        assert 'id="submit-btn"' in detail and "经领导签发后才能发布" in detail
        office.post(f"/documents/bulletins/{b.pk}/publish/")
        b.refresh_from_db()
        assert b.status == "draft"
        office.post(f"/documents/bulletins/{b.pk}/submit/")
        leader = client_for(world.leader)
        page = leader.get(f"/documents/bulletins/{b.pk}/").content.decode()
        assert 'id="sign-btn"' in page and 'id="return-btn"' in page
        leader.post(f"/documents/bulletins/{b.pk}/sign/", {"note": "同意印发"})
        b.refresh_from_db()
        assert b.status == "signed" and b.sign_note == "同意印发"
        office = client_for(world.admin)
        page = office.get(f"/documents/bulletins/{b.pk}/").content.decode()
        assert 'id="publish-btn"' in page
        office.post(f"/documents/bulletins/{b.pk}/publish/", {"public_choice": "1", "public": "1"})
        b.refresh_from_db()
        assert (b.status, b.number, b.public) == ("published", "通报〔2024〕1号", True)
        word = office.get(f"/documents/bulletins/{b.pk}/word/")
        assert word["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "%E9%80%9A%E6%8A%A5" in word["Content-Disposition"]  # 通报 in the file name
        assert "通报〔2024〕1号" in docx_text(word.content)
        page = office.get(f"/documents/bulletins/{b.pk}/").content.decode()
        assert "通报〔2024〕1号" in page and "领导签发" in page and 'id="publish-btn"' not in page


def test_a_leader_returns_a_draft_with_the_reason(world, client_for):
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="weekly_briefing", period="2024-W23"
    )
    svc.bulletin_submit(actor=world.admin, bulletin=b)
    leader = client_for(world.leader)
    leader.post(f"/documents/bulletins/{b.pk}/return/", {"reason": ""})
    b.refresh_from_db()
    assert b.status == "submitted"
    leader.post(f"/documents/bulletins/{b.pk}/return/", {"reason": "补充会议安排"})
    b.refresh_from_db()
    assert (b.status, b.returned_reason) == ("draft", "补充会议安排")
    page = client_for(world.admin).get(f"/documents/bulletins/{b.pk}/").content.decode()
    assert "补充会议安排" in page


def test_to_do_lists_the_leaders_bulletins_to_sign_and_the_offices_to_publish(world):
    from datetime import date

    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    svc.bulletin_submit(actor=world.admin, bulletin=b)
    groups = {g.key: g for g in todo_for(world.leader, date(2024, 7, 3))}
    assert [i.title for i in groups["documents.bulletins_sign"].items] == [b.title]
    svc.bulletin_sign(actor=world.leader, bulletin=b)
    groups = {g.key: g for g in todo_for(world.admin, date(2024, 7, 3))}
    assert [i.url for i in groups["documents.bulletins_publish"].items] == [f"/documents/bulletins/{b.pk}/"]
    assert "documents.bulletins_sign" not in {g.key for g in todo_for(world.leader, date(2024, 7, 3))}


def test_unit_staff_see_published_bulletins_only(world, client_for):
    draft = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-05"
    )
    clerk = client_for(world.reporter)
    assert clerk.get(f"/documents/bulletins/{draft.pk}/").status_code == 404
    assert draft.title not in clerk.get("/documents/bulletins/").content.decode()


def _published(world, period="2024-06"):
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period=period
    )
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    b = svc.bulletin_sign(actor=world.leader, bulletin=b)
    with time_machine.travel(JULY, tick=False):
        return svc.bulletin_publish(actor=world.admin, bulletin=b)


def test_unit_staff_of_a_parent_jurisdiction_see_only_their_own_jurisdictions_bulletins(world, client_for):
    from tests.factories import account, unit
    from tuijin.org.models import Role

    b = _published(world)
    own = client_for(world.reporter)
    assert b.title in own.get("/documents/bulletins/").content.decode()
    assert own.get(f"/documents/bulletins/{b.pk}/").status_code == 200
    city_unit = unit(world.city, "市发展和改革委员会")
    city_clerk = client_for(account("cityclerk", Role.UNIT_REPORTER, world.city, city_unit))
    # the district's bulletin is neither listed nor readable for the city's unit staff (list = detail)
    assert b.title not in city_clerk.get("/documents/bulletins/").content.decode()
    assert city_clerk.get(f"/documents/bulletins/{b.pk}/").status_code == 404


def test_the_office_redoes_a_failed_pdf_from_the_detail_page(world, client_for, settings):
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    b = _published(world)
    svc.bulletin_finish(bulletin_id=b.pk)  # the first try fails
    office = client_for(world.admin)
    page = office.get(f"/documents/bulletins/{b.pk}/").content.decode()
    assert 'id="pdf-retry-btn"' in page and 'id="bulletin-pdf-error"' in page
    assert (
        'id="pdf-retry-btn"'
        not in client_for(world.leader).get(f"/documents/bulletins/{b.pk}/").content.decode()
    )
    office = client_for(world.admin)  # one test client: signed in again as the office
    response = office.post(f"/documents/bulletins/{b.pk}/pdf/retry/", follow=True)
    assert "PDF 仍未生成" in response.content.decode() and "没有安装 LibreOffice" in response.content.decode()
    assert b.events.filter(action="pdf_failed", actor=world.admin).count() == 1
    assert client_for(world.reporter).post(f"/documents/bulletins/{b.pk}/pdf/retry/").status_code == 403


def test_the_monthly_summary_lists_the_red_and_counts_the_yellow_per_unit(world, client_for):
    """The detail page's 数据摘要 says what the Word file says: red projects with reasons, yellow counted."""
    june(world)
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    page = client_for(world.admin).get(f"/documents/bulletins/{b.pk}/").content.decode()
    red = page[page.index('id="bulletin-red"') : page.index('id="bulletin-yellow"')]
    assert "东湖数字经济产业园" in red and "施工许可证超期" in red and "东湖智造基地" not in red
    assert "黄灯项目（1）" in page
    assert "黄灯项目共 1 个，分布在 1 个责任单位：区住房和城乡建设局 1 个。" in page
    assert "用地规划许可证临期" not in page
