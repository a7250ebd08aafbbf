"""WH19 附件3 rule kinds: one kind per item of the quarterly score sheet (rows 1–4), the year average of
WH19 四(四) and its bonus. Pure (no Django). The numbers and readings come from the rule set's
[[scoring.rules]] items; every reading the notice leaves open is a key of the item (see each kind's
params and `tuijin/presets/wuhan-2019.toml`).

Dates: a planned date keeps its precision (a month-precision planned start is late only after that month
ends: DESIGN.md); the *first late day* is the day after the planned date's period. Facts count by the day
they happened, so a start recorded late still counts for the period it happened in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from tuijin.chains.rules import PHASES
from tuijin.core.rules.ruleset_schema import Key, Table
from tuijin.meetings.matter_rules import band_label, lateness_text
from tuijin.projects.rules import PLAN_TYPES, add_months, format_planned, period_end, period_start

from ..rules import (
    Event,
    Facts,
    NodeFact,
    Period,
    ProjectFact,
    Rule,
    RuleKind,
    ScoreRules,
    dec,
    in_period,
    is_fourth_quarter,
    make_event,
    month_key,
    months_between,
    parse_period,
    previous_period,
    project_person,
    pts,
    register_kind,
    signed,
)

# ---------------------------------------------------------------------------------------------------
# Keys shared by several kinds (one spec per name: the [[scoring.rules]] item table is their union)

PLAN_TYPES_KEY = Key("计划类别", "strs", choices=PLAN_TYPES, help="项目年度计划的类别")
NODE_PHASES_KEY = Key("节点阶段", "strs", choices=PHASES)
REPEAT_KEY = Key(
    "重复计分",
    choices={"once": "每个项目只在首个逾期日所在期间计一次", "each_period": "仍逾期的每个期间各计一次"},
)
CHARGE = {
    "responsible": "项目责任（引进）单位",
    "late_nodes": "逾期前期节点的责任单位（审批部门、街道等）",
    "street": "项目所在街道",
}
MATTER_UNITS_KEY = Key("扣分单位", choices={"all": "事项涉及的全部单位（牵头和配合）", "lead": "仅牵头单位"})
Q4_KEY = Key("第四季度当季计分", "bool", help="附件3 注：第四季度实行当季扣分或加分")
BAND_KEYS = ("early", "on_time", "late", "late_1", "late_2", "late_3")
BANDS_TABLE = Table(
    "各档分值",
    keys={
        "early": Key("提前完成", "number"),
        "on_time": Key("按期完成", "number"),
        "late": Key("超期（第一档以内）", "number"),
        "late_1": Key("超过第一档", "number"),
        "late_2": Key("超过第二档", "number"),
        "late_3": Key("超过第三档", "number"),
    },
)
RECOVERY_BAND = Table(
    "延期开工后开工的分档",
    keys={
        "months": Key("首个逾期日起几个月内开工", "int", required=True, lo=1, hi=24),
        "points": Key("分值", "number", required=True),
    },
)

ONE_DAY = timedelta(days=1)


def _types(rule: Rule, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(rule.params.get("plan_types") or default)


def first_late_day(planned: date, precision: str) -> date:
    """The day after the planned date's period: a start planned for 2024年5月 is late from 2024-06-01."""
    return period_end(planned, precision) + ONE_DAY


def _planned(p: ProjectFact) -> str:
    assert p.planned_start is not None
    return format_planned(p.planned_start, p.planned_start_precision)


def _start_node(p: ProjectFact, stage: str = "started") -> NodeFact | None:
    return next((n for n in p.nodes if n.stage == stage), None)


def _recovery_months(rules: ScoreRules) -> int | None:
    """With `late_start_recovered.on_top = false` (the bands replace the −4): the months of its widest
    band, within which a late start is not charged −4. None: the −4 always stands (on_top = true)."""
    rule = rules.rule_of("late_start_recovered")
    if rule is None or rule.params.get("on_top", True):
        return None
    bands = rule.params.get("bands") or []
    return max((int(b["months"]) for b in bands), default=None)


# ---------------------------------------------------------------------------------------------------
# Row 1: 新开工项目情况


def late_start(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 1(1): a planned new start not started by its first late day: −4 for the responsible
    unit, and (charge) the units whose pre-start nodes were late, and/or the project's street."""
    period = facts.period
    charge = tuple(rule.params.get("charge") or ("responsible", "late_nodes"))
    repeat = rule.params.get("repeat", "once")
    phases = tuple(rule.params.get("node_phases") or ("approval",))
    waive = _recovery_months(rules)
    points = rule.points or Decimal(0)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("new_start",)) or p.planned_start is None:
            continue
        first_late = first_late_day(p.planned_start, p.planned_start_precision)
        started = p.started_on
        if started is not None and started < first_late:
            continue
        months: tuple[str, ...] = ()
        if repeat == "each_period":
            if first_late > period.end or (started is not None and started < period.start):
                continue
            on = max(first_late, period.start)
            # still late through the period (or until the start): every such month needs an exemption
            months = months_between(on, min(started, period.end) if started is not None else period.end)
        else:
            if not in_period(first_late, period):
                continue
            on = first_late
        if waive is not None and started is not None and started < add_months(first_late, waive):
            continue  # on_top = false: started within the bands, the band's points replace the −4
        shown = f"（{started.isoformat()} 开工）" if started is not None and started <= period.end else ""
        still = "仍未开工" if on > first_late else "未开工"
        head = f"项目《{p.name}》计划 {_planned(p)} 开工，截至 {on.isoformat()} {still}{shown}"
        charged: set[int] = set()
        if "responsible" in charge and p.unit_id is not None:
            node = _start_node(p)
            person, leader = project_person(p, rules)
            yield make_event(
                rule,
                unit_id=p.unit_id,
                points=points,
                key=f"late_start:p{p.id}",
                sentence=f"{head}，延期开工{signed(points)}",
                on=on,
                evidence={"project": p.id, "node": node.id if node else None, **leader},
                person_id=person,
                exempt_months=months,
            )
            charged.add(p.unit_id)
        if "late_nodes" in charge:
            late: dict[int, NodeFact] = {}
            for n in p.nodes:
                if n.phase not in phases or n.exempt or n.deadline is None or n.unit_id is None:
                    continue
                if n.deadline < first_late and (n.actual is None or n.actual > n.deadline):
                    best = late.get(n.unit_id)
                    if best is None or (n.deadline, n.id) > (best.deadline, best.id):  # type: ignore[operator]
                        late[n.unit_id] = n
            for unit_id in sorted(late):
                if unit_id in charged:
                    continue
                n = late[unit_id]
                assert n.deadline is not None
                if n.actual is None or n.actual >= first_late:
                    status = f"截至 {first_late.isoformat()} 仍未办结"
                else:
                    status = f"{n.actual.isoformat()} 才办结（超过时限）"
                yield make_event(
                    rule,
                    unit_id=unit_id,
                    points=points,
                    key=f"late_start:p{p.id}:n{n.id}",
                    sentence=(
                        f"{head}；本单位负责的前期节点“{n.name}”时限 {n.deadline.isoformat()}，{status}，"
                        f"延期开工相关单位{signed(points)}"
                    ),
                    on=on,
                    evidence={"project": p.id, "node": n.id},
                    person_id=n.person_id,
                    exempt_months=months,
                )
                charged.add(unit_id)
        if "street" in charge and p.street_unit_id is not None and p.street_unit_id not in charged:
            yield make_event(
                rule,
                unit_id=p.street_unit_id,
                points=points,
                key=f"late_start:p{p.id}:street",
                sentence=f"{head}；项目位于本街道，延期开工项目所在街道{signed(points)}",
                on=on,
                evidence={"project": p.id},
                exempt_months=months,
            )


def early_start_latest(planned: date, precision: str, months: int) -> date:
    """The last start day that is "提前 `months` 个月开工", read like the late side: the planned date's
    period (day, week or month) shifted back by `months` months, its last day — 计划 2024年6月 → 开工不晚于
    2024-05-31 (started in May or earlier); 计划 2024-06-15 (day) → 2024-05-15; 计划 the week of Wed
    2024-06-12 → the week holding 2024-05-10 (Mon 06-10 − 1 month) → Sun 2024-05-12."""
    return period_end(add_months(period_start(planned, precision), -months), precision)


def early_start(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 1(2): started `months` month(s) early — in the planned period shifted back by `months`
    or earlier (`early_start_latest`: 计划 2024年6月 → 2024-05-31 或更早开工)."""
    months = int(rule.params.get("months", 1))
    points = rule.points or Decimal(0)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("new_start",)) or p.planned_start is None or p.unit_id is None:
            continue
        if not in_period(p.started_on, facts.period):
            continue
        assert p.started_on is not None
        latest = early_start_latest(p.planned_start, p.planned_start_precision, months)
        if p.started_on > latest:
            continue
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"early_start:p{p.id}",
            sentence=(
                f"项目《{p.name}》计划 {_planned(p)} 开工，{p.started_on.isoformat()} 开工，"
                f"提前 {months} 个月以上开工，{signed(points)}"
            ),
            on=p.started_on,
            evidence={"project": p.id, "node": (_start_node(p) or _NO_NODE).id, **leader},
            person_id=person,
        )


class _NoNode:
    id = None


_NO_NODE = _NoNode()


def late_start_recovered(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 1(3): a late new start that started within 1 / 2 months of its first late day: +3.2 /
    +2, counted in the period of the actual start. `on_top` (reading): the −4 of 1(1) stays (net −0.8 /
    −2) or is replaced (no −4 for a start within the bands)."""
    bands = sorted(rule.params.get("bands") or (), key=lambda b: int(b["months"]))
    on_top = rule.params.get("on_top", True)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("new_start",)) or p.planned_start is None:
            continue
        if not in_period(p.started_on, facts.period) or p.unit_id is None:
            continue
        assert p.started_on is not None
        first_late = first_late_day(p.planned_start, p.planned_start_precision)
        if p.started_on < first_late:
            continue
        band = next((b for b in bands if p.started_on < add_months(first_late, int(b["months"]))), None)
        if band is None:
            continue
        points = dec(band["points"])
        note = "延期开工扣分另计" if on_top else "不再扣延期开工分"
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"late_start_recovered:p{p.id}",
            sentence=(
                f"项目《{p.name}》计划 {_planned(p)} 开工，延期后于 {p.started_on.isoformat()} 开工"
                f"（{first_late.isoformat()} 起延期 {band['months']} 个月内），{signed(points)}，{note}"
            ),
            on=p.started_on,
            evidence={"project": p.id, "node": (_start_node(p) or _NO_NODE).id, **leader},
            person_id=person,
            # on_top: the −4 was charged on the first late day; if that month's exemption waived it, the
            # bonus goes too ([scoring.exemption] recovery)
            exempt_months=(month_key(first_late),) if on_top else (),
        )


def ceremony(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 2: a supervision finding "举行开工仪式没有实质进展" on a new-start project in the period:
    −5, each project once per period (the first finding is the evidence)."""
    points = rule.points or Decimal(0)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("new_start",)) or p.unit_id is None:
            continue
        found = sorted(
            (c for c in p.ceremonies if in_period(c.on, facts.period)), key=lambda c: (c.on, c.finding_id)
        )
        if not found:
            continue
        c = found[0]
        more = f"（本期共 {len(found)} 次督查发现，只计一次）" if len(found) > 1 else ""
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"ceremony:p{p.id}",
            sentence=(
                f"新开工项目《{p.name}》{c.on.isoformat()} 督查发现举行开工仪式后没有实质进展{more}，"
                f"{signed(points)}"
            ),
            on=c.on,
            evidence={"project": p.id, "finding": c.finding_id, "act": c.act_id, **leader},
            person_id=person,
        )


def preparation_early_start(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 3: a 前期 project started in the period, before its planned start's period (or without a
    planned start: not planned to start this year): +6."""
    points = rule.points or Decimal(0)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("preparation",)) or p.unit_id is None:
            continue
        if not in_period(p.started_on, facts.period):
            continue
        assert p.started_on is not None
        if p.planned_start is not None:
            if p.started_on >= period_start(p.planned_start, p.planned_start_precision):
                continue
            plan = f"计划 {_planned(p)} 开工"
        else:
            plan = "未列计划开工日期"
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"preparation_early_start:p{p.id}",
            sentence=f"前期项目《{p.name}》（{plan}）于 {p.started_on.isoformat()} 提前开工，{signed(points)}",
            on=p.started_on,
            evidence={"project": p.id, "node": (_start_node(p) or _NO_NODE).id, **leader},
            person_id=person,
        )


def signed_started_same_year(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第1行 4: signed and started in the same calendar year, counted in the period of the start: +10."""
    points = rule.points or Decimal(0)
    types = rule.params.get("plan_types")
    for p in facts.projects:
        if types and p.plan_type not in types:
            continue
        if p.unit_id is None or p.signed_on is None or not in_period(p.started_on, facts.period):
            continue
        assert p.started_on is not None
        if p.signed_on.year != p.started_on.year or p.signed_on > p.started_on:
            continue
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"signed_started_same_year:p{p.id}",
            sentence=(
                f"项目《{p.name}》{p.signed_on.isoformat()} 签约、{p.started_on.isoformat()} 开工，"
                f"当年签约当年开工，{signed(points)}"
            ),
            on=p.started_on,
            evidence={"project": p.id, "node": (_start_node(p) or _NO_NODE).id, **leader},
            person_id=person,
        )


# ---------------------------------------------------------------------------------------------------
# Row 2: 在建项目推进情况

MILESTONES = {
    "completion": ("completed_on", "planned_completion", "竣工"),
    "production": ("producing_on", "planned_production", "投产"),
}


def _overdue_in(first_late: date, actual: date | None, period: Period, repeat: str) -> bool:
    """Overdue at some time in the period: the first late day is on or before its end and the thing was
    not done before its start (once: the first late day falls in the period)."""
    if actual is not None and actual < first_late:
        return False
    if repeat == "once":
        return in_period(first_late, period)
    return first_late <= period.end and (actual is None or actual >= period.start)


def behind_plan(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第2行 1: a continuing / completion project with a construction node overdue in the period, or
    its planned completion / production passed (by precision) without it: −5, once per project per period.
    Evidence: the earliest overdue node, else the completion (production) node."""
    period = facts.period
    points = rule.points or Decimal(0)
    phases = tuple(rule.params.get("node_phases") or ("construction", "milestone"))
    dates = tuple(rule.params.get("dates") or ("completion", "production"))
    repeat = rule.params.get("repeat", "each_period")
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("continuing", "completion")) or p.unit_id is None:
            continue
        nodes = sorted(
            (
                n
                for n in p.nodes
                if n.phase in phases
                and not n.exempt
                and n.deadline is not None
                and _overdue_in(n.deadline + ONE_DAY, n.actual, period, repeat)
            ),
            key=lambda n: (n.deadline, n.id),
        )
        missed = []
        for name in dates:
            actual_field, planned_field, label = MILESTONES[name]
            planned = getattr(p, planned_field)
            if planned is None:
                continue
            precision = getattr(p, f"{planned_field}_precision")
            first_late = first_late_day(planned, precision)
            actual = getattr(p, actual_field)
            if _overdue_in(first_late, actual, period, repeat):
                missed.append((first_late, label, format_planned(planned, precision), name, actual))
        if not nodes and not missed:
            continue
        # each_period: the charge is for being behind during the period — the months it was (an
        # exemption must cover each of them, [scoring.exemption] persisting); once: the first late day
        spans = [(n.deadline + ONE_DAY, n.actual) for n in nodes if n.deadline is not None]
        spans += [(m[0], m[4]) for m in missed]
        late_months: set[str] = set()
        if repeat != "once":
            for first, done in spans:
                late_months.update(
                    months_between(max(first, period.start), min(done, period.end) if done else period.end)
                )
        if nodes:
            n = nodes[0]
            assert n.deadline is not None
            status = (
                f"截至 {period.end.isoformat()} 仍未完成"
                if n.actual is None or n.actual > period.end
                else f"{n.actual.isoformat()} 才完成（超过时限）"
            )
            more = f"（本期共 {len(nodes)} 个节点超期）" if len(nodes) > 1 else ""
            text = f"在建项目《{p.name}》建设节点“{n.name}”时限 {n.deadline.isoformat()}，{status}{more}"
            on = max(n.deadline + ONE_DAY, period.start)
            node_id = n.id
        else:
            first_late, label, planned_text, name, _ = missed[0]
            text = f"在建项目《{p.name}》计划 {planned_text} {label}，截至 {max(first_late, period.start).isoformat()} 未{label}"
            on = max(first_late, period.start)
            node = _start_node(p, "completed" if name == "completion" else "producing")
            node_id = node.id if node else None
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"behind_plan:p{p.id}",
            sentence=f"{text}，未按建设进度实施建设和完工投产，{signed(points)}",
            on=on,
            evidence={"project": p.id, "node": node_id, **leader},
            person_id=person,
            exempt_months=tuple(sorted(late_months)),
        )


def finished_early(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第2行 2: a continuing / completion project completed (`on`: completed, producing, or either —
    the earlier early one) before its planned date's period: +6, once per project, in the period of that
    day."""
    on_key = rule.params.get("on", "either")
    names = (
        ("completion", "production")
        if on_key == "either"
        else (("completion" if on_key == "completed" else "production"),)
    )
    points = rule.points or Decimal(0)
    for p in facts.projects:
        if p.plan_type not in _types(rule, ("continuing", "completion")) or p.unit_id is None:
            continue
        early = []
        for name in names:
            actual_field, planned_field, label = MILESTONES[name]
            actual, planned = getattr(p, actual_field), getattr(p, planned_field)
            if actual is None or planned is None:
                continue
            precision = getattr(p, f"{planned_field}_precision")
            if actual < period_start(planned, precision):
                early.append((actual, label, format_planned(planned, precision), name))
        if not early:
            continue
        actual, label, planned_text, name = min(early)
        if not in_period(actual, facts.period):
            continue
        node = _start_node(p, "completed" if name == "completion" else "producing")
        person, leader = project_person(p, rules)
        yield make_event(
            rule,
            unit_id=p.unit_id,
            points=points,
            key=f"finished_early:p{p.id}",
            sentence=(
                f"结转续建项目《{p.name}》计划 {planned_text} {label}，{actual.isoformat()} 提前{label}，"
                f"{signed(points)}"
            ),
            on=actual,
            evidence={"project": p.id, "node": node.id if node else None, **leader},
            person_id=person,
        )


# ---------------------------------------------------------------------------------------------------
# Row 3: 会议议定事项限期办结


def _late_bands(rules: ScoreRules) -> list[int]:
    matters = rules.data.get("matters") if isinstance(rules.data, dict) else None
    return list((matters or {}).get("late_bands") or [5, 10, 20])


def band_points(rule: Rule, band: str) -> Decimal:
    """The points of a band; `cumulative = true` adds the late bands up to it (−4 −8 −15 = −27)."""
    table = rule.params.get("points_by_band") or {}
    if rule.params.get("cumulative", False) and band.startswith("late"):
        order = [b for b in BAND_KEYS if b.startswith("late")]
        return sum((dec(table.get(b, 0)) for b in order[: order.index(band) + 1]), Decimal(0))
    return dec(table.get(band, 0))


def matter_band(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第3行 1: a matter with a deadline, done early (+2), or later than 5 / 10 / 20 working days
    (−4 / −8 / −15; done late or still unresolved at the period's end). `open = "difference"`: an unresolved
    matter is charged its current band, a later period only the difference from what was charged before."""
    bands = _late_bands(rules)
    mode = rule.params.get("open", "difference")
    lead_only = rule.params.get("units", "all") == "lead"
    for m in facts.matters:
        if m.bucket not in ("closed", "open_overdue") or not m.unit_ids:
            continue
        target = band_points(rule, m.band)
        if target == 0:
            continue
        label = band_label(m.band, bands)
        day = m.on or facts.period.end
        if m.bucket == "closed":
            head = f"议定事项《{m.title}》于 {day.isoformat()} 办结，{lateness_text(m.late)}"
        else:
            head = f"议定事项《{m.title}》截至 {day.isoformat()} 仍未解决，{lateness_text(m.late)}"
        for number, unit_id in enumerate(m.unit_ids[:1] if lead_only else m.unit_ids):
            role = "牵头单位" if number == 0 else "配合单位"
            already = dec(m.already_charged.get(unit_id, 0)) if mode == "difference" else Decimal(0)
            points = target - already
            if points == 0 or (target < 0 and points > 0):
                continue
            text = f"{head}，属“{label}”一档，本单位为{role}，{signed(target)}"
            if already:
                text += f"；此前各期已{signed(already)}，本期{signed(points)}"
            unit = facts.units.get(unit_id)
            yield make_event(
                rule,
                unit_id=unit_id,
                points=points,
                key=f"matter_band:m{m.id}",
                sentence=text,
                on=day,
                evidence={"matter": m.id, "meeting": m.meeting_id},
                person_id=unit.head_id if unit else None,
            )


def matter_repeat(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第3行 2: a matter without a deadline raised three or more times at one level: every unit of
    the matter −10 for each raise counted in the period (how many: the matters module's reading)."""
    lead_only = rule.params.get("units", "all") == "lead"
    per = rule.points or Decimal(0)
    for m in facts.matters:
        if m.bucket != "repeat" or m.raises <= 0 or not m.unit_ids:
            continue
        total = per * m.raises
        for unit_id in m.unit_ids[:1] if lead_only else m.unit_ids:
            unit = facts.units.get(unit_id)
            yield make_event(
                rule,
                unit_id=unit_id,
                points=total,
                key=f"matter_repeat:m{m.id}",
                sentence=(
                    f"无明确时限的议定事项《{m.title}》同一层级反复上会研究（三次及以上），本期计 {m.raises} 次，"
                    f"每次{signed(per)}，共{signed(total)}"
                ),
                on=m.on or facts.period.end,
                evidence={"matter": m.id, "meeting": m.meeting_id},
                person_id=unit.head_id if unit else None,
            )


# ---------------------------------------------------------------------------------------------------
# Row 4: 其它情况 (adjustments to the next quarter's total; in Q4 to Q4 itself)


def windows(rule: Rule, facts: Facts) -> list[tuple[Period, bool]]:
    """The periods whose cards / places adjust this period, each with `same` (True: this period itself).
    The previous period (facts.extra["previous"] or the one before) — except when it is a Q4 already
    adjusted in itself (q4_same_quarter) — and, in Q4 with q4_same_quarter, this quarter."""
    period = facts.period
    previous = facts.extra.get("previous") or previous_period(period)
    same_q4 = rule.params.get("q4_same_quarter", True)
    out: list[tuple[Period, bool]] = []
    if not (same_q4 and is_fourth_quarter(previous)):
        out.append((previous, False))
    if same_q4 and is_fourth_quarter(period):
        out.append((period, True))
    return out


def _applies(same: bool) -> str:
    return "按“第四季度实行当季扣分或加分”，本季度考评总分" if same else "本期考评总分"


def most_yellow(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第4行 1: the unit(s) with the most yellow cards of the previous quarter (ties: all of them;
    none when nobody had one): −1 on this quarter's total."""
    points = rule.points or Decimal(0)
    for window, same in windows(rule, facts):
        cards: dict[int, list] = {}
        for card in sorted(facts.cards, key=lambda c: (c.on, c.id)):
            if card.color == "yellow" and in_period(card.on, window):
                cards.setdefault(card.unit_id, []).append(card)
        if not cards:
            continue
        top = max(len(v) for v in cards.values())
        winners = sorted(u for u, v in cards.items() if len(v) == top)
        tie = f"（与另 {len(winners) - 1} 个单位并列）" if len(winners) > 1 else ""
        for unit_id in winners:
            own = cards[unit_id]
            labels = "、".join(c.label for c in own)
            unit = facts.units.get(unit_id)
            yield make_event(
                rule,
                unit_id=unit_id,
                points=points,
                key=f"most_yellow:{window.key}",
                sentence=(
                    f"{window.label}本单位获“黄牌”预警 {top} 次（{labels}），为各单位最多{tie}，"
                    f"{_applies(same)}{signed(points)}"
                ),
                on=window.end if same else facts.period.start,
                evidence={"card": own[-1].id, "cards": [c.id for c in own]},
                person_id=unit.head_id if unit else None,
            )


def red_card(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第4行 2: each red card of the previous quarter: −2 on this quarter's total."""
    points = rule.points or Decimal(0)
    for window, same in windows(rule, facts):
        for card in sorted(facts.cards, key=lambda c: (c.on, c.id)):
            if card.color != "red" or not in_period(card.on, window):
                continue
            unit = facts.units.get(card.unit_id)
            yield make_event(
                rule,
                unit_id=card.unit_id,
                points=points,
                key=f"red_card:c{card.id}",
                sentence=(
                    f"本单位 {card.on.isoformat()} 获“红牌”警告（{card.label}，{window.label}），"
                    f"{_applies(same)}{signed(points)}"
                ),
                on=card.on if same else facts.period.start,
                evidence={"card": card.id},
                person_id=unit.head_id if unit else None,
            )


PLACE_NAMES = {"first": "首位席", "last": "末位席"}


def place(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """附件3 第4行 4: the previous quarter's 首位席 +3 / 末位席 −2 on this quarter's total (from the stored
    ranking, facts.places); in Q4 (q4_same_quarter) the places of Q4's preliminary ranking — every event
    but these — adjust Q4 itself (after_rank: evaluated a second time with facts.extra["preliminary"])."""
    want = "first" if rule.params.get("position", "top") == "top" else "last"
    points = rule.points or Decimal(0)
    preliminary = facts.extra.get("preliminary")
    for window, same in windows(rule, facts):
        if same:
            if preliminary is None:
                continue
            for result in sorted(preliminary.units.values(), key=lambda u: u.unit_id):
                if result.place != want:
                    continue
                unit = facts.units.get(result.unit_id)
                yield make_event(
                    rule,
                    unit_id=result.unit_id,
                    points=points,
                    key=f"place:{window.key}:{want}",
                    sentence=(
                        f"本单位在{window.label}考评初步排名（计首位席、末位席加减分之前）中排“{PLACE_NAMES[want]}”"
                        f"（{result.group_name}第 {result.rank} 名，{pts(result.total)} 分），"
                        f"{_applies(True)}{signed(points)}"
                    ),
                    on=facts.period.end,
                    evidence={},
                    person_id=unit.head_id if unit else None,
                )
        elif preliminary is None:
            for fact in sorted(facts.places, key=lambda f: f.unit_id):
                if fact.place != want or fact.period_key != window.key:
                    continue
                unit = facts.units.get(fact.unit_id)
                yield make_event(
                    rule,
                    unit_id=fact.unit_id,
                    points=points,
                    key=f"place:{window.key}:{want}",
                    sentence=(
                        f"本单位在{window.label}考评中排“{PLACE_NAMES[want]}”（{fact.group_name or fact.group}第 {fact.rank} 名），"
                        f"{_applies(False)}{signed(points)}"
                    ),
                    on=facts.period.start,
                    evidence={},
                    person_id=unit.head_id if unit else None,
                )


# ---------------------------------------------------------------------------------------------------
# Year (WH19 四(四))


def quarter_average(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event | str]:
    """The year score as the weighted average of the four quarter totals: one event per quarter, total ×
    w ÷ Σw. `missing = "present"`: a quarter not computed is left out of Σw (warning); "zero": counts 0."""
    year = facts.period.start.year
    weights = [
        dec(w)
        for w in (rule.params.get("weights") or (rules.year or {}).get("quarter_weights") or [1, 1, 1, 1])
    ]
    keys = [f"{year}Q{i}" for i in range(1, 5)]
    missing_mode = rule.params.get("missing", "present")
    absent: dict[str, int] = {}
    for unit_id in sorted(facts.quarter_totals):
        totals = facts.quarter_totals[unit_id]
        present = [(k, w) for k, w in zip(keys, weights, strict=True) if k in totals]
        for k in keys:
            if k not in totals:
                absent[k] = absent.get(k, 0) + 1
        denominator = (
            sum((w for _, w in present), Decimal(0))
            if missing_mode == "present"
            else sum(weights, Decimal(0))
        )
        if denominator == 0:
            continue
        unit = facts.units.get(unit_id)
        for k, w in present:
            total = dec(totals[k])
            period = Period(k, "quarter", *_quarter_bounds(k))
            yield make_event(
                rule,
                unit_id=unit_id,
                points=total * w / denominator,
                key=f"quarter_average:{k}",
                sentence=(
                    f"{period.label}考评总分 {pts(total)} 分，权重 {pts(w)}/{pts(denominator)}，"
                    f"计入年度 {pts((total * w / denominator).quantize(Decimal('0.0001')))} 分"
                ),
                on=period.end,
                evidence={},
                person_id=unit.head_id if unit else None,
            )
    how = "按已有季度加权平均" if missing_mode == "present" else "缺的季度按 0 分计"
    for k in keys:
        if absent.get(k):
            yield f"{absent[k]} 个单位缺少 {Period(k, 'quarter', *_quarter_bounds(k)).label}考评总分（该季度未计算或单位未参加排名），年度分{how}"


def _quarter_bounds(key: str) -> tuple[date, date]:
    p = parse_period(key)
    return p.start, p.end


def bonus(rule: Rule, facts: Facts, rules: ScoreRules) -> Iterator[Event]:
    """WH19 四(四): approved bonus points (超额完成任务、获上级表彰、市委市政府通报表扬), at most `max`
    ([scoring.year].bonus_max, 5) per unit and year; a bonus past the cap is entered cut back, with why."""
    cap_value = rule.params.get("max", (rules.year or {}).get("bonus_max"))
    cap = dec(cap_value) if cap_value is not None else None
    by_unit: dict[int, list] = {}
    for b in facts.bonuses:
        if in_period(b.on, facts.period):
            by_unit.setdefault(b.unit_id, []).append(b)
    for unit_id in sorted(by_unit):
        given = Decimal(0)
        for b in sorted(by_unit[unit_id], key=lambda b: (b.on, b.id)):
            points = dec(b.points)
            text = f"{b.reason}，经{b.approved_by}审定{signed(points)}"
            if cap is not None and given + points > cap:
                allowed = max(cap - given, Decimal(0))
                text += f"；年度加分最高 {pts(cap)} 分，此前已加 {pts(given)} 分，本项只计 {pts(allowed)} 分"
                points = allowed
            given += points
            yield make_event(
                rule,
                unit_id=unit_id,
                points=points,
                key=f"bonus:b{b.id}",
                sentence=text,
                on=b.on,
                evidence={"bonus": b.id},
            )


# ---------------------------------------------------------------------------------------------------
# Checks and registration


def _check_bands(item: dict, data: dict) -> list[tuple[str, str]]:
    bands = item.get("bands") or []
    months = [b.get("months") for b in bands]
    if not bands:
        return [("bands", "须写明分档 bands，如 [{ months = 1, points = 3.2 }, { months = 2, points = 2 }]")]
    if months != sorted(set(months)):
        return [("bands", "各档 months 应从小到大且不重复")]
    return []


def _check_matter_band(item: dict, data: dict) -> list[tuple[str, str]]:
    table = item.get("points_by_band")
    if not table:
        return [
            (
                "points_by_band",
                "须写明各档分值 points_by_band，如 { early = 2, late_1 = -4, late_2 = -8, late_3 = -15 }",
            )
        ]
    return []


def _check_place(item: dict, data: dict) -> list[tuple[str, str]]:
    if "position" not in item:
        return [("position", "须写明 position：top（首位席）或 bottom（末位席）")]
    return []


def _register() -> None:
    register_kind(
        RuleKind(
            "late_start",
            "延期开工",
            late_start,
            params={
                "plan_types": PLAN_TYPES_KEY,
                "charge": Key("扣分单位", "strs", choices=CHARGE, help="缺省 responsible、late_nodes"),
                "repeat": REPEAT_KEY,
                "node_phases": NODE_PHASES_KEY,
            },
            periods=("month", "quarter"),
            help="计划新开工项目过了计划开工时间（按精度）仍未开工，每个项目扣分",
        )
    )
    register_kind(
        RuleKind(
            "early_start",
            "提前开工",
            early_start,
            params={"plan_types": PLAN_TYPES_KEY, "months": Key("提前月数", "int", lo=1, hi=12)},
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "late_start_recovered",
            "延期后限期内开工",
            late_start_recovered,
            params={
                "plan_types": PLAN_TYPES_KEY,
                "bands": Key("分档", "tables", table=RECOVERY_BAND, min_items=1),
                "on_top": Key("与延期开工扣分并计", "bool", help="true：延期开工照扣，另加本项分（缺省）"),
            },
            periods=("month", "quarter"),
            needs_points=False,
            check=_check_bands,
        )
    )
    register_kind(
        RuleKind(
            "ceremony",
            "开工仪式无实质进展",
            ceremony,
            params={"plan_types": PLAN_TYPES_KEY},
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "preparation_early_start",
            "前期项目提前开工",
            preparation_early_start,
            params={"plan_types": PLAN_TYPES_KEY},
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "signed_started_same_year",
            "当年签约当年开工",
            signed_started_same_year,
            params={"plan_types": PLAN_TYPES_KEY},
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "behind_plan",
            "未按计划建设或完工投产",
            behind_plan,
            params={
                "plan_types": PLAN_TYPES_KEY,
                "node_phases": NODE_PHASES_KEY,
                "dates": Key(
                    "计划日期", "strs", choices={"completion": "计划竣工", "production": "计划投产"}
                ),
                "repeat": REPEAT_KEY,
            },
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "finished_early",
            "提前完工投产",
            finished_early,
            params={
                "plan_types": PLAN_TYPES_KEY,
                "on": Key(
                    "以何为准",
                    choices={"completed": "竣工", "producing": "投产", "either": "竣工或投产中较早者"},
                ),
            },
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "matter_band",
            "议定事项限期办结",
            matter_band,
            params={
                "points_by_band": Key("各档分值", "table", table=BANDS_TABLE),
                "cumulative": Key("各档累加", "bool", help="false：只按所在一档计分（缺省）"),
                "open": Key(
                    "未办结事项",
                    choices={
                        "difference": "按期末所在档次计分，以后各期只计与已扣分之差",
                        "each_period": "每期按所在档次全额计分",
                    },
                ),
                "units": MATTER_UNITS_KEY,
            },
            periods=("month", "quarter"),
            needs_points=False,
            check=_check_matter_band,
        )
    )
    register_kind(
        RuleKind(
            "matter_repeat",
            "反复上会",
            matter_repeat,
            params={"units": MATTER_UNITS_KEY},
            periods=("month", "quarter"),
        )
    )
    register_kind(
        RuleKind(
            "most_yellow",
            "黄牌预警最多",
            most_yellow,
            params={"q4_same_quarter": Q4_KEY},
            periods=("quarter",),
        )
    )
    register_kind(
        RuleKind(
            "red_card",
            "红牌警告",
            red_card,
            params={"q4_same_quarter": Q4_KEY},
            periods=("quarter",),
        )
    )
    register_kind(
        RuleKind(
            "place",
            "首位席/末位席",
            place,
            params={
                "position": Key("位置", choices={"top": "首位席", "bottom": "末位席"}),
                "q4_same_quarter": Q4_KEY,
            },
            periods=("quarter",),
            after_rank=True,
            check=_check_place,
        )
    )
    register_kind(
        RuleKind(
            "quarter_average",
            "季度考评加权平均",
            quarter_average,
            params={
                "weights": Key("各季度权重", "ints", lo=0, hi=100, min_items=4),
                "missing": Key("缺少的季度", choices={"present": "按已有季度加权平均", "zero": "按 0 分计"}),
            },
            periods=("year",),
            needs_points=False,
        )
    )
    register_kind(
        RuleKind(
            "bonus",
            "奖励加分",
            bonus,
            params={"max": Key("每单位每年加分上限", "number", lo=0)},
            periods=("year",),
            needs_points=False,
        )
    )


_register()
