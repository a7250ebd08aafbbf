"""Access rows of the yellow/red cards, the monthly review, appeals and referrals (issue 6 part 5). Subtree
readers and the card's unit (区发改委: head and reporter) read cards; the office holds the monthly review
and decides yellow cards' appeals; the supervision office issues red cards; the unit head appeals; the
leader in charge of 区发改委 (林志远) consents to referrals; the discipline viewer reads referrals only."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
SUPERVISOR = frozenset({"supervisor"})
OFFICES = ADMIN | SUPERVISOR
REFERRAL_READERS = ALL - {"unit_reporter"}


def _yellow(w):
    from tests.supervision.card_factories import review, supervise
    from tuijin.supervision.models import Card

    slip = supervise(w)
    review(w, slip.issued_at.date().replace(day=1))
    return Card.objects.get(slip=slip)


def _proposed(w):
    from tests.supervision.card_factories import supervise
    from tuijin.supervision.models import Card

    return Card.objects.get(slip=supervise(w))


def _red(w):
    from tests.supervision.card_factories import red_for

    return red_for(w)


def _appeal(w):
    from tuijin.supervision import card_services

    return card_services.card_appeal_file(actor=w.unit_head, card=_yellow(w), reason="督办事项已按期办结")


def _referral(w, status="proposed"):
    from datetime import date

    from tests.supervision.card_factories import TODAY, red_for
    from tuijin.supervision import card_services
    from tuijin.supervision.models import Referral

    first = red_for(w)
    card_services.card_issue(actor=w.supervisor, card=first, today=TODAY)
    second = red_for(w, today=date(2024, 7, 15))
    card_services.card_issue(actor=w.supervisor, card=second, today=date(2024, 7, 15))
    referral = Referral.objects.get()
    if status == "declined":
        card_services.referral_consent(actor=w.leader, referral=referral, agree=False, note="已整改到位")
    if status in ("consented", "sent"):
        card_services.referral_consent(actor=w.leader, referral=referral, agree=True)
    if status == "sent":
        card_services.referral_send(actor=w.admin, referral=referral)
    return referral


def _circuit_photo_url(w, *, sent: bool) -> str:
    from tests.supervision.card_factories import circuit_referral
    from tests.supervision.card_factories import sent as send

    referral = circuit_referral(w)
    if sent:
        send(w, referral)
    photo = referral.act.photos.get()
    return f"/supervision/referrals/{referral.pk}/photos/{photo.pk}/"


def _review_data(w):
    from tuijin.supervision.models import Card

    return {f"decision_{c.pk}": "issue" for c in Card.objects.filter(status="proposed", color="yellow")}


ROWS = [
    Row("supervision:cards", "GET", lambda w: "/supervision/cards/", READERS),
    Row("supervision:card", "GET", lambda w: f"/supervision/cards/{_red(w).pk}/", READERS),
    Row("supervision:card_unit", "GET", lambda w: f"/supervision/cards/unit/{w.dept.pk}/", READERS),
    Row(
        "supervision:card_review_current",
        "GET",
        lambda w: "/supervision/cards/review/",
        ADMIN,
        ok_status=(302,),
    ),
    Row("supervision:card_review", "GET", lambda w: "/supervision/cards/review/2024-06/", ADMIN),
    Row(
        "supervision:card_review",
        "POST",
        lambda w: f"/supervision/cards/review/{_proposed(w).slip.issued_at:%Y-%m}/",
        ADMIN,
        data=_review_data,
        ok_status=(302,),
    ),
    Row(
        "supervision:cards_recompute",
        "POST",
        lambda w: "/supervision/cards/recompute/",
        OFFICES,
        ok_status=(302,),
    ),
    Row(
        "supervision:card_step",
        "POST",
        lambda w: f"/supervision/cards/{_red(w).pk}/issue/",
        SUPERVISOR,
        ok_status=(302,),
    ),
    Row(
        "supervision:card_step",
        "POST",
        lambda w: f"/supervision/cards/{_yellow(w).pk}/appeal/",
        frozenset({"unit_head"}),
        data=lambda w: {"reason": "督办事项已按期办结"},
        ok_status=(302,),
    ),
    Row(
        "supervision:card_step",
        "POST",
        lambda w: f"/supervision/cards/{_proposed(w).pk}/revoke/",
        ADMIN,
        data=lambda w: {"reason": "督办单发错单位"},
        ok_status=(302,),
    ),
    Row(
        "supervision:card_step",
        "POST",
        lambda w: f"/supervision/cards/{_red(w).pk}/revoke/",
        SUPERVISOR,
        data=lambda w: {"reason": "督办事项系上级原因"},
        ok_status=(302,),
    ),
    Row(
        "supervision:card_appeal_decide",
        "POST",
        lambda w: f"/supervision/cards/appeals/{_appeal(w).pk}/decide/",
        ADMIN,
        data=lambda w: {"decision": "upheld", "note": "督办属实"},
        ok_status=(302,),
    ),
    # unit reporters read no referral (a circuit proposal names a person); the discipline viewer reads only
    # the referrals sent to it: a proposed or declined one is 404 (never submitted, WH19 五)
    Row("supervision:referrals", "GET", lambda w: "/supervision/referrals/", REFERRAL_READERS),
    Row(
        "supervision:referral",
        "GET",
        lambda w: f"/supervision/referrals/{_referral(w).pk}/",
        REFERRAL_READERS - {"discipline"},
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral",
        "GET",
        lambda w: f"/supervision/referrals/{_referral(w, 'declined').pk}/",
        REFERRAL_READERS - {"discipline"},
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral",
        "GET",
        lambda w: f"/supervision/referrals/{_referral(w, 'sent').pk}/",
        REFERRAL_READERS,
    ),
    Row(
        "supervision:referral_photo",
        "GET",
        lambda w: _circuit_photo_url(w, sent=True),
        REFERRAL_READERS,
    ),
    Row(
        "supervision:referral_photo",
        "GET",
        lambda w: _circuit_photo_url(w, sent=False),
        REFERRAL_READERS - {"discipline"},
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral_step",
        "POST",
        lambda w: f"/supervision/referrals/{_referral(w).pk}/consent/",
        frozenset({"leader"}),
        data=lambda w: {"note": "同意"},
        ok_status=(302,),
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral_step",
        "POST",
        lambda w: f"/supervision/referrals/{_referral(w).pk}/decline/",
        frozenset({"leader"}),
        data=lambda w: {"note": "已整改到位"},
        ok_status=(302,),
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral_step",
        "POST",
        lambda w: f"/supervision/referrals/{_referral(w, 'consented').pk}/send/",
        OFFICES,
        ok_status=(302,),
        denied_status=(403, 404),
    ),
    Row(
        "supervision:referral_step",
        "POST",
        lambda w: f"/supervision/referrals/{_referral(w, 'sent').pk}/outcome/",
        OFFICES,
        data=lambda w: {"outcome": "诫勉谈话"},
        ok_status=(302,),
    ),
]
