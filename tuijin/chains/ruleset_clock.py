"""The `[approval_clock]` section of a rule-set file: working days allowed from land delisting (土地摘牌)
to start (KF19 四(一): 80 in general, 50 in the free-trade zone, 30 for its commitment-system projects).
A rule set without the section uses `rules.ClockLimits()`'s KF19 numbers and the pages say so.
Standard library only, like the schema it extends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

from .rules import ClockLimits

APPROVAL_CLOCK = Table(
    "审批时限（土地摘牌至开工）",
    keys=noted(
        {
            "general": Key("一般项目（工作日）", "int", required=True, lo=1, hi=1000),
            "ftz": Key("自贸区项目（工作日）", "int", required=True, lo=1, hi=1000),
            "commitment": Key("自贸区承诺制项目（工作日）", "int", required=True, lo=1, hi=1000),
        }
    ),
    help="从土地摘牌到开工建设的审批时限，按工作日计",
)

register_section("approval_clock", APPROVAL_CLOCK)


def clock_limits(data: Mapping[str, Any] | None) -> ClockLimits:
    """The limits of a rule set's data (its whole parsed TOML); KF19's numbers when it has none."""
    section = (data or {}).get("approval_clock")
    if not section:
        return ClockLimits(source="未设置，取 KF19 四(一) 的时限")
    return ClockLimits(
        general=int(section["general"]),
        ftz=int(section["ftz"]),
        commitment=int(section["commitment"]),
        source=str(section.get("source", "")),
    )
