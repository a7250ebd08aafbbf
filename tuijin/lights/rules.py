"""The one light rule (REQ D, 挂图亮灯): green / yellow / red, plus done and exempted, for every chain node
and every project, with the reason in words and numbers ("施工许可证 超期 7 个工作日", "应开未开：计划
2024年3月 开工"). Pages, boards, documents, pushes and scores read the stored result of this module.

Thresholds come from the rule set's `[lights]` section (`LightRules`); no notice gives numbers, so the
defaults are the widely published three-band practice and say so (docs/lights.md). Overdue days are
working days on the calendar passed in; a result that counted days of a provisional year says so.

Standard library only (import-linter forbids Django here); `today` is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from tuijin.projects.rules import Rate, format_planned, period_end

LIGHTS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成", "exempt": "免办"}
# Worst first on boards; done and exempted never make a project worse.
SEVERITY = {"red": 3, "yellow": 2, "green": 1, "done": 0, "exempt": 0}
OPEN_STAGES_DONE = ("completed", "producing")


class Calendar(Protocol):
    def add_workdays(self, d: date, n: int) -> date: ...
    def workdays_between(self, a: date, b: date) -> int: ...
    def is_provisional(self, d: date) -> bool: ...


@dataclass(frozen=True)
class LightRules:
    """The thresholds, in working days.

    remind_days: a node due within this many working days is listed for reminders (it stays green).
    yellow_from: overdue by at least this many working days turns yellow.
    red_over: overdue by more than this many working days turns red.
    should_start / should_finish: whether 应开未开 / 应竣未竣 light the project (by the same bands,
    counted from the end of the planned period: a month-precision start is late only after its month).
    """

    remind_days: int = 5
    yellow_from: int = 1
    red_over: int = 10
    should_start: bool = True
    should_finish: bool = True
    source: str = "默认值：通知未规定亮灯阈值，取各地通行的三色预警做法（临期 5 个工作日提醒，超期即黄灯，超期 10 个工作日以上红灯）"
    # 投资滞后: cumulative completed investment below this percent of the cumulative monthly target
    # → yellow / red (银川 2025: 10–30 points behind → yellow, over 30 → red; ANCHORS.md)
    investment_yellow_below: int = 90
    investment_red_below: int = 70
    # 周报缺报: the weekly report of the last due cycle missing → yellow; missing this many cycles in a
    # row → red (银川 2025 statistics entry: one month → yellow, two → red; ANCHORS.md)
    stale_red_cycles: int = 2
    # 督查 (issue 6 part 4): an unresolved on-site finding on the project lights it — a discrepancy
    # between what was reported and what was seen yellow, a ceremony without real progress (WH19 附件3
    # 第1行 2: −5, more than a late start's −4) red; "green" records the finding without lighting
    finding_discrepancy: str = "yellow"
    finding_ceremony: str = "red"

    def band(self, overdue: int) -> str:
        if overdue > self.red_over:
            return "red"
        if overdue >= self.yellow_from:
            return "yellow"
        return "green"

    def describe(self) -> str:
        return (
            f"{self.remind_days} 个工作日内到期为临期；超期 {self.yellow_from} 个工作日起黄灯，"
            f"超期超过 {self.red_over} 个工作日红灯"
        )

    def investment_band(self, percent: Decimal) -> str:
        if percent < self.investment_red_below:
            return "red"
        if percent < self.investment_yellow_below:
            return "yellow"
        return "green"

    def stale_band(self, missing: int) -> str:
        if missing <= 0:
            return "green"
        return "red" if missing >= self.stale_red_cycles else "yellow"

    def finding_color(self, kind: str) -> str:
        return {"discrepancy": self.finding_discrepancy, "ceremony": self.finding_ceremony}.get(kind, "green")


@dataclass(frozen=True)
class NodeFacts:
    id: int
    name: str
    deadline: date | None
    actual: date | None
    exempt_reason: str = ""


@dataclass(frozen=True)
class Light:
    """A computed light: colour, reason in words and numbers, overdue working days (late completion for
    a done node), whether a provisional calendar year was counted, and the node it came from (for a
    project: the worst node, or None when it came from the planned dates)."""

    color: str
    reason: str
    days: int = 0
    provisional: bool = False
    node_id: int | None = None
    due_soon: bool = False

    @property
    def label(self) -> str:
        return LIGHTS[self.color]


def _touches_provisional(calendar: Calendar, a: date, b: date) -> bool:
    """Whether counting between `a` and `b` crosses a provisional year (either end's, or one between)."""
    low, high = min(a, b), max(a, b)
    if calendar.is_provisional(low) or calendar.is_provisional(high):
        return True
    return any(calendar.is_provisional(date(year, 1, 1)) for year in range(low.year + 1, high.year))


def _overdue(deadline: date, today: date, calendar: Calendar) -> tuple[int, bool]:
    days = calendar.workdays_between(deadline, today)
    return days, _touches_provisional(calendar, deadline, today)


def node_light(node: NodeFacts, *, today: date, calendar: Calendar, rules: LightRules) -> Light:
    if node.exempt_reason:
        return Light("exempt", f"{node.name} 免办：{node.exempt_reason}", node_id=node.id)
    if node.actual is not None:
        if node.deadline is not None and node.actual > node.deadline:
            late, provisional = _overdue(node.deadline, node.actual, calendar)
            if late > 0:
                reason = f"{node.name} 已于 {node.actual:%Y-%m-%d} 完成，超期 {late} 个工作日"
                return Light("done", reason, late, provisional, node.id)
        return Light("done", f"{node.name} 已于 {node.actual:%Y-%m-%d} 完成", node_id=node.id)
    if node.deadline is None:
        return Light("green", f"{node.name} 未排定完成时限", node_id=node.id)
    if today <= node.deadline:
        left, provisional = _overdue(today, node.deadline, calendar)
        if left <= rules.remind_days:
            reason = f"{node.name} 临期：{left} 个工作日后到期（{node.deadline:%Y-%m-%d}）"
            if node.deadline == today:
                reason = f"{node.name} 今日到期（{node.deadline:%Y-%m-%d}）"
            return Light("green", reason, 0, provisional, node.id, due_soon=True)
        return Light("green", f"{node.name} 按期推进，{node.deadline:%Y-%m-%d} 到期", 0, provisional, node.id)
    overdue, provisional = _overdue(node.deadline, today, calendar)
    color = rules.band(overdue)
    if color == "green":
        return Light(
            "green", f"{node.name} 已到期（{node.deadline:%Y-%m-%d}），尚在宽限内", 0, provisional, node.id
        )
    return Light(color, f"{node.name} 超期 {overdue} 个工作日", overdue, provisional, node.id)


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    stage: str
    planned_start: date | None
    planned_start_precision: str
    planned_completion: date | None
    planned_completion_precision: str
    started: date | None  # actual dates, from the stage transitions
    completed: date | None


def _planned_event(
    kind: str, planned: date | None, precision: str, *, today: date, calendar: Calendar, rules: LightRules
) -> Light | None:
    if planned is None:
        return None
    end = period_end(planned, precision)
    if today <= end:
        return None
    overdue, provisional = _overdue(end, today, calendar)
    color = rules.band(overdue)
    if color == "green":
        return None
    words = {"start": ("应开未开", "开工"), "finish": ("应竣未竣", "竣工")}[kind]
    reason = f"{words[0]}：计划 {format_planned(planned, precision)} {words[1]}，已逾期 {overdue} 个工作日"
    return Light(color, reason, overdue, provisional)


def should_have_started(
    project: ProjectFacts, *, today: date, calendar: Calendar, rules: LightRules
) -> Light | None:
    """应开未开 (KF19 五): the planned start's period is over and the project has not started."""
    if project.started is not None or project.stage in ("started", "construction", *OPEN_STAGES_DONE):
        return None
    return _planned_event(
        "start",
        project.planned_start,
        project.planned_start_precision,
        today=today,
        calendar=calendar,
        rules=rules,
    )


def should_have_finished(
    project: ProjectFacts, *, today: date, calendar: Calendar, rules: LightRules
) -> Light | None:
    """应竣未竣 (KF19 五): the planned completion's period is over and the project is not completed."""
    if project.completed is not None or project.stage in OPEN_STAGES_DONE:
        return None
    return _planned_event(
        "finish",
        project.planned_completion,
        project.planned_completion_precision,
        today=today,
        calendar=calendar,
        rules=rules,
    )


def project_light(
    project: ProjectFacts,
    nodes: Sequence[Light],
    *,
    today: date,
    calendar: Calendar,
    rules: LightRules,
    extra: Sequence[Light | None] = (),
) -> Light:
    """The project's light: the worst of its open nodes' lights, of 应开未开 / 应竣未竣 and of the `extra`
    dimensions (投资滞后 `investment_light`, 周报缺报 `report_light`); the reason names the worst and
    counts the others. A project that has reached 投产, or 竣工 with nothing open, is done."""
    candidates: list[Light] = [light for light in nodes if light.color in ("red", "yellow")]
    candidates += [light for light in extra if light is not None and light.color in ("red", "yellow")]
    if rules.should_start:
        late_start = should_have_started(project, today=today, calendar=calendar, rules=rules)
        if late_start is not None:
            candidates.append(late_start)
    if rules.should_finish:
        late_finish = should_have_finished(project, today=today, calendar=calendar, rules=rules)
        if late_finish is not None:
            candidates.append(late_finish)
    provisional = any(light.provisional for light in nodes) or any(c.provisional for c in candidates)
    if candidates:
        worst = max(candidates, key=lambda light: (SEVERITY[light.color], light.days))
        reds = sum(1 for c in candidates if c.color == "red")
        yellows = sum(1 for c in candidates if c.color == "yellow")
        others = len(candidates) - 1
        reason = worst.reason
        if others:
            counts = {"红灯": reds - (worst.color == "red"), "黄灯": yellows - (worst.color == "yellow")}
            parts = "、".join(f"{label} {n} 项" for label, n in counts.items() if n)
            reason += f"（另有 {others} 项滞后：{parts}）"
        return Light(worst.color, reason, worst.days, provisional, worst.node_id)
    open_nodes = [light for light in nodes if light.color == "green"]
    if project.stage == "producing" or (project.stage == "completed" and not open_nodes):
        return Light(
            "done", "项目已竣工" if project.stage == "completed" else "项目已投产", provisional=provisional
        )
    soon = [light for light in open_nodes if light.due_soon]
    if soon:
        return Light("green", f"按计划推进；{len(soon)} 个节点临期", provisional=provisional, due_soon=True)
    return Light("green", "按计划推进", provisional=provisional)


def worst(colors: Iterable[str]) -> str:
    """The worst of some lights (for a roll-up row); green when there are none."""
    best = "green"
    for color in colors:
        if SEVERITY[color] > SEVERITY[best]:
            best = color
    return best


# ---------------------------------------------------------------------------------------------------
# 投资滞后: completed investment behind the plan's monthly targets (issue 5 part 4)


@dataclass(frozen=True)
class InvestmentFacts:
    """A project's plan entry for `year` and what it completed: `targets` are the entry's twelve monthly
    targets (万元, None or missing = none), `invested` the sum of its monthly investment entries of
    `year` for months 1 to `month` (the last complete month)."""

    stage: str
    year: int
    month: int
    targets: tuple[Decimal | None, ...]
    invested: Decimal


def last_complete_month(today: date) -> tuple[int, int]:
    """The (year, month) of the last month that has ended by `today`: May on any day of June, the
    previous December in January."""
    if today.month == 1:
        return today.year - 1, 12
    return today.year, today.month - 1


def _wan(amount: Decimal) -> str:
    """万元 without trailing zeros: 1200, 1234.5."""
    return f"{amount.quantize(Decimal('0.01')).normalize():f}"


def cumulative_target(targets: Sequence[Decimal | None], month: int) -> Decimal:
    return sum((t or Decimal(0) for t in targets[:month]), Decimal(0))


def investment_light(facts: InvestmentFacts, *, rules: LightRules) -> Light | None:
    """投资滞后: the project's investment completed this year up to the last complete month against the
    cumulative monthly targets of its plan entry, in percent (one decimal, as the plan page's rates):
    below `investment_red_below` → red, below `investment_yellow_below` → yellow. None when it is not
    behind, has no target up to that month, or is done (竣工 / 投产: a done project never lights)."""
    if facts.stage in OPEN_STAGES_DONE:
        return None
    target = cumulative_target(facts.targets, facts.month)
    if target <= 0:
        return None
    percent = Rate("投资完成率", facts.invested, target, Decimal(0), unit="万元").percent
    assert percent is not None  # target > 0
    color = rules.investment_band(percent)
    if color == "green":
        return None
    reason = (
        f"投资滞后：截至{facts.month}月累计完成 {_wan(facts.invested)} 万元，"
        f"为目标 {_wan(target)} 万元的 {percent.normalize():f}%"
    )
    return Light(color, reason)


# ---------------------------------------------------------------------------------------------------
# 周报缺报 / 迟报: stale data is flagged, never shown green (issue 5 part 4)


REPORTING_STAGES = ("started", "construction")


def must_report(stage: str, in_plan: bool) -> bool:
    """Whether a project owes a weekly report (WH19 三(三)三: the responsible unit reports every project of
    the year's plan, 对标《全区重点产业项目安排计划》): under construction (建设库: 开工, 在建) or in the
    year's annual plan (an entry not removed), and not done (竣工 / 投产 report no more)."""
    if stage in OPEN_STAGES_DONE:
        return False
    return stage in REPORTING_STAGES or in_plan


@dataclass(frozen=True)
class ReportCycle:
    """One reporting cycle that is due (its due date has passed): the week's Monday, the due date and
    the day the project's report was first submitted (None: missing — no report, or a draft only)."""

    period_start: date
    due_on: date
    submitted_on: date | None = None

    @property
    def label(self) -> str:
        return f"第{self.period_start.isocalendar().week}周"

    @property
    def missing(self) -> bool:
        return self.submitted_on is None

    @property
    def late(self) -> bool:
        return self.submitted_on is not None and self.submitted_on > self.due_on


@dataclass(frozen=True)
class ReportState:
    """A project's weekly reporting as of today: how many due cycles in a row are missing, counting back
    from the last due one; whether the last due one was submitted late; the light (None when reported)."""

    missing: int = 0
    late: bool = False
    light: Light | None = None


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def report_state(
    cycles: Sequence[ReportCycle], *, today: date, calendar: Calendar, rules: LightRules
) -> ReportState:
    """周报缺报 / 迟报 from the cycles that are due for the project (due date before `today`), newest
    first. The last due cycle missing → yellow (stale data is never shown green); missing
    `stale_red_cycles` in a row → red; the days are working days since the newest missing cycle's due date
    (to order lights of one colour). A late report is flagged (`late`) but its data is there: no light."""
    if not cycles:
        return ReportState()
    newest = cycles[0]
    missing = 0
    for cycle in cycles:
        if not cycle.missing:
            break
        missing += 1
    if not missing:
        return ReportState(late=newest.late)
    color = rules.stale_band(missing)
    days, provisional = _overdue(newest.due_on, today, calendar)
    if missing == 1:
        reason = f"周报缺报：{newest.label}（{_day(newest.due_on)}截止）未报送"
    else:
        oldest = cycles[missing - 1]
        reason = (
            f"周报缺报：连续 {missing} 周未报送（{oldest.label}至{newest.label}，"
            f"最近一期 {_day(newest.due_on)}截止）"
        )
    return ReportState(missing=missing, light=Light(color, reason, days, provisional))


# ---------------------------------------------------------------------------------------------------
# 督查: unresolved findings of on-site checks (issue 6 part 4)

FINDING_WORDS = {"discrepancy": "填报与现场不符", "ceremony": "举行开工仪式无实质进展"}


@dataclass(frozen=True)
class FindingFacts:
    """An unresolved finding of a supervision act on the project: its kind (`discrepancy`, `ceremony`),
    the act's date and kind in words (实地督办 …), and what was seen (`observed`)."""

    kind: str
    on: date
    act: str
    observed: str = ""


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finding_light(findings: Sequence[FindingFacts], *, rules: LightRules) -> Light | None:
    """督查: the worst of the project's unresolved findings by the rule set's colours (a discrepancy
    yellow, a ceremony without real progress red, by default), the latest first between two of one
    colour; the reason names it with what was seen and counts the others. None when there is none, or
    the rule set lights neither kind."""
    lit = [(rules.finding_color(f.kind), f) for f in findings if f.kind in FINDING_WORDS]
    lit = [(color, f) for color, f in lit if color in ("red", "yellow")]
    if not lit:
        return None
    color, worst = max(lit, key=lambda pair: (SEVERITY[pair[0]], pair[1].on))
    reason = f"督查：{worst.on:%Y-%m-%d} {worst.act}发现{FINDING_WORDS[worst.kind]}"
    if worst.observed.strip():
        reason += f"（现场：{_clip(worst.observed)}）"
    if len(lit) > 1:
        reason += f"，共 {len(lit)} 项未纠正"
    return Light(color, reason)
