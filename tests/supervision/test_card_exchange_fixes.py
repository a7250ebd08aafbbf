"""The exchange carries the cards' official numbers (an import keeps them and the numbering continues after
them) and refuses issued red cards and referrals that skip the ladder (review 19)."""

import copy

import pytest

from tests.meetings.exchange_scene import build_scene, clear_scene
from tests.projects.test_exchange_library import empty_installation
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.problems.models import Counter
from tuijin.supervision.models import Card

pytestmark = pytest.mark.django_db


def cards(data):
    return data["sections"]["supervision"]["cards"]


@pytest.fixture
def scene(world):
    build_scene(world)  # writes its cards by hand: number the issued ones as card_issue would
    for color in ("yellow", "red"):
        for n, card in enumerate(Card.objects.filter(color=color, status="issued").order_by("id"), 1):
            Card.objects.filter(pk=card.pk).update(year=2024, number=n)
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def _fresh(scene):
    clear_scene()
    empty_installation()
    Counter.objects.all().delete()
    return copy.deepcopy(scene)


def test_numbers_go_out_and_come_back_and_the_counter_follows(world, scene):
    numbered = [(c["color"], c["year"], c["number"]) for c in cards(scene) if c["status"] == "issued"]
    assert numbered and all(n is not None for _, _, n in numbered)
    data = _fresh(scene)
    report = exchange_import(actor=None, data=exchange_dumps(data).encode())
    assert report.ok, report.summary()
    assert sorted(Card.objects.filter(status="issued").values_list("color", "year", "number")) == sorted(
        numbered
    )
    top = max(n for color, _, n in numbered if color == "yellow")
    assert Counter.objects.get(series="card_yellow").last == top


def test_a_number_used_twice_is_refused(world, scene):
    data = copy.deepcopy(scene)
    yellows = [c for c in cards(data) if c["color"] == "yellow" and c["number"]]
    yellows[1]["number"] = yellows[0]["number"]
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok


def test_an_issued_red_on_one_yellow_is_refused(world, scene):
    data = _fresh(scene)
    red = next(c for c in cards(data) if c["color"] == "red")
    assert red["status"] == "issued"
    red["from_cards"] = red["from_cards"][:1]
    report = exchange_import(actor=None, data=exchange_dumps(data).encode())
    assert not report.ok
    assert any("红牌须依据 2 张已发黄牌" in issue.message for issue in report.errors), report.summary()


def test_a_red_on_a_proposed_yellow_is_refused(world, scene):
    data = _fresh(scene)
    first = next(c for c in cards(data) if c["color"] == "yellow")
    first.update(status="proposed", issued_at=None, issued_by=None, year=None, number=None, appeals=[])
    report = exchange_import(actor=None, data=exchange_dumps(data).encode())
    assert not report.ok
    assert any("未签发或已撤销" in issue.message for issue in report.errors), report.summary()
