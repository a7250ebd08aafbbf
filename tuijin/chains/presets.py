"""The preset node templates (REQ C2), seeded by migration 0002 with no jurisdiction, so every office can
apply them and copy them into its own.

Durations are default working days for a typical project; no notice gives them, offices adjust them per
template and people per project. `department` is a keyword matched against the jurisdiction's unit names
and short names when a template is applied (the approving department; the project's responsible unit
when none matches). 土地招拍挂 starts the approval clock (KF19 四(一): 从土地摘牌到开工建设).
"""

from .rules import NodeSpec, TemplatePreset

_N = NodeSpec

# WH19 三(三)一 二 and 附件1 项目开工推进计划表: the twelve procedures, then the construction nodes.
INDUSTRY = TemplatePreset(
    name="产业项目开工推进计划（WH19 附件1）",
    description="社会投资产业项目：征收拆迁、土地出让、规划许可至施工许可，开工、主体完工、竣工、投产",
    source="WH19 三(三)一 二、附件1；KF19 四(一)",
    categories=("industry",),
    nodes=(
        _N("demolition", "征收拆迁", 1, (), 40),
        _N("land_conversion", "土地农转", 1, (), 30),
        _N("filing", "核准备案", 1, (), 5),
        _N("red_line", "土地红线及设计条件", 2, ("demolition", "land_conversion"), 10),
        _N("land_auction", "土地招拍挂", 3, ("red_line",), 20),
        _N("land_contract", "签订土地出让合同", 4, ("land_auction",), 5),
        _N("eia", "环评", 4, ("filing",), 20),
        _N("land_use_permit", "用地规划许可证", 5, ("land_contract",), 5),
        _N("site_prep", "七通一平", 5, ("land_contract",), 20),
        _N("design_review", "规划设计方案审核", 6, ("land_use_permit",), 10),
        _N("works_permit", "工程规划许可证", 7, ("design_review",), 5),
        _N("construction_permit", "施工许可证", 8, ("works_permit", "eia", "site_prep"), 5),
        _N("start", "开工", 9, ("construction_permit",), 0, anchor="start", stage="started"),
        _N("structure", "主体完工", 10, ("start",), 120),
        _N("completion", "竣工", 11, ("structure",), 60, anchor="completion", stage="completed"),
        _N("production", "投产", 12, ("completion",), 20, anchor="production", stage="producing"),
    ),
    departments={
        "demolition": "征收",
        "land_conversion": "自然资源",
        "filing": "发展和改革",
        "red_line": "自然资源",
        "land_auction": "自然资源",
        "land_contract": "自然资源",
        "eia": "生态环境",
        "land_use_permit": "自然资源",
        "site_prep": "",
        "design_review": "自然资源",
        "works_permit": "自然资源",
        "construction_permit": "住房和城乡建设",
    },
    clock_start="land_auction",
)

# DH24 五(二): 立项、可研、初设概算、能评 for government-invested projects, then permits and construction.
PUBLIC = TemplatePreset(
    name="政府投资项目前期手续（DH24）",
    description="政府投资的城建、城管、民生项目：立项、可研、能评、初设概算、规划与施工许可，开工、主体完工、竣工",
    source="DH24 五(二)；WH19 附件1",
    categories=("urban_construction", "urban_management", "livelihood"),
    nodes=(
        _N("approval", "立项", 1, (), 10),
        _N("feasibility", "可研", 2, ("approval",), 20),
        _N("energy", "能评", 2, ("approval",), 15),
        _N("preliminary", "初设概算", 3, ("feasibility", "energy"), 20),
        _N("land_use_permit", "用地规划许可证", 3, ("feasibility",), 10),
        _N("works_permit", "工程规划许可证", 4, ("preliminary", "land_use_permit"), 10),
        _N("construction_permit", "施工许可证", 5, ("works_permit",), 5),
        _N("start", "开工", 6, ("construction_permit",), 0, anchor="start", stage="started"),
        _N("structure", "主体完工", 7, ("start",), 120),
        _N("completion", "竣工", 8, ("structure",), 60, anchor="completion", stage="completed"),
    ),
    departments={
        "approval": "发展和改革",
        "feasibility": "发展和改革",
        "energy": "发展和改革",
        "preliminary": "财政",
        "land_use_permit": "自然资源",
        "works_permit": "自然资源",
        "construction_permit": "住房和城乡建设",
    },
)

PRESETS = (INDUSTRY, PUBLIC)
