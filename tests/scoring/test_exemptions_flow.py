"""End to end with the real engine: WH19's rules with DH24's exemption added; a late start costs 区发改委
4 points in 2024Q2; once both leaders sign the June exemption, the open quarter is computed again and
the deduction is shown as exempted, with who signed."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from tests.scoring.exemption_factories import EXEMPTION, project_leader, wanghai
from tests.scoring.score_factories import heads_log, late_project, use_wuhan  # noqa: F401  (fixture)
from tuijin.core.models import RuleSetVersion
from tuijin.scoring import exemption_services as svc
from tuijin.scoring.models import ScoreEntry, UnitScore
from tuijin.scoring.services import period_close, score_run

TODAY = date(2024, 6, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2024-06-20 10:00 +0800", tick=False):
        yield


@pytest.fixture
def wh19_with_exemption(world):
    base = use_wuhan(world)
    data = dict(base.data)
    data["scoring"] = {**data["scoring"], "exemption": dict(EXEMPTION)}
    return RuleSetVersion.objects.create(
        rule_set=base.rule_set, number=base.number + 1, data=data, sha256="y"
    )


def late_entry() -> ScoreEntry:
    return ScoreEntry.objects.get(kind="late_start")


def test_granting_exempts_the_late_start_in_the_open_quarter(world, wh19_with_exemption):
    late = late_project(world, lead_leader=project_leader(world))
    score_run(jurisdiction=world.district, period_key="2024Q2", today=TODAY)
    assert late_entry().points == Decimal(-4)
    before = UnitScore.objects.get(unit=world.dept).total

    e = svc.exemption_apply(
        by=world.unit_head, project=late, month="2024-06", reason="用地报批暂停", today=TODAY
    )
    svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    assert late_entry().points == Decimal(-4)  # one signature changes nothing
    out = svc.exemption_sign(by=world.leader, exemption=e, agree=True)

    assert out.recomputed == ["2024Q2"]
    entry = late_entry()
    assert (entry.points, entry.exempted_points, entry.exemption_id) == (Decimal(0), Decimal(-4), e.pk)
    assert "客观原因免扣分" in entry.sentence
    assert "王海" in entry.sentence and "林志远" in entry.sentence
    after = UnitScore.objects.get(unit=world.dept).total
    assert after - before == Decimal("1.60")  # 4 × 40 ÷ 100 given back
    assert list(e.entries.all()) == [entry]


@pytest.mark.usefixtures("heads_log")
def test_a_closed_quarter_is_listed_not_recomputed(world, wh19_with_exemption):
    late = late_project(world, lead_leader=project_leader(world))
    e = svc.exemption_apply(
        by=world.unit_head, project=late, month="2024-06", reason="用地报批暂停", today=TODAY
    )
    with time_machine.travel("2024-07-05 10:00 +0800", tick=False):
        score_run(jurisdiction=world.district, period_key="2024Q2", today=date(2024, 7, 5))
        period_close(period=late_entry().period, today=date(2024, 7, 5))
        svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
        out = svc.exemption_sign(by=world.leader, exemption=e, agree=True)
    assert (out.recomputed, out.closed) == ([], ["2024Q2"])
    assert "2024Q2已关账，须由项目办重新计算生成更正记录" in out.effect()
    assert ScoreEntry.objects.filter(kind="late_start").count() == 1
    assert late_entry().points == Decimal(-4)
