"""The scoring engine's arithmetic beyond single rows: ties and tie-breaking, ranking groups, places and
rectification, floors and caps, exemptions, who is ranked, determinism. Pure (no database)."""

from decimal import Decimal

import pytest

from tuijin.scoring import rules as r

from .rules_builders import D, ExemptionFact, F, MatterFact, N, P, U, d, entries, event, run, wh19


def _prep(pid, unit):  # a 前期 project started early: +6 on new_starts (× 40% = +2.4)
    return P(pid, unit=unit, plan_type="preparation", started_on=d("2024-05-10"))


def _early(mid, unit):  # a matter done early: +2 on matters (× 30% = +0.6)
    return MatterFact(mid, f"事项{mid}", (unit,), "closed", band="early", late=-2, on=d("2024-05-10"))


def test_equal_totals_are_broken_by_the_categories_in_declared_order() -> None:
    # unit 1: new_starts 106 → 100 + 6 × 40% = 102.40; unit 2: matters 100 + 4 × 2 = 108 → 100 + 8 × 30% = 102.40
    facts = F("2024Q2", projects=(_prep(1, 1),), matters=tuple(_early(m, 2) for m in range(1, 5)))
    result = run(facts)
    assert result.units[1].total == result.units[2].total == D("102.40")
    # tie_break = "categories": new_starts first, 106 > 100 → unit 1 ahead, not tied
    assert [(u.unit_id, u.rank, u.tied) for u in result.ranking("all_units")] == [
        (1, 1, False),
        (2, 2, False),
    ]
    shared = wh19(lambda data: data["scoring"].update(tie_break="shared"))
    result = run(facts, shared)
    assert [(u.unit_id, u.rank, u.tied) for u in result.ranking("all_units")] == [(1, 1, True), (2, 1, True)]


def test_full_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    facts = F(
        "2024Q2",
        units=(1, 2, 3, 4),
        projects=(_prep(1, 1), _prep(2, 2), _prep(3, 3)),
        matters=(_early(9, 4),),
    )
    result = run(facts)
    # units 1–3: 102.40 each (tied at every category), unit 4: 100.60 → 1, 1, 1, 4
    assert [(u.unit_id, u.rank, u.tied) for u in result.ranking("all_units")] == [
        (1, 1, True),
        (2, 1, True),
        (3, 1, True),
        (4, 4, False),
    ]
    # 首位席 goes to all three tied; 末位席 to unit 4
    assert [result.units[u].place for u in (1, 2, 3, 4)] == ["first", "first", "first", "last"]
    # the rectification report goes to unit 4 only: a unit tied with the group's best is never among
    # "the lowest" (rules.rank)
    assert [result.units[u].rectify for u in (1, 2, 3, 4)] == [False, False, False, True]


def test_rectification_flags_the_two_lowest() -> None:
    facts = F(
        "2024Q2",
        units=(1, 2, 3, 4, 5),
        projects=(_prep(1, 1), _prep(2, 2), _prep(3, 3)),
        matters=(_early(9, 4), _early(10, 5), _early(11, 5)),
    )
    result = run(facts)
    # 1–3: 102.40; unit 5: 100 + 4 × 30% = 101.20; unit 4: 100.60
    assert [u.unit_id for u in result.ranking("all_units")] == [1, 2, 3, 5, 4]
    assert [u.unit_id for u in result.units.values() if u.rectify] == [4, 5]
    assert [u.unit_id for u in result.units.values() if u.place == "last"] == [4]


def _two_groups(data: dict) -> None:
    data["ranking"]["groups"] = [
        {
            "key": "departments",
            "name": "区直单位",
            "unit_kinds": ["department", "approval"],
            "source": "测试",
        },
        {"key": "streets", "name": "镇街", "unit_kinds": ["street"], "source": "测试"},
    ]


def test_ranking_groups_by_rank_group_name_then_by_unit_kind() -> None:
    rules = wh19(_two_groups)
    units = (U(1), U(2, "approval"), U(3, "street"), U(4, "department", group="镇街"), U(5, "office"))
    projects = tuple(_prep(i, i) for i in (1, 2, 3, 4, 5))
    result = run(F("2024Q2", units=units, projects=projects), rules)
    assert {u: result.units[u].group for u in result.units} == {
        1: "departments",
        2: "departments",
        3: "streets",
        4: "streets",
        5: "",
    }
    assert result.units[4].group_name == "镇街"
    assert result.units[5].rank is None
    assert result.warnings == [
        "单位《单位5》不属于任何排名分组（考核分组“未填”、单位类别 office），只计分不排名"
    ]


def test_a_group_of_one_is_ranked_first_without_a_place() -> None:
    rules = wh19(_two_groups)
    result = run(F("2024Q2", units=(U(1), U(2), U(3, "street")), projects=(_prep(1, 1), _prep(3, 3))), rules)
    # the street group has one unit: rank 1, neither 首位席 nor 末位席 (a place needs someone to compare)
    assert (result.units[3].rank, result.units[3].place, result.units[3].rectify) == (1, "", False)


def test_only_involved_units_are_ranked_unless_all() -> None:
    facts = F("2024Q2", units=(1, 2, 3), projects=(_prep(1, 1), P(5, unit=2, plan_type="continuing")))
    assert sorted(run(facts).units) == [1, 2]  # unit 2: a listed project, even without events
    everyone = wh19(lambda data: data["scoring"].update(ranked="all"))
    result = run(facts, everyone)
    assert sorted(result.units) == [1, 2, 3]
    assert result.units[3].total == D("100.00") and result.units[3].events == []


def test_no_floor_and_cap_readings() -> None:
    matters = tuple(MatterFact(m, f"事项{m}", (1,), "closed", band="late_3", late=25) for m in range(1, 8))
    free = wh19(
        lambda data: (
            data["scoring"]["categories"][2].update(no_floor=True)
            or data["scoring"]["categories"][2].pop("floor")
        )
    )
    result = run(F("2024Q2", matters=matters), free)
    assert result.units[1].categories["matters"] == 100 - 7 * 15 == -5
    assert result.units[1].total == D("40") + D("30") + D("-1.5") == D("68.50")
    capped = wh19(lambda data: data["scoring"]["categories"][0].update(cap=100))
    result = run(F("2024Q2", projects=(_prep(1, 1),)), capped)
    assert entries(result, 1) == [("preparation_early_start:p1", D(6)), ("floor:new_starts", D(-6))]
    assert result.units[1].total == D("100.00")


def _exemption(data: dict, **extra) -> None:
    data["scoring"]["exemption"] = {
        "signers": ["project_leader", "leader_in_charge"],
        "renew": "monthly",
        "covers": ["late_start", "behind_plan", "ceremony"],
        "source": "DH24 五(四)",
        **extra,
    }


def test_a_granted_exemption_zeroes_the_deduction_and_says_who_signed() -> None:
    rules = wh19(_exemption)
    nodes = (N(45, "2024-04-30", None, unit=2),)
    project = P(
        12, plan_type="new_start", planned_start=d("2024-05-01"), planned_start_precision="month", nodes=nodes
    )
    signed = ExemptionFact(
        3, project_id=12, unit_id=1, month="2024-06", signed_by="挂点领导 张某、分管领导 李某"
    )
    result = run(F("2024Q2", projects=(project,), exemptions=(signed,)), rules)
    late = event(result, 1, "late_start:p12")
    assert (late.points, late.exempted_points, late.exemption_id) == (0, D(-4), 3)
    assert late.evidence["exemption"] == 3
    assert late.sentence.endswith("（客观原因免扣分：挂点领导 张某、分管领导 李某签字同意）")
    assert result.units[1].total == D("100.00")
    # "将不对该项目进行扣分处理": the node's unit is not charged either (units = "all")
    assert event(result, 2, "late_start:p12:n45").points == 0
    # an exemption of another month does not apply (the late day is 2024-06-01)
    may = ExemptionFact(3, project_id=12, unit_id=1, month="2024-05", signed_by="…")
    assert (
        event(run(F("2024Q2", projects=(project,), exemptions=(may,)), rules), 1, "late_start:p12").points
        == -4
    )
    # applicant-only reading
    applicant = wh19(lambda data: _exemption(data, units="applicant"))
    result = run(F("2024Q2", projects=(project,), exemptions=(signed,)), applicant)
    assert event(result, 1, "late_start:p12").points == 0
    assert event(result, 2, "late_start:p12:n45").points == -4
    # without [scoring.exemption] (WH19) exemptions are ignored
    assert (
        event(run(F("2024Q2", projects=(project,), exemptions=(signed,))), 1, "late_start:p12").points == -4
    )


def test_results_are_deterministic_and_sorted() -> None:
    units = (U(3, sort=1), U(1, sort=2), U(2, sort=2))
    facts = F("2024Q2", units=units, projects=(_prep(1, 1), _prep(2, 2), _prep(3, 3)))
    first, second = run(facts), run(facts)
    assert list(first.units) == [3, 1, 2]
    assert [(u.unit_id, u.total, [e.key for e in u.events]) for u in first.units.values()] == [
        (u.unit_id, u.total, [e.key for e in u.events]) for u in second.units.values()
    ]


def test_ledger_sums_equal_the_scores() -> None:
    facts = F(
        "2024Q2",
        projects=(
            P(
                12,
                plan_type="new_start",
                planned_start=d("2024-04-01"),
                planned_start_precision="month",
                started_on=d("2024-05-20"),
            ),
        ),
        matters=(MatterFact(7, "事项", (1,), "closed", band="late_1", late=7, on=d("2024-05-01")),),
    )
    rules = wh19()
    result = run(facts, rules)
    unit = result.units[1]
    again = r.summarise(rules, "quarter", unit.events)
    assert (again.categories, again.adjustments, again.total) == (
        unit.categories,
        unit.adjustments,
        unit.total,
    )
    # 100 + Σ weighted: −4 × 0.4 + 3.2 × 0.4 − 4 × 0.3 = −1.52
    assert unit.total == 100 + sum(e.weighted for e in unit.events) == D("98.48")


def test_events_of_unknown_units_are_dropped_with_a_warning() -> None:
    result = run(F("2024Q2", units=(1,), projects=(_prep(1, 1), _prep(2, 9))))
    assert sorted(result.units) == [1]
    assert any("编号 9" in w for w in result.warnings)


def test_missing_facts_are_warned() -> None:
    facts = F(
        "2024Q2",
        projects=(_prep(1, 1),),
        extra={"missing": ["2024年第1季度未计算考评，首位席、末位席无从计分"]},
    )
    assert run(facts).warnings == ["2024年第1季度未计算考评，首位席、末位席无从计分"]


def test_a_rule_set_that_does_not_compute_months() -> None:
    with pytest.raises(ValueError, match="该规则集不计算月度考评（只计算：季度、年度）"):
        run(F("2024-06"))


def test_previous_period() -> None:
    assert r.previous_period(r.parse_period("2024Q1")).key == "2023Q4"
    assert r.previous_period(r.parse_period("2024-01")).key == "2023-12"
    assert r.previous_period(r.parse_period("2024")).key == "2023"


def test_points_never_become_floats() -> None:
    result = run(F("2024Q2", projects=(_prep(1, 1),)))
    unit = result.units[1]
    assert all(isinstance(v, Decimal) for v in (unit.total, unit.adjustments, *unit.categories.values()))
    assert all(isinstance(e.points, Decimal) and isinstance(e.weighted, Decimal) for e in unit.events)
