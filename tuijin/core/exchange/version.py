"""The version of the data exchange format: MAJOR.MINOR (DESIGN.md "Interfaces that must stay stable").

Each capability that adds its records raises MINOR and adds a line to HISTORY (and to docs/exchange.md);
files of an older MINOR still import. A new MAJOR would mean an incompatible change, which the format
avoids.
"""

from __future__ import annotations

import re

FORMAT_NAME = "tuijin-exchange"
FORMAT_VERSION: tuple[int, int] = (1, 5)

# (version, what it added), oldest first.
HISTORY: list[tuple[str, str]] = [
    ("1.0", "组织：辖区、责任单位、人员（含分管单位）、领导小组及成员、账号（不含密码）"),
    (
        "1.1",
        "项目库：项目级别、项目（含资金来源、阶段变更、移交、月度完成投资）、年度计划（含计划项目和计划调整）",
    ),
    (
        "1.2",
        "推进链条：本辖区的链条模板、项目的推进链条（含节点、时限与原定时限、确认、时限调整）；亮灯不交换，导入后计算",
    ),
    (
        "1.3",
        "报表与问题：周报月报（含全部版本、代填）、现场照片说明信息与监控链接；问题（含办理记录、佐证材料说明信息）、"
        "四单（编号、签收）；月报的完成投资即项目库的月度完成投资（来源“月报”）",
    ),
    (
        "1.4",
        "调度会议与督查：会议系列（含成员单位）、会议（议程、参会、纪要期号与印发）、议定事项（责任单位、首次上会、"
        "办理记录、佐证材料说明信息、超期与档次）；督查记录（项目、单位、发现、照片说明信息、整改要求及督办单）、"
        "黄牌月度审定、黄牌红牌（督办单、所依据的黄牌、申诉）、问责移送",
    ),
    (
        "1.5",
        "考核：辖区选用的规则集、客观原因免扣分申请（项目、月份、两位领导签字）、奖励加分（年度、分值、审批人）；"
        "计分和排名不交换，导入后用 tuijin score run 计算",
    ),
]

_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def version_text(version: tuple[int, int] = FORMAT_VERSION) -> str:
    return f"{version[0]}.{version[1]}"


def parse_version(text: str) -> tuple[int, int] | None:
    """`"1.0"` → (1, 0); None when the text is not MAJOR.MINOR."""
    match = _VERSION_RE.match(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def version_refusal(version: tuple[int, int]) -> str | None:
    """The Chinese reason a file of this version cannot be imported, or None when it can."""
    major, minor = FORMAT_VERSION
    if version[0] != major:
        return (
            f"文件格式版本为 {version_text(version)}，本系统只支持 {major}.x 版本"
            f"（当前 {version_text()}），主版本 {version[0]} 无法导入"
        )
    if version[1] > minor:
        return (
            f"文件格式版本 {version_text(version)} 比本系统支持的 {version_text()} 新，请先升级本系统再导入"
        )
    return None
