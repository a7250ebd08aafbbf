"""The demo's cards: built on the demo district after problems' 督办单 (and any others), through services."""

from datetime import date

from tuijin.org.models import Jurisdiction, Unit
from tuijin.supervision.models import Card, CardAppeal, CardReview

DAY = date(2024, 7, 1)


def test_demo_cards_gives_one_unit_two_yellows_and_a_red(transactional_db):
    from tuijin.demo.cards import demo_cards
    from tuijin.demo.services import demo_build

    demo_build(today=DAY)
    district = Jurisdiction.objects.get(code="360102")
    # until the demo wires demo_cards itself
    line = "wired" if CardReview.objects.exists() else demo_cards(district, today=DAY)
    unit = Unit.objects.get(jurisdiction=district, short_name="区住建局")
    mine = Card.objects.filter(unit=unit, status="issued")
    assert mine.filter(color="yellow").count() == 2
    red = mine.get(color="red")
    assert set(red.from_cards.all()) == set(mine.filter(color="yellow"))
    assert CardAppeal.objects.filter(card=red, status="pending").count() == 1
    revoked = Card.objects.filter(jurisdiction=district, status="revoked").exclude(revoke_reason="")
    assert revoked.filter(revoke_reason__startswith="审定未予发牌：").exists()
    assert CardReview.objects.filter(jurisdiction=district).exists()
    assert line == "wired" or "区住建局 黄牌 2 张、红牌 1 张，申诉待处理 1 件" in line
    assert demo_cards(district, today=DAY).startswith("黄牌红牌：已有")
