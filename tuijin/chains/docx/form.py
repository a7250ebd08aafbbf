"""The fixed parts of WH19 附件1 项目开工推进计划表, shared by the export and the template builder
(no Django here, so the builder runs without settings)."""

from pathlib import Path

from tuijin.chains.presets import INDUSTRY

TEMPLATE = Path(__file__).resolve().parent / "start_plan.docx"
BLANK_TITLE = "____街道（产业建设管理办公室）项目开工推进计划表"
TITLE = "{place}项目开工推进计划表"
# WH19 三(三)一 二, in the notice's order
PROCEDURE_NAMES = (
    "征收拆迁",
    "土地农转",
    "土地红线及设计条件",
    "土地招拍挂",
    "签订土地出让合同",
    "规划设计方案审核",
    "七通一平",
    "核准备案",
    "环评",
    "用地规划许可证",
    "工程规划许可证",
    "施工许可证",
)
_KEYS = {node.name: node.key for node in INDUSTRY.nodes}
# (preset key, name): a chain's node is matched by name first, then by the preset's key
PROCEDURES = tuple((_KEYS[name], name) for name in PROCEDURE_NAMES)
SIGNATURES = ("审批部门主要负责人（签字盖章）：", "区重大项目办确认：", "日期：      年    月    日")
