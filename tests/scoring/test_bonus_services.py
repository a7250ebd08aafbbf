"""WH19 四(四) bonus points (奖励加分): the office proposes for a year, a leader of the jurisdiction
approves or refuses; proposed and approved points of a unit stay within `[scoring.year].bonus_max`."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import account
from tests.scoring.exemption_factories import period, with_rules, year
from tuijin.core.access import AccessDenied
from tuijin.org.models import Role
from tuijin.scoring import exemption_services as svc
from tuijin.scoring.models import Bonus, ScorePeriod


@pytest.fixture
def y(world):
    return year(world, with_rules(world))


def propose(world, y, points="2", unit=None, reason="获省政府通报表扬", **kw):
    return svc.bonus_propose(
        by=world.admin, period=y, unit=unit or world.dept, points=points, reason=reason, **kw
    )


def test_office_proposes(world, y):
    b = propose(world, y, "2.5", document="赣府办字〔2024〕8号")
    assert (b.status, b.points, b.proposed_by, b.document) == (
        "proposed",
        Decimal("2.5"),
        world.admin,
        "赣府办字〔2024〕8号",
    )


@pytest.mark.parametrize("who", ["leader", "unit_head", "reporter", "supervisor", "discipline"])
def test_only_the_office_proposes(world, y, who):
    with pytest.raises(AccessDenied):
        svc.bonus_propose(by=getattr(world, who), period=y, unit=world.dept, points="1", reason="表扬")


def test_office_of_another_district_cannot_propose(world, y):
    with pytest.raises(AccessDenied):
        svc.bonus_propose(by=world.foreign_admin, period=y, unit=world.dept, points="1", reason="表扬")


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "加分应大于 0 且不超过 5 分，填的是 0。"),
        ("-1", "加分应大于 0 且不超过 5 分，填的是 -1。"),
        ("5.5", "加分应大于 0 且不超过 5 分，填的是 5.5。"),
        ("abc", "加分“abc”不是数字。"),
        ("1.255", "加分最多保留两位小数。"),
    ],
)
def test_points_out_of_range_are_refused(world, y, points, message):
    with pytest.raises(ValidationError) as exc:
        propose(world, y, points)
    assert exc.value.message_dict["points"] == [message]


def test_five_points_is_the_most(world, y):
    assert propose(world, y, "5").points == Decimal(5)


def test_the_years_sum_may_not_pass_the_allowance(world, y):
    propose(world, y, "3")
    with pytest.raises(ValidationError) as exc:
        propose(world, y, "2.5", reason="超额完成目标任务")
    assert exc.value.message_dict["points"] == [
        "区发展和改革委员会2024年度已批准和待审批的奖励加分已有 3 分，每单位每年最高加 5 分，最多还能加 2 分。"
    ]
    assert propose(world, y, "2").points == Decimal(2)  # exactly the remaining allowance
    assert propose(world, y, "5", unit=world.other_dept).points == Decimal(5)  # per unit


def test_refused_bonuses_free_the_allowance(world, y):
    b = propose(world, y, "4")
    svc.bonus_decide(by=world.leader, bonus=b, approve=False, note="依据不足")
    assert propose(world, y, "5").points == Decimal(5)


def test_reason_is_required(world, y):
    with pytest.raises(ValidationError) as exc:
        propose(world, y, reason=" ")
    assert "reason" in exc.value.message_dict


def test_only_year_periods(world):
    q = period(world, "2024Q2", version=with_rules(world))
    with pytest.raises(ValidationError) as exc:
        propose(world, q)
    assert exc.value.message_dict["period"] == ["奖励加分计入年度考核；2024Q2不是年度考核期间。"]


def test_closed_year_is_refused(world, y):
    ScorePeriod.objects.filter(pk=y.pk).update(status="closed")
    y.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        propose(world, y)
    assert exc.value.message_dict["period"] == ["2024年度考核期间已关账，不能再提出奖励加分。"]


def test_rule_set_without_allowance_is_refused(world):
    y = year(world, with_rules(world, bonus_max=None))
    with pytest.raises(ValidationError) as exc:
        propose(world, y)
    assert "没有奖励加分上限" in exc.value.messages[0]


def test_unit_of_another_jurisdiction_is_refused(world, y):
    with pytest.raises(ValidationError) as exc:
        propose(world, y, unit=world.foreign_unit)
    assert exc.value.message_dict["unit"] == ["青山湖区发改委不是东湖区的责任单位。"]


def test_leader_approves(world, y):
    out = svc.bonus_decide(by=world.leader, bonus=propose(world, y), approve=True)
    b = out.record
    assert (b.status, b.decided_by) == ("approved", world.leader)
    assert b.decided_at is not None


def test_leader_refuses_with_a_note(world, y):
    with pytest.raises(ValidationError) as exc:
        svc.bonus_decide(by=world.leader, bonus=propose(world, y), approve=False)
    assert exc.value.message_dict["note"] == ["不批准时须写明理由。"]
    b = svc.bonus_decide(by=world.leader, bonus=Bonus.objects.get(), approve=False, note="依据不足").record
    assert (b.status, b.decided_note) == ("refused", "依据不足")


@pytest.mark.parametrize("who", ["admin", "unit_head", "supervisor"])
def test_only_a_leader_decides(world, y, who):
    with pytest.raises(AccessDenied):
        svc.bonus_decide(by=getattr(world, who), bonus=propose(world, y), approve=True)


def test_leader_of_another_district_cannot_decide(world, y):
    stranger = account("qsh_leader", Role.LEADER, world.other_district)
    with pytest.raises(AccessDenied):
        svc.bonus_decide(by=stranger, bonus=propose(world, y), approve=True)


def test_deciding_twice_is_refused(world, y):
    b = propose(world, y)
    svc.bonus_decide(by=world.leader, bonus=b, approve=True)
    with pytest.raises(ValidationError) as exc:
        svc.bonus_decide(by=world.leader, bonus=b, approve=True)
    assert exc.value.messages == ["该奖励加分已批准，不能再审批。"]


def test_approval_rechecks_the_allowance_of_approved_points(world, y):
    first = propose(world, y, "3")
    Bonus.objects.create(
        period=y,
        unit=world.dept,
        points=Decimal("3"),
        reason="导入",
        proposed_by=world.admin,
        status="approved",
    )
    with pytest.raises(ValidationError) as exc:
        svc.bonus_decide(by=world.leader, bonus=first, approve=True)
    assert "最多还能加 2 分" in exc.value.message_dict["points"][0]
    first.refresh_from_db()
    assert first.status == "proposed"


def test_year_period_is_created_open_with_the_rule_set_in_force(world):
    version = with_rules(world)
    y = svc.year_period_open(jurisdiction=world.district, year=2024)
    assert (y.key, y.kind, y.status, y.rule_version) == ("2024", "year", "open", version)
    assert (y.start.isoformat(), y.end.isoformat()) == ("2024-01-01", "2024-12-31")
    assert svc.year_period_open(jurisdiction=world.district, year=2024) == y


def test_year_period_without_rule_set_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        svc.year_period_open(jurisdiction=world.district, year=2024)
    assert exc.value.messages == ["东湖区尚未选择规则集，不能登记2024年度的奖励加分。"]


def test_approval_recomputes_a_computed_open_year(world, y, monkeypatch):
    import tuijin.scoring.services as services

    calls = []
    monkeypatch.setattr(services, "score_run", lambda **kw: calls.append(kw["period_key"]))
    ScorePeriod.objects.filter(pk=y.pk).update(computed_at="2024-06-01T00:00:00Z")
    out = svc.bonus_decide(by=world.leader, bonus=propose(world, y), approve=True)
    assert calls == ["2024"]
    assert out.recomputed == ["2024"]
