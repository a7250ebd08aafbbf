"""Builders for the services, CLI, facts and ledger tests (H3): the WH19 rule set seeded from the presets
and chosen by 东湖区, and a small quarter to score.

    wh19 = use_wuhan(world)                       # 东湖区 computes with wuhan-2019 (its current version)
    late = late_project(world, planned=date(2024, 5, 1))   # planned 2024年5月, not started: −4 in 2024Q2
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.projects.factories import entry, plan, project
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.core.ruleset_services import ruleset_seed
from tuijin.projects.models import AnnualPlan


def use_wuhan(world, jurisdiction=None) -> RuleSetVersion:
    """Seed the presets and let the jurisdiction (default 东湖区) use wuhan-2019."""
    if not RuleSet.objects.filter(slug="wuhan-2019").exists():
        ruleset_seed()
    target = jurisdiction or world.district
    target.rule_set = RuleSet.objects.get(slug="wuhan-2019")
    target.save()
    return target.rule_set.versions.order_by("-number").first()


def year_plan(world, year: int = 2024) -> AnnualPlan:
    return AnnualPlan.objects.filter(jurisdiction=world.district, year=year).first() or plan(world, year)


def planned(world, *, plan_type: str = "new_start", year: int = 2024, **kw):
    """A project of 东湖区 listed in the year's plan (default: a new start of 区发改委)."""
    p = project(world, **kw)
    entry(year_plan(world, year), p, plan_type=plan_type, planned_investment=Decimal("1000"))
    return p


def late_project(world, *, planned_start: date = date(2024, 5, 1), **kw):
    """A planned new start of 2024年5月 (month precision): not started, it is late from 2024-06-01."""
    return planned(
        world,
        planned_start=planned_start,
        planned_start_precision="month",
        name=kw.pop("name", "东湖数字经济产业园"),
        **kw,
    )


def early_project(world, *, unit=None, name: str = "临空港智能制造基地"):
    """A new start planned 2024-06-15 that started 2024-05-10 (more than a month early: +2 in 2024Q2)."""
    from tests.projects.factories import move

    p = planned(
        world,
        name=name,
        responsible_unit=unit or world.dept,
        planned_start=date(2024, 6, 15),
        planned_start_precision="day",
    )
    move(p, "started", date(2024, 5, 10))
    return p


@pytest.fixture
def heads_log(settings, tmp_path):
    """A ledger key and heads log of the test's own (seals write the log when they commit)."""
    settings.LEDGER_KEY = "test-ledger-key"
    settings.LEDGER_HEADS_LOG = str(tmp_path / "ledger" / "heads.log")
    return tmp_path / "ledger" / "heads.log"
