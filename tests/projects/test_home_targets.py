"""The home page's targets against actual (issue 3 part 5, "Done when"): its numbers equal a hand count
made here with plain ORM queries, for each role's scope — on a plan built in the test and on the demo
pinned to a date."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count, Q, Sum

from tests.projects.factories import entry, invest, move, plan, project
from tuijin.org.models import Role, User
from tuijin.projects.models import AnnualPlan, InvestmentEntry, PlanEntry, StageTransition

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 30)
NOW = "2024-06-30 10:00 +0800"


# ---------------------------------------------------------------------------------------------------
# The hand count: plain ORM, written without the plan selectors


def _percent(done, of) -> str:
    if not of:
        return "—"
    return f"{(Decimal(done) * 100 / Decimal(of)).quantize(Decimal('0.1'))}%"


def _money(amount: Decimal) -> str:
    if amount >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01')):,}亿元"
    return f"{amount.quantize(Decimal('0.01')):,}万元"


def _happened(entries, stages, *, today):
    """Entries whose project moved into one of `stages` by `today`."""
    moves = StageTransition.objects.filter(to_stage__in=stages, on__lte=today)
    return entries.filter(project__in=moves.values("project")).count()


def hand_count(the_plan: AnnualPlan, *, unit=None, today=TODAY) -> dict:
    entries = PlanEntry.objects.filter(plan=the_plan, removed=False)
    if unit is not None:
        entries = entries.filter(
            Q(project__responsible_unit=unit)
            | Q(project__street=unit)
            | Q(project__supervising_unit=unit)
            | Q(project__secondary_units=unit)
            | Q(project__chain_nodes__responsible_unit=unit)  # a unit reads projects where it owns a node
        ).distinct()
    entries = PlanEntry.objects.filter(pk__in=entries.values("pk"))
    to_start = entries.filter(plan_type="new_start")
    to_complete = entries.filter(plan_type="completion")
    started = _happened(to_start, ("started", "construction"), today=today)
    completed = _happened(to_complete, ("completed",), today=today)
    planned = entries.aggregate(total=Sum("planned_investment"))["total"] or Decimal(0)
    invested = InvestmentEntry.objects.filter(
        year=the_plan.year, project__in=entries.values("project")
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return {
        "count": entries.count(),
        "start": (_percent(started, to_start.count()), f"{started} / {to_start.count()} 个"),
        "completion": (_percent(completed, to_complete.count()), f"{completed} / {to_complete.count()} 个"),
        "investment": _percent(invested, planned),
        "planned": _money(planned),
        "invested": _money(invested),
        "by_stage": dict(entries.values_list("project__stage").annotate(n=Count("pk"))),
        "by_category": dict(entries.values_list("project__category").annotate(n=Count("pk"))),
    }


# ---------------------------------------------------------------------------------------------------
# What the home page shows


def _card(html: str, card_id: str) -> str:
    start = html.index(f'id="{card_id}"')
    return html[start : html.index("</div>\n</div>", start)]


def _counts(html: str, card_id: str) -> dict[str, int]:
    card = _card(html, card_id)
    return {key: int(n) for key, n in re.findall(r'data-key="(\w+)">.*?badge[^>]*>(\d+)<', card)}


def shown(html: str) -> dict:
    def rate(key):
        card = html[html.index(f'id="rate-{key}"') :]
        percent = re.search(r'rate-percent">([^<]+)<', card).group(1)
        count = re.search(r'rate-count">([^<]+)<', card).group(1).strip()
        return percent, count

    return {
        "count": int(re.search(r"· (\d+) 个项目", html).group(1)),
        "start": rate("start"),
        "completion": rate("completion"),
        "investment": rate("investment")[0],
        "planned": re.search(r'id="home-planned">([^<]+)<', html).group(1),
        "invested": re.search(r'id="home-invested">([^<]+)<', html).group(1),
        "by_stage": _counts(html, "home-by-stage"),
        "by_category": _counts(html, "home-by-category"),
    }


# ---------------------------------------------------------------------------------------------------
# A plan built here


def build_plan(world) -> AnnualPlan:
    older = plan(world, 2023, document="东重组〔2023〕1号")
    year = plan(world, 2024, document="东重组〔2024〕1号")
    started = project(world, name="已开工", stage="planning")
    move(started, "started", date(2024, 3, 1))
    invest(started, 2024, 3, 1000)
    invest(started, 2024, 4, 500)
    waiting = project(world, name="未开工", responsible_unit=world.other_dept, category="livelihood")
    early = project(world, name="去年底开工", stage="planning", category="urban_construction")
    move(early, "construction", date(2023, 12, 20))
    done = project(world, name="已竣工", stage="planning")
    move(done, "started", date(2022, 4, 1))
    move(done, "completed", date(2024, 5, 1))
    building = project(world, name="在建待竣工", stage="construction", responsible_unit=world.other_dept)
    going = project(world, name="续建", stage="construction", street=world.street_unit)
    invest(going, 2024, 1, 3000)
    invest(going, 2023, 11, 999)
    gone = project(world, name="已调出", stage="construction")
    invest(gone, 2024, 2, 4000)
    outside = project(world, name="不在计划", stage="construction")
    invest(outside, 2024, 2, 7000)
    for p, kind, planned in (
        (started, "new_start", "6000"),
        (waiting, "new_start", "3000"),
        (early, "new_start", "2000"),
        (done, "completion", "1500"),
        (building, "completion", "2500"),
        (going, "continuing", "9000"),
    ):
        entry(year, p, plan_type=kind, planned_investment=Decimal(planned))
    entry(year, gone, plan_type="continuing", planned_investment=Decimal(5000), removed=True)
    entry(older, outside, plan_type="continuing")
    return year


@time_machine.travel(NOW)
@pytest.mark.parametrize("persona", ["admin", "leader", "supervisor", "unit_head", "reporter"])
def test_home_targets_match_a_hand_count(world, client_for, persona):
    year = build_plan(world)
    user = getattr(world, persona)
    unit = user.unit if user.role in (Role.UNIT_HEAD, Role.UNIT_REPORTER) else None

    page = shown(client_for(user).get("/").content.decode())

    expected = hand_count(year, unit=unit)
    assert page == expected
    if unit is None:  # the figures themselves, once, so a shared mistake cannot pass
        assert page["start"] == ("66.7%", "2 / 3 个") and page["completion"] == ("50.0%", "1 / 2 个")
        assert (page["planned"], page["invested"], page["investment"]) == (
            "2.40亿元",
            "4,500.00万元",
            "18.8%",
        )
    else:
        assert page["count"] == 4 and page["start"] == ("100.0%", "2 / 2 个")


@time_machine.travel(NOW)
def test_a_street_sees_the_projects_in_it(world, client_for):
    build_plan(world)
    street_reporter = User.objects.create(
        username="street", role=Role.UNIT_REPORTER, jurisdiction=world.district, unit=world.street_unit
    )
    page = shown(client_for(street_reporter).get("/").content.decode())
    assert page["count"] == 1 and page["invested"] == "3,000.00万元"


@time_machine.travel(NOW)
def test_discipline_viewer_sees_no_plan_panel(world, client_for):
    build_plan(world)
    assert 'id="home-plan"' not in client_for(world.discipline).get("/").content.decode()


@time_machine.travel(NOW)
def test_home_links_counts_to_the_plan_page(world, client_for):
    year = build_plan(world)
    html = client_for(world.admin).get("/").content.decode()
    assert f'href="/projects/plans/{year.pk}/?stage=construction"' in html
    assert f'href="/projects/plans/{year.pk}/"' in html


# ---------------------------------------------------------------------------------------------------
# The demo pinned to a date


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("demo", "--today", TODAY.isoformat(), "--no-serve", verbosity=0)
    return AnnualPlan.objects.get(year=TODAY.year, jurisdiction__level="district")


@time_machine.travel(NOW)
@pytest.mark.parametrize("role", [Role.OFFICE_ADMIN, Role.LEADER, Role.UNIT_REPORTER])
def test_home_targets_on_the_demo_match_a_hand_count(demo, client, role):
    users = User.objects.filter(role=role, is_active=True, jurisdiction=demo.jurisdiction)
    if role == Role.UNIT_REPORTER:  # a reporter whose unit has projects in the plan
        units = PlanEntry.objects.filter(plan=demo, removed=False).values("project__responsible_unit")
        users = users.filter(unit__in=units)
    user = users.order_by("username").first()
    client.force_login(user)

    page = shown(client.get("/").content.decode())

    unit = user.unit if role == Role.UNIT_REPORTER else None
    assert page == hand_count(demo, unit=unit)
    if unit is None:
        assert page["count"] >= 90  # DH24: 90 projects (plus any added during the year)
