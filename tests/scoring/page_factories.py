"""A computed period for the page and document tests, written straight to the tables as the computation
stores it (ScorePeriod, UnitScore, ScoreEntry), so the pages are tested apart from the engine.

    s = scored(world)          # 东湖区 2024Q2, rule set "武汉临空港 2019（页面测试）", three units ranked
    s.period, s.late, s.node   # the period, 区发改委's −4 entry, the chain node it rests on

区直单位: 区住建局 100.00 (1st, 首位席; one late start exempted), 区发改委 94.00 (2nd, 末位席, 整改报告):
    新开工项目情况 100 − 4 = 96 → 96 × 40% = 38.4
    在建项目推进情况 100 → 30
    会议议定事项限期办结 100 − 8 = 92 → 92 × 30% = 27.6
    红牌 −2 (adjustment, whole)                  → 38.4 + 30 + 27.6 − 2 = 94.00
镇街: 公园街道办事处 100.00 (1st).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.core.rules.ledger import parse_period
from tuijin.scoring.models import Exemption, Rectification, ScoreEntry, ScorePeriod, UnitScore

TZ = ZoneInfo("Asia/Shanghai")
SCORING = {
    "summary": "季考评（页面测试）",
    "periods": ["quarter", "year"],
    "weights_total": 100,
    "tie_break": "categories",
    "decimals": 2,
    "source": "WH19 附件3",
    "categories": [
        {
            "key": "new_starts",
            "name": "新开工项目情况",
            "weight": 40,
            "base": 100,
            "periods": ["quarter"],
            "source": "WH19 附件3 第1行",
        },
        {
            "key": "construction",
            "name": "在建项目推进情况",
            "weight": 30,
            "base": 100,
            "periods": ["quarter"],
            "source": "WH19 附件3 第2行",
        },
        {
            "key": "matters",
            "name": "会议议定事项限期办结",
            "weight": 30,
            "base": 100,
            "periods": ["quarter"],
            "source": "WH19 附件3 第3行",
        },
    ],
    "rules": [
        {
            "kind": "late_start",
            "category": "new_starts",
            "points": -4,
            "name": "延期开工",
            "source": "WH19 附件3 第1行 1(1)",
        },
        {
            "kind": "behind_plan",
            "category": "construction",
            "points": -5,
            "name": "未按建设进度实施",
            "source": "WH19 附件3 第2行 1",
        },
        {
            "kind": "matter_band",
            "category": "matters",
            "name": "议定事项超时限",
            "source": "WH19 附件3 第3行 1",
        },
        {
            "kind": "red_card",
            "category": "adjustment",
            "points": -2,
            "name": "红牌警告",
            "source": "WH19 附件3 第4行 2",
        },
    ],
}
RANKING = {
    "groups": [
        {"key": "district_units", "name": "区直单位", "unit_kinds": ["department"]},
        {"key": "towns", "name": "镇街", "unit_kinds": ["street"]},
    ]
}


def version(*, slug: str = "wuhan-pages", scoring: dict | None = None) -> RuleSetVersion:
    rule_set, _ = RuleSet.objects.get_or_create(
        slug=slug, defaults={"name": "武汉临空港 2019（页面测试）", "source": "WH19"}
    )
    data = {"scoring": scoring or SCORING, "ranking": RANKING}
    existing = rule_set.versions.filter(number=1).first()
    return existing or RuleSetVersion.objects.create(rule_set=rule_set, number=1, data=data, sha256="0" * 64)


@dataclass
class Scored:
    period: ScorePeriod
    version: RuleSetVersion
    project: object
    node: object
    matter: object
    late: ScoreEntry
    exempted: ScoreEntry
    exemption: Exemption


def _entry(period, unit, **kw) -> ScoreEntry:
    values = {
        "period": period,
        "unit": unit,
        "rule_version": period.rule_version,
        "on": date(2024, 6, 1),
        "evidence": {},
    }
    values.update(kw)
    return ScoreEntry.objects.create(**values)


def _score(period, unit, group, group_name, total, *, cats=None, **kw) -> UnitScore:
    categories = {"new_starts": "100.0000", "construction": "100.0000", "matters": "100.0000"}
    categories.update(cats or {})
    return UnitScore.objects.create(
        period=period,
        unit=unit,
        group=group,
        group_name=group_name,
        categories=categories,
        total=Decimal(total),
        **kw,
    )


def scored(world, *, key: str = "2024Q2", status: str = "open") -> Scored:
    from tests.chains.factories import applied
    from tests.meetings.matter_factories import decided

    v = version()
    computed = datetime(2024, 7, 3, 9, 30, tzinfo=TZ)
    period = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key=key,
        kind="quarter",
        start=parse_period(key).start,
        end=parse_period(key).end,
        rule_version=v,
        status=status,
        computed_at=computed,
        computed_by=world.admin,
        closed_at=computed if status == "closed" else None,
        closed_by=world.admin if status == "closed" else None,
        notes=["上一期间 2024Q1 尚未计算，首末位加减分未计入"],
    )
    chain = applied(world, planned_start=date(2024, 5, 31), name="东湖区数字经济产业园")
    project = chain.project
    node = chain.nodes.get(key="construction_permit")
    matter = decided(world, title="协调东湖数字产业园用地报批", deadline=date(2024, 5, 31))
    late = _entry(
        period,
        world.dept,
        kind="late_start",
        rule_index=1,
        category="new_starts",
        points=Decimal("-4"),
        weighted=Decimal("-1.6"),
        key=f"late_start:p{project.pk}",
        sentence=(
            f"项目《{project.name}》计划 2024-05-31 开工，截至 2024-06-01 未开工，延期开工扣 4 分"
            "（WH19 附件3 第1行 1(1)）"
        ),
        evidence={"project": project.pk, "node": node.pk},
        project=project,
        node=node,
        person=world.leader_person,
    )
    _entry(
        period,
        world.dept,
        kind="matter_band",
        rule_index=3,
        category="matters",
        points=Decimal("-8"),
        weighted=Decimal("-2.4"),
        on=date(2024, 6, 20),
        key=f"matter_band:m{matter.pk}",
        sentence=f"议定事项“{matter.title}”办结时限 2024-05-31，超过时限 10 个工作日仍未解决，扣 8 分",
        evidence={"matter": matter.pk},
    )
    _entry(
        period,
        world.dept,
        kind="red_card",
        rule_index=4,
        category="adjustment",
        points=Decimal("-2"),
        weighted=Decimal("-2"),
        on=date(2024, 5, 20),
        key="red_card:c1",
        sentence="红牌警告〔2024〕第1号，本季度考评扣 2 分（WH19 附件3 第4行 2）",
        evidence={},
    )
    exemption = Exemption.objects.create(
        jurisdiction=world.district,
        unit=world.other_dept,
        project=project,
        month="2024-06",
        reason="用地报批受省级审批周期影响",
        applied_by=world.admin,
        project_leader=world.leader_person,
        project_leader_signed_at=datetime(2024, 6, 5, 10, tzinfo=TZ),
        leader_in_charge=world.leader_person,
        leader_in_charge_signed_at=datetime(2024, 6, 6, 10, tzinfo=TZ),
        status="granted",
    )
    exempted = _entry(
        period,
        world.other_dept,
        kind="late_start",
        rule_index=1,
        category="new_starts",
        points=Decimal("0"),
        weighted=Decimal("0"),
        key=f"late_start:p{project.pk}:x",
        sentence=(
            f"项目《{project.name}》计划 2024-05-31 开工，截至 2024-06-01 未开工，延期开工扣 4 分"
            "（客观原因免扣分：挂点领导 林志远、分管领导 林志远 签字同意）"
        ),
        evidence={"project": project.pk, "exemption": exemption.pk},
        project=project,
        exempted_points=Decimal("-4"),
        exemption=exemption,
    )
    _score(
        period,
        world.dept,
        "district_units",
        "区直单位",
        "94.00",
        cats={"new_starts": "96.0000", "matters": "92.0000"},
        adjustments=Decimal("-2"),
        rank=2,
        place="last",
        rectify=True,
        entries_count=3,
    )
    _score(
        period,
        world.other_dept,
        "district_units",
        "区直单位",
        "100.00",
        rank=1,
        place="first",
        entries_count=1,
    )
    _score(period, world.street_unit, "towns", "镇街", "100.00", rank=1)
    Rectification.objects.create(period=period, unit=world.dept, rank=2, due=date(2024, 7, 17))
    return Scored(
        period=period,
        version=v,
        project=project,
        node=node,
        matter=matter,
        late=late,
        exempted=exempted,
        exemption=exemption,
    )


def late_with_chain(world, *, planned_start: date, name: str = "东湖区数字经济产业园"):
    """A planned new start of 区发改委 with a chain from the WH19 industry template, not started: late from
    the day after `planned_start` (day precision). Returns the chain (its project: `chain.project`)."""
    from tests.chains.factories import applied
    from tests.projects.factories import entry, plan
    from tuijin.projects.models import AnnualPlan

    chain = applied(world, planned_start=planned_start, name=name)
    year = planned_start.year
    annual = AnnualPlan.objects.filter(jurisdiction=world.district, year=year).first() or plan(world, year)
    entry(annual, chain.project, plan_type="new_start", planned_investment=Decimal("1000"))
    return chain


def light_period(world) -> ScorePeriod:
    """东湖区 2024Q2 computed with wuhan-2019 (chosen by 东湖区): 区发改委 −4 (96 × 40% + 30 + 30 = 98.40,
    2nd, 末位席) and 区住建局 100.00 (1st) — a period to open pages on, quickly (no chain, no engine)."""
    from tests.scoring.score_factories import use_wuhan

    existing = ScorePeriod.objects.filter(jurisdiction=world.district, key="2024Q2").first()
    if existing is not None:
        return existing
    v = use_wuhan(world)
    period = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key="2024Q2",
        kind="quarter",
        start=date(2024, 4, 1),
        end=date(2024, 6, 30),
        rule_version=v,
        computed_at=datetime(2024, 7, 3, 9, 30, tzinfo=TZ),
        computed_by=world.admin,
    )
    _entry(
        period,
        world.dept,
        kind="late_start",
        rule_index=1,
        category="new_starts",
        points=Decimal("-4"),
        weighted=Decimal("-1.6"),
        key="late_start:p0",
        sentence="项目《东湖区数字经济产业园》计划 2024年5月 开工，截至 2024-06-01 未开工，延期开工扣 4 分",
    )
    _score(
        period,
        world.dept,
        "all_units",
        "项目责任单位",
        "98.40",
        cats={"new_starts": "96.0000"},
        rank=2,
        place="last",
        entries_count=1,
    )
    _score(period, world.other_dept, "all_units", "项目责任单位", "100.00", rank=1, place="first")
    return period


YEAR = {"method": "quarter_average", "quarter_weights": [1, 1, 1, 1], "full_score": 100}
YEAR_CONVERTED = {**YEAR, "review_points": 10, "review_total": 35, "bonus_max": 5, "source": "WH19 四(四)"}


def year_scoring(year: dict | None = None) -> dict:
    """SCORING with WH19's year: the category 季度考评加权平均 (weight 100, base 0: the year total is the sum of
    the quarter_average entries) and the bonus, `[scoring.year]` as given (default: 10/35, at most 5)."""
    quarters = {
        "key": "quarters",
        "name": "季度考评加权平均",
        "weight": 100,
        "base": 0,
        "periods": ["year"],
        "source": "WH19 四(四)",
    }
    extra = [
        {"kind": "quarter_average", "category": "quarters", "source": "WH19 四(四)"},
        {"kind": "bonus", "category": "adjustment", "max": 5, "source": "WH19 四(四)"},
    ]
    return {
        **SCORING,
        "categories": [*SCORING["categories"], quarters],
        "rules": [*SCORING["rules"], *extra],
        "year": YEAR_CONVERTED if year is None else year,
    }


def year_period(world, *, year: dict | None = None, slug: str = "wuhan-pages-year", by=None) -> ScorePeriod:
    """东湖区 2024 (year), computed by `by` (None: the system) with WH19's year reading:
    区发改委: quarters 94, 98, 96, 100 → each × 1 ÷ 4 → average 97.00, bonus +2 → total 99.00, 折算 9.70;
    区住建局: quarters 96, 95, 96, 95 → 95.50, no bonus → total 95.50, 折算 9.55."""
    v = version(slug=slug, scoring=year_scoring(year))
    period = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key="2024",
        kind="year",
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
        rule_version=v,
        computed_at=datetime(2025, 1, 6, 9, 0, tzinfo=TZ),
        computed_by=by,
    )
    for unit, totals in ((world.dept, (94, 98, 96, 100)), (world.other_dept, (96, 95, 96, 95))):
        for q, total in enumerate(totals, start=1):
            share = Decimal(total) / 4
            _entry(
                period,
                unit,
                kind="quarter_average",
                rule_index=5,
                category="quarters",
                points=share,
                weighted=share,
                on=date(2024, 12, 31),
                key=f"quarter_average:2024Q{q}",
                sentence=f"2024年第{q}季度考评总分 {total}.00 分，按权重 1/4 计入年度分 {share} 分",
            )
    _entry(
        period,
        world.dept,
        kind="bonus",
        rule_index=6,
        category="adjustment",
        points=Decimal("2"),
        weighted=Decimal("2"),
        origin="bonus",
        on=date(2024, 12, 20),
        key="bonus:b1",
        sentence="获得市委市政府通报表扬，经审定奖励加 2 分（WH19 四(四)）",
    )
    _score(
        period,
        world.dept,
        "district_units",
        "区直单位",
        "99.00",
        cats={"quarters": "97.0000"},
        adjustments=Decimal("2"),
        rank=1,
        entries_count=5,
    )
    _score(
        period,
        world.other_dept,
        "district_units",
        "区直单位",
        "95.50",
        cats={"quarters": "95.5000"},
        rank=2,
        entries_count=4,
    )
    return period
