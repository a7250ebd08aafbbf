"""DH24 五(四) 申报项目计分 (kind `declarations`), worked by hand: per group 最多 10、最少 6, others
(x − 最小值) ÷ (最大值 − 最小值) × 4 + 6; a unit with none gets no score. Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from .kinds_facts import declared, facts, points_by_unit, rule, run, unit

DH24 = {"max_points": 10, "min_points": 6, "when_equal": "max", "decimals": 2}


def projects_for(counts: dict[int, int]) -> list:
    out, pid = [], 1
    for unit_id, count in counts.items():
        for _ in range(count):
            out.append(declared(pid, unit_id))
            pid += 1
    return out


UNITS = [
    unit(1, "区发改委"),
    unit(2, "区住建局"),
    unit(3, "区商务局"),
    unit(4, "区自然资源局", "approval"),
    unit(5, "区城投公司", "state_company"),
    unit(11, "公园街道", "street"),
    unit(12, "豫章街道", "street"),
    unit(13, "扬子洲镇", "street"),
]


def test_two_groups_scored_separately_by_the_dh24_formula() -> None:
    # 区直单位: counts 12, 7, 2, 5 and 0 → min 2, max 12 (the unit with none is left out)
    #   12: the most → 10.00;  2: the least → 6.00
    #   7: (7 − 2) ÷ (12 − 2) × 4 + 6 = 0.5 × 4 + 6 = 8.00
    #   5: (5 − 2) ÷ (12 − 2) × 4 + 6 = 0.3 × 4 + 6 = 7.20
    # 镇街: counts 3, 1, 2 → min 1, max 3
    #   2: (2 − 1) ÷ (3 − 1) × 4 + 6 = 8.00
    counts = {1: 12, 2: 7, 3: 2, 5: 5, 11: 3, 12: 1, 13: 2}
    events, warnings = run(rule("declarations", **DH24), facts("2024", UNITS, projects_for(counts)))
    assert points_by_unit(events) == {
        1: Decimal("10.0000"),
        2: Decimal("8.0000"),
        3: Decimal("6.0000"),
        5: Decimal("7.2000"),
        11: Decimal("10.0000"),
        12: Decimal("6.0000"),
        13: Decimal("8.0000"),
    }
    assert warnings == []
    b = next(e for e in events if e.unit_id == 2)
    assert b.key == "declarations:2024"
    assert b.category == "adjustment"
    assert b.person_id == 1002
    assert b.on == date(2024, 12, 31)
    assert "2024年本单位谋划申报项目 7 个" in b.sentence
    assert "区直单位组 4 个单位中最多 12、最少 2" in b.sentence
    assert "（7 − 2）÷（12 − 2）× 4 + 6 = 8.00 分" in b.sentence
    assert b.sentence.endswith("（测试）")
    most = next(e for e in events if e.unit_id == 1)
    assert "为本组最多，计 10.00 分" in most.sentence


def test_a_unit_without_projects_gets_no_score() -> None:
    events, _ = run(rule("declarations", **DH24), facts("2024", UNITS, projects_for({1: 4, 2: 2})))
    assert 4 not in points_by_unit(events)
    assert set(points_by_unit(events)) == {1, 2}


def test_a_single_unit_in_a_group_is_the_most() -> None:
    # 镇街 has only 公园街道 (3 projects): max = min = 3 → when_equal = "max" → 10.00
    events, _ = run(rule("declarations", **DH24), facts("2024", UNITS, projects_for({1: 5, 2: 1, 11: 3})))
    town = next(e for e in events if e.unit_id == 11)
    assert town.points == Decimal("10.0000")
    assert "本组各单位相同（均为 3），都是最多的，按规则集计最高分 10.00 分" in town.sentence


@pytest.mark.parametrize(
    ("when_equal", "expected"),
    [("max", Decimal("10.0000")), ("min", Decimal("6.0000")), ("mid", Decimal("8.0000"))],
)
def test_all_equal_group_follows_when_equal(when_equal: str, expected: Decimal) -> None:
    # three 区直单位 with 4 projects each: (10 + 6) ÷ 2 = 8 for "mid"
    params = {**DH24, "when_equal": when_equal}
    events, _ = run(rule("declarations", **params), facts("2024", UNITS, projects_for({1: 4, 2: 4, 3: 4})))
    assert points_by_unit(events) == {1: expected, 2: expected, 3: expected}


def test_rounding_is_half_up_to_two_places() -> None:
    # (10 − 1) ÷ (33 − 1) × 4 + 6 = 9/32 × 4 + 6 = 7.125 → 7.13 (half up; half-even would give 7.12)
    # (3 − 1) ÷ (33 − 1) × 4 + 6 = 6.25 → 6.25;  (8 − 1) ÷ 32 × 4 + 6 = 6.875 → 6.88
    counts = {1: 33, 2: 10, 3: 1, 4: 3, 5: 8}
    events, _ = run(rule("declarations", **DH24), facts("2024", UNITS, projects_for(counts)))
    assert points_by_unit(events) == {
        1: Decimal("10.0000"),
        2: Decimal("7.1300"),
        3: Decimal("6.0000"),
        4: Decimal("6.2500"),
        5: Decimal("6.8800"),
    }


def test_zero_in_min_lets_units_without_projects_set_the_minimum() -> None:
    # zero_in_min = true: 区直单位 min = 0 (units 3, 4, 5 declared none), max 12
    #   6: (6 − 0) ÷ (12 − 0) × 4 + 6 = 8.00; units with none still get no score
    params = {**DH24, "zero_in_min": True}
    events, _ = run(rule("declarations", **params), facts("2024", UNITS, projects_for({1: 12, 2: 6})))
    assert points_by_unit(events) == {1: Decimal("10.0000"), 2: Decimal("8.0000")}


def test_only_projects_declared_in_the_year_count() -> None:
    projects = [
        declared(1, 1, date(2024, 1, 1)),
        declared(2, 1, date(2024, 12, 31)),
        declared(3, 1, date(2023, 12, 31)),  # last year's
        declared(4, 2, date(2024, 6, 1)),
        declared(5, 2, date(2025, 1, 2)),  # next year's
        declared(6, 3, date(2024, 5, 5)),
        declared(7, 3, date(2024, 5, 6)),
        declared(8, 3, date(2024, 5, 7)),
    ]
    # counts 2, 1, 3 → 2: (2 − 1) ÷ (3 − 1) × 4 + 6 = 8.00
    events, _ = run(rule("declarations", **DH24), facts("2024", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("8.0000"), 2: Decimal("6.0000"), 3: Decimal("10.0000")}


def test_a_unit_outside_every_group_is_warned_about_not_scored() -> None:
    office = unit(9, "区重大项目办", "office")
    events, warnings = run(
        rule("declarations", **DH24), facts("2024", [*UNITS, office], projects_for({1: 2, 9: 5}))
    )
    assert 9 not in points_by_unit(events)
    assert warnings == ["单位《区重大项目办》不属于任何排名分组，申报项目计分不计分"]


def test_rank_group_name_overrides_the_unit_kind() -> None:
    # 区城投公司 is a state company, but its 考核分组 is 镇街: it competes with the streets
    moved = unit(5, "区城投公司", "state_company", rank_group="镇街")
    units = [u for u in UNITS if u.id != 5] + [moved]
    events, _ = run(
        rule("declarations", **DH24), facts("2024", units, projects_for({1: 3, 2: 1, 5: 9, 11: 1}))
    )
    # 镇街: 9 and 1 → 10 and 6;  区直单位: 3 and 1 → 10 and 6
    assert points_by_unit(events) == {
        1: Decimal("10.0000"),
        2: Decimal("6.0000"),
        5: Decimal("10.0000"),
        11: Decimal("6.0000"),
    }
