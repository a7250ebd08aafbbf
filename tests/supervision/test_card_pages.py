"""Card pages: the discipline viewer reads a referral's evidence inline and no card page; refusals show in
Chinese on the page; unit staff see only their own unit."""

from datetime import date

from tests.supervision.card_factories import TODAY, red_for, review, supervise
from tuijin.supervision import card_services
from tuijin.supervision.models import Card, Referral


def _referral(world):
    first = red_for(world)
    card_services.card_issue(actor=world.supervisor, card=first, today=TODAY)
    july = date(2024, 7, 15)
    second = red_for(world, today=july, unit=None)
    card_services.card_issue(actor=world.supervisor, card=second, today=july)
    return Referral.objects.get()


def _sent(world, referral):
    card_services.referral_consent(actor=world.leader, referral=referral, agree=True, today=date(2024, 7, 15))
    return card_services.referral_send(actor=world.admin, referral=referral, today=date(2024, 7, 16))


def test_discipline_reads_the_referral_with_its_evidence_and_no_card(world, client_for):
    referral = _referral(world)
    client = client_for(world.discipline)
    # not agreed by the leader in charge yet: never submitted to the discipline commission (WH19 五)
    assert client.get(f"/supervision/referrals/{referral.pk}/").status_code == 404
    _sent(world, referral)
    text = client.get(f"/supervision/referrals/{referral.pk}/").content.decode()
    assert text.count("referral-red") == 2 and text.count("evidence-item") == 4
    assert "督办单〔2024〕第1号" in text and "施工许可证办理滞后" in text
    assert "step-consent" not in text and "step-send" not in text
    red = referral.cards.first()
    assert client.get(f"/supervision/cards/{red.pk}/").status_code == 403
    assert client.get("/supervision/referrals/").status_code == 200


def test_foreign_admin_does_not_see_the_referral(world, client_for):
    referral = _referral(world)
    client = client_for(world.foreign_admin)
    assert client.get(f"/supervision/referrals/{referral.pk}/").status_code == 404
    assert client.get(f"/supervision/cards/{referral.cards.first().pk}/").status_code == 404


def test_send_without_consent_shows_the_refusal(world, client_for):
    referral = _referral(world)
    response = client_for(world.admin).post(f"/supervision/referrals/{referral.pk}/send/", {})
    assert response.status_code == 400
    assert "未经分管该单位的领导同意，不能移送纪委监委" in response.content.decode()


def test_leader_consents_on_the_page(world, client_for):
    referral = _referral(world)
    client = client_for(world.leader)
    assert "step-consent" in client.get(f"/supervision/referrals/{referral.pk}/").content.decode()
    assert client.post(f"/supervision/referrals/{referral.pk}/consent/", {"note": "同意"}).status_code == 302
    assert Referral.objects.get().status == "consented"


def test_review_twice_and_revoke_refusal_show_on_the_page(world, client_for):
    supervise(world)
    review(world, TODAY.replace(day=1))
    client = client_for(world.admin)
    page = client.get("/supervision/cards/review/2024-06/").content.decode()
    assert "review-held" in page
    response = client.post("/supervision/cards/review/2024-06/", {"decision_1": "issue"})
    assert response.status_code == 400 and "不能重复审定" in response.content.decode()
    red = red_for(world, today=date(2024, 7, 3))
    card_services.card_issue(actor=world.supervisor, card=red, today=date(2024, 7, 3))
    yellow = red.from_cards.first()
    response = client.post(f"/supervision/cards/{yellow.pk}/revoke/", {"reason": "错发"})
    assert response.status_code == 400 and "该黄牌已计入红牌" in response.content.decode()


def test_unit_staff_see_only_their_unit(world, client_for):
    supervise(world, world.other_dept)
    client = client_for(world.reporter)
    assert client.get(f"/supervision/cards/unit/{world.other_dept.pk}/").status_code == 404
    other = Card.objects.get()
    assert client.get(f"/supervision/cards/{other.pk}/").status_code == 404
    assert client.get(f"/supervision/cards/unit/{world.dept.pk}/").status_code == 200


def test_overview_filters_by_period(world, client_for):
    supervise(world)
    review(world, TODAY.replace(day=1))
    client = client_for(world.supervisor)
    text = client.get("/supervision/cards/?period=2024").content.decode()
    assert 'class="card-unit-row"' in text and "2024年" in text
