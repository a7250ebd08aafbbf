"""The DH24, NC20 and KF19 rule sets: they load through the rule-set schema, a wrong rule item is named in
Chinese, and a small scenario computes end to end (rules.compute) to totals worked by hand."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from tuijin.core.rules import ruleset_schema as schema
from tuijin.scoring import rules as engine
from tuijin.scoring.rules import ExemptionFact, NodeFact, parse_period

from .kinds_facts import facts, project, unit
from .rules_builders import preset_data

SLUGS = ["donghu-2024", "nanchang-2020", "kaifeng-2019"]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_preset_loads_and_every_rule_kind_is_registered(slug: str) -> None:
    rules = engine.score_rules(preset_data(slug))
    assert rules.rules
    assert all(engine.get_kind(r.kind) is not None for r in rules.rules)
    for period in rules.periods:
        cats = rules.categories_for(period)
        assert sum(c.weight for c in cats) == rules.weights_total
        assert rules.rules_for(period)


def test_preset_periods() -> None:
    assert engine.score_rules(preset_data("donghu-2024")).periods == ("month", "quarter", "year")
    assert engine.score_rules(preset_data("nanchang-2020")).periods == ("month", "year")
    assert engine.score_rules(preset_data("kaifeng-2019")).periods == ("month", "year")


def problems_after(slug: str, change) -> list[str]:
    data = copy.deepcopy(preset_data(slug))
    change(data)
    return [str(p) for p in schema.validate(data, file=f"{slug}.toml")]


def item(data: dict, kind: str) -> dict:
    return next(i for i in data["scoring"]["rules"] if i["kind"] == kind)


def test_declarations_without_its_points_is_named() -> None:
    def drop(data):
        del item(data, "declarations")["max_points"]

    assert any(
        "scoring.rules" in p and "规则类型 declarations 须写明 max_points（最高分（最多者））" in p
        for p in problems_after("donghu-2024", drop)
    )


def test_declarations_max_must_exceed_min() -> None:
    def swap(data):
        item(data, "declarations")["max_points"] = 6

    assert any("最高分 6 应大于最低分 6" in p for p in problems_after("donghu-2024", swap))


def test_a_share_of_a_count_is_refused() -> None:
    def count(data):
        item(data, "indicator_share")["indicator"] = "project_count"

    found = problems_after("nanchang-2020", count)
    assert any("规则类型 indicator_share 的指标应为以下之一：start_rate（开工率）" in p for p in found)


def test_by_node_only_for_chain_progress() -> None:
    def by_node(data):
        item(data, "indicator_share")["by"] = "node"

    found = problems_after("kaifeng-2019", by_node)
    assert any("只适用于链条推进率 chain_progress" in p for p in found)


def test_tagged_needs_tags_or_an_investment_floor() -> None:
    def bare(data):
        rule = item(data, "tagged")
        del rule["tags"], rule["min_investment"]

    found = problems_after("kaifeng-2019", bare)
    assert any("须写明项目标签 tags 或总投资下限 min_investment" in p for p in found)


def test_an_unknown_stage_is_named() -> None:
    def typo(data):
        item(data, "pipeline")["stages"]["sign"] = 1

    found = problems_after("kaifeng-2019", typo)
    assert any('有未知的键 "sign"' in p for p in found)


def test_a_key_of_another_kind_is_refused() -> None:
    def stray(data):
        item(data, "approval_days")["stages"] = {"planning": 1}

    found = problems_after("kaifeng-2019", stray)
    assert any('"stages" 不适用于规则类型 approval_days' in p for p in found)


# ---------------------------------------------------------------------------------------------------
# NC20: a month computed end to end


def nc20_facts():
    units = [unit(1, "南昌县", "government"), unit(2, "市住建局"), unit(3, "市交通局")]
    projects = [
        project(1, 1, plan_type="new_start", planned_start=date(2024, 3, 1), started_on=date(2024, 3, 5)),
        project(2, 1, plan_type="new_start", planned_start=date(2024, 5, 1), planned_start_precision="month"),
        project(
            3,
            1,
            plan_type="continuing",
            planned_investment=Decimal(1200),
            planned_investment_to_date=Decimal(800),
            completed_investment=Decimal(600),
            previous_investment=Decimal(400),
            nodes=(
                NodeFact(1, "施工许可", "approval", "", date(2024, 4, 1), date(2024, 3, 30), 1),
                NodeFact(2, "主体封顶", "construction", "", date(2024, 5, 1), None, 1),
            ),
        ),
        project(4, 2, plan_type="new_start", planned_start=date(2024, 2, 1), started_on=date(2024, 2, 1)),
        project(
            5,
            2,
            plan_type="continuing",
            planned_investment_to_date=Decimal(300),
            completed_investment=Decimal(300),
            previous_investment=Decimal(300),
        ),
        project(
            6,
            3,
            plan_type="continuing",
            planned_investment_to_date=Decimal(400),
            completed_investment=Decimal(100),
            previous_investment=Decimal(200),
        ),
        project(7, 3, plan_type="reserve"),
    ]
    return facts("2024-06", units, projects)


def test_nc20_month_end_to_end() -> None:
    """Each category 0–100, weight 20:
    项目数量 (listed 3, 2, 2; 60–100):        南昌县 100, 住建局 60, 交通局 60
    投资额 (done 600, 300, 100; 30–50):        50; (300 − 100) ÷ (600 − 100) × 20 + 30 = 38; 30
    增速 (+50 %, 0 %, −50 %; 30–50):           50; (0 + 50) ÷ (50 + 50) × 20 + 30 = 40; 30
    开工 (1 of 2; 1 of 1; none due → full):   50, 100, 100
    投资完成 (600/800, 300/300, 100/400):      75, 100, 25
    链条 (1 of 2 on time; none; none → full): 50, 100, 100
    totals × 0.2: 南昌县 (100+100+50+75+50) = 375 → 75.00; 住建局 (60+78+100+100+100) = 438 → 87.60;
    交通局 (60+60+100+25+100) = 345 → 69.00."""
    result = engine.compute(engine.score_rules(preset_data("nanchang-2020")), nc20_facts())
    got = {u: (r.categories, r.total, r.rank) for u, r in result.units.items()}
    assert got == {
        1: (_cats(100, 100, 50, 75, 50), Decimal("75.00"), 2),
        2: (_cats(60, 78, 100, 100, 100), Decimal("87.60"), 1),
        3: (_cats(60, 60, 100, 25, 100), Decimal("69.00"), 3),
    }
    assert {r.group for r in result.units.values()} == {"all_units"}
    growth = next(e for e in result.units[2].events if e.key == "indicator_normalised:investment_growth")
    assert growth.weighted == Decimal("8.0000")  # 40 × 20 ÷ 100
    assert "（0 − (-50)）÷（50 − (-50)）× 20 + 30 = 40.00 分" in growth.sentence
    assert growth.sentence.endswith("（默认取 DH24 五(四) 分组比较公式，本项 50～30 分）")


def _cats(*scores: int) -> dict[str, Decimal]:
    keys = ["project_count", "investment", "starts", "investment_done", "chain"]
    return {k: Decimal(s).quantize(Decimal("0.0001")) for k, s in zip(keys, scores, strict=True)}


# ---------------------------------------------------------------------------------------------------
# KF19: a year computed end to end, counties and city units ranked apart


def kf19_facts():
    units = [unit(1, "兰考县", "government"), unit(2, "杞县", "government"), unit(3, "市发改委")]
    projects = [
        project(
            1,
            1,
            plan_type="new_start",
            planned_start=date(2024, 3, 1),
            started_on=date(2024, 3, 10),
            tags=("省重点",),
            planned_investment=Decimal(1000),
            completed_investment=Decimal(900),
            approval_clock={"days": 70, "limit": 80, "done": True},
            stage_dates={"signed": date(2024, 1, 15), "landed": date(2024, 2, 10)},
        ),
        project(
            2,
            1,
            plan_type="completion",
            planned_completion=date(2024, 10, 1),
            completed_on=date(2024, 9, 20),
            planned_investment=Decimal(1000),
            completed_investment=Decimal(1100),
        ),
        project(
            3,
            2,
            plan_type="new_start",
            planned_start=date(2024, 5, 1),
            tags=("8+1产业链",),
            planned_investment=Decimal(2000),
            completed_investment=Decimal(1000),
        ),
        project(
            4,
            2,
            plan_type="new_start",
            planned_start=date(2024, 6, 1),
            started_on=date(2024, 7, 1),
            total_investment=Decimal(150000),
            signed_on=date(2024, 2, 1),
            stage_dates={"signed": date(2024, 2, 1)},
            approval_clock={"days": 90, "limit": 80, "done": True},
        ),
        project(
            5,
            3,
            plan_type="continuing",
            tags=("500强", "省重点"),
            signed_on=date(2023, 5, 1),
            planned_investment=Decimal(500),
            completed_investment=Decimal(500),
        ),
    ]
    return facts("2024", units, projects)


def test_kf19_year_end_to_end() -> None:
    """兰考县: 开工 1/1, 投资 2000/2000, 竣工 1/1 → 100 × 0.4 + 100 × 0.4 + 100 × 0.2 = 100;
    adjustments: 签约 1.5 + 落地 2 + 省重点 1 + 审批提前 10 日 × 0.1 = 1 → 5.5 → 105.50.
    杞县: 开工 1/2 = 50, 投资 1000/2000 = 50, 竣工 none → full 100 → 20 + 20 + 20 = 60;
    adjustments: 8+1 1 + 10 亿元以上 2 + 签约 1.5 − 审批超时 10 日 × 0.1 = 1 → 3.5 → 63.50.
    市发改委: nothing due → full 100, 投资 500/500 → 100; 省重点 +1 (its 500强 signed in 2023) → 101.00."""
    result = engine.compute(engine.score_rules(preset_data("kaifeng-2019")), kf19_facts())
    got = {u: (r.group, r.adjustments, r.total, r.rank) for u, r in result.units.items()}
    assert got == {
        1: ("counties", Decimal("5.5000"), Decimal("105.50"), 1),
        2: ("counties", Decimal("3.5000"), Decimal("63.50"), 2),
        3: ("city_units", Decimal("1.0000"), Decimal("101.00"), 1),
    }
    keys = sorted(e.key for e in result.units[2].events)
    assert keys == [
        "approval_days:p4",
        "indicator_share:completion_rate",
        "indicator_share:investment_rate",
        "indicator_share:start_rate",
        "pipeline:p4:signed",
        "tagged:big:p4",
        "tagged:chain_8_1:p3",
    ]


# ---------------------------------------------------------------------------------------------------
# DH24: the year (quarter average + declarations), a quarter with an exemption, a month


def test_dh24_year_is_the_quarter_average_plus_declarations() -> None:
    """区发改委: (90 + 80 + 100 + 94) ÷ 4 = 91 + 申报 5 个 (most) 10 → 101.00;
    区住建局: 80 + 申报 3 个 (least) 6 → 86.00; 公园街道 alone in 镇街: 77.5 + 10 → 87.50."""
    units = [unit(1, "区发改委"), unit(2, "区住建局"), unit(11, "公园街道", "street")]
    projects = [project(i, 1, planning_on=date(2024, 2, i)) for i in range(1, 6)]
    projects += [project(i, 2, planning_on=date(2024, 3, 1)) for i in range(6, 9)]
    projects += [project(i, 11, planning_on=date(2024, 8, 1)) for i in range(9, 11)]
    quarters = {
        1: {"2024Q1": Decimal(90), "2024Q2": Decimal(80), "2024Q3": Decimal(100), "2024Q4": Decimal(94)},
        2: {f"2024Q{q}": Decimal(80) for q in range(1, 5)},
        11: {"2024Q1": Decimal(70), "2024Q2": Decimal(75), "2024Q3": Decimal(80), "2024Q4": Decimal(85)},
    }
    result = engine.compute(
        engine.score_rules(preset_data("donghu-2024")),
        facts("2024", units, projects, quarter_totals=quarters),
    )
    got = {u: (r.group, r.adjustments, r.total) for u, r in result.units.items()}
    assert got == {
        1: ("district_units", Decimal("10.0000"), Decimal("101.00")),
        2: ("district_units", Decimal("6.0000"), Decimal("86.00")),
        11: ("towns", Decimal("10.0000"), Decimal("87.50")),
    }
    town = next(e for e in result.units[11].events if e.kind == "declarations")
    assert "本组各单位相同（均为 2），都是最多的，按规则集计最高分 10.00 分" in town.sentence


def dh24_quarter_facts(key: str, exemptions=()):
    units = [unit(1, "区发改委"), unit(2, "区住建局")]
    projects = [
        # planned April (to the month): late from 2024-05-01
        project(
            1,
            1,
            plan_type="new_start",
            planned_start=date(2024, 4, 1),
            planned_start_precision="month",
            person_id=7,
        ),
        # planned 2024-04-10: late from 2024-04-11
        project(2, 1, plan_type="new_start", planned_start=date(2024, 4, 10), person_id=7),
        project(3, 2, plan_type="new_start", planned_start=date(2024, 3, 1), started_on=date(2024, 3, 1)),
    ]
    return facts(key, units, projects, exemptions=tuple(exemptions))


def test_dh24_quarter_exempts_a_signed_late_start() -> None:
    """Two late starts of 区发改委 in 2024Q2 (−4 each); project 1's May is exempted (signed by both leaders)
    → 新开工 100 − 4 = 96 → 96 × 0.4 + 100 × 0.3 + 100 × 0.3 = 98.40."""
    signed = "挂点领导 张三、分管领导 李四"
    exemption = ExemptionFact(id=9, project_id=1, unit_id=1, month="2024-05", signed_by=signed)
    rules = engine.score_rules(preset_data("donghu-2024"))
    result = engine.compute(rules, dh24_quarter_facts("2024Q2", [exemption]))
    one = result.units[1]
    late = {e.key: e for e in one.events if e.kind == "late_start"}
    assert {k: (e.points, e.exempted_points) for k, e in late.items()} == {
        "late_start:p1": (Decimal("0.0000"), Decimal("-4.0000")),
        "late_start:p2": (Decimal("-4.0000"), None),
    }
    assert late["late_start:p1"].sentence.endswith(f"（客观原因免扣分：{signed}签字同意）")
    assert one.categories["new_starts"] == Decimal("96.0000")
    assert one.total == Decimal("98.40")
    # without the exemption: 100 − 8 = 92 → 92 × 0.4 + 60 = 96.80
    assert engine.compute(rules, dh24_quarter_facts("2024Q2")).units[1].total == Decimal("96.80")


def test_dh24_month_scores_like_the_quarter() -> None:
    """2024-05: only project 1's first late day (05-01) falls in May → −4 → 98.40; no card or place rules."""
    rules = engine.score_rules(preset_data("donghu-2024"))
    result = engine.compute(rules, dh24_quarter_facts("2024-05"))
    assert [e.key for e in result.units[1].events] == ["late_start:p1"]
    assert result.units[1].total == Decimal("98.40")
    assert parse_period("2024-05").kind in rules.periods
