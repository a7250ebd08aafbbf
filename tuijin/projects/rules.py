"""Pure rules of the project library (REQ B). Standard library only; `today` is always an argument.

- the national investment project code (GB/T 40058-2021; REQ B1, ANCHORS "project code")
- planned dates with their precision (DESIGN.md: a month-precision date is late only after the month)
- stages, libraries and transitions (REQ B2)
- the year's rates: start rate, investment completion rate, completion rate (REQ B5, DH24 三)
- routing to a coordinating office (WH19 二 三层五线; REQ A4)
- hand-over deadlines (ETDZ19 四(五); REQ B3) and the roll-over of a plan to the next year
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

CATEGORIES = {
    "industry": "产业项目",
    "urban_construction": "城市建设项目",
    "urban_management": "城市管理项目",
    "livelihood": "民生社会事业项目",
}
# How offices also name the categories (REQ B1: 建设口/建管口/民生口); used when reading spreadsheets.
CATEGORY_ALIASES = {
    "产业": "industry",
    "产业类": "industry",
    "工业": "industry",
    "城市建设": "urban_construction",
    "城建": "urban_construction",
    "建设口": "urban_construction",
    "城市管理": "urban_management",
    "城管": "urban_management",
    "建管口": "urban_management",
    "民生社会事业": "livelihood",
    "民生": "livelihood",
    "社会事业": "livelihood",
    "民生口": "livelihood",
}
SECTORS = {
    "industrial": "工业",
    "service": "服务业",
    "real_estate": "房地产",
    "rural": "农业农村",
    "infrastructure": "基础设施",
    "social": "社会事业",
    "other": "其他",
}
PRECISIONS = {"day": "日", "week": "周", "month": "月"}
STAGES = {
    "planning": "谋划",
    "negotiating": "在谈",
    "signed": "签约",
    "registered": "注册",
    "landed": "落地",
    "preparation": "前期",
    "started": "开工",
    "construction": "在建",
    "completed": "竣工",
    "producing": "投产/运营",
}
STAGE_ORDER = {name: number for number, name in enumerate(STAGES)}
LIBRARIES = {"reserve": "储备库", "construction": "建设库", "completed": "竣工库"}
# WH19 三(一): 储备库 holds projects not yet started, 建设库 those under construction, 竣工库 the finished.
LIBRARY_STAGES = {
    "reserve": ("planning", "negotiating", "signed", "registered", "landed", "preparation"),
    "construction": ("started", "construction"),
    "completed": ("completed", "producing"),
}
# Stages whose transition date is the project's actual date of that event (one source of truth).
MILESTONE_STAGES = {"started": "实际开工", "completed": "实际竣工", "producing": "实际投产"}
PLAN_TYPES = {
    "new_start": "计划新开工",
    "continuing": "续建",
    "completion": "计划竣工",
    "preparation": "前期",
    "reserve": "储备",
}
PLAN_CHANGE_KINDS = {"add": "增补", "remove": "调出", "replan": "调整计划"}
FUNDING_KINDS = {
    "central_budget": "中央预算内资金",
    "special_bond": "地方政府专项债",
    "ultra_long_bond": "超长期特别国债",
    "fiscal": "地方财政资金",
    "bank_loan": "金融机构融资",
    "platform": "平台融资",
    "enterprise": "企业自筹",
    "social": "社会资本",
    "other": "其他",
}
INVESTMENT_SOURCES = {"office": "项目办录入", "report": "月报", "import": "表格导入"}
HANDOVER_KINDS = {
    "to_office": "招商部门移交项目办",
    "to_economic": "项目办移交经发部门",
}

WAN_PER_YI = Decimal(10000)


# ---------------------------------------------------------------------------------------------------
# The national investment project code


CODE_PATTERN = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-([0-9A-Z]{6})$")
# GB/T 40058-2021 (in force 2021-08-01) ends the code with a check character; the platform's codes from
# before that (发改投资〔2020〕1439号 switched provinces over from 2020-11-01) end with a serial number.
CHECK_CHARACTER_FROM_YEAR = 2021
_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class CodeCheck:
    """The result of checking a project code: errors refuse it, notes are kept beside it."""

    code: str
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_code(text: str) -> str:
    """Full-width digits and dashes, spaces and lower case as people type them → the canonical code."""
    table = {ord("０") + i: ord("0") + i for i in range(10)}
    table.update({ord(c): ord("-") for c in "－—–‐"})
    cleaned = text.translate(table).strip().upper().replace(" ", "")
    if len(cleaned) == 20 and "-" not in cleaned:
        cleaned = f"{cleaned[:4]}-{cleaned[4:10]}-{cleaned[10:12]}-{cleaned[12:14]}-{cleaned[14:]}"
    return cleaned


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 over the code's letters and digits before the last character.

    GB/T 40058-2021 §4.7 defines the check character; the text of the standard could not be consulted
    offline, so a mismatch is reported as a note to verify, never as an error (docs/projects.md)."""
    modulus = 36
    product = modulus
    for char in body:
        product = (product + _ALPHANUMERIC.index(char)) % modulus or modulus
        product = (product * 2) % (modulus + 1)
    return _ALPHANUMERIC[(modulus + 1 - product) % modulus]


def _significant(region: str) -> str:
    """The significant prefix of an administrative-division code: 360100 → 3601, 360000 → 36."""
    while len(region) > 2 and region.endswith("00"):
        region = region[:-2]
    return region


def region_matches(region: str, jurisdiction_codes: Sequence[str]) -> bool:
    """A code's region part belongs to the jurisdiction when it names it, one of its ancestors (a code
    registered at city or province level) or one of its own subdivisions; a sibling district under the
    same city does not belong (360111 is not 360102's). The most specific code is the jurisdiction's own."""
    mine = _significant(region)
    theirs = [_significant(code[:6]) for code in jurisdiction_codes if code.isdigit()]
    if not theirs:
        return False
    own = max(theirs, key=len)
    return any(code.startswith(mine) for code in theirs) or mine.startswith(own)


def check_project_code(
    text: str,
    *,
    jurisdiction_codes: Sequence[str] = (),
    jurisdiction_name: str = "",
    today: date | None = None,
) -> CodeCheck:
    """Check a 24-character national investment project code `YYYY-RRRRRR-DD-TT-NNNNNN` (REQ B1).

    `jurisdiction_codes` are the codes of the project's jurisdiction and its ancestors; the region part
    must lie within them. Codes assigned before 2021 carry no check character and are accepted with a note.
    """
    code = normalise_code(text)
    if not code:
        return CodeCheck(code="")
    match = CODE_PATTERN.match(code)
    if match is None:
        return CodeCheck(
            code=code,
            errors=(
                f"项目代码“{text}”格式不对：应为 24 位，形如 2024-360102-47-01-123456（年份-行政区划-行业-类型-序号）。",
            ),
        )
    year, region, _department, _type, serial = match.groups()
    errors: list[str] = []
    notes: list[str] = []
    this_year = (today or date.max).year
    if not 2000 <= int(year) <= this_year:
        errors.append(f"项目代码的赋码年份 {year} 不对：应在 2000 年至 {this_year} 年之间。")
    if jurisdiction_codes and not region_matches(region, jurisdiction_codes):
        where = f"（{jurisdiction_name}）" if jurisdiction_name else ""
        errors.append(f"项目代码的地区代码 {region} 不属于本辖区{where}。")
    if int(year) < CHECK_CHARACTER_FROM_YEAR:
        if not serial.isdigit():
            errors.append(f"项目代码的序号 {serial} 应为 6 位数字。")
        notes.append(f"{year} 年赋码，早于校验位规则（GB/T 40058-2021），未校验最后一位。")
    elif check_character(code.replace("-", "")[:-1]) != serial[-1]:
        notes.append("最后一位与按 ISO 7064 MOD 37,36 计算的校验位不一致，请与在线审批监管平台核对。")
    return CodeCheck(code=code, errors=tuple(errors), notes=tuple(notes))


# ---------------------------------------------------------------------------------------------------
# Planned dates and their precision


def period_end(day: date, precision: str) -> date:
    """The last day a date of this precision covers: a week ends on its Sunday, a month on its last day.
    A month-precision planned date is late only after that month ends (DESIGN.md)."""
    if precision == "week":
        return day + timedelta(days=6 - day.weekday())
    if precision == "month":
        return day.replace(day=_calendar.monthrange(day.year, day.month)[1])
    return day


def period_start(day: date, precision: str) -> date:
    if precision == "week":
        return day - timedelta(days=day.weekday())
    if precision == "month":
        return day.replace(day=1)
    return day


def format_planned(day: date | None, precision: str) -> str:
    """How a planned date reads: 2024-03-15, 2024年第11周, 2024年3月."""
    if day is None:
        return ""
    if precision == "month":
        return f"{day.year}年{day.month}月"
    if precision == "week":
        iso_year, week, _ = day.isocalendar()
        return f"{iso_year}年第{week}周"
    return day.isoformat()


def is_late(planned: date | None, precision: str, actual: date | None, *, today: date) -> bool:
    """A planned date is missed when the event has not happened by the end of its period (or happened
    after it)."""
    if planned is None:
        return False
    deadline = period_end(planned, precision)
    if actual is not None:
        return actual > deadline
    return today > deadline


# ---------------------------------------------------------------------------------------------------
# Stages and libraries


def library_of(stage: str) -> str:
    for library, stages in LIBRARY_STAGES.items():
        if stage in stages:
            return library
    raise ValueError(f"unknown stage {stage!r}")


def stages_of_library(library: str) -> tuple[str, ...]:
    return LIBRARY_STAGES[library]


@dataclass(frozen=True)
class TransitionFacts:
    """One recorded transition: a move into `stage` on `on`, or with `backfill` a milestone's actual date
    recorded later without moving the project (补录: a project created or imported at 开工 or later)."""

    stage: str
    on: date
    backfill: bool = False


def check_transition(
    *, current: str, target: str, on: date, history: Sequence[TransitionFacts], today: date
) -> list[str]:
    """Errors (Chinese) that forbid moving a project from `current` to `target` on `on` (REQ B2).

    Moving back is allowed (a signed project can fall through), but a date may not precede the previous
    move, lie in the future, or put completion before start."""
    fields = check_transition_fields(current=current, target=target, on=on, history=history, today=today)
    return [message for messages in fields.values() for message in messages]


def check_transition_fields(
    *, current: str, target: str, on: date, history: Sequence[TransitionFacts], today: date
) -> dict[str, list[str]]:
    """`check_transition`'s errors by the field they concern: "to_stage" (the stage) or "on" (the date)."""
    if target not in STAGES:
        return {"to_stage": [f"阶段“{target}”不存在。"]}
    errors: dict[str, list[str]] = {}
    if target == current:
        errors.setdefault("to_stage", []).append(f"项目已处于“{STAGES[target]}”阶段。")
    if on > today:
        errors.setdefault("on", []).append(f"日期 {on} 晚于今天（{today}），阶段变更只能记录已经发生的事。")
    if history and on < history[-1].on:
        last = history[-1]
        what = f"补录的{MILESTONE_STAGES[last.stage]}日期" if last.backfill else "上一次阶段变更"
        errors.setdefault("on", []).append(f"日期 {on} 早于{what}（{last.on}）。")
    dates = actual_dates(history)
    not_started = "started" not in dates and STAGE_ORDER[current] < STAGE_ORDER["started"]
    if STAGE_ORDER[target] >= STAGE_ORDER["completed"] and not_started:
        errors.setdefault("to_stage", []).append("项目尚未开工，不能直接记为竣工或投产，请先记录开工。")
    if target in ("completed", "producing") and "started" in dates and on < dates["started"]:
        errors.setdefault("on", []).append(f"竣工/投产日期 {on} 早于实际开工日期 {dates['started']}。")
    return errors


def check_backfill_fields(
    *, current: str, milestone: str, on: date, history: Sequence[TransitionFacts], today: date
) -> dict[str, list[str]]:
    """Errors by field ("milestone", "on") that forbid recording `milestone`'s actual date on `on` without
    moving the project (补录实际开工/竣工/投产日期): the project has reached the milestone but the library
    has no date for it. The date keeps the milestones in order, is not in the future, and is not before a
    later move into an earlier stage (that move would undo it: see `actual_dates`)."""
    if milestone not in MILESTONE_STAGES:
        return {"milestone": [f"只能补录{'、'.join(MILESTONE_STAGES.values())}日期。"]}
    label = MILESTONE_STAGES[milestone]
    errors: dict[str, list[str]] = {}
    dates = actual_dates(history)
    if STAGE_ORDER[milestone] > STAGE_ORDER[current]:
        errors.setdefault("milestone", []).append(
            f"项目处于“{STAGES[current]}”阶段，尚未{STAGES[milestone]}，不能补录{label}日期。"
        )
    elif milestone in dates:
        errors.setdefault("milestone", []).append(
            f"已有{label}日期 {dates[milestone]}，无需补录；如有误，请记录阶段变更。"
        )
    if on > today:
        errors.setdefault("on", []).append(f"日期 {on} 晚于今天（{today}），只能补录已经发生的事。")
    for other, other_on in dates.items():
        if STAGE_ORDER[other] < STAGE_ORDER[milestone] and on < other_on:
            errors.setdefault("on", []).append(
                f"{label}日期 {on} 早于{MILESTONE_STAGES[other]}日期 {other_on}。"
            )
        elif STAGE_ORDER[other] > STAGE_ORDER[milestone] and on > other_on:
            errors.setdefault("on", []).append(
                f"{label}日期 {on} 晚于{MILESTONE_STAGES[other]}日期 {other_on}。"
            )
    earlier = [m for m in history if not m.backfill and STAGE_ORDER[m.stage] < STAGE_ORDER[milestone]]
    if earlier and on < earlier[-1].on:
        errors.setdefault("on", []).append(
            f"{label}日期 {on} 早于项目转入“{STAGES[earlier[-1].stage]}”的日期（{earlier[-1].on}），应在其后。"
        )
    return errors


def actual_dates(history: Iterable[TransitionFacts]) -> dict[str, date]:
    """The actual start/completion/production dates, from the transitions in date order: the latest move
    into each milestone stage. A move back before a milestone undoes it (a 竣工 project moved back to 在建
    is not completed any more; it completes again on its next move into 竣工). A backfilled date (补录) sets
    its milestone and undoes nothing: it records a date, not a move."""
    dates: dict[str, date] = {}
    for move in history:
        if move.backfill:
            if move.stage in MILESTONE_STAGES:
                dates[move.stage] = move.on
            continue
        for milestone in [m for m in dates if STAGE_ORDER[m] > STAGE_ORDER[move.stage]]:
            del dates[milestone]
        if move.stage in MILESTONE_STAGES:
            dates[move.stage] = move.on
        elif move.stage == "construction" and "started" not in dates:
            # a project moved straight into 在建 (the 开工 step not recorded) started then
            dates["started"] = move.on
    return dates


# ---------------------------------------------------------------------------------------------------
# Validating a project record (shared by forms, services and spreadsheet import)


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    category: str
    total_investment: Decimal | None
    planned_start: date | None = None
    planned_completion: date | None = None
    planned_production: date | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    funding: tuple[Decimal | None, ...] = ()
    planned_start_precision: str = "day"
    planned_completion_precision: str = "day"
    planned_production_precision: str = "day"


def validate_project(facts: ProjectFacts) -> dict[str, str]:
    """Field → Chinese error for a project record (issue 3 "Bad input")."""
    errors: dict[str, str] = {}
    if not facts.name.strip():
        errors["name"] = "项目名称不能为空。"
    if facts.category not in CATEGORIES:
        errors["category"] = f"项目类别应为：{'、'.join(CATEGORIES.values())}。"
    if facts.total_investment is None:
        errors["total_investment"] = "总投资不能为空（单位：万元）。"
    elif facts.total_investment < 0:
        errors["total_investment"] = f"总投资不能为负数（填写的是 {facts.total_investment} 万元）。"
    start = (facts.planned_start, facts.planned_start_precision)
    completion = (facts.planned_completion, facts.planned_completion_precision)
    production = (facts.planned_production, facts.planned_production_precision)
    if _before(completion, start):
        errors["planned_completion"] = f"计划竣工 {_shown(completion)} 早于计划开工 {_shown(start)}。"
    if _before(production, completion):
        errors["planned_production"] = f"计划投产 {_shown(production)} 早于计划竣工 {_shown(completion)}。"
    if facts.longitude is not None and not Decimal(73) <= facts.longitude <= Decimal(136):
        errors["longitude"] = f"经度 {facts.longitude} 不在中国境内（73～136）。"
    if facts.latitude is not None and not Decimal(3) <= facts.latitude <= Decimal(54):
        errors["latitude"] = f"纬度 {facts.latitude} 不在中国境内（3～54）。"
    if (facts.longitude is None) != (facts.latitude is None):
        errors["latitude" if facts.latitude is None else "longitude"] = "经度和纬度须同时填写。"
    funded = sum((amount for amount in facts.funding if amount is not None), Decimal(0))
    if (
        "total_investment" not in errors
        and facts.total_investment is not None
        and funded > facts.total_investment
    ):
        errors["funding"] = f"资金来源合计 {funded} 万元超过总投资 {facts.total_investment} 万元。"
    return errors


def validate_funding(lines: Sequence[tuple[str, Decimal | None]]) -> dict[int, str]:
    """Row number (from 1) → Chinese error for a project's funding sources: a known kind, an amount that
    is not negative (DH24 四(四) lists the kinds)."""
    errors: dict[int, str] = {}
    for number, (kind, amount) in enumerate(lines, start=1):
        if kind not in FUNDING_KINDS:
            errors[number] = f"第 {number} 行资金来源应为：{'、'.join(FUNDING_KINDS.values())}。"
        elif amount is not None and amount < 0:
            errors[number] = (
                f"第 {number} 行（{FUNDING_KINDS[kind]}）金额不能为负数（填写的是 {amount} 万元）。"
            )
    return errors


def _before(later: tuple[date | None, str], earlier: tuple[date | None, str]) -> bool:
    """`later` certainly precedes `earlier`: its period ends before the other's begins (a completion
    "2024年6月" is not before a start on 2024-06-20)."""
    if later[0] is None or earlier[0] is None:
        return False
    return period_end(*later) < period_start(*earlier)


def _shown(planned: tuple[date | None, str]) -> str:
    return planned[0].isoformat() if planned[1] == "day" else format_planned(*planned)


def validate_monthly_targets(targets: Sequence[Decimal | None], planned: Decimal) -> str:
    """Error for a plan entry's monthly targets: twelve non-negative amounts adding up to at most the
    annual planned investment ("" when fine)."""
    if not targets:
        return ""
    if len(targets) != 12:
        return f"月度目标应为 12 个月，实际 {len(targets)} 个。"
    for month, amount in enumerate(targets, start=1):
        if amount is not None and amount < 0:
            return f"{month} 月目标不能为负数。"
    total = sum((amount for amount in targets if amount is not None), Decimal(0))
    if total > planned:
        return f"月度目标合计 {total} 万元超过年度计划投资 {planned} 万元。"
    return ""


# ---------------------------------------------------------------------------------------------------
# The year's rates (REQ B5)


@dataclass(frozen=True)
class EntryFacts:
    """One active plan entry with what has happened to its project."""

    project_id: int
    plan_type: str
    planned_investment: Decimal
    category: str
    stage: str
    started_on: date | None = None
    completed_on: date | None = None
    invested_this_year: Decimal = Decimal(0)
    monthly_targets: tuple[Decimal | None, ...] = ()


@dataclass(frozen=True)
class Rate:
    label: str
    done: Decimal
    of: Decimal
    target: Decimal
    unit: str = "个"

    @property
    def percent(self) -> Decimal | None:
        if not self.of:
            return None
        return (self.done * 100 / self.of).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool | None:
        return None if self.percent is None else self.percent >= self.target


@dataclass(frozen=True)
class PlanProgress:
    year: int
    as_of: date
    start: Rate
    investment: Rate
    completion: Rate
    planned_by_month: tuple[Decimal, ...]  # cumulative monthly targets, 万元
    by_stage: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_plan_type: dict[str, int] = field(default_factory=dict)
    investment_by_category: dict[str, Decimal] = field(default_factory=dict)


def plan_progress(
    entries: Sequence[EntryFacts], *, year: int, today: date, targets: tuple[Decimal, Decimal, Decimal]
) -> PlanProgress:
    """Targets against actual for one year's plan as of `today` (REQ B5, DH24 三).

    开工率 = projects planned to start this year (计划新开工) that have started by `today` / all of them;
    投资完成率 = investment completed this year / annual planned investment;
    竣工率 = projects planned to complete (计划竣工) that have completed / all of them."""
    as_of = min(today, date(year, 12, 31))
    to_start = [e for e in entries if e.plan_type == "new_start"]
    started = [
        e
        for e in to_start
        if e.started_on is not None and e.started_on.year <= year and e.started_on <= as_of
    ]
    to_complete = [e for e in entries if e.plan_type == "completion"]
    completed = [e for e in to_complete if e.completed_on is not None and e.completed_on <= as_of]
    planned = sum((e.planned_investment for e in entries), Decimal(0))
    invested = sum((e.invested_this_year for e in entries), Decimal(0))
    start_target, investment_target, completion_target = targets
    by_month = [Decimal(0)] * 12
    for entry in entries:
        for month, amount in enumerate(entry.monthly_targets[:12]):
            by_month[month] += amount or 0
    running, cumulative = Decimal(0), []
    for amount in by_month:
        running += amount
        cumulative.append(running)
    return PlanProgress(
        year=year,
        as_of=as_of,
        start=Rate("开工率", Decimal(len(started)), Decimal(len(to_start)), start_target),
        investment=Rate("投资完成率", invested, planned, investment_target, unit="万元"),
        completion=Rate("竣工率", Decimal(len(completed)), Decimal(len(to_complete)), completion_target),
        planned_by_month=tuple(cumulative),
        by_stage=_count(e.stage for e in entries),
        by_category=_count(e.category for e in entries),
        by_plan_type=_count(e.plan_type for e in entries),
        investment_by_category=_sum_by(entries),
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _sum_by(entries: Iterable[EntryFacts]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for entry in entries:
        sums[entry.category] = sums.get(entry.category, Decimal(0)) + entry.invested_this_year
    return sums


# ---------------------------------------------------------------------------------------------------
# Roll-over to the next year (issue 3 part 2)


def rollover_plan_type(*, plan_type: str, stage: str) -> str | None:
    """The plan type a project carries into next year's plan, or None when it leaves the plan.

    Started but not completed → 续建; completed or producing → leaves; not started → keeps its type
    (a 计划新开工 project that did not start stays 计划新开工)."""
    if STAGE_ORDER[stage] >= STAGE_ORDER["completed"]:
        return None
    if STAGE_ORDER[stage] >= STAGE_ORDER["started"]:
        return "continuing"
    if plan_type in ("continuing", "completion"):
        return "continuing"
    return plan_type


def remaining_investment(total: Decimal, invested: Decimal) -> Decimal:
    """Next year's proposed planned investment: what is left of the total (never negative)."""
    return max(total - invested, Decimal(0))


# ---------------------------------------------------------------------------------------------------
# Hand-over deadlines (ETDZ19 四(五))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def handover_due(kind: str, *, since: date, months: int = 1) -> date:
    """招商部门 hands a signed and registered project to the office "within one month" of complete papers
    (ETDZ19 四(五)); the office hands a producing project on after the on-site check, on the same term."""
    if kind not in HANDOVER_KINDS:
        raise ValueError(kind)
    return add_months(since, months)


# The stage a project must have reached before each hand-over may start (ETDZ19 四(五)): the investment
# bureau hands over a signed and registered project; the office hands over a producing one.
HANDOVER_FROM_STAGE = {"to_office": "signed", "to_economic": "producing"}


def check_handover_open(kind: str, *, stage: str, since: date, today: date) -> dict[str, str]:
    """Field → Chinese error for opening a hand-over (ETDZ19 四(五))."""
    if kind not in HANDOVER_KINDS:
        return {"kind": f"移交类型应为：{'、'.join(HANDOVER_KINDS.values())}。"}
    errors: dict[str, str] = {}
    needed = HANDOVER_FROM_STAGE[kind]
    if STAGE_ORDER[stage] < STAGE_ORDER[needed]:
        errors["kind"] = (
            f"“{HANDOVER_KINDS[kind]}”须在项目{STAGES[needed]}之后办理，项目现处于“{STAGES[stage]}”阶段。"
        )
    if since > today:
        errors["since"] = f"起算日期 {since} 晚于今天（{today}）。"
    return errors


def check_handover_complete(
    kind: str,
    *,
    since: date | None,
    handed_on: date | None,
    site_checked_on: date | None,
    signed_by: str,
    today: date,
) -> dict[str, str]:
    """Field → Chinese error for signing a hand-over off: a date not in the future, the signer named, and
    for the office's hand-over to the economic bureau an on-site check first (ETDZ19 四(五))."""
    errors: dict[str, str] = {}
    if handed_on is None:
        errors["handed_on"] = "请填写移交日期。"
    elif handed_on > today:
        errors["handed_on"] = f"移交日期 {handed_on} 晚于今天（{today}）。"
    elif since is not None and handed_on < since:
        errors["handed_on"] = f"移交日期 {handed_on} 早于起算日期 {since}。"
    if not signed_by.strip():
        errors["signed_by"] = "请填写签字负责人（移交单位主要负责人）。"
    if kind == "to_economic":
        if site_checked_on is None:
            errors["site_checked_on"] = "项目办移交经发部门前须现场核实投产情况，请填写现场核实日期。"
        elif handed_on is not None and site_checked_on > handed_on:
            errors["site_checked_on"] = f"现场核实日期 {site_checked_on} 晚于移交日期 {handed_on}。"
    if site_checked_on is not None and site_checked_on > today:
        errors["site_checked_on"] = f"现场核实日期 {site_checked_on} 晚于今天（{today}）。"
    return errors


def handover_overdue_days(due_on: date, handed_on: date | None, *, today: date) -> int:
    """Days a hand-over is (or was) past its deadline: 0 when on time or not yet due."""
    end = handed_on if handed_on is not None else today
    return max((end - due_on).days, 0)


# ---------------------------------------------------------------------------------------------------
# Monthly investment entries (REQ G3)


def check_investment_month(*, year: int, month: int, amount: Decimal | None, today: date) -> dict[str, str]:
    """Field → Chinese error for one month's completed investment: a real month, not in the future, an
    amount that is not negative."""
    errors: dict[str, str] = {}
    if not 1 <= month <= 12:
        errors["month"] = f"月份应为 1～12，填写的是 {month}。"
    if not 2000 <= year <= today.year:
        errors["year"] = f"年份应在 2000 年至 {today.year} 年之间，填写的是 {year}。"
    elif "month" not in errors and (year, month) > (today.year, today.month):
        errors["month"] = f"{year}年{month}月还没到，不能录入未来月份的完成投资。"
    if amount is None:
        errors["amount"] = "请填写完成投资（万元）。"
    elif amount < 0:
        errors["amount"] = f"完成投资不能为负数（填写的是 {amount} 万元）。"
    return errors


# ---------------------------------------------------------------------------------------------------
# Routing to a coordinating office (WH19 二 三层五线)


@dataclass(frozen=True)
class Route:
    office: str
    sectors: tuple[str, ...] = ()
    min_investment: Decimal | None = None  # 万元, inclusive
    below_investment: Decimal | None = None  # 万元, exclusive
    name_contains: tuple[str, ...] = ()
    source: str = ""
    aliases: tuple[str, ...] = ()  # other names of the office's unit (简称)

    def describe(self) -> str:
        """What the route covers, in the notice's words: 项目名称含“网络安全”；工业、服务业；总投资 ≥ 10亿元."""
        parts = []
        if self.name_contains:
            parts.append("项目名称含" + "或".join(f"“{word}”" for word in self.name_contains))
        if self.sectors:
            parts.append("、".join(SECTORS.get(sector, sector) for sector in self.sectors) + "项目")
        if self.min_investment is not None:
            parts.append(f"总投资不低于 {format_money(self.min_investment)}")
        if self.below_investment is not None:
            parts.append(f"总投资低于 {format_money(self.below_investment)}")
        return "；".join(parts) or "所有项目"

    def matches(self, *, sector: str, total_investment: Decimal, name: str) -> bool:
        if self.name_contains and not any(word in name for word in self.name_contains):
            return False
        if self.sectors and sector not in self.sectors:
            return False
        if self.min_investment is not None and total_investment < self.min_investment:
            return False
        return self.below_investment is None or total_investment < self.below_investment


def routes_from(data: dict) -> list[Route]:
    """Routes from a rule set's [routing] section (a list of tables under `routes`)."""
    routes = []
    for item in data.get("routes", []):
        routes.append(
            Route(
                office=item["office"],
                sectors=tuple(item.get("sectors", ())),
                min_investment=_decimal(item.get("min_investment")),
                below_investment=_decimal(item.get("below_investment")),
                name_contains=tuple(item.get("name_contains", ())),
                source=item.get("source", ""),
                aliases=tuple(item.get("aliases", ())),
            )
        )
    return routes


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def route_project(
    routes: Sequence[Route], *, sector: str, total_investment: Decimal, name: str
) -> Route | None:
    """The first route that matches (routes are listed most specific first, as WH19 二 reads)."""
    for route in routes:
        if route.matches(sector=sector, total_investment=total_investment, name=name):
            return route
    return None


# ---------------------------------------------------------------------------------------------------
# Money


def format_money(amount: Decimal | None) -> str:
    """万元 below one 亿, 亿元 from there (DESIGN.md: money shown as 万元 or 亿元)."""
    if amount is None:
        return ""
    if abs(amount) >= WAN_PER_YI:
        return f"{(amount / WAN_PER_YI).quantize(Decimal('0.01')):,}亿元"
    return f"{amount.quantize(Decimal('0.01')):,}万元"
