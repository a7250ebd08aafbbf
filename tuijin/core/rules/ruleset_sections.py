"""The core sections of a rule-set file: [meta], [cadences], [reporting], [escalation], [ranking] and
[calendar] (issue 5). Each number carries a `source` citation (e.g. "WH19 四(一)"); where a notice gives
no number the entry says `basis = "default"` and its `source` says where the default comes from.

Later capabilities add their sections the same way, from their own rules module:
`register_section("lights", Table(...))`. Standard library only.
"""

from __future__ import annotations

from tuijin.core.rules.ruleset_schema import Key, Table, register_section

FREQUENCIES = {
    "daily": "每日",
    "weekly": "每周",
    "ten_days": "每旬",
    "biweekly": "每两周",
    "monthly": "每月",
    "bimonthly": "每两月",
    "quarterly": "每季度",
    "half_year": "每半年",
    "yearly": "每年",
    "as_needed": "适时（按需）",
}
FREQUENCY_ORDER = {name: number for number, name in enumerate(FREQUENCIES)}
WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
# Mirrors tuijin.org.models.JurisdictionLevel / UnitKind (a test keeps them equal; rules import no Django).
JURISDICTION_LEVELS = {
    "province": "省",
    "city": "市",
    "district": "区/县",
    "zone": "开发区/新区",
    "street": "镇/街道",
}
UNIT_KINDS = {
    "office": "项目办/重点办",
    "department": "职能部门",
    "approval": "审批部门",
    "street": "镇/街道",
    "state_company": "国有企业",
    "government": "下级政府",
    "supervision": "督查/巡查机构",
    "discipline": "纪检监察机关",
}
BASIS = {"notice": "通知原文", "default": "默认值（通知未规定）"}
CADENCE_KINDS = {
    "meeting": "调度会议",
    "coordination": "协调",
    "consultation": "会商",
    "supervision": "督查/督导",
    "notice": "通报",
    "review": "点评",
    "assessment": "考评/考核",
    "visit": "观摩/现场办公",
}
REPORT_KINDS = {
    "report": "单位填报",
    "briefing": "简报",
    "notice": "通报",
    "push": "消息推送",
    "publicity": "公开发布",
}
POSITIONS = {"top": "排名靠前", "bottom": "排名靠后"}
SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"


def noted(keys: dict[str, Key], *, source_required: bool = True) -> dict[str, Key]:
    """Add the citation keys every rule-bearing table has: source, basis (notice/default), reading."""
    return {
        **keys,
        "source": Key("依据", required=source_required, help='条款出处，如 "WH19 四(一)"；默认值写明来源'),
        "basis": Key(
            "数值来源", choices=BASIS, help='"notice" 通知原文（缺省）或 "default" 通知未规定、取默认值'
        ),
        "reading": Key("解读", help="对原文含义不明之处的理解"),
    }


def _by_frequency(name: str, value: dict) -> tuple:
    return (FREQUENCY_ORDER.get(value.get("frequency", ""), len(FREQUENCY_ORDER)),)


# --- [meta] ----------------------------------------------------------------------------------------

META = Table(
    "基本信息",
    keys={
        "slug": Key("标识", required=True, pattern=SLUG, help="与文件名相同，如 wuhan-2019"),
        "name": Key("名称", required=True),
        "short": Key("简称", required=True, help="如 WH19"),
        "jurisdiction": Key("发文辖区", required=True),
        "jurisdiction_level": Key("辖区层级", required=True, choices=JURISDICTION_LEVELS),
        "document_title": Key("依据文件标题", required=True),
        "document_number": Key("文号"),
        "issuer": Key("发文机关"),
        "year": Key("年度", "int", required=True, lo=1990, hi=2100),
        "published": Key("印发日期", "date"),
        "based_on": Key("上位依据"),
        "summary": Key("概述"),
    },
)

# --- [cadences] ------------------------------------------------------------------------------------

CADENCE = Table(
    "调度层级",
    keys=noted(
        {
            "name": Key("名称", required=True),
            "kind": Key("类别", choices=CADENCE_KINDS),
            "chair": Key("主持/牵头", required=True),
            "frequency": Key("频次", required=True, choices=FREQUENCIES),
            "times": Key("每期次数", "int", lo=1, hi=31),
            "at_least": Key("至少", "bool", help="true：每期至少 times 次"),
            "when": Key("时间安排"),
            "participants": Key("参加", "strs"),
            "purpose": Key("任务"),
        }
    ),
)

CADENCES = Table(
    "调度机制",
    keys=noted(
        {
            "summary": Key("概述"),
            "levels": Key("调度层级数", "int", lo=1, hi=12),
        },
        source_required=False,
    ),
    entries=CADENCE,
    entries_label="调度层级",
    entries_order=_by_frequency,
)

# --- [reporting] -----------------------------------------------------------------------------------


def _check_report(item: dict, data: dict) -> list[tuple[str, str]]:
    """A unit's report needs its deadline: weekly → due_weekday, monthly → due_day (WH19 三(二))."""
    problems = []
    frequency, kind = item.get("frequency"), item.get("kind", "report")
    if kind == "report" and frequency == "weekly" and "due_weekday" not in item:
        problems.append(("due_weekday", "每周填报须写明截止星期 due_weekday（1–7，5 为周五）"))
    if kind == "report" and frequency == "monthly" and "due_day" not in item:
        problems.append(("due_day", "每月填报须写明截止日 due_day（1–31）"))
    if "due_weekday" in item and frequency not in ("weekly", "biweekly"):
        problems.append(("due_weekday", "只有每周或每两周的报送可写 due_weekday"))
    if "due_day" in item and frequency not in ("monthly", "bimonthly", "quarterly"):
        problems.append(("due_day", "只有每月、每两月或每季度的报送可写 due_day"))
    return problems


REPORT = Table(
    "报送事项",
    keys=noted(
        {
            "name": Key("名称", required=True),
            "kind": Key("类别", choices=REPORT_KINDS, help="缺省为 report（单位填报）"),
            "frequency": Key("频次", required=True, choices=FREQUENCIES),
            "due_weekday": Key("截止星期", "int", lo=1, hi=7, names=WEEKDAYS),
            "due_day": Key("截止日（每月）", "int", lo=1, hi=31),
            "submitter": Key("报送/发布单位"),
            "recipient": Key("报送对象"),
            "contents": Key("内容", "strs"),
            "columns": Key("表格栏目", "strs"),
            "template": Key("格式"),
        }
    ),
    check=_check_report,
)

REPORTING = Table(
    "填报与报送",
    keys=noted({"summary": Key("概述")}, source_required=False),
    entries=REPORT,
    entries_label="报送事项",
    entries_order=_by_frequency,
)

# --- [escalation] ----------------------------------------------------------------------------------


def _check_escalation(section: dict, data: dict) -> list[tuple[str, str]]:
    """Level keys are unique; a level's `cadence` names a [cadences] entry."""
    problems, seen = [], set()
    cadences = data.get("cadences", {}) if isinstance(data.get("cadences"), dict) else {}
    for number, level in enumerate(section.get("levels", []), start=1):
        key = level.get("key")
        if key in seen:
            problems.append((f"levels[{number}].key", f'层级标识 "{key}" 重复'))
        seen.add(key)
        cadence = level.get("cadence")
        if cadence is not None and not isinstance(cadences.get(cadence), dict):
            problems.append(
                (f"levels[{number}].cadence", f'引用的调度层级 "{cadence}" 在 [cadences] 中不存在')
            )
    return problems


LEVEL = Table(
    "层级",
    keys=noted(
        {
            "key": Key("标识", required=True, pattern=r"[a-z0-9_]+"),
            "name": Key("层级", required=True),
            "who": Key("责任主体"),
            "cadence": Key("对应调度", help="[cadences] 中的标识"),
            "handles": Key("处理事项"),
            "escalate_when": Key("上报条件"),
            "external": Key("本辖区以外", "bool"),
        }
    ),
)

ESCALATION = Table(
    "逐级协调（问题上报）",
    keys=noted(
        {
            "summary": Key("概述"),
            "levels": Key("逐级上报层级", "tables", required=True, table=LEVEL, min_items=2),
        }
    ),
    check=_check_escalation,
)

# --- [ranking] -------------------------------------------------------------------------------------


def _check_ranking(section: dict, data: dict) -> list[tuple[str, str]]:
    """Group keys and names are unique; a unit kind sits in one group; consequences use ranked periods."""
    problems = []
    keys: set[str] = set()
    names: set[str] = set()
    kinds: dict[str, str] = {}
    for number, group in enumerate(section.get("groups", []), start=1):
        if group["key"] in keys:
            problems.append((f"groups[{number}].key", f'分组标识 "{group["key"]}" 重复'))
        if group["name"] in names:
            problems.append((f"groups[{number}].name", f'分组名称 "{group["name"]}" 重复'))
        keys.add(group["key"])
        names.add(group["name"])
        for kind in group.get("unit_kinds", []):
            if kind in kinds:
                problems.append(
                    (
                        f"groups[{number}].unit_kinds",
                        f'单位类别 "{kind}" 已归入分组 "{kinds[kind]}"，不能重复',
                    )
                )
            kinds[kind] = group["name"]
    periods = section.get("periods", [])
    for number, item in enumerate(section.get("consequences", []), start=1):
        if item["period"] not in periods:
            problems.append((f"consequences[{number}].period", f'"{item["period"]}" 不在排名周期 periods 中'))
    return problems


GROUP = Table(
    "排名分组",
    keys=noted(
        {
            "key": Key("标识", required=True, pattern=r"[a-z0-9_]+"),
            "name": Key("分组名称", required=True, help="与责任单位的“考核分组”一致，如 区直单位、镇街"),
            "unit_kinds": Key("单位类别", "strs", choices=UNIT_KINDS, help="未填考核分组的单位按类别归组"),
            "members": Key("包括"),
        }
    ),
)

CONSEQUENCE = Table(
    "奖惩",
    keys=noted(
        {
            "name": Key("名称", required=True),
            "period": Key("周期", required=True, choices=FREQUENCIES),
            "position": Key("位置", required=True, choices=POSITIONS),
            "count": Key("名次数", "int", required=True, lo=1, hi=100),
            "action": Key("措施", required=True),
        }
    ),
)

RANKING = Table(
    "考核排名",
    keys=noted(
        {
            "summary": Key("概述"),
            "periods": Key("排名周期", "strs", required=True, choices=FREQUENCIES, min_items=1),
            "public": Key("对外公布", "bool"),
            "groups": Key("排名分组", "tables", required=True, table=GROUP, min_items=1),
            "consequences": Key("奖惩", "tables", table=CONSEQUENCE),
        }
    ),
    check=_check_ranking,
)

# --- [calendar] ------------------------------------------------------------------------------------


def _check_calendar(section: dict, data: dict) -> list[tuple[str, str]]:
    starts = section.get("ten_day_starts")
    if starts is not None and (starts[:1] != [1] or starts != sorted(set(starts))):
        return [("ten_day_starts", "旬的起始日应从 1 开始且逐个增大，如 [1, 11, 21]")]
    return []


CALENDAR = Table(
    "日历",
    keys=noted(
        {
            "workdays": Key("工作日", required=True, choices={"statutory": "法定工作日历（含调休）"}),
            "week_starts_on": Key("每周起始", "int", lo=1, hi=7, names=WEEKDAYS),
            "ten_day_starts": Key("各旬起始日", "ints", lo=1, hi=28, min_items=2),
        }
    ),
    check=_check_calendar,
)

register_section("meta", META, required=True)
register_section("cadences", CADENCES, required=True)
register_section("reporting", REPORTING, required=True)
register_section("escalation", ESCALATION, required=True)
register_section("ranking", RANKING, required=True)
register_section("calendar", CALENDAR)
