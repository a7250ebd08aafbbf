"""Builders of the project library for tests: quick ORM writes, no access checks and no history, so a
test states only what it is about. Use the services when the write itself is under test.

    p = project(world, name="东湖文化中心", stage="preparation", total_investment=Decimal("50000"))
    year = plan(world, 2024)
    entry(year, p, plan_type="new_start", planned_investment=Decimal("8000"))
    move(p, "started", date(2024, 3, 15), world.admin)
    invest(p, 2024, 3, Decimal("1200"))
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from tuijin.projects.models import (
    AnnualPlan,
    FundingSource,
    InvestmentEntry,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

_numbers = count(1)


def project(world, *, tags=(), secondary_units=(), funding=(), **kw) -> Project:
    """A project of 东湖区 whose responsible unit is world.dept (区发改委), unless `kw` says otherwise.
    `tags` are tag names; `funding` is (kind, amount) pairs."""
    number = next(_numbers)
    values = {
        "jurisdiction": world.district,
        "name": f"测试项目{number}",
        "category": "industry",
        "total_investment": Decimal("10000"),
        "responsible_unit": world.dept,
        "stage": "preparation",
    }
    values.update(kw)
    p = Project.objects.create(**values)
    if tags:
        # the migration seeds the tags; transactional (browser) tests flush them, so make what is missing
        p.tags.set([ProjectTag.objects.get_or_create(name=name)[0] for name in tags])
    if secondary_units:
        p.secondary_units.set(secondary_units)
    for kind, amount in funding:
        FundingSource.objects.create(project=p, kind=kind, amount=amount)
    return p


def plan(world, year: int, **kw) -> AnnualPlan:
    values = {"jurisdiction": world.district, "year": year, "title": f"{year}年东湖区重大重点项目计划"}
    values.update(kw)
    return AnnualPlan.objects.create(**values)


def entry(plan_: AnnualPlan, project_: Project, **kw) -> PlanEntry:
    """A plan entry; `monthly_targets` may be given as numbers (stored as decimal strings)."""
    values = {"plan_type": "new_start", "planned_investment": Decimal("1200")}
    values.update(kw)
    values["monthly_targets"] = [str(Decimal(str(t))) for t in values.get("monthly_targets", [])]
    return PlanEntry.objects.create(plan=plan_, project=project_, **values)


def move(project_: Project, stage: str, on: date, user=None, **kw) -> StageTransition:
    """Move the project into `stage` on `on` (a transition, as the service records it)."""
    transition = StageTransition.objects.create(
        project=project_, from_stage=project_.stage, to_stage=stage, on=on, recorded_by=user, **kw
    )
    Project.objects.filter(pk=project_.pk).update(stage=stage)
    project_.stage = stage
    return transition


def invest(project_: Project, year: int, month: int, amount, **kw) -> InvestmentEntry:
    return InvestmentEntry.objects.create(
        project=project_, year=year, month=month, amount=Decimal(str(amount)), **kw
    )
