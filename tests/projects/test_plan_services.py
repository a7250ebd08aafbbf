"""Writes of the annual plan: each change recorded with its decision, all-or-nothing, refused outside one's
jurisdiction; the roll-over keeps the old year intact."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.projects.factories import move, project
from tuijin.core.access import AccessDenied
from tuijin.projects import plan_selectors, plan_services
from tuijin.projects.models import (
    AnnualPlan,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
)

pytestmark = pytest.mark.django_db
DECISION = {
    "decided_by": "区重大重点项目推进工作领导小组第3次会议",
    "decided_on": date(2024, 5, 10),
    "document_number": "东重组〔2024〕3号",
    "reason": "项目已签约落地，具备开工条件",
}
TODAY = "2024-06-30 10:00 +0800"


def plan(world, *, year=2024, issued=True):
    return AnnualPlan.objects.create(
        jurisdiction=world.district,
        year=year,
        title=f"{year}年东湖区重大重点项目计划",
        document="东重组〔2024〕1号" if issued else "",
    )


def add(world, the_plan, p, plan_type="new_start", planned="5000", **kw):
    return plan_services.plan_add_project(
        user=world.admin,
        plan=the_plan,
        project=p,
        plan_type=plan_type,
        planned_investment=Decimal(planned),
        monthly_targets=kw.pop("monthly_targets", ()),
        **({**DECISION, **kw} if plan_services.plan_is_issued(the_plan) else kw),
    )


# ---------------------------------------------------------------------------------------------------
# The plan and its targets


def test_office_creates_a_plan_being_compiled(world):
    created = plan_services.plan_create(
        user=world.admin, jurisdiction=world.district, year=2024, title="2024年东湖区重大重点项目计划"
    )
    assert created.start_rate_target == Decimal(100) and not plan_services.plan_is_issued(created)


def test_second_plan_for_the_same_year_is_refused(world):
    plan(world)
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_create(user=world.admin, jurisdiction=world.district, year=2024, title="又一个")
    assert "已有 2024 年度计划" in exc.value.message_dict["year"][0]


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "leader", "supervisor", "foreign_admin"])
def test_only_the_office_of_the_jurisdiction_creates_plans(world, persona):
    with pytest.raises(AccessDenied):
        plan_services.plan_create(
            user=getattr(world, persona), jurisdiction=world.district, year=2024, title="计划"
        )


def test_targets_outside_0_to_100_are_refused_beside_the_field(world):
    the_plan = plan(world)
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_update_targets(
            user=world.admin,
            plan=the_plan,
            title=the_plan.title,
            document=the_plan.document,
            start_rate_target=Decimal(120),
            investment_rate_target=Decimal(100),
            completion_rate_target=None,
        )
    assert set(exc.value.message_dict) == {"start_rate_target", "completion_rate_target"}


def test_an_issued_plan_keeps_its_document_number(world):
    the_plan = plan(world)
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_update_targets(
            user=world.admin,
            plan=the_plan,
            title=the_plan.title,
            document="",
            start_rate_target=Decimal(100),
            investment_rate_target=Decimal(100),
            completion_rate_target=Decimal(100),
        )
    assert "不能清空" in exc.value.message_dict["document"][0]


# ---------------------------------------------------------------------------------------------------
# The initial list: no decision needed, nothing recorded


def test_compiling_the_list_records_no_changes(world):
    the_plan = plan(world, issued=False)
    p = project(world, name="青山湖大道改造")
    entry = add(world, the_plan, p, monthly_targets=[Decimal(100)] * 12)
    plan_services.plan_replan(
        user=world.admin, entry=entry, plan_type="continuing", planned_investment=Decimal(3000)
    )
    assert plan_services.plan_remove_project(user=world.admin, entry=entry) is None
    assert not PlanEntry.objects.exists() and not PlanChange.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Changes during the year (REQ B4)


@time_machine.travel(TODAY)
def test_adding_to_an_issued_plan_needs_the_decision_and_saves_nothing_without_it(world):
    the_plan = plan(world)
    p = project(world, name="智能制造产业园")
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_add_project(
            user=world.admin, plan=the_plan, project=p, plan_type="new_start", planned_investment=Decimal(10)
        )
    assert set(exc.value.message_dict) == {"decided_by", "decided_on", "reason"}  # document number optional
    assert not PlanEntry.objects.exists() and not PlanChange.objects.exists()


@time_machine.travel(TODAY)
def test_adding_during_the_year_records_who_when_which_body_document_and_why(world):
    the_plan = plan(world)
    p = project(world, name="智能制造产业园")
    entry = add(world, the_plan, p, planned="8000", monthly_targets=[None] * 5 + [Decimal(500)] * 7)
    change = PlanChange.objects.get()
    assert (change.kind, change.project, change.recorded_by) == ("add", p, world.admin)
    assert change.decided_by == DECISION["decided_by"] and change.decided_on == date(2024, 5, 10)
    assert change.document_number == "东重组〔2024〕3号" and change.reason == DECISION["reason"]
    assert change.details["new"]["planned_investment"] == "8000.00"
    assert entry.monthly_targets == ["0.00"] * 5 + ["500.00"] * 7


@time_machine.travel(TODAY)
def test_a_decision_dated_in_the_future_is_refused(world):
    the_plan = plan(world)
    with pytest.raises(ValidationError) as exc:
        add(world, the_plan, project(world, name="甲"), decided_on=date(2024, 7, 1))
    assert "晚于今天" in exc.value.message_dict["decided_on"][0]


@time_machine.travel(TODAY)
def test_removal_keeps_the_entry_and_re_adding_restores_it(world):
    the_plan = plan(world)
    p = project(world, name="老城区管网改造")
    entry = add(world, the_plan, p, plan_type="continuing", planned="3000")
    removed = plan_services.plan_remove_project(user=world.admin, entry=entry, **DECISION)
    assert removed.removed and PlanEntry.objects.filter(pk=entry.pk, removed=True).exists()
    assert PlanChange.objects.get(kind="remove").details["old"]["plan_type"] == "continuing"

    again = add(world, the_plan, p, plan_type="completion", planned="1000")
    assert again.pk == entry.pk and not again.removed and again.plan_type == "completion"
    assert list(PlanChange.objects.values_list("kind", flat=True)) == ["add", "remove", "add"]
    assert PlanChange.objects.filter(kind="add").last().details["restored"] is True


@time_machine.travel(TODAY)
def test_a_project_already_in_the_plan_cannot_be_added_twice(world):
    the_plan = plan(world)
    p = project(world, name="甲")
    add(world, the_plan, p)
    with pytest.raises(ValidationError) as exc:
        add(world, the_plan, p)
    assert "已在 2024 年度计划中" in exc.value.message_dict["project"][0]


@time_machine.travel(TODAY)
def test_replan_keeps_old_and_new_values_and_the_original_baseline(world):
    the_plan = plan(world)
    entry = add(world, the_plan, project(world, name="甲"), plan_type="new_start", planned="5000")
    plan_services.plan_replan(
        user=world.admin, entry=entry, plan_type="preparation", planned_investment=Decimal(2000), **DECISION
    )
    plan_services.plan_replan(
        user=world.admin, entry=entry, plan_type="preparation", planned_investment=Decimal(500), **DECISION
    )
    first, second = PlanChange.objects.filter(kind="replan").order_by("id")
    assert (
        first.details["old"]["plan_type"] == "new_start"
        and first.details["new"]["plan_type"] == "preparation"
    )
    assert second.details["old"]["planned_investment"] == "2000.00"
    baseline = plan_selectors.baselines(list(PlanChange.objects.all()))[entry.project_id]
    assert baseline == {"plan_type": "new_start", "planned_investment": "5000.00", "monthly_targets": []}


@time_machine.travel(TODAY)
def test_replan_without_a_change_is_refused(world):
    the_plan = plan(world)
    entry = add(world, the_plan, project(world, name="甲"), planned="5000")
    with pytest.raises(ValidationError):
        plan_services.plan_replan(
            user=world.admin, entry=entry, plan_type="new_start", planned_investment=Decimal(5000), **DECISION
        )


@time_machine.travel(TODAY)
def test_monthly_targets_above_the_annual_plan_are_refused_and_nothing_changes(world):
    the_plan = plan(world)
    entry = add(world, the_plan, project(world, name="甲"), planned="1200")
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_replan(
            user=world.admin,
            entry=entry,
            plan_type="new_start",
            planned_investment=Decimal(1200),
            monthly_targets=[Decimal(200)] * 12,
            **DECISION,
        )
    assert "超过年度计划投资" in exc.value.message_dict["monthly_targets"][0]
    entry.refresh_from_db()
    assert entry.monthly_targets == [] and PlanChange.objects.count() == 1


@time_machine.travel(TODAY)
def test_a_failure_while_recording_the_change_leaves_no_entry(world, monkeypatch):
    the_plan = plan(world)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PlanChange.objects, "create", broken)
    with pytest.raises(RuntimeError):
        add(world, the_plan, project(world, name="甲"))
    assert not PlanEntry.objects.exists()


@time_machine.travel(TODAY)
def test_the_office_cannot_list_another_districts_project(world):
    the_plan = plan(world)
    foreign = project(
        world, name="青山湖区项目", responsible_unit=world.foreign_unit, jurisdiction=world.other_district
    )
    with pytest.raises(AccessDenied):
        add(world, the_plan, foreign)
    assert not PlanEntry.objects.exists()


@time_machine.travel(TODAY)
@pytest.mark.parametrize("persona", ["reporter", "unit_head", "leader", "supervisor", "foreign_admin"])
def test_only_the_office_changes_the_plan(world, persona):
    the_plan = plan(world)
    entry = add(world, the_plan, project(world, name="甲"))
    user = getattr(world, persona)
    with pytest.raises(AccessDenied):
        plan_services.plan_add_project(
            user=user, plan=the_plan, project=project(world, name="乙"), plan_type="new_start",
            planned_investment=Decimal(1), **DECISION,
        )  # fmt: skip
    with pytest.raises(AccessDenied):
        plan_services.plan_remove_project(user=user, entry=entry, **DECISION)
    with pytest.raises(AccessDenied):
        plan_services.plan_replan(
            user=user, entry=entry, plan_type="continuing", planned_investment=Decimal(1), **DECISION
        )
    assert PlanChange.objects.count() == 1


# ---------------------------------------------------------------------------------------------------
# Roll-over


@time_machine.travel("2024-12-20 10:00 +0800")
def test_rollover_carries_unfinished_projects_and_leaves_the_old_year_intact(world):
    old = plan(world)
    started = project(world, name="已开工未竣工", total_investment=Decimal("10000"))
    move(started, "started", date(2024, 3, 1))
    InvestmentEntry.objects.create(project=started, year=2023, month=12, amount=Decimal(1000))
    InvestmentEntry.objects.create(project=started, year=2024, month=6, amount=Decimal(2500))
    InvestmentEntry.objects.create(project=started, year=2025, month=1, amount=Decimal(99))  # after the year
    waiting = project(world, name="未开工", total_investment=Decimal("8000"))
    done = project(world, name="已竣工", total_investment=Decimal("3000"))
    move(done, "started", date(2023, 3, 1))
    move(done, "completed", date(2024, 10, 1))
    spent = project(world, name="超支", total_investment=Decimal("100"))
    move(spent, "started", date(2024, 1, 5))
    InvestmentEntry.objects.create(project=spent, year=2024, month=2, amount=Decimal(150))
    removed = project(world, name="已调出")
    for p, plan_type in (
        (started, "new_start"),
        (waiting, "new_start"),
        (done, "completion"),
        (spent, "new_start"),
    ):
        add(world, old, p, plan_type=plan_type, planned="100")
    plan_services.plan_remove_project(user=world.admin, entry=add(world, old, removed), **DECISION)
    before = list(PlanEntry.objects.filter(plan=old).order_by("id").values())

    new = plan_services.plan_rollover(user=world.admin, plan=old, year=2025)

    assert (new.year, new.rolled_from, new.document, new.title) == (
        2025,
        old,
        "",
        "2025年东湖区重大重点项目计划",
    )
    carried = {
        e.project.name: (e.plan_type, e.planned_investment) for e in new.entries.select_related("project")
    }
    assert carried == {
        "已开工未竣工": ("continuing", Decimal("6500")),  # 10000 − 1000 − 2500
        "未开工": ("new_start", Decimal("8000")),
        "超支": ("continuing", Decimal(0)),
    }
    assert list(PlanEntry.objects.filter(plan=old).order_by("id").values()) == before
    assert not PlanChange.objects.filter(plan=new).exists()


@time_machine.travel("2024-12-20 10:00 +0800")
def test_rollover_is_refused_when_next_years_plan_exists(world):
    old = plan(world)
    plan(world, year=2025)
    with pytest.raises(ValidationError) as exc:
        plan_services.plan_rollover(user=world.admin, plan=old)
    assert "不能重复结转" in exc.value.message_dict["year"][0]
    assert AnnualPlan.objects.count() == 2


def test_rollover_by_a_reporter_is_refused(world):
    with pytest.raises(AccessDenied):
        plan_services.plan_rollover(user=world.reporter, plan=plan(world))
