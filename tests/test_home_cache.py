"""The home page's plan panel is cached per scope and day, keyed on the library's version: any write
shows at once (no stale panel), and an unchanged library is not read again."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from tests.projects.factories import entry, plan, project
from tuijin.dashboard.selectors import cached_home_plan, library_version
from tuijin.projects.services import investment_record, project_move_stage


def _start_rate(panel) -> str:
    return next(r for r in panel.rates if r.key == "start").percent


def test_a_stage_move_and_an_investment_show_on_the_next_home_page(world):
    today = timezone.localdate()
    p = project(world, stage="preparation")
    year = plan(world, today.year)
    entry(year, p, plan_type="new_start", planned_investment=Decimal("1000"))
    before = cached_home_plan(world.admin, today=today)
    assert cached_home_plan(world.admin, today=today) == before  # unchanged library: the same panel
    version = library_version()
    project_move_stage(user=world.admin, project=p, to_stage="started", on=today)
    assert library_version() != version
    after = cached_home_plan(world.admin, today=today)
    assert _start_rate(before) != _start_rate(after)
    investment_record(
        user=world.admin, project=p, year=today.year, month=today.month, amount=Decimal("500"), today=today
    )
    assert cached_home_plan(world.admin, today=today).invested_total != after.invested_total


def test_users_of_different_scopes_do_not_share_a_panel(world):
    today = date(2026, 6, 30)
    mine = project(world, stage="preparation")
    theirs = project(world, stage="preparation", responsible_unit=world.other_dept)
    year = plan(world, 2026)
    entry(year, mine, planned_investment=Decimal("100"))
    entry(year, theirs, planned_investment=Decimal("900"))
    assert cached_home_plan(world.admin, today=today).entry_count == 2
    assert cached_home_plan(world.reporter, today=today).entry_count == 1
