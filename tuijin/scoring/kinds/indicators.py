"""Indicator rule kinds (REQ I3–I5): the notices that score units by counts and rates rather than by
WH19 附件3's per-project deductions.

- `declarations` — DH24 五(四): 年度谋划申报项目数量, per group 最多 10 分、最少 6 分, others
  (x − 最小值) ÷ (最大值 − 最小值) × 4 + 6; a unit with none gets no score.
- `indicator_share` — a rate (开工率、投资完成率、竣工率、链条推进率) times the rule's points
  (KF19 六(一)一 "开工率、投资完成率、竣工率"; NC20 三(五)3 "项目开工、投资完成、链条推进").
- `indicator_normalised` — any indicator (项目数量、投资额、增速 …) scaled min→max within the ranking group
  by the DH24 formula (NC20 三(五)3 names the items only: "具体计分办法另行制定").
- `pipeline` — KF19 六(一)二 谋划、在谈、签约、落地: points per project reaching each stage.
- `tagged` — KF19 六(一)二、三: 500强 or ≥ 10 亿元, 省重点, "8+1" 产业链 projects: points each.
- `approval_days` — KF19 六(一)四: working days from land delisting to start against 80/50/30.

Indicators are read for the year up to the period's end (a monthly notice ranks the year's standing so
far); flows (a stage reached, a project signed or started) likewise unless the rule says
`window = "period"`. Every number comes from the rule's keys; every sentence shows the arithmetic.
Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from tuijin.core.rules.ruleset_schema import Key, Table
from tuijin.projects.rules import PLAN_TYPES, STAGES, period_end

from ..rules import (
    Event,
    Facts,
    Period,
    ProjectFact,
    Rule,
    RuleKind,
    ScoreRules,
    UnitFact,
    dec,
    make_event,
    project_person,
    register_kind,
    rounded,
)

HUNDRED = Decimal(100)
Yield = Iterator["Event | str"]


# ---------------------------------------------------------------------------------------------------
# Small helpers: numbers as the sentences show them, groups, windows


def num(value: Decimal | int) -> str:
    """A number as written, sign kept, no trailing zeros: 4, −0.2 → "-0.2", 12345.6."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def group_of(unit: UnitFact, groups: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The unit's `[[ranking.groups]]` item: the one named as its 考核分组, else the one listing its kind."""
    if unit.rank_group:
        named = next((g for g in groups if g.get("name") == unit.rank_group), None)
        if named is not None:
            return named
    return next((g for g in groups if unit.kind in g.get("unit_kinds", ())), None)


def year_start(period: Period) -> date:
    return date(period.end.year, 1, 1)


def window(rule: Rule, period: Period) -> tuple[date, date]:
    """The days a flow counts in: the year up to the period's end (default), or the period itself."""
    if rule.params.get("window") == "period":
        return period.start, period.end
    return year_start(period), period.end


def span_label(start: date, end: date) -> str:
    """2024年6月, 2024年1—6月."""
    if start.month == end.month:
        return f"{end.year}年{end.month}月"
    return f"{end.year}年{start.month}—{end.month}月"


# ---------------------------------------------------------------------------------------------------
# Indicators: one unit's projects → a value and the sentence that explains it


@dataclass(frozen=True)
class Reading:
    """An indicator's value for one unit (None: not applicable, e.g. nothing was due) and how it reads.
    Rates are percentages with 2 decimals."""

    value: Decimal | None
    text: str


@dataclass(frozen=True)
class Scope:
    start: date  # 1 January of the period's year
    end: date  # the period's last day

    @property
    def label(self) -> str:
        return span_label(self.start, self.end)


def _percent(done: Decimal, of: Decimal) -> Decimal:
    return rounded(done * HUNDRED / of, 2)


def _by(day: date | None, scope: Scope) -> bool:
    return day is not None and day <= scope.end


def listed(projects: Iterable[ProjectFact]) -> list[ProjectFact]:
    """Projects in the year's plan (计划类型 set)."""
    return [p for p in projects if p.plan_type is not None]


def project_count(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    count = len(listed(projects))
    return Reading(Decimal(count), f"列入{scope.end.year}年计划的项目 {count} 个")


def total_investment(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    amount = sum((p.total_investment for p in listed(projects)), Decimal(0))
    return Reading(amount, f"列入{scope.end.year}年计划的项目总投资 {num(amount)} 万元")


def completed_investment(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    amount = sum((p.completed_investment for p in listed(projects)), Decimal(0))
    return Reading(amount, f"{scope.label}累计完成投资 {num(amount)} 万元")


def investment_growth(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    """投资增速: investment completed this year to the period's end against the same months last year (%)."""
    now = sum((p.completed_investment for p in listed(projects)), Decimal(0))
    before = sum((p.previous_investment for p in listed(projects)), Decimal(0))
    head = f"{scope.label}完成投资 {num(now)} 万元，上年同期 {num(before)} 万元"
    if before <= 0:
        return Reading(None, f"{head}，上年同期无完成投资，增速无法计算")
    growth = _percent(now - before, before)
    return Reading(growth, f"{head}，增速（{num(now)} − {num(before)}）÷ {num(before)} = {growth}%")


def start_rate(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    """开工率: 计划新开工 projects due to start by the period's end (a month-precision plan only after its
    month) or already started, of which started."""
    due = [
        p
        for p in projects
        if p.plan_type == "new_start"
        and p.planned_start is not None
        and (period_end(p.planned_start, p.planned_start_precision) <= scope.end or _by(p.started_on, scope))
    ]
    done = [p for p in due if _by(p.started_on, scope)]
    return _rate("开工率", f"截至 {scope.end} 应开工（或已开工）的计划新开工项目", "已开工", done, due)


def completion_rate(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    """竣工率: 计划竣工 projects due to complete by the period's end or already completed, of which completed."""
    due = [
        p
        for p in projects
        if p.plan_type == "completion"
        and p.planned_completion is not None
        and (
            period_end(p.planned_completion, p.planned_completion_precision) <= scope.end
            or _by(p.completed_on, scope)
        )
    ]
    done = [p for p in due if _by(p.completed_on, scope)]
    return _rate("竣工率", f"截至 {scope.end} 应竣工（或已竣工）的计划竣工项目", "已竣工", done, due)


def _rate(name: str, what: str, verb: str, done: Sequence[Any], due: Sequence[Any]) -> Reading:
    if not due:
        return Reading(None, f"没有{what}，{name}不适用")
    value = _percent(Decimal(len(done)), Decimal(len(due)))
    return Reading(
        value, f"{what} {len(due)} 个，{verb} {len(done)} 个，{name} {len(done)} ÷ {len(due)} = {value}%"
    )


def investment_rate(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    """投资完成率: investment completed this year to the period's end ÷ the plan to that day (the monthly
    targets' running sum; the annual plan for a project without monthly targets)."""
    mine = listed(projects)
    done = sum((p.completed_investment for p in mine), Decimal(0))
    planned = sum((_planned_to_date(p) for p in mine), Decimal(0))
    if planned <= 0:
        return Reading(None, f"{scope.label}没有计划投资，投资完成率不适用")
    value = _percent(done, planned)
    return Reading(
        value,
        f"{scope.label}完成投资 {num(done)} 万元，计划 {num(planned)} 万元，"
        f"投资完成率 {num(done)} ÷ {num(planned)} = {value}%",
    )


def _planned_to_date(project: ProjectFact) -> Decimal:
    to_date = project.planned_investment_to_date
    return project.planned_investment if to_date is None else to_date


def chain_progress(projects: Sequence[ProjectFact], scope: Scope) -> Reading:
    """链条推进率: chain nodes (not 免办) whose deadline falls in the year up to the period's end, of which
    done by their deadline."""
    due = [
        node
        for p in projects
        for node in p.nodes
        if not node.exempt and node.deadline is not None and scope.start <= node.deadline <= scope.end
    ]
    on_time = [n for n in due if n.actual is not None and n.deadline is not None and n.actual <= n.deadline]
    return _rate("链条推进率", f"{scope.label}到期的推进链条节点", "按时完成", on_time, due)


IndicatorFn = Callable[[Sequence[ProjectFact], Scope], Reading]
INDICATORS: dict[str, tuple[str, IndicatorFn]] = {
    "project_count": ("项目数量", project_count),
    "total_investment": ("项目总投资", total_investment),
    "completed_investment": ("完成投资额", completed_investment),
    "investment_growth": ("投资增速", investment_growth),
    "start_rate": ("开工率", start_rate),
    "investment_rate": ("投资完成率", investment_rate),
    "completion_rate": ("竣工率", completion_rate),
    "chain_progress": ("链条推进率", chain_progress),
}
RATES = ("start_rate", "investment_rate", "completion_rate", "chain_progress")


def readings(rule: Rule, facts: Facts) -> dict[int, Reading]:
    """The rule's indicator for every unit with at least one project (of `plan_types`, when given); with
    `by = "node"` (链条推进率) for every unit owning chain nodes, over its own nodes."""
    _, indicator = INDICATORS[rule.params["indicator"]]
    scope = Scope(year_start(facts.period), facts.period.end)
    plan_types = rule.params.get("plan_types")
    projects = [p for p in facts.projects if not plan_types or p.plan_type in plan_types]
    per_unit: dict[int, list[ProjectFact]] = {}
    for project in projects:
        if rule.params.get("by") == "node":
            for unit in sorted({n.unit_id for n in project.nodes if n.unit_id in facts.units}):  # type: ignore[misc]
                own = tuple(n for n in project.nodes if n.unit_id == unit)
                per_unit.setdefault(unit, []).append(replace(project, nodes=own))
        elif project.unit_id in facts.units:
            per_unit.setdefault(project.unit_id, []).append(project)
    return {unit: indicator(mine, scope) for unit, mine in sorted(per_unit.items())}


# ---------------------------------------------------------------------------------------------------
# The DH24 scale: the most → max_points, the least → min_points, the others in proportion


@dataclass(frozen=True)
class Scale:
    low: Decimal  # min_points (DH24: 6)
    high: Decimal  # max_points (DH24: 10)
    when_equal: str = "max"  # "max" | "min" | "mid": every unit of the group has the same value
    decimals: int = 2

    @classmethod
    def of(cls, rule: Rule) -> Scale:
        p = rule.params
        return cls(
            dec(p["min_points"]), dec(p["max_points"]), p.get("when_equal", "max"), int(p.get("decimals", 2))
        )


EQUAL_POINTS = {"max": "最高分", "min": "最低分", "mid": "最高分与最低分的平均"}


def scaled(value: Decimal, lowest: Decimal, highest: Decimal, scale: Scale) -> tuple[Decimal, str]:
    """DH24 五(四): the points for `value` among values from `lowest` to `highest`, and the arithmetic."""
    if highest == lowest:
        points = {"max": scale.high, "min": scale.low, "mid": (scale.high + scale.low) / 2}[scale.when_equal]
        points = rounded(points, scale.decimals)
        how = EQUAL_POINTS[scale.when_equal]
        return points, f"本组各单位相同（均为 {num(value)}），都是最多的，按规则集计{how} {points} 分"
    if value == highest:
        return rounded(scale.high, scale.decimals), f"为本组最多，计 {rounded(scale.high, scale.decimals)} 分"
    if value == lowest:
        return rounded(scale.low, scale.decimals), f"为本组最少，计 {rounded(scale.low, scale.decimals)} 分"
    span = scale.high - scale.low
    points = rounded((value - lowest) / (highest - lowest) * span + scale.low, scale.decimals)
    low = num(lowest) if lowest >= 0 else f"({num(lowest)})"  # 10 − (−10)
    formula = f"（{num(value)} − {low}）÷（{num(highest)} − {low}）× {num(span)} + {num(scale.low)}"
    return points, f"{formula} = {points} 分"


def scaled_events(
    rule: Rule,
    facts: Facts,
    rules: ScoreRules,
    values: Mapping[int, Decimal],
    *,
    describe: Callable[[int], str],
    name: str,
    key: str,
    zeros: Iterable[int] = (),
) -> Yield:
    """One event per unit of `values`, scaled within its ranking group; a unit in no group gets a warning
    instead. `zeros`: units that take part in the group's minimum with 0 but are not scored."""
    scale = Scale.of(rule)
    groups: dict[str, dict[int, Decimal]] = {}
    names: dict[str, str] = {}
    for unit_id, value in sorted(values.items()):
        group = group_of(facts.units[unit_id], rules.groups)
        if group is None:
            yield f"单位《{facts.units[unit_id].name}》不属于任何排名分组，{name}不计分"
            continue
        groups.setdefault(group["key"], {})[unit_id] = value
        names[group["key"]] = group["name"]
    zero_groups = {g["key"] for u in zeros if (g := group_of(facts.units[u], rules.groups)) is not None}
    for group_key, members in groups.items():
        lowest = Decimal(0) if group_key in zero_groups else min(members.values())
        highest = max(members.values())
        among = f"{names[group_key]}组 {len(members)} 个单位中最多 {num(highest)}、最少 {num(lowest)}"
        for unit_id, value in members.items():
            points, arithmetic = scaled(value, lowest, highest, scale)
            yield make_event(
                rule,
                unit_id=unit_id,
                points=points,
                key=key,
                sentence=f"{describe(unit_id)}，{among}，{name}{arithmetic}",
                on=facts.period.end,
                person_id=facts.units[unit_id].head_id,
            )


# ---------------------------------------------------------------------------------------------------
# declarations — DH24 五(四)


def evaluate_declarations(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """DH24 五(四) "将全区各单位年度谋划申报项目数量情况纳入全年重大项目建设考核，分区直单位和属地镇
    （街道、管理处）两组进行加分奖励（按照申报项目数量计分，最多的计10分、最少的计6分，其他的采取
    [(本地值 − 最小值) / (最大值 − 最小值) × 4 + 6] 的公式计算得分，未有项目的单位不计分）": a project
    counts for its responsible unit in the year of its 谋划申报 (ProjectFact.planning_on)."""
    start, end = year_start(facts.period), facts.period.end
    counts: dict[int, int] = {}
    for project in facts.projects:
        if project.unit_id in facts.units and project.planning_on and start <= project.planning_on <= end:
            counts[project.unit_id] = counts.get(project.unit_id, 0) + 1  # type: ignore[index]
    zeros = [u for u in facts.units if u not in counts] if rule.params.get("zero_in_min") else []
    yield from scaled_events(
        rule,
        facts,
        rules,
        {unit: Decimal(count) for unit, count in counts.items()},
        describe=lambda unit: f"{end.year}年本单位谋划申报项目 {counts[unit]} 个",
        name="申报项目计分",
        key=f"declarations:{end.year}",
        zeros=zeros,
    )


# ---------------------------------------------------------------------------------------------------
# indicator_share, indicator_normalised — NC20 三(五)3, KF19 六(一)一


def evaluate_share(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """A rate times the rule's points, the rate held at `rate_cap` (%): "开工率得分 40 × 75.00% = 30.00 分"."""
    assert rule.points is not None
    label, _ = INDICATORS[rule.params["indicator"]]
    cap = dec(rule.params.get("rate_cap", 100))
    decimals = int(rule.params.get("decimals", 2))
    when_none = rule.params.get("when_none", "full")
    for unit_id, reading in readings(rule, facts).items():
        if reading.value is None:
            if when_none == "skip":
                continue
            points = rounded(rule.points if when_none == "full" else Decimal(0), decimals)
            text = f"{reading.text}，{label}{'按满分计' if when_none == 'full' else '计'} {points} 分"
        else:
            rate = min(reading.value, cap)
            held = f"（超过 {num(cap)}% 按 {num(cap)}% 计）" if reading.value > cap else ""
            points = rounded(rule.points * rate / HUNDRED, decimals)
            text = f"{reading.text}{held}，{label}得分 {num(rule.points)} × {rate}% = {points} 分"
        yield _unit_event(rule, facts, unit_id, points, text)


def evaluate_normalised(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """An indicator scaled within each ranking group: the highest → max_points, the lowest → min_points,
    the others (x − 最小值) ÷ (最大值 − 最小值) × (max − min) + min (the DH24 五(四) formula)."""
    label, _ = INDICATORS[rule.params["indicator"]]
    unit_readings = readings(rule, facts)
    if rule.params.get("when_none", "skip") == "min":
        low = rounded(Scale.of(rule).low, Scale.of(rule).decimals)
        for unit_id, reading in unit_readings.items():
            if reading.value is None:
                yield _unit_event(rule, facts, unit_id, low, f"{reading.text}，{label}按最低分计 {low} 分")
    yield from scaled_events(
        rule,
        facts,
        rules,
        {u: r.value for u, r in unit_readings.items() if r.value is not None},
        describe=lambda unit: unit_readings[unit].text,
        name=f"{label}得分",
        key=f"{rule.kind}:{rule.params['indicator']}",
    )


def _unit_event(rule: Rule, facts: Facts, unit_id: int, points: Decimal, text: str) -> Event:
    return make_event(
        rule,
        unit_id=unit_id,
        points=points,
        key=f"{rule.kind}:{rule.params['indicator']}",
        sentence=text,
        on=facts.period.end,
        person_id=facts.units[unit_id].head_id,
    )


# ---------------------------------------------------------------------------------------------------
# pipeline, tagged, approval_days — KF19 六(一)二、三、四


def _project_event(
    rule: Rule, rules: ScoreRules, project: ProjectFact, points: Decimal, key: str, text: str, on: date
) -> Event:
    assert project.unit_id is not None
    # 责任人 as [scoring] person reads it (the responsible unit's principal; the lead leader as evidence)
    person, leader = project_person(project, rules)
    return make_event(
        rule,
        unit_id=project.unit_id,
        points=points,
        key=key,
        sentence=text,
        on=on,
        evidence={"project": project.id, **leader},
        person_id=person,
    )


def capped(rule: Rule, facts: Facts, events: list[Event], what: str) -> Iterator[Event]:
    """The events and, for each unit whose sum passes the rule's `cap`, one event taking the excess back
    (so the score stays the sum of the ledger)."""
    yield from events
    if "cap" not in rule.params:
        return
    cap = dec(rule.params["cap"])
    sums: dict[int, Decimal] = {}
    for event in events:
        sums[event.unit_id] = sums.get(event.unit_id, Decimal(0)) + event.points
    code = rule.params.get("code")
    for unit_id, total in sorted(sums.items()):
        if total > cap:
            yield make_event(
                rule,
                unit_id=unit_id,
                points=cap - total,
                key=f"{rule.kind}:{code}:cap" if code else f"{rule.kind}:cap",
                sentence=f"{what}合计 {num(total)} 分，超过本项上限 {num(cap)} 分，按 {num(cap)} 分计，减 {num(total - cap)} 分",
                on=facts.period.end,
                person_id=facts.units[unit_id].head_id,
            )


def evaluate_pipeline(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """KF19 六(一)二 "适当增加谋划、在谈、签约、落地项目考核奖励分值": for each stage in `stages`, its
    points for every project that reached it (the stage's first day, from the project's stage changes)
    inside the window; a stage a project skipped earns nothing."""
    start, end = window(rule, facts.period)
    stages: Mapping[str, Any] = rule.params["stages"]
    events = []
    for project in facts.projects:
        if project.unit_id not in facts.units:
            continue
        for stage, value in stages.items():
            day, points = project.stage_dates.get(stage), dec(value)
            if day is None or not start <= day <= end or not points:
                continue
            text = (
                f"项目《{project.name}》于 {day} 进入“{STAGES[stage]}”阶段，储备项目推进加 {num(points)} 分"
            )
            events.append(
                _project_event(rule, rules, project, points, f"pipeline:p{project.id}:{stage}", text, day)
            )
    yield from capped(rule, facts, events, "储备项目推进加分")


TAG_WHEN = {"listed": "列入当年计划（每期都计）", "signed": "签约", "landed": "落地", "started": "开工"}


def _tag_day(project: ProjectFact, when: str, end: date) -> date | None:
    """The day the project counts: for a project in the year's plan (a state, not a flow) the period's
    last day, so it counts in every period of the year; else the day it signed, landed or started."""
    if when == "listed":
        return end if project.plan_type is not None else None
    if when == "signed":
        return project.signed_on or project.stage_dates.get("signed")
    if when == "started":
        return project.started_on
    return project.stage_dates.get(when)


def _tag_reason(project: ProjectFact, tags: Sequence[str], floor: Decimal | None) -> str:
    found = [t for t in tags if t in project.tags]
    if found:
        return "为" + "、".join(found) + "项目"
    if floor is not None and project.total_investment >= floor:
        return f"总投资 {num(project.total_investment)} 万元（不低于 {num(floor)} 万元）"
    return ""


def evaluate_tagged(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """KF19 六(一)二、三: `points` for each project carrying one of `tags` (or, with `min_investment`, of at
    least that total investment in 万元) that was listed in the year's plan / signed / landed / started
    inside the window."""
    assert rule.points is not None
    start, end = window(rule, facts.period)
    tags = tuple(rule.params.get("tags", ()))
    floor = dec(rule.params["min_investment"]) if "min_investment" in rule.params else None
    when = rule.params.get("when", "listed")
    label, code = rule.params["label"], rule.params["code"]
    events = []
    for project in facts.projects:
        day = _tag_day(project, when, end)
        why = _tag_reason(project, tags, floor)
        if project.unit_id not in facts.units or day is None or not start <= day <= end or not why:
            continue
        did = f"列入{end.year}年计划" if when == "listed" else f"于 {day} {TAG_WHEN[when]}"
        text = f"项目《{project.name}》{why}，{did}，{label}加 {num(rule.points)} 分"
        events.append(
            _project_event(rule, rules, project, rule.points, f"tagged:{code}:p{project.id}", text, day)
        )
    yield from capped(rule, facts, events, label)


def evaluate_approval_days(rule: Rule, facts: Facts, rules: ScoreRules) -> Yield:
    """KF19 六(一)四 "对标80天、50天、30天审批时限要求，减少或增加审批天数的，要适当奖励或扣减对应分值":
    for each project that started inside the window with its approval clock stopped (土地摘牌至开工, in
    working days, against its class's limit), `under_points` per working day saved, `over_points`
    (negative) per working day over; each project within ±`project_cap`."""
    start, end = window(rule, facts.period)
    for project in facts.projects:
        clock, started = project.approval_clock, project.started_on
        if project.unit_id not in facts.units or not clock.get("done") or clock.get("days") is None:
            continue
        if started is None or not start <= started <= end:
            continue
        event = _approval_event(rule, rules, project, int(clock["days"]), int(clock["limit"]), started)
        if event is not None:
            yield event


def _approval_event(
    rule: Rule, rules: ScoreRules, project: ProjectFact, days: int, limit: int, started: date
) -> Event | None:
    per_day = dec(rule.params["under_points"] if days < limit else rule.params["over_points"])
    points = abs(limit - days) * per_day
    if not points:
        return None
    verdict = f"提前 {limit - days} 个工作日" if days < limit else f"超时 {days - limit} 个工作日"
    arithmetic = f"{abs(limit - days)} × {num(abs(per_day))} = {num(abs(points))} 分"
    cap = dec(rule.params["project_cap"]) if "project_cap" in rule.params else None
    if cap is not None and abs(points) > cap:
        points = cap if points > 0 else -cap
        arithmetic += f"，超过单个项目上限，按 {num(cap)} 分计"
    text = (
        f"项目《{project.name}》土地摘牌至 {started} 开工用时 {days} 个工作日，时限 {limit} 个工作日，"
        f"{verdict}，审批时限{'加' if points > 0 else '扣'}分 {arithmetic}"
    )
    return _project_event(rule, rules, project, points, f"approval_days:p{project.id}", text, started)


# ---------------------------------------------------------------------------------------------------
# The kinds' keys in [[scoring.rules]] and their checks. Keys are shared by every rule item (rules.py
# RULE_KEYS), so none is `required` here and a name used by two kinds has one spec: each kind's check
# says what it needs.

_INDICATOR_LABELS = {key: label for key, (label, _) in INDICATORS.items()}
WHEN_NONE = {
    "full": "按满分计（完成率，缺省）",
    "zero": "计 0 分（完成率）",
    "skip": "不计分（分组比较，缺省）",
    "min": "计最低分（分组比较）",
}
KEYS: dict[str, Key] = {
    "indicator": Key("指标", choices=_INDICATOR_LABELS),
    "max_points": Key("最高分（最多者）", "number"),
    "min_points": Key("最低分（最少者）", "number"),
    "when_equal": Key(
        "组内数值全部相同（含只有一个单位）时",
        choices={"max": "都计最高分", "min": "都计最低分", "mid": "都计最高、最低分的平均"},
    ),
    "decimals": Key("得分保留小数位", "int", lo=0, hi=4),
    "zero_in_min": Key("未申报的单位以 0 计入最小值", "bool"),
    "rate_cap": Key("完成率上限（%）", "number", lo=0),
    "when_none": Key("指标不适用时（如没有应开工项目）", choices=WHEN_NONE),
    "plan_types": Key("只计这些计划类型的项目", "strs", choices=PLAN_TYPES),
    "by": Key(
        "指标归属", choices={"project": "项目责任单位（缺省）", "node": "节点责任单位（仅链条推进率）"}
    ),
    "stages": Key(
        "各阶段每个项目的分值",
        "table",
        table=Table("阶段分值", keys={s: Key(f"进入“{n}”阶段", "number", lo=0) for s, n in STAGES.items()}),
    ),
    "cap": Key("每个单位本项合计上限", "number", lo=0),
    "window": Key("计数区间", choices={"year_to_date": "当年截至期末（缺省）", "period": "本期"}),
    "code": Key("标识（台账条目用）", pattern=r"[a-z0-9_]+"),
    "label": Key("名称（写入说明）"),
    "tags": Key("项目标签（具有其一即计）", "strs"),
    "min_investment": Key("或总投资不低于（万元）", "number", lo=0),
    "when": Key("何时计分", choices=TAG_WHEN),
    "under_points": Key("每少用 1 个工作日的加分", "number", lo=0),
    "over_points": Key("每超出 1 个工作日的分值（负数）", "number", hi=0),
    "project_cap": Key("单个项目加减分上限（绝对值）", "number", lo=0),
}


def _keys(*names: str) -> dict[str, Key]:
    return {name: KEYS[name] for name in names}


def _missing(item: dict, *names: str) -> list[tuple[str, str]]:
    kind = item.get("kind")
    return [(n, f"规则类型 {kind} 须写明 {n}（{KEYS[n].label}）") for n in names if n not in item]


def _check_scale(item: dict) -> list[tuple[str, str]]:
    problems = _missing(item, "max_points", "min_points")
    if not problems and item["max_points"] <= item["min_points"]:
        problems.append(("max_points", f"最高分 {item['max_points']} 应大于最低分 {item['min_points']}"))
    return problems


def _check_indicator(item: dict, allowed: Iterable[str], when_none: Iterable[str]) -> list[tuple[str, str]]:
    problems = _missing(item, "indicator")
    allowed, when_none = list(allowed), list(when_none)
    if item.get("indicator") is not None and item["indicator"] not in allowed:
        names = "、".join(f"{k}（{_INDICATOR_LABELS[k]}）" for k in allowed)
        problems.append(("indicator", f"规则类型 {item['kind']} 的指标应为以下之一：{names}"))
    if item.get("when_none", when_none[0]) not in when_none:
        problems.append(
            ("when_none", f"规则类型 {item['kind']} 的 when_none 应为以下之一：{'、'.join(when_none)}")
        )
    if item.get("by") == "node" and item.get("indicator") != "chain_progress":
        problems.append(("by", 'by = "node"（按节点责任单位）只适用于链条推进率 chain_progress'))
    return problems


def check_declarations(item: dict, data: dict) -> list[tuple[str, str]]:
    return _check_scale(item)


def check_share(item: dict, data: dict) -> list[tuple[str, str]]:
    return _check_indicator(item, RATES, ("full", "zero", "skip"))


def check_normalised(item: dict, data: dict) -> list[tuple[str, str]]:
    return _check_indicator(item, INDICATORS, ("skip", "min")) + _check_scale(item)


def check_pipeline(item: dict, data: dict) -> list[tuple[str, str]]:
    problems = _missing(item, "stages")
    if not problems and not any(v > 0 for v in item["stages"].values()):
        problems.append(("stages", "各阶段分值 stages 至少应有一个大于 0"))
    return problems


def check_tagged(item: dict, data: dict) -> list[tuple[str, str]]:
    problems = _missing(item, "code", "label")
    if not item.get("tags") and "min_investment" not in item:
        problems.append(("tags", "规则类型 tagged 须写明项目标签 tags 或总投资下限 min_investment"))
    return problems


def check_approval_days(item: dict, data: dict) -> list[tuple[str, str]]:
    return _missing(item, "under_points", "over_points")


register_kind(
    RuleKind(
        key="declarations",
        label="谋划申报项目计分",
        evaluate=evaluate_declarations,
        params=_keys("max_points", "min_points", "when_equal", "decimals", "zero_in_min"),
        periods=("year",),
        needs_points=False,
        check=check_declarations,
        help="DH24 五(四)：当年谋划申报项目数量分组计分，最多者 max_points、最少者 min_points，其他按比例",
    )
)
register_kind(
    RuleKind(
        key="indicator_share",
        label="完成率计分",
        evaluate=evaluate_share,
        params=_keys("indicator", "rate_cap", "when_none", "decimals", "plan_types", "by"),
        check=check_share,
        help="得分 = points × 完成率（开工率、投资完成率、竣工率、链条推进率，当年截至期末），完成率以 rate_cap 为上限",
    )
)
register_kind(
    RuleKind(
        key="indicator_normalised",
        label="指标分组比较计分",
        evaluate=evaluate_normalised,
        params=_keys(
            "indicator", "max_points", "min_points", "when_equal", "decimals", "when_none", "plan_types", "by"
        ),
        needs_points=False,
        check=check_normalised,
        help="组内最高者 max_points、最低者 min_points，其他（x − 最小值）÷（最大值 − 最小值）×（max − min）+ min",
    )
)
register_kind(
    RuleKind(
        key="pipeline",
        label="储备项目推进加分",
        evaluate=evaluate_pipeline,
        params=_keys("stages", "cap", "window"),
        needs_points=False,
        check=check_pipeline,
        help="KF19 六(一)二：项目进入谋划、在谈、签约、落地等阶段，每个项目按该阶段的分值计分",
    )
)
register_kind(
    RuleKind(
        key="tagged",
        label="特定项目加分",
        evaluate=evaluate_tagged,
        params=_keys("code", "label", "tags", "min_investment", "when", "cap", "window"),
        check=check_tagged,
        help="KF19 六(一)二、三：500强或10亿元以上项目、省重点项目、“8+1”产业链项目，每个项目加 points 分",
    )
)
register_kind(
    RuleKind(
        key="approval_days",
        label="审批时限加减分",
        evaluate=evaluate_approval_days,
        params=_keys("under_points", "over_points", "project_cap", "window"),
        needs_points=False,
        check=check_approval_days,
        help="KF19 六(一)四：对标 80/50/30 个工作日审批时限，按少用或超出的工作日加减分",
    )
)
