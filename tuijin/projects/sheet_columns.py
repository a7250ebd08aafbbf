"""The columns of the project list spreadsheet (附件 实施计划清单; REQ B6), shared by the import, the
export and the blank template, so an exported file imports back unchanged. Pure: no Django.

`aliases` are the other headers offices use for the same column; a header that matches none is mapped by
the office once (projects.ColumnMapping) and remembered.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text, money, decimal, date, choice, tags, leader, person, unit, units, funding, derived
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    imported: bool = True  # derived columns are exported only
    help: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "项目名称", "text", ("项目", "名称", "项目全称"), required=True, width=32),
    Column(
        "code", "项目代码", "text", ("全国投资项目代码", "统一项目代码", "投资项目代码", "赋码"), width=26
    ),
    Column("category", "项目类别", "choice", ("类别", "项目分类", "分类", "口子"), required=True, width=14),
    Column("sector", "产业类型", "choice", ("行业", "产业类别", "项目性质"), width=10),
    Column("tags", "项目级别", "tags", ("级别", "重点级别", "项目属性"), width=16, help="多个用“、”分隔"),
    Column("content", "建设内容及规模", "text", ("建设规模及内容", "建设内容", "主要建设内容"), width=40),
    Column("address", "建设地点", "text", ("项目地址", "地点", "选址"), width=20),
    Column("longitude", "经度", "decimal", ("坐标经度",), width=11),
    Column("latitude", "纬度", "decimal", ("坐标纬度",), width=11),
    Column(
        "total_investment", "总投资（万元）", "money", ("总投资", "计划总投资", "项目总投资"), required=True
    ),
    Column(
        "planned_investment",
        "年度计划投资（万元）",
        "money",
        ("年度计划投资", "年度投资计划", "本年计划投资", "2024年计划投资", "年度计划完成投资"),
    ),
    Column("plan_type", "计划类型", "choice", ("项目类型", "建设性质", "类型"), width=12),
    Column("stage", "所处阶段", "choice", ("项目阶段", "阶段", "进展阶段"), width=10),
    Column("planned_start", "计划开工时间", "date", ("计划开工", "开工时间", "计划开工日期")),
    Column("planned_completion", "计划竣工时间", "date", ("计划竣工", "竣工时间", "计划完工时间")),
    Column("planned_production", "计划投产时间", "date", ("计划投产", "投产时间", "计划运营时间")),
    Column("started_on", "实际开工时间", "date", ("实际开工", "开工日期")),
    Column(
        "lead_leader", "挂点领导", "leader", ("挂点区领导", "包抓领导", "分包领导", "责任领导", "挂点领导")
    ),
    Column(
        "responsible_unit",
        "责任单位",
        "unit",
        ("项目责任单位", "牵头单位", "项目引进单位"),
        required=True,
        width=18,
    ),
    Column("service_officer", "服务专员", "person", ("首席服务官", "服务官")),
    Column("owner", "业主单位", "text", ("建设单位", "项目业主", "业主"), width=20),
    Column("supervising_unit", "主管部门", "unit", ("行业主管部门",), width=16),
    Column("street", "所在街道", "unit", ("属地街道", "所在镇街", "属地", "街道"), width=14),
    Column("secondary_units", "配合单位", "units", ("配合部门", "协同单位"), width=20, help="多个用“、”分隔"),
    Column("funding", "资金来源", "funding", ("资金渠道",), width=24, help="如：专项债 5000；企业自筹"),
    Column("image_progress", "形象进度", "text", ("目前进展", "进展情况", "当前进度"), width=30),
    Column("invested_total", "累计完成投资（万元）", "derived", imported=False),
    Column("invested_year", "本年完成投资（万元）", "derived", imported=False),
)
BY_KEY = {column.key: column for column in COLUMNS}
IMPORTED = tuple(column for column in COLUMNS if column.imported)
# Headers that are not data: the row number column and remarks
IGNORED_HEADERS = ("序号", "编号", "备注", "说明")


def normalise_header(text: str) -> str:
    """Headers as typed: spaces, line breaks, full-width brackets and units in brackets vary."""
    cleaned = "".join(str(text).split())
    return cleaned.replace("(", "（").replace(")", "）")


def match_header(text: str) -> str | None:
    """The column key a header names, or None (the office maps it once)."""
    header = normalise_header(text)
    bare = header.split("（")[0]
    for column in IMPORTED:
        names = (column.header, *column.aliases)
        if header in names or bare in names or bare == column.header.split("（")[0]:
            return column.key
    return None


# Two-row headers: a group header spanning several columns above its sub-headers (计划开竣工时间 / 开工,
# 竣工). (words the group contains, sub-headers, key); the sub-header alone and group+sub are tried next.
SUB_HEADERS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("总投资",), ("合计", "总额", "总计", "小计", "金额", "总投资"), "total_investment"),
    (
        ("年度", "本年", "计划投资"),
        ("计划投资", "投资", "投资计划", "计划", "金额", "合计"),
        "planned_investment",
    ),
    (("实际",), ("开工", "开工时间", "开工日期"), "started_on"),
    (("开竣工", "计划", "时间", "节点"), ("开工", "开工时间", "开工日期"), "planned_start"),
    (("开竣工", "计划", "时间", "节点"), ("竣工", "竣工时间", "完工", "完工时间"), "planned_completion"),
    (("计划", "时间", "节点"), ("投产", "投产时间", "运营"), "planned_production"),
    (("坐标", "经纬度", "位置"), ("经度",), "longitude"),
    (("坐标", "经纬度", "位置"), ("纬度",), "latitude"),
)
TWO_ROW_SEPARATOR = "/"


def match_header_parts(group: str, sub: str) -> str | None:
    """The column key of a sub-header under a group header (two-row headers), or None."""
    group_text, sub_text = normalise_header(group), normalise_header(sub).split("（")[0]
    for group_words, subs, key in SUB_HEADERS:
        if sub_text in subs and any(word in group_text for word in group_words):
            return key
    return match_header(sub) or match_header(group_text.split("（")[0] + sub_text)


def match_any_header(text: str) -> str | None:
    """match_header for one-row headers and "group/sub" texts of two-row headers."""
    if TWO_ROW_SEPARATOR in text:
        group, _, sub = text.partition(TWO_ROW_SEPARATOR)
        return match_header_parts(group, sub)
    return match_header(text)


def is_export_only(text: str) -> bool:
    """The derived columns the export adds (累计完成投资 …): an exported file imports back without them."""
    header = normalise_header(text)
    return any(header in (c.header, c.header.split("（")[0]) for c in COLUMNS if not c.imported)


def is_ignored_header(text: str) -> bool:
    return normalise_header(text).split("（")[0] in IGNORED_HEADERS
