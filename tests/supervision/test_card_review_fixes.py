"""Fixes of the issue-6 review: card numbers, voided 督办单, the discipline viewer's referrals and the
circuit evidence, the [cards] issuer/consent keys, the agenda text, one counting basis, the act token
race, foreign projects on the act page, photos never half-saved, lateness notes, draft findings."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.problems.factories import assigned
from tests.supervision.card_factories import (
    TODAY,
    circuit_referral,
    red_for,
    review,
    sent,
    supervise,
    with_cards_rules,
)
from tuijin.core.access import AccessDenied, can
from tuijin.problems import services as problem_services
from tuijin.supervision import card_selectors, card_services
from tuijin.supervision.models import Card, Referral

MONTH = TODAY.replace(day=1)


# --- card numbers ---------------------------------------------------------------------------------


def test_issued_cards_take_official_numbers_and_proposed_ones_name_their_basis(world):
    first = supervise(world)
    supervise(world, world.other_dept, subject="征迁协调未按期完成")
    card = Card.objects.get(slip=first)
    assert card.number is None
    assert card.label == f"拟发黄牌（督办单{first.number_text}）"
    review(world, MONTH)
    numbers = sorted(Card.objects.filter(status="issued").values_list("year", "number"))
    assert numbers == [(2024, 1), (2024, 2)]  # per jurisdiction, year and colour
    card.refresh_from_db()
    assert card.label.startswith("黄牌〔2024〕第") and "#" not in card.label
    july = date(2024, 7, 15)
    red = red_for(world, today=july)  # two more yellows of 区发改委 issued in July's review → a red
    yellows = sorted(red.from_cards.values_list("number", flat=True))
    assert red.label == f"拟发红牌（黄牌〔2024〕第{yellows[0]}号、第{yellows[1]}号）"
    assert f"黄牌〔2024〕第{yellows[0]}号" in red.reason
    issued = card_services.card_issue(actor=world.supervisor, card=red, today=july)
    assert issued.label == "红牌〔2024〕第1号"
    from django.test import Client

    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/supervision/cards/{red.pk}/").content.decode()
    assert "红牌〔2024〕第1号" in page and f"红牌#{red.pk}" not in page
    unit_page = client.get(f"/supervision/cards/unit/{world.dept.pk}/").content.decode()
    assert "黄牌〔2024〕第" in unit_page and "黄牌#" not in unit_page


def test_the_exchange_keeps_card_numbers_and_bumps_the_counter(world):
    from tuijin.problems.models import Counter

    supervise(world)
    review(world, MONTH)
    card = Card.objects.get()
    assert Counter.objects.get(jurisdiction=world.district, year=2024, series="card_yellow").last == 1
    # a counter left behind (e.g. an import that did not bump it) never hands out a number twice
    Counter.objects.filter(series="card_yellow").update(last=0)
    assert card_services.take_numbers(world.district, 2024, "yellow", 2) == [card.number + 1, card.number + 2]


# --- review 3: a voided 督办单 -----------------------------------------------------------------------


def test_a_transferred_problems_voided_slip_loses_its_proposed_yellow(world):
    problem = assigned(world, today=TODAY)
    problem_services.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)
    card = Card.objects.get()
    assert [c.pk for c in card_selectors.review_candidates(world.district, MONTH)] == [card.pk]
    problem_services.problem_transfer(actor=world.admin, problem=problem, unit=world.other_dept, today=TODAY)
    card.slip.refresh_from_db()
    assert card.slip.voided_at is not None
    assert list(card_selectors.review_candidates(world.district, MONTH)) == []
    assert not [r for r in card_selectors.card_agenda(world.district, TODAY) if card.pk in r["cards"]]
    card_services.cards_recompute(world.district, "2024", today=TODAY)
    card.refresh_from_db()
    assert card.status == "revoked" and card.revoke_reason.startswith("督办单已作废（已转办）")


# --- review 4, 5, 26, 29: referrals ------------------------------------------------------------------


def test_the_discipline_viewer_reads_only_sent_referrals(world):
    referral = circuit_referral(world)
    assert not card_selectors.readable_referrals(world.discipline).exists()
    card_services.referral_consent(actor=world.leader, referral=referral, agree=False, note="已整改")
    assert not card_selectors.readable_referrals(world.discipline).exists()
    other = circuit_referral(world, person_name="李某")
    sent(world, other)
    assert list(card_selectors.readable_referrals(world.discipline)) == [other]


def test_a_circuit_referral_shows_the_discipline_viewer_its_findings_photos_and_actions(world, client_for):
    referral = sent(world, circuit_referral(world))
    client = client_for(world.discipline)
    page = client.get(f"/supervision/referrals/{referral.pk}/").content.decode()
    assert 'id="referral-circuit"' in page
    assert "征迁协调未启动" in page and "已按会议纪要完成征迁协调" in page
    assert "七日内启动征迁协调并书面报告" in page
    photo = referral.act.photos.get()
    url = f"/supervision/referrals/{referral.pk}/photos/{photo.pk}/"
    assert url in page
    assert client.get(url).status_code == 200
    assert client.get(f"/supervision/photos/{photo.pk}/").status_code == 403  # no act page for them


def test_unit_reporters_read_no_referral_and_heads_read_their_units(world):
    circuit_referral(world)
    assert not card_selectors.readable_referrals(world.reporter).exists()
    assert card_selectors.readable_referrals(world.unit_head).count() == 1


def test_a_long_person_name_still_finds_its_referral(world):
    name = "欧阳" * 25  # 50 characters: stored as its first 40
    first = circuit_referral(world, person_name=name)
    again = card_services.referral_propose(
        actor=world.supervisor,
        jurisdiction=world.district,
        unit=world.dept,
        origin="circuit",
        act=first.act,
        person_name=name,
        proposal="重复提出",
        today=date(2024, 7, 12),
    )
    assert again == first and Referral.objects.count() == 1


# --- review 10, 11: the [cards] keys and the agenda text --------------------------------------------


def test_the_issuer_keys_decide_who_issues(world):
    with_cards_rules(world, yellow_issuer="supervisor", red_issuer="office")
    supervise(world)
    with pytest.raises(AccessDenied):
        review(world, MONTH)  # the office no longer holds the review
    card_services.card_review_hold(
        actor=world.supervisor,
        jurisdiction=world.district,
        month=MONTH,
        issue=[c.pk for c in card_selectors.review_candidates(world.district, MONTH)],
        today=TODAY,
    )
    supervise(world, subject="征迁协调未按期完成", today=date(2024, 7, 3))
    card_services.card_review_hold(
        actor=world.supervisor,
        jurisdiction=world.district,
        month=date(2024, 7, 1),
        issue=[c.pk for c in card_selectors.review_candidates(world.district, date(2024, 7, 1))],
        today=date(2024, 7, 3),
    )
    red = Card.objects.get(color="red")
    assert not can(world.supervisor, "cards.issue_red", red)
    with pytest.raises(AccessDenied, match="红牌由项目办"):
        card_services.card_issue(actor=world.supervisor, card=red, today=date(2024, 7, 3))
    assert card_services.card_issue(actor=world.admin, card=red, today=date(2024, 7, 3)).status == "issued"


def test_no_consent_needed_makes_a_referral_ready_to_send(world):
    with_cards_rules(world, referral_consent="none")
    referral = circuit_referral(world)
    assert referral.status == "consented" and referral.consent_at is not None
    assert card_services.referral_send(actor=world.admin, referral=referral, today=date(2024, 7, 12))


def test_the_agenda_text_follows_the_rule_set(world):
    with_cards_rules(world, supervisions_per_yellow=1, yellows_per_red=3, basis="notice")
    supervise(world)
    rows = card_selectors.card_agenda(world.district, TODAY)
    assert "督办1次给予“黄牌”预警（WH19 四(二)）" in rows[0]["reason"]
    for day in (date(2024, 7, 3), date(2024, 7, 4)):
        supervise(world, today=day, subject=f"事项{day.day}")
    review(world, MONTH)
    review(world, date(2024, 7, 1), today=date(2024, 7, 5))
    reds = [
        r for r in card_selectors.card_agenda(world.district, date(2024, 7, 5)) if r["stage"] == "red_due"
    ]
    assert reds and "“黄牌”预警3次给予“红牌”警告" in reds[0]["reason"]
    assert "累计 2 次" not in reds[0]["reason"]


# --- review 14: one counting basis --------------------------------------------------------------------


def test_a_december_yellow_issued_in_january_counts_in_december_both_ways(world):
    supervise(world, today=date(2023, 12, 20))
    review(world, date(2024, 1, 1), today=date(2024, 1, 10))
    assert card_selectors.card_counts(world.district, "2023") == {world.dept.pk: {"yellow": 1, "red": 0}}
    q4 = card_selectors.card_counts(world.district, (date(2023, 10, 1), date(2023, 12, 31)))
    q1 = card_selectors.card_counts(world.district, (date(2024, 1, 1), date(2024, 3, 31)))
    assert q4 == {world.dept.pk: {"yellow": 1, "red": 0}} and q1 == {}


# --- review 2: the act token race (PostgreSQL) ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_one_act_form_make_one_act():
    from tests.factories import build_world
    from tuijin.supervision import services
    from tuijin.supervision.models import ActToken, SupervisionAct

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks whole tables across threads (shared cache)")
    world = build_world()
    barrier = threading.Barrier(2)
    made, errors = [], []

    def run():
        from django.db import connection as conn

        try:
            barrier.wait()
            made.append(
                services.act_create(
                    actor=world.supervisor,
                    jurisdiction=world.district,
                    kind="window",
                    title="审批窗口催办",
                    date=date(2024, 6, 3),
                    inspectors="区委督查室 张督查",
                    token="same-token",
                    today=date(2024, 6, 3),
                )
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(made) == 2 and made[0].pk == made[1].pk
    assert SupervisionAct.objects.count() == 1
    assert ActToken.objects.get().object_id == made[0].pk


def test_a_resubmitted_act_form_returns_the_first_act(world):
    from tuijin.supervision import services

    kw = dict(
        actor=world.supervisor,
        jurisdiction=world.district,
        kind="window",
        title="审批窗口催办",
        date=date(2024, 6, 3),
        inspectors="区委督查室 张督查",
        token="tok-1",
        today=date(2024, 6, 3),
    )
    assert services.act_create(**kw) == services.act_create(**kw)


# --- review 8: a foreign project on the act page ---------------------------------------------------------


def test_a_posted_foreign_project_is_not_echoed_on_the_act_page(world, client_for):
    from tests.projects.factories import project
    from tests.supervision.factories import act, weekly

    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    weekly(foreign, date(2024, 5, 27), "青山湖区机密进展")
    a = act(world)
    response = client_for(world.supervisor).post(
        f"/supervision/{a.pk}/step/finding/", {"kind": "discrepancy", "project": foreign.pk, "observed": ""}
    )
    assert response.status_code == 400
    assert "青山湖区机密进展" not in response.content.decode()


# --- review 20, 21 --------------------------------------------------------------------------------------


def test_a_reply_with_one_bad_photo_stores_no_file(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.supervision.factories import act, jpeg, required
    from tuijin.supervision import services

    settings.MEDIA_ROOT = str(tmp_path)
    a = act(world)
    action = required(world, a)
    bad = SimpleUploadedFile("说明.txt", b"not an image", content_type="text/plain")
    with pytest.raises(ValidationError):
        services.action_reply(
            actor=world.unit_head, action=action, reply="已整改", photos=[jpeg(), bad], today=date(2024, 6, 5)
        )
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not a.photos.exists()


def test_lateness_without_a_calendar_year_says_so(db):
    from tuijin.supervision.selectors import _overdue_days

    days, note = _overdue_days(date(2099, 3, 2), date(2099, 3, 12))
    assert days == 8 and note.startswith("工作日历缺少2099年") and "暂定" in note
    assert _overdue_days(date(2024, 6, 3), date(2024, 6, 5)) == (2, "")
