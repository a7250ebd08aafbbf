"""The demo's project library (issue 3 part 8): DH24's plan told around the pinned day, and a city of N
projects for scale tests."""

import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from tuijin.demo.library import district_context
from tuijin.demo.services import demo_build
from tuijin.demo.stories import NameSource, tell
from tuijin.org.models import Jurisdiction, Person, User
from tuijin.projects import rules
from tuijin.projects.models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    StageTransition,
)

TODAY = date(2024, 6, 30)
IMPLEMENTED = ("new_start", "continuing", "completion")


@pytest.fixture
def demo(db):
    demo_build(today=TODAY)
    return Jurisdiction.objects.get(code="360102")


def active_entries():
    return PlanEntry.objects.filter(plan__year=2024, removed=False).select_related("project")


def actual(project):
    return rules.actual_dates(rules.TransitionFacts(t.to_stage, t.on) for t in project.transitions.all())


def test_the_plan_has_dh24s_90_projects_sharing_676000_wan_and_134_in_early_planning(demo):
    plan = AnnualPlan.objects.get(jurisdiction=demo, year=2024)
    assert plan.document == "东办发〔2024〕1号" and plan.early_planning_target == 134
    entries = active_entries()
    implemented = [e for e in entries if e.plan_type in IMPLEMENTED]
    assert len(implemented) == 90
    assert sum(e.planned_investment for e in entries) == Decimal(676000)
    assert Counter(e.project.category for e in implemented).keys() == set(rules.CATEGORIES)
    early = [e for e in entries if e.plan_type not in IMPLEMENTED]
    assert len(early) == 134 and {e.plan_type for e in early} == {"preparation", "reserve"}
    assert all(rules.STAGE_ORDER[e.project.stage] <= rules.STAGE_ORDER["preparation"] for e in early)
    for entry in implemented:
        targets = [Decimal(t) for t in entry.monthly_targets]
        assert len(targets) == 12 and sum(targets) == entry.planned_investment


def test_the_notices_projects_are_in_the_library(demo):
    names = set(Project.objects.values_list("name", flat=True))
    for name in (
        "市图书馆新建项目",
        "原省图书馆地块项目",
        "南昌0728项目",
        "育新学校教育集团紫金校区",
        "慧铭广场",
    ):
        assert name in names
    for name in (
        "国贸璟上",
        "悦上鹭鸣",
        "东湖区医疗和公共卫生能力提升工程",
        "七里滨江",
        "东湖区数字经济产业园",
    ):
        assert name in names
    assert {"2024年东湖区老旧小区改造项目", "东湖区城中村改造项目", "2024年东湖区校舍工程"} <= names
    assert len(names) == Project.objects.count()  # no two projects share a name


def test_projects_are_at_every_stage_and_in_every_library(demo):
    stages = set(Project.objects.values_list("stage", flat=True))
    assert stages == set(rules.STAGES)
    for project in Project.objects.prefetch_related("transitions"):
        moves = list(project.transitions.all())
        assert moves and moves[-1].to_stage == project.stage  # the stage is where the transitions led
        assert [m.on for m in moves] == sorted(m.on for m in moves) and moves[-1].on <= TODAY
        assert all(m.from_stage == (moves[i - 1].to_stage if i else "") for i, m in enumerate(moves))


def test_codes_are_valid_24_character_codes_of_the_district(demo):
    codes = list(Project.objects.exclude(code="").values_list("code", "code_note", "stage"))
    assert len(codes) > 100 and len({c for c, _, _ in codes}) == len(codes)
    for code, note, _stage in codes:
        check = rules.check_project_code(code, jurisdiction_codes=("36", "3601", "360102"), today=TODAY)
        assert check.ok and len(code) == 24 and code[5:11] == "360102", (code, check.errors)
        if int(code[:4]) >= rules.CHECK_CHARACTER_FROM_YEAR:
            assert not check.notes and code[-1] == rules.check_character(code.replace("-", "")[:-1])
        else:
            assert "早于校验位规则" in note
    uncoded = Project.objects.filter(code="").values_list("stage", flat=True)
    assert set(uncoded) <= {"planning", "negotiating", "signed"}


def test_planned_starts_are_to_the_week_or_day_and_completions_to_the_month(demo):
    for entry in active_entries().filter(plan_type="new_start"):
        project = entry.project
        assert project.planned_start.year == 2024
        assert project.planned_start_precision in ("week", "day")
        if project.planned_start_precision == "week":
            assert project.planned_start.weekday() == 0
        assert project.planned_completion_precision == "month" and project.planned_completion.day == 1


def test_by_the_pinned_day_some_starts_were_on_time_some_late_some_not_yet(demo):
    outcomes = Counter()
    for entry in active_entries().filter(plan_type="new_start").prefetch_related("project__transitions"):
        project = entry.project
        started = actual(project).get("started")
        deadline = rules.period_end(project.planned_start, project.planned_start_precision)
        if started is None:
            outcomes["not yet, late" if deadline < TODAY else "not yet, not due"] += 1
        else:
            outcomes["late" if started > deadline else "on time"] += 1
    assert all(outcomes[kind] >= 1 for kind in ("on time", "late", "not yet, late", "not yet, not due")), (
        outcomes
    )


def test_investment_is_entered_for_reported_months_of_started_projects_only(demo):
    entries = InvestmentEntry.objects.select_related("project")
    assert entries.count() > 500
    assert not entries.filter(year=2024, month__gte=6).exists()  # June is reported in July
    started = {
        p.pk: actual(p).get("started")
        for p in Project.objects.filter(investment_entries__isnull=False)
        .distinct()
        .prefetch_related("transitions")
    }
    for entry in entries:
        start = started[entry.project_id]
        assert start is not None and (entry.year, entry.month) >= (start.year, start.month)
        assert entry.amount > 0
    assert Decimal(0) < sum(e.amount for e in entries.filter(year=2024)) < Decimal(676000)


def test_a_few_handovers_one_of_them_overdue(demo):
    handovers = list(Handover.objects.all())
    assert 3 <= len(handovers) <= 12 and {h.kind for h in handovers} == set(rules.HANDOVER_KINDS)
    overdue = [h for h in handovers if h.handed_on is None and h.due_on < TODAY]
    assert len(overdue) == 1
    for h in handovers:
        assert h.since is not None and h.due_on == rules.handover_due(h.kind, since=h.since)
        if h.handed_on:
            assert h.signed_by and h.handed_on <= TODAY
            assert h.kind == "to_office" or h.site_checked_on is not None


def test_plan_changes_name_the_body_date_document_and_reason(demo):
    changes = list(PlanChange.objects.select_related("project"))
    assert Counter(c.kind for c in changes) == {"remove": 2, "add": 2}
    for change in changes:
        assert change.decided_by and change.reason and change.decided_on <= TODAY
        assert re.fullmatch(r"东项办〔2024〕\d+号", change.document_number)
    removed = PlanEntry.objects.filter(removed=True)
    assert {e.project_id for e in removed} == {c.project_id for c in changes if c.kind == "remove"}
    assert all(rules.STAGE_ORDER[e.project.stage] < rules.STAGE_ORDER["started"] for e in removed)


def test_leaders_are_the_fictional_demo_leaders_and_points_lie_in_the_district(demo):
    leaders = set(Person.objects.filter(is_leader=True).values_list("pk", flat=True))
    projects = Project.objects.all()
    assert {p.lead_leader_id for p in projects if p.lead_leader_id} <= leaders
    assert not Person.objects.filter(name__in=["高辉红", "胡俊峰", "熊广义", "邓云生", "胡天诚"]).exists()
    for p in projects:
        assert Decimal("115.86") < p.longitude < Decimal("115.94") and Decimal(
            "28.64"
        ) < p.latitude < Decimal("28.72")
        assert p.responsible_unit.jurisdiction_id == demo.pk and p.street is not None
    assert Project.funding_sources.rel.related_model.objects.count() >= Project.objects.count()


def test_every_record_that_keeps_history_has_its_creation_row_signed_by_the_admin(demo):
    admin = User.objects.get(username="admin")
    assert list(AnnualPlan.history.values_list("history_user", flat=True)) == [admin.pk]
    for model in (Project, FundingSource, PlanEntry, InvestmentEntry, Handover):
        rows = list(model.history.values_list("id", "history_type", "history_user"))
        assert sorted(r[0] for r in rows) == sorted(model.objects.values_list("pk", flat=True)), model
        assert {(r[1], r[2]) for r in rows} == {("+", admin.pk)}, model
    entry = InvestmentEntry.objects.order_by("id").first()
    assert entry.history.get().history_date == entry.recorded_at  # dated when it was reported
    funding = FundingSource.objects.select_related("project").order_by("id").first()
    assert funding.history.get().history_date == funding.project.created_at
    plan_entry = PlanEntry.objects.select_related("plan").order_by("id").first()
    assert plan_entry.history.get().history_date == plan_entry.plan.created_at


def test_a_first_edit_of_demo_funding_plan_or_investment_shows_as_a_change(demo):
    from tuijin.projects.selectors import history_items

    admin = User.objects.get(username="admin")
    project = (
        Project.objects.filter(investment_entries__isnull=False, funding_sources__isnull=False)
        .filter(plan_entries__isnull=False)
        .order_by("id")
        .first()
    )
    investment = project.investment_entries.order_by("id").first()
    investment.amount += 1
    funding = project.funding_sources.order_by("id").first()
    funding.note = "已到位"
    entry = project.plan_entries.get()
    entry.annual_content = "完成主体结构"
    for record in (investment, funding, entry):
        record._history_user = admin
        record.save()
    titles = [item.title for item in history_items(project, moves=[])]
    assert len([t for t in titles if t.startswith("修改")]) == 3, titles


def _fingerprint(stories):
    return [
        (
            s.project.name,
            s.project.code,
            s.project.stage,
            s.entry and s.entry.planned_investment,
            len(s.investments),
        )
        for s in stories
    ]


def test_the_same_day_tells_the_same_library(demo):
    admin = User.objects.get(username="admin")
    figures = {"planned": 90, "early": 134, "completed": 6, "investment": 676000, "notice": True}
    again = tell(
        district_context(demo, recorder=admin), today=TODAY, seed=2024, names=NameSource(), **figures
    )
    stored = Project.objects.order_by("id")
    assert [(s.project.name, s.project.code, s.project.stage) for s in again.stories] == [
        (p.name, p.code, p.stage) for p in stored
    ]
    later = tell(
        district_context(demo, recorder=admin),
        today=date(2024, 9, 30),
        seed=2024,
        names=NameSource(),
        **figures,
    )
    # Another day of the same year: the same projects and money, further along.
    same = {s.project.name: s.entry.planned_investment for s in again.stories if s.entry}
    assert {s.project.name: s.entry.planned_investment for s in later.stories if s.entry} == same
    assert _fingerprint(later.stories) != _fingerprint(again.stories)


@pytest.mark.parametrize("today", [date(2024, 1, 3), date(2024, 2, 20)])
def test_early_in_the_year_nothing_has_happened_yet_that_cannot_have(db, today):
    demo_build(today=today)
    assert not StageTransition.objects.filter(on__gt=today).exists()
    assert not InvestmentEntry.objects.filter(year=2024, month__gte=today.month).exists()
    assert not PlanChange.objects.exists()  # too early for the plan to have changed
    assert active_entries().filter(plan_type__in=IMPLEMENTED).count() == 90
    assert sum(e.planned_investment for e in active_entries()) == Decimal(676000)
    assert set(Project.objects.values_list("stage", flat=True)) == set(rules.STAGES)


def test_a_city_of_n_projects_over_six_districts_with_the_admin_at_the_city(db):
    result = demo_build(today=TODAY, projects=240)
    assert Project.objects.count() == 240
    by_district = Counter(Project.objects.values_list("jurisdiction__name", flat=True))
    assert set(by_district) == {"东湖区", "西湖区", "青云谱区", "青山湖区", "新建区", "红谷滩区"}
    assert AnnualPlan.objects.filter(year=2024).count() == 6
    admin = User.objects.get(username="admin")
    assert admin.jurisdiction.code == "3601" and admin.unit.jurisdiction_id == admin.jurisdiction_id
    assert any("admin 为南昌市项目办管理员" in line for line in result.summary)
    for district in Jurisdiction.objects.filter(level="district"):
        assert Person.objects.filter(jurisdiction=district, is_leader=True).count() == 9
        codes = Project.objects.filter(jurisdiction=district).exclude(code="").values_list("code", flat=True)
        assert all(code[5:11] == district.code for code in codes)
    # a second run with another N replaces the demo library
    demo_build(today=TODAY, projects=60)
    assert Project.objects.count() == 60 and AnnualPlan.objects.count() == 6
    assert Project.history.count() == 60
