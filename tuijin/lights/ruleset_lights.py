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
    low, high = table.get("yellow_from"), table.get("red_over")
    if low is not None and high is not None and high < low:
        return [("red_over", f"红灯阈值应不小于黄灯起点 yellow_from（{low}）")]
    return []


LIGHTS = Table(
    "亮灯阈值",
    keys=noted(
        {
            "remind_days": Key("临期提醒（工作日）", "int", required=True, lo=0, hi=60),
            "yellow_from": Key("超期几个工作日起黄灯", "int", required=True, lo=1, hi=250),
            "red_over": Key("超期超过几个工作日红灯", "int", required=True, lo=1, hi=250),
            "should_start": Key("应开未开亮灯", "bool"),
            "should_finish": Key("应竣未竣亮灯", "bool"),
        }
    ),
    check=_check,
    help="节点超过完成时限的工作日数决定黄灯、红灯；应开未开、应竣未竣按计划日期所在周期结束后计",
)

register_section("lights", LIGHTS)


def light_rules(data: Mapping[str, Any] | None) -> LightRules:
    """The thresholds of a rule set's data (its whole parsed TOML); the defaults when it has none."""
    section = (data or {}).get("lights")
    if not section:
        return LightRules()
    return LightRules(
        remind_days=int(section["remind_days"]),
        yellow_from=int(section["yellow_from"]),
        red_over=int(section["red_over"]),
        should_start=bool(section.get("should_start", True)),
        should_finish=bool(section.get("should_finish", True)),
        source=str(section.get("source", "")),
    )
