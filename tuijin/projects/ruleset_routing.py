"""The `[routing]` section of a rule-set file: which office coordinates a project (REQ A4, WH19 二 三层五线).

Routes are read in order and the first that matches a project's name, sector and total investment gives
its coordinating office (`rules.route_project`). The office is named as the unit is named in the
jurisdiction (`aliases` lists its other names). Registered with the rule-set schema from
`ProjectsConfig.ready`. Standard library only, like the schema it extends.
"""

from __future__ import annotations

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

from .rules import SECTORS


def _check_route(item: dict, data: dict) -> list[tuple[str, str]]:
    low, high = item.get("min_investment"), item.get("below_investment")
    if low is not None and high is not None and low >= high:
        return [("below_investment", f"应大于总投资下限 min_investment（{low}）")]
    return []


ROUTE = Table(
    "归口规则",
    keys=noted(
        {
            "office": Key("综合协调办", required=True, help="与责任单位名称一致"),
            "aliases": Key("单位别称", "strs", help="该单位在本辖区的其他名称或简称"),
            "name_contains": Key("项目名称包含", "strs", help="任一词出现在项目名称中即匹配"),
            "sectors": Key("产业类型", "strs", choices=SECTORS),
            "min_investment": Key("总投资不低于（万元）", "number", lo=0),
            "below_investment": Key("总投资低于（万元）", "number", lo=0),
            "description": Key("说明"),
        }
    ),
    check=_check_route,
)

ROUTING = Table(
    "分线归口（综合协调办）",
    keys=noted(
        {
            "summary": Key("概述"),
            "routes": Key("归口规则", "tables", required=True, table=ROUTE, min_items=1),
        },
        source_required=False,
    ),
    help="按顺序匹配，第一条符合的规则决定项目的统筹协调部门",
)

register_section("routing", ROUTING)
