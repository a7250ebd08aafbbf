"""Table tests of the card ladder (WH19 四(二), 五, 附件3 第4行): pure data in, what the rules call for out."""

from datetime import date

import pytest

from tuijin.core.rules import ruleset_schema
from tuijin.supervision import card_rules as cr
from tuijin.supervision.card_rules import CardFact, CardRules, SlipFact

WH19 = CardRules(basis="notice", source=cr.DEFAULT_SOURCE)
ROLLING = CardRules(period="rolling_12_months", basis="notice", source=cr.DEFAULT_SOURCE)
QUARTER = CardRules(period="quarter", basis="notice", source=cr.DEFAULT_SOURCE)
UNIT = 7


def slips(n, unit=UNIT, start=date(2024, 3, 1)):
    return [SlipFact(i + 1, unit, start.replace(day=1 + i), f"督办单〔2024〕第{i + 1}号") for i in range(n)]


def yellow(i, status="issued", day=date(2024, 3, 4), cfg=WH19, unit=UNIT, appeal=False):
    return CardFact(
        id=i,
        unit_id=unit,
        color="yellow",
        status=status,
        period=cr.period_key(day, cfg),
        day=day,
        slip_id=i,
        appeal_pending=appeal,
        label=f"黄牌#{i}",
    )


def red(i, from_ids, status="issued", day=date(2024, 4, 1), cfg=WH19, unit=UNIT):
    return CardFact(
        id=i,
        unit_id=unit,
        color="red",
        status=status,
        period=cr.period_key(day, cfg),
        day=day,
        from_ids=tuple(from_ids),
        label=f"红牌#{i}",
    )


# --- 督办单 → proposed yellow cards ----------------------------------------------------------------


@pytest.mark.parametrize(("supervised", "yellows"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)])
def test_each_supervision_proposes_one_yellow(supervised, yellows):
    result = cr.ladder(slips(supervised), [], WH19, "2024")
    assert len(result.yellow_due) == yellows
    assert result.red_due == []  # proposed yellows make no red card before they are issued


def test_a_slip_that_already_has_a_card_never_proposes_again_even_if_revoked():
    cards = [yellow(1), yellow(2, status="revoked")]
    result = cr.ladder(slips(3), cards, WH19, "2024")
    assert [d.slip.id for d in result.yellow_due] == [3]


def test_yellow_reason_names_the_slip_its_source_and_the_rule():
    fact = SlipFact(5, UNIT, date(2024, 3, 5), "督办单〔2024〕第5号", "问题 P2024-3 用地红线未确定")
    reason = cr.yellow_reason([fact], WH19)
    assert reason.startswith("督办单〔2024〕第5号（来源：问题 P2024-3 用地红线未确定）")
    assert "督办1次给予“黄牌”预警（WH19 四(二)）" in reason


def test_two_supervisions_per_yellow_groups_the_slips():
    cfg = CardRules(supervisions_per_yellow=2)
    result = cr.ladder(slips(5), [], cfg, "2024")
    assert [(d.slip.id, [s.id for s in d.slips]) for d in result.yellow_due] == [(2, [1, 2]), (4, [3, 4])]


# --- issued yellows → red cards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "reds"),
    [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)],
)
def test_each_pair_of_issued_yellows_makes_a_red_due(issued, reds):
    cards = [yellow(i + 1, day=date(2024, 3, 1 + i)) for i in range(issued)]
    result = cr.ladder(slips(issued), cards, WH19, "2024")
    assert len(result.red_due) == reds
    if reds:
        assert [y.id for y in result.red_due[0].yellows] == [1, 2]
        assert "按“黄牌”预警2次给予“红牌”警告（WH19 五）" in result.red_due[0].reason


def test_proposed_yellows_do_not_count():
    cards = [yellow(1), yellow(2, status="proposed")]
    assert cr.ladder([], cards, WH19, "2024").red_due == []


def test_a_revoked_yellow_does_not_count():
    cards = [yellow(1), yellow(2, status="revoked"), yellow(3, day=date(2024, 5, 6))]
    result = cr.ladder([], cards, WH19, "2024")
    assert [[y.id for y in d.yellows] for d in result.red_due] == [[1, 3]]


def test_yellows_already_in_a_red_are_not_used_again():
    cards = [yellow(1), yellow(2), red(10, [1, 2], status="proposed"), yellow(3)]
    assert cr.ladder([], cards, WH19, "2024").red_due == []
    cards = [yellow(1), yellow(2), red(10, [1, 2]), yellow(3), yellow(4)]
    assert [[y.id for y in d.yellows] for d in cr.ladder([], cards, WH19, "2024").red_due] == [[3, 4]]


def test_a_red_revoked_on_its_own_merits_keeps_its_yellows():
    cards = [yellow(1), yellow(2), red(10, [1, 2], status="revoked")]
    assert cr.ladder([], cards, WH19, "2024").red_due == []


def test_an_appeal_pending_holds_the_yellow_back():
    cards = [yellow(1), yellow(2, appeal=True)]
    result = cr.ladder([], cards, WH19, "2024")
    assert result.red_due == []
    assert "申诉待处理" in result.waiting[UNIT]


def test_a_proposed_red_whose_yellow_was_revoked_is_withdrawn_and_frees_the_other():
    cards = [yellow(1), yellow(2, status="revoked"), red(10, [1, 2], status="proposed"), yellow(3)]
    result = cr.ladder([], cards, WH19, "2024")
    assert [w.card.id for w in result.withdraw] == [10]
    assert "所依据的黄牌已撤销（黄牌#2）" in result.withdraw[0].reason
    assert [[y.id for y in d.yellows] for d in result.red_due] == [[1, 3]]


def test_units_count_separately():
    cards = [yellow(1, unit=1), yellow(2, unit=2)]
    assert cr.ladder([], cards, WH19, "2024").red_due == []


# --- periods ----------------------------------------------------------------------------------------------


def test_yellows_across_the_year_boundary_with_period_year():
    cards = [yellow(1, day=date(2023, 12, 20)), yellow(2, day=date(2024, 1, 8))]
    assert cr.ladder([], cards, WH19, "2024").red_due == []
    assert cr.ladder([], cards, WH19, "2023").red_due == []


def test_yellows_across_the_year_boundary_with_a_rolling_window():
    cards = [yellow(1, day=date(2023, 12, 20), cfg=ROLLING), yellow(2, day=date(2024, 1, 8), cfg=ROLLING)]
    assert [[y.id for y in d.yellows] for d in cr.ladder([], cards, ROLLING, "2024-01").red_due] == [[1, 2]]
    # a year later the December card has left the window
    assert cr.ladder([], cards, ROLLING, "2024-12").red_due == []


def test_quarter_periods():
    cards = [yellow(1, day=date(2024, 3, 28), cfg=QUARTER), yellow(2, day=date(2024, 4, 2), cfg=QUARTER)]
    assert cr.ladder([], cards, QUARTER, "2024Q2").red_due == []
    assert cr.period_bounds("2024Q2", QUARTER) == (date(2024, 4, 1), date(2024, 6, 30))


@pytest.mark.parametrize(
    ("cfg", "day", "key"),
    [
        (WH19, date(2024, 12, 31), "2024"),
        (QUARTER, date(2024, 12, 31), "2024Q4"),
        (QUARTER, date(2024, 1, 1), "2024Q1"),
        (ROLLING, date(2024, 3, 9), "2024-03"),
    ],
)
def test_period_key(cfg, day, key):
    assert cr.period_key(day, cfg) == key


def test_rolling_bounds_and_membership():
    assert cr.period_bounds("2024-03", ROLLING) == (date(2023, 4, 1), date(2024, 3, 31))
    assert cr.in_period("2023-04", "2024-03", ROLLING)
    assert not cr.in_period("2023-03", "2024-03", ROLLING)
    assert not cr.in_period("2024-04", "2024-03", ROLLING)


def test_recent_periods():
    assert cr.recent_periods(date(2024, 2, 1), WH19, 3) == ["2024", "2023", "2022"]
    assert cr.recent_periods(date(2024, 2, 1), QUARTER, 3) == ["2024Q1", "2023Q4", "2023Q3"]
    assert cr.recent_periods(date(2024, 2, 1), ROLLING, 3) == ["2024-02", "2024-01", "2023-12"]


# --- issued reds → notice list and referral --------------------------------------------------------------


@pytest.mark.parametrize(("reds", "referrals"), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)])
def test_two_reds_put_the_unit_on_the_notice_list_and_make_one_referral(reds, referrals):
    cards = [red(10 + i, [], day=date(2024, 4 + i, 1)) for i in range(reds)]
    result = cr.ladder([], cards, WH19, "2024")
    assert len(result.referral_due) == referrals
    assert result.notice_units == ([UNIT] if referrals else [])
    if referrals:
        reason = result.referral_due[0].reason
        assert "每月最后一次主任办公会通报" in reason and "经分管领导同意后提交纪委（监察委）问责" in reason


def test_proposed_or_revoked_reds_do_not_count_for_referral():
    cards = [red(10, []), red(11, [], status="proposed"), red(12, [], status="revoked")]
    assert cr.ladder([], cards, WH19, "2024").referral_due == []


def test_red_issue_problem():
    assert cr.red_issue_problem([yellow(1), yellow(2)], WH19) == ""
    assert "只有 1 张" in cr.red_issue_problem([yellow(1)], WH19)
    assert "未签发或已撤销" in cr.red_issue_problem([yellow(1), yellow(2, status="revoked")], WH19)
    assert "同一单位" in cr.red_issue_problem([yellow(1), yellow(2, unit=8)], WH19)


# --- the [cards] section -------------------------------------------------------------------------------


def test_card_rules_from_data_and_defaults():
    assert cr.card_rules(None) == CardRules()
    cfg = cr.card_rules(
        {"cards": {"yellows_per_red": 3, "period": "quarter", "source": "X", "basis": "default"}}
    )
    assert (cfg.yellows_per_red, cfg.period, cfg.supervisions_per_yellow) == (3, "quarter", 1)
    assert cfg.cite("五") == "X"
    assert CardRules(basis="default").cite("五") == "默认取 WH19 五"


def test_section_validates():
    good = {
        "supervisions_per_yellow": 1,
        "yellows_per_red": 2,
        "reds_per_referral": 2,
        "period": "year",
        "source": "WH19 四(二)",
    }
    assert [p for p in ruleset_schema.validate({"cards": good}) if p.path.startswith("cards")] == []
    bad = {**good, "period": "month", "yellows_per_red": 0}
    paths = {p.path for p in ruleset_schema.validate({"cards": bad})}
    assert {"cards.period", "cards.yellows_per_red"} <= paths
