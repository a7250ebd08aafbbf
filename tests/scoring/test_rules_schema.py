"""The [scoring] section of a rule-set file: bad rule sets get Chinese errors naming the file, line and key
path (through `ruleset_schema.parse`, as the loader and the edit page use it); the shipped sections read
back; the rule-set page shows the section sensibly. Pure (no database)."""

import copy
from decimal import Decimal

import pytest

from tuijin.core.rules import ruleset_schema as schema
from tuijin.scoring import rules as r

from .rules_builders import preset_data, rule_item


def problems_of(mutate) -> list[str]:
    data = copy.deepcopy(preset_data("wuhan-2019"))
    mutate(data)
    return schema.parse(schema.dump(data), file="wuhan-2019.toml").problems


def one_problem(mutate) -> str:
    found = problems_of(mutate)
    assert len(found) == 1, found
    return found[0]


def test_unknown_rule_kind_names_the_key_the_line_and_the_kinds_available() -> None:
    message = one_problem(lambda data: data["scoring"]["rules"][2].update(kind="late_strat"))
    assert message.startswith(
        'wuhan-2019.toml: 键 scoring.rules[3].kind 未知的计分规则类型 "late_strat"；可用：'
    )
    assert "late_start（延期开工）" in message and "matter_band（议定事项限期办结）" in message
    assert "（第 " in message and message.endswith(" 行）")


def test_category_not_declared() -> None:
    message = one_problem(lambda data: rule_item(data, "ceremony").update(category="new_start"))
    assert (
        '键 scoring.rules[4].category 类别 "new_start" 未在 [[scoring.categories]] 中声明；可用：new_starts、'
        in message
    )
    assert "adjustment（总分加减）" in message


def test_points_missing_for_a_kind_that_needs_them() -> None:
    message = one_problem(lambda data: rule_item(data, "ceremony").pop("points"))
    assert "键 scoring.rules[4].points 规则类型 ceremony（开工仪式无实质进展）须写明分值 points" in message


def test_a_category_without_weight() -> None:
    found = problems_of(lambda data: data["scoring"]["categories"][1].pop("weight"))
    assert any('[scoring.categories[2]] 缺少必填项 "weight"（分类权重）' in p for p in found)


def test_weights_not_summing_to_the_declared_total() -> None:
    message = one_problem(lambda data: data["scoring"]["categories"][2].update(weight=20))
    assert (
        "键 scoring.categories 季度考评各类权重之和应为 100，实际为 90：新开工项目情况 40、在建项目推进情况 30、会议议定事项限期办结 20"
        in message
    )


def test_a_key_of_another_kind() -> None:
    message = one_problem(lambda data: rule_item(data, "late_start").update(months=1))
    assert (
        '键 scoring.rules[1].months "months" 不适用于规则类型 late_start（延期开工），是 early_start 的键'
        in message
    )


def test_an_unknown_key() -> None:
    message = one_problem(lambda data: rule_item(data, "late_start").update(pionts=-4))
    assert '[scoring.rules[1]] 有未知的键 "pionts"' in message


def test_a_bad_value_of_a_kind_key() -> None:
    message = one_problem(lambda data: rule_item(data, "late_start").update(charge=["responsible", "county"]))
    assert "键 scoring.rules[1].charge 第 2 项（扣分单位）应为以下之一" in message


def test_duplicated_category_keys() -> None:
    def duplicate(data):
        data["scoring"]["categories"].append(dict(data["scoring"]["categories"][0]))

    found = problems_of(duplicate)
    assert any('键 scoring.categories[5].key 类别标识 "new_starts" 重复' in p for p in found)


def test_exemption_covering_an_unknown_kind() -> None:
    def add(data):
        data["scoring"]["exemption"] = {
            "signers": ["project_leader"],
            "renew": "monthly",
            "covers": ["late_start", "ceremoni"],
            "source": "DH24 五(四)",
        }

    message = one_problem(add)
    assert '键 scoring.exemption.covers 未知的计分规则类型 "ceremoni"' in message


def test_a_rule_no_period_serves() -> None:
    message = one_problem(lambda data: rule_item(data, "late_start").update(periods=["year"]))
    assert (
        "键 scoring.rules[1].periods 适用周期（年度）中没有计入类别 new_starts 的考评周期，此规则永远不会计分"
        in message
    )


def test_a_kind_specific_requirement() -> None:
    message = one_problem(lambda data: rule_item(data, "place", "top").pop("position"))
    assert "须写明 position" in message
    message = one_problem(
        lambda data: rule_item(data, "late_start_recovered").update(
            bands=[{"months": 2, "points": 2}, {"months": 1, "points": 3.2}]
        )
    )
    assert "各档 months 应从小到大且不重复" in message


def test_a_rule_set_without_scoring_cannot_score() -> None:
    data = copy.deepcopy(preset_data("wuhan-2019"))
    del data["scoring"]
    with pytest.raises(ValueError, match="规则集《.*》没有计分规则 \\[scoring\\]，不能计算考评"):
        r.score_rules(data)


def test_the_shipped_sections_read_back() -> None:
    wh = r.score_rules(preset_data("wuhan-2019"))
    assert [(c.key, c.weight, c.base, c.floor) for c in wh.categories] == [
        ("new_starts", 40, 100, 0),
        ("construction", 30, 100, 0),
        ("matters", 30, 100, 0),
        ("quarters", 100, 0, 0),
    ]
    points = {(rule.kind, rule.params.get("position")): rule.points for rule in wh.rules}
    assert points[("late_start", None)] == -4 and points[("early_start", None)] == 2
    assert points[("ceremony", None)] == -5 and points[("preparation_early_start", None)] == 6
    assert points[("signed_started_same_year", None)] == 10 and points[("behind_plan", None)] == -5
    assert points[("finished_early", None)] == 6 and points[("matter_repeat", None)] == -10
    assert points[("most_yellow", None)] == -1 and points[("red_card", None)] == -2
    assert points[("place", "top")] == 3 and points[("place", "bottom")] == -2
    bands = next(rule for rule in wh.rules if rule.kind == "late_start_recovered").params["bands"]
    assert [(b["months"], Decimal(str(b["points"]))) for b in bands] == [(1, Decimal("3.2")), (2, 2)]
    band = next(rule for rule in wh.rules if rule.kind == "matter_band").params["points_by_band"]
    assert band == {"early": 2, "late_1": -4, "late_2": -8, "late_3": -15}
    assert wh.rectification["bottom"] == 2 and wh.year["bonus_max"] == 5 and wh.year["review_points"] == 10
    assert all(rule.source and rule.reading for rule in wh.rules)
    etdz = r.score_rules(preset_data("nanchang-etdz-2019"))
    assert all(rule.basis == "default" and "未规定" in rule.source for rule in etdz.rules)
    assert [rule.points for rule in etdz.rules] == [rule.points for rule in wh.rules]


def test_dump_and_parse_give_the_section_back() -> None:
    data = preset_data("wuhan-2019")
    again = schema.parse(schema.dump(data), file="wuhan-2019.toml")
    assert again.problems == [] and again.data["scoring"] == data["scoring"]


def test_the_rule_set_page_shows_categories_and_rules_with_their_sources() -> None:
    view = next(v for v in schema.describe(preset_data("wuhan-2019")) if v.name == "scoring")
    assert view.label == "考核计分"
    assert ("考评周期", "季度、年度") in view.fields
    grids = {g.label: g for g in view.grids}
    categories, rules = grids["考评类别"], grids["计分规则"]
    assert "分类权重" in categories.columns
    assert [row.note.source for row in categories.rows][:3] == [
        "WH19 附件3 第1行",
        "WH19 附件3 第2行",
        "WH19 附件3 第3行（“扣完为止”）",
    ]
    assert len(rules.rows) == 16 and all(row.note and row.note.source for row in rules.rows)
    assert rules.rows[0].cells[1:4] == ["延期开工", "new_starts", "-4"]  # the kind shown by its label
