"""The `[lights]` section of a rule-set file: the light thresholds in working days (REQ D). No notice
gives numbers, so presets write basis = "default" and say where theirs come from; a rule set without
the section uses `rules.LightRules()`. Standard library only, like the schema it extends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

from .rules import LightRules


def _check(table: dict, data: dict) -> list[tuple[str, str]]:
    problems = []
    low, high = table.get("yellow_from"), table.get("red_over")
    if low is not None and high is not None and high < low:
        problems.append(("red_over", f"红灯阈值应不小于黄灯起点 yellow_from（{low}）"))
    yellow, red = table.get("investment_yellow_below"), table.get("investment_red_below")
    if yellow is not None and red is not None and red > yellow:
        problems.append(
            ("investment_red_below", f"投资红灯线应不高于黄灯线 investment_yellow_below（{yellow}）")
        )
    return problems


FINDING_COLORS = {"red": "红灯", "yellow": "黄灯", "green": "不亮灯（只记录）"}

LIGHTS = Table(
    "亮灯阈值",
    keys=noted(
        {
            "remind_days": Key("临期提醒（工作日）", "int", required=True, lo=0, hi=60),
            "yellow_from": Key("超期几个工作日起黄灯", "int", required=True, lo=1, hi=250),
            "red_over": Key("超期超过几个工作日红灯", "int", required=True, lo=1, hi=250),
            "should_start": Key("应开未开亮灯", "bool"),
            "should_finish": Key("应竣未竣亮灯", "bool"),
            "investment_yellow_below": Key(
                "累计完成投资低于累计目标的百分之几黄灯", "int", lo=0, hi=100, help="缺省 90"
            ),
            "investment_red_below": Key(
                "累计完成投资低于累计目标的百分之几红灯", "int", lo=0, hi=100, help="缺省 70"
            ),
            "stale_red_cycles": Key(
                "周报连续缺报几期红灯", "int", lo=1, hi=52, help="缺省 2；缺报 1 期即黄灯"
            ),
            "finding_discrepancy": Key(
                "督查发现填报与现场不符亮灯",
                choices=FINDING_COLORS,
                help="缺省 yellow（黄灯）；green 只记录不亮灯",
            ),
            "finding_ceremony": Key(
                "督查发现举行开工仪式无实质进展亮灯",
                choices=FINDING_COLORS,
                help="缺省 red（红灯，WH19 附件3 第1行 2 扣 5 分，重于延期开工的 4 分）",
            ),
        }
    ),
    check=_check,
    help=(
        "节点超过完成时限的工作日数决定黄灯、红灯；应开未开、应竣未竣按计划日期所在周期结束后计；"
        "投资滞后按截至上月累计完成投资占累计月度目标的百分比；周报缺报按连续缺报期数；"
        "督查发现（填报与现场不符、举行开工仪式无实质进展）未纠正的按所设颜色亮灯"
    ),
)

register_section("lights", LIGHTS)


def light_rules(data: Mapping[str, Any] | None) -> LightRules:
    """The thresholds of a rule set's data (its whole parsed TOML); the defaults when it has none."""
    section = (data or {}).get("lights")
    defaults = LightRules()
    if not section:
        return defaults
    return LightRules(
        remind_days=int(section["remind_days"]),
        yellow_from=int(section["yellow_from"]),
        red_over=int(section["red_over"]),
        should_start=bool(section.get("should_start", True)),
        should_finish=bool(section.get("should_finish", True)),
        source=str(section.get("source", "")),
        investment_yellow_below=int(section.get("investment_yellow_below", defaults.investment_yellow_below)),
        investment_red_below=int(section.get("investment_red_below", defaults.investment_red_below)),
        stale_red_cycles=int(section.get("stale_red_cycles", defaults.stale_red_cycles)),
        finding_discrepancy=str(section.get("finding_discrepancy", defaults.finding_discrepancy)),
        finding_ceremony=str(section.get("finding_ceremony", defaults.finding_ceremony)),
    )
