"""Services of the cards: the slip listener proposes, the monthly review issues, the supervision office
issues red cards, refusals are Chinese and logged, appeals and revocation, referrals with consent."""

import logging
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.problems.factories import assigned
from tests.supervision.card_factories import TODAY, red_for, review, supervise, with_cards_rules
from tuijin.core.access import AccessDenied
from tuijin.problems import services as problem_services
from tuijin.supervision import card_selectors, card_services
from tuijin.supervision.models import Card, CardReview, Referral

MONTH = TODAY.replace(day=1)


def two_reds(world):
    """Two issued red cards of 区发改委 (June and July) → a referral."""
    first = red_for(world)
    card_services.card_issue(actor=world.supervisor, card=first, today=TODAY)
    july = date(2024, 7, 15)
    second = red_for(world, today=july)
    card_services.card_issue(actor=world.supervisor, card=second, today=july)
    return first, second


# --- proposals ----------------------------------------------------------------------------------------


def test_a_supervise_slip_proposes_one_yellow_card(world):
    slip = supervise(world)
    card = Card.objects.get()
    assert (card.color, card.status, card.unit, card.slip, card.period) == (
        "yellow",
        "proposed",
        world.dept,
        slip,
        "2024",
    )
    assert card.reason.startswith(f"{slip}（来源：施工许可证办理滞后）")
    assert "督办1次给予“黄牌”预警" in card.reason


def test_other_slips_propose_nothing(world):
    problem_services.slip_issue(
        actor=world.admin,
        kind="remind",
        jurisdiction=world.district,
        to_unit=world.dept,
        subject="提醒",
        content="请按期办理",
        today=TODAY,
    )
    assert not Card.objects.exists()


def test_a_problem_supervision_names_the_problem_and_stores_the_rule_version(world):
    with_cards_rules(world)
    problem = assigned(world, today=TODAY)
    problem_services.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)
    card = Card.objects.get()
    assert f"问题 {problem.code}" in card.reason
    assert "WH19 四(二)" in card.reason
    assert card.rule_version is not None and card.rule_version.rule_set.slug == "test-cards"


def test_recompute_is_idempotent_and_makes_up_missing_proposals(world):
    supervise(world)
    Card.objects.all().delete()  # e.g. slips imported without the listener
    first = card_services.cards_recompute(world.district, "2024", today=TODAY)
    second = card_services.cards_recompute(world.district, "2024", today=TODAY)
    assert first["yellow"] == 1 and second == {"yellow": 0, "red": 0, "withdrawn": 0, "referral": 0}
    assert Card.objects.count() == 1


def test_the_rule_set_can_ask_two_supervisions_per_yellow(world):
    with_cards_rules(world, supervisions_per_yellow=2, basis="default", source="测试")
    supervise(world)
    assert not Card.objects.exists()
    second = supervise(world)
    assert Card.objects.get().slip == second


# --- the monthly review -----------------------------------------------------------------------------


def test_review_issues_some_sets_aside_one_and_proposes_the_red(world):
    a, b, c = supervise(world), supervise(world), supervise(world)
    cards = {card.slip_id: card.pk for card in Card.objects.all()}
    card_services.card_review_hold(
        actor=world.admin,
        jurisdiction=world.district,
        month=MONTH,
        issue=[cards[a.pk], cards[b.pk]],
        set_aside={cards[c.pk]: "督办事项已于当日办结"},
        today=TODAY,
    )
    aside = Card.objects.get(slip=c)
    assert aside.status == "revoked" and aside.revoke_reason == "审定未予发牌：督办事项已于当日办结"
    assert Card.objects.filter(color="yellow", status="issued").count() == 2
    red = Card.objects.get(color="red")
    assert red.status == "proposed"
    assert set(red.from_cards.values_list("slip", flat=True)) == {a.pk, b.pk}
    assert CardReview.objects.get().month == MONTH


def test_holding_a_month_twice_is_refused(world):
    supervise(world)
    review(world, MONTH)
    supervise(world)
    with pytest.raises(ValidationError) as exc:
        review(world, MONTH)
    assert "黄牌月度审定已由" in str(exc.value) and "不能重复审定" in str(exc.value)


def test_set_aside_needs_a_reason_and_nothing_is_half_saved(world):
    a, b = supervise(world), supervise(world)
    ids = [Card.objects.get(slip=a).pk, Card.objects.get(slip=b).pk]
    with pytest.raises(ValidationError, match="不予发牌的理由"):
        review(world, MONTH, issue=[ids[0]], set_aside={ids[1]: " "})
    assert not CardReview.objects.exists()
    assert not Card.objects.filter(status="issued").exists()


def test_a_card_outside_the_review_is_refused_and_logged(world, caplog):
    red = red_for(world)
    supervise(world, today=date(2024, 7, 2))
    with caplog.at_level(logging.WARNING, logger="tuijin.supervision"), pytest.raises(ValidationError) as exc:
        review(world, date(2024, 7, 1), issue=[red.pk], today=date(2024, 7, 20))
    assert "发牌不符合规则：" in str(exc.value) and "红牌由督查室" in str(exc.value)
    assert "card refused" in caplog.text


def test_a_later_months_slip_is_not_in_an_earlier_review(world):
    supervise(world, today=date(2024, 7, 2))
    assert list(card_selectors.review_candidates(world.district, MONTH)) == []
    assert len(card_selectors.review_candidates(world.district, date(2024, 7, 1))) == 1


# --- red cards ------------------------------------------------------------------------------------------


def test_the_supervision_office_issues_the_red(world):
    red = red_for(world)
    card_services.card_issue(actor=world.supervisor, card=red, today=TODAY)
    red.refresh_from_db()
    assert red.status == "issued" and red.issued_by == world.supervisor
    with pytest.raises(ValidationError, match="已由"):
        card_services.card_issue(actor=world.supervisor, card=red, today=TODAY)


@pytest.mark.parametrize("who", ["admin", "leader", "unit_head"])
def test_a_red_by_anyone_else_is_refused_and_logged(world, who, caplog):
    red = red_for(world)
    with caplog.at_level(logging.WARNING, logger="tuijin.supervision"), pytest.raises(AccessDenied) as exc:
        card_services.card_issue(actor=getattr(world, who), card=red, today=TODAY)
    assert exc.value.message.startswith("发牌不符合规则：红牌由督查室签发")
    assert "card refused" in caplog.text
    assert Card.objects.get(pk=red.pk).status == "proposed"


def test_a_yellow_cannot_be_issued_outside_the_review(world, caplog):
    supervise(world)
    card = Card.objects.get()
    with caplog.at_level(logging.WARNING, logger="tuijin.supervision"), pytest.raises(ValidationError) as exc:
        card_services.card_issue(actor=world.admin, card=card, today=TODAY)
    assert "发牌不符合规则：黄牌须由项目办（重大项目办）在月度审定中签发" in str(exc.value)
    assert "card refused" in caplog.text


def test_a_red_without_two_issued_yellows_is_refused(world):
    red = red_for(world)
    yellow = red.from_cards.first()
    Card.objects.filter(pk=yellow.pk).update(status="proposed", issued_at=None)  # forged by hand
    with pytest.raises(ValidationError, match="发牌不符合规则：所依据的黄牌"):
        card_services.card_issue(actor=world.supervisor, card=red, today=TODAY)


# --- appeals and revocation ------------------------------------------------------------------------------


def test_unit_head_appeals_once_and_the_office_upholds(world):
    supervise(world)
    review(world, MONTH)
    card = Card.objects.get()
    appeal = card_services.card_appeal_file(
        actor=world.unit_head, card=card, reason="已按期办结", today=TODAY
    )
    with pytest.raises(ValidationError, match="已有待处理的申诉"):
        card_services.card_appeal_file(actor=world.unit_head, card=card, reason="再申诉", today=TODAY)
    with pytest.raises(AccessDenied):
        card_services.card_appeal_file(actor=world.reporter, card=card, reason="x", today=TODAY)
    with pytest.raises(AccessDenied):  # a yellow card's appeal is the office's
        card_services.card_appeal_decide(actor=world.supervisor, appeal=appeal, decision="upheld", note="x")
    card_services.card_appeal_decide(
        actor=world.admin, appeal=appeal, decision="upheld", note="督办属实", today=TODAY
    )
    appeal.refresh_from_db()
    assert appeal.status == "upheld"
    with pytest.raises(ValidationError, match="该申诉已由"):
        card_services.card_appeal_decide(actor=world.admin, appeal=appeal, decision="revoked", note="x")


def test_an_appeal_upheld_lets_the_pair_make_a_red(world):
    supervise(world)
    supervise(world)
    first, second = Card.objects.order_by("id")
    review(world, MONTH, issue=[first.pk])
    appeal = card_services.card_appeal_file(actor=world.unit_head, card=first, reason="异议", today=TODAY)
    card_services.card_review_hold(
        actor=world.admin,
        jurisdiction=world.district,
        month=date(2024, 7, 1),
        issue=[second.pk],
        today=date(2024, 7, 3),
    )
    assert not Card.objects.filter(color="red").exists()  # the appealed yellow waits
    card_services.card_appeal_decide(
        actor=world.admin, appeal=appeal, decision="upheld", note="维持", today=TODAY
    )
    assert Card.objects.filter(color="red", status="proposed").count() == 1


def test_appeal_revoked_revokes_the_card_with_its_reason(world):
    supervise(world)
    review(world, MONTH)
    card = Card.objects.get()
    appeal = card_services.card_appeal_file(
        actor=world.unit_head, card=card, reason="督办单发错单位", today=TODAY
    )
    card_services.card_appeal_decide(
        actor=world.admin, appeal=appeal, decision="revoked", note="督办单发错单位"
    )
    card.refresh_from_db()
    assert card.status == "revoked" and card.revoke_reason == "申诉成立：督办单发错单位"


def test_revoking_a_yellow_counted_in_an_issued_red_is_refused(world):
    red = red_for(world)
    card_services.card_issue(actor=world.supervisor, card=red, today=TODAY)
    yellow = red.from_cards.first()
    with pytest.raises(ValidationError) as exc:
        card_services.card_revoke(actor=world.admin, card=yellow, reason="错发", today=TODAY)
    assert "该黄牌已计入红牌" in str(exc.value) and "请先撤销红牌" in str(exc.value)
    card_services.card_revoke(actor=world.supervisor, card=red, reason="督办事项系上级原因", today=TODAY)
    card_services.card_revoke(actor=world.admin, card=yellow, reason="错发", today=TODAY)
    assert Card.objects.get(pk=yellow.pk).status == "revoked"
    assert not Card.objects.filter(color="red", status="proposed").exists()  # no new red from the rest


def test_revoking_a_yellow_withdraws_the_proposed_red(world):
    red = red_for(world)
    yellow = red.from_cards.first()
    card_services.card_revoke(actor=world.admin, card=yellow, reason="督办单已作废", today=TODAY)
    red.refresh_from_db()
    assert red.status == "revoked" and "所依据的黄牌已撤销" in red.revoke_reason


def test_revoke_needs_a_reason_and_the_right_office(world):
    red = red_for(world)
    with pytest.raises(ValidationError, match="撤销理由"):
        card_services.card_revoke(actor=world.supervisor, card=red, reason="", today=TODAY)
    with pytest.raises(AccessDenied):
        card_services.card_revoke(actor=world.admin, card=red, reason="x", today=TODAY)


# --- referrals ---------------------------------------------------------------------------------------------


def test_two_reds_make_a_referral_and_the_notice_list(world):
    first, second = two_reds(world)
    referral = Referral.objects.get()
    assert referral.origin == "cards" and referral.status == "proposed"
    assert set(referral.cards.all()) == {first, second}
    assert referral.notice_month == date(2024, 7, 1)
    assert card_selectors.notice_list(world.district, date(2024, 7, 31)) == [referral]
    stages = {row["stage"] for row in card_selectors.card_agenda(world.district, date(2024, 7, 20))}
    assert "notice" in stages
    assert card_selectors.card_counts(world.district, "2024") == {world.dept.pk: {"yellow": 4, "red": 2}}
    card_services.cards_recompute(world.district, "2024", today=date(2024, 7, 20))
    assert Referral.objects.count() == 1


def test_only_the_leader_in_charge_consents(world):
    two_reds(world)
    referral = Referral.objects.get()
    for who in ("admin", "supervisor", "unit_head"):
        with pytest.raises(AccessDenied, match="须经分管该单位的领导同意"):
            card_services.referral_consent(actor=getattr(world, who), referral=referral, agree=True)
    world.leader_person.units_in_charge.clear()
    with pytest.raises(AccessDenied, match="须经分管该单位的领导同意"):
        card_services.referral_consent(actor=world.leader, referral=referral, agree=True)
    world.leader_person.units_in_charge.add(world.dept)
    card_services.referral_consent(actor=world.leader, referral=referral, agree=True, note="同意")
    with pytest.raises(ValidationError, match="已由"):
        card_services.referral_consent(actor=world.leader, referral=referral, agree=False, note="x")


def test_sent_without_consent_is_refused_then_sent_and_concluded(world, caplog):
    two_reds(world)
    referral = Referral.objects.get()
    with caplog.at_level(logging.WARNING, logger="tuijin.supervision"), pytest.raises(ValidationError) as exc:
        card_services.referral_send(actor=world.supervisor, referral=referral, today=date(2024, 7, 20))
    assert "未经分管该单位的领导同意，不能移送" in str(exc.value)
    assert "without consent" in caplog.text
    card_services.referral_consent(actor=world.leader, referral=referral, agree=True, today=date(2024, 7, 20))
    card_services.referral_send(actor=world.supervisor, referral=referral, today=date(2024, 7, 22))
    with pytest.raises(ValidationError, match="已于"):
        card_services.referral_send(actor=world.supervisor, referral=referral, today=date(2024, 7, 22))
    card_services.referral_outcome(
        actor=world.admin, referral=referral, outcome="对该单位主要负责人诫勉谈话", today=date(2024, 8, 5)
    )
    referral.refresh_from_db()
    assert (referral.status, referral.sent_on, referral.outcome_on) == (
        "concluded",
        date(2024, 7, 22),
        date(2024, 8, 5),
    )


def test_declined_needs_a_reason_and_cannot_be_sent(world):
    two_reds(world)
    referral = Referral.objects.get()
    with pytest.raises(ValidationError, match="不同意时请写明理由"):
        card_services.referral_consent(actor=world.leader, referral=referral, agree=False)
    card_services.referral_consent(actor=world.leader, referral=referral, agree=False, note="已整改到位")
    with pytest.raises(ValidationError, match="不同意移送"):
        card_services.referral_send(actor=world.admin, referral=referral)


def test_a_red_in_a_referral_cannot_be_revoked(world):
    first, _ = two_reds(world)
    with pytest.raises(ValidationError, match="已列入对区发改委的问责移送"):
        card_services.card_revoke(actor=world.supervisor, card=first, reason="x", today=date(2024, 7, 20))


def test_circuit_referral_proposal(world):
    from tuijin.supervision.models import SupervisionAct

    act = SupervisionAct.objects.create(
        jurisdiction=world.district,
        kind="circuit",
        title="7月巡回督导",
        date=date(2024, 7, 10),
        inspectors="区委督查室",
        created_by=world.supervisor,
    )
    kw = dict(
        actor=world.supervisor,
        jurisdiction=world.district,
        unit=world.dept,
        origin="circuit",
        act=act,
        person_name="王某",
        person_post="副主任",
        proposal="会议纪要事项落实不力",
        today=date(2024, 7, 12),
    )
    referral = card_services.referral_propose(**kw)
    assert card_services.referral_propose(**kw) == referral
    assert referral.notice_month is None and referral.status == "proposed"
    with pytest.raises(ValidationError, match="督查记录"):
        card_services.referral_propose(**{**kw, "act": None})
    with pytest.raises(ValidationError, match="问责建议"):
        card_services.referral_propose(**{**kw, "proposal": " ", "person_name": "李某"})
    with pytest.raises(AccessDenied):
        card_services.referral_propose(**{**kw, "actor": world.unit_head})
