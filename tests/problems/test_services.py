"""The problem closed loop through the services: every step, the slips and their numbers, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.problems.factories import TODAY, assigned, filed, pdf, with_ladder
from tests.projects.factories import project
from tuijin.core.access import AccessDenied
from tuijin.problems import selectors, services
from tuijin.problems.models import Problem, ProblemAttachment, ProblemEvent, Slip

pytestmark = pytest.mark.django_db


def test_the_whole_loop(world):
    problem = filed(world)
    assert (problem.status, problem.year, problem.number, problem.filed_unit) == (
        "filed",
        2024,
        1,
        world.dept,
    )
    services.problem_sort(
        actor=world.admin, problem=problem, kind="demolition", grade="major", note="需区征收办", today=TODAY
    )
    problem = services.problem_assign(
        actor=world.admin, problem=problem, unit=world.other_dept, workdays=5, today=TODAY
    )
    assert problem.status == "assigned"
    assert problem.due_date == date(2024, 6, 11)  # 5 working days after Mon 6-3; 端午 6-10 is off
    slip = Slip.objects.get(problem=problem)
    assert (slip.kind, slip.number_text, slip.to_unit) == ("assign", "〔2024〕第1号", world.other_dept)
    from tests.factories import account

    clerk = account("clerk", "unit_reporter", world.district, world.other_dept)
    services.problem_acknowledge(actor=clerk, problem=problem, today=TODAY)
    slip.refresh_from_db()
    assert slip.acknowledged_by == clerk
    services.problem_progress(actor=clerk, problem=problem, note="已与街道对接", today=TODAY)
    supervise = services.problem_supervise(
        actor=world.admin, problem=problem, content="请加快办理", today=TODAY
    )
    assert supervise.number_text == "〔2024〕第1号" and supervise.kind == "supervise"
    services.problem_reply(
        actor=clerk, problem=problem, resolution="红线已调整", files=[pdf()], today=date(2024, 6, 7)
    )
    problem = services.problem_review_close(actor=world.admin, problem=problem, today=date(2024, 6, 7))
    assert problem.status == "closed" and problem.closed_by == world.admin
    kinds = list(problem.events.values_list("kind", flat=True))
    assert kinds == [
        "filed",
        "sorted",
        "assigned",
        "acknowledged",
        "progress",
        "supervised",
        "replied",
        "closed",
    ]
    assert ProblemAttachment.objects.filter(problem=problem).count() == 1


def test_closing_without_evidence_is_refused_and_nothing_changes(world):
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem)
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决")
    with pytest.raises(ValidationError) as exc:
        services.problem_review_close(actor=world.admin, problem=problem)
    assert "佐证材料" in str(exc.value)
    problem.refresh_from_db()
    assert problem.status == "replied"
    assert not problem.events.filter(kind="closed").exists()
    # the office may add its own review evidence
    services.problem_review_close(actor=world.admin, problem=problem, files=[pdf("现场核查.pdf")])
    problem.refresh_from_db()
    assert problem.status == "closed"


def test_return_sends_it_back_to_the_unit(world):
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem)
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决", files=[pdf()])
    services.problem_review_return(actor=world.admin, problem=problem, reason="缺少批复文件")
    problem.refresh_from_db()
    assert problem.status == "acknowledged" and problem.review_note == "缺少批复文件"
    with pytest.raises(ValidationError):
        services.problem_review_return(actor=world.admin, problem=problem, reason="再退")


def test_acknowledging_a_slip_twice_is_refused(world):
    problem = assigned(world)
    slip = problem.slips.get()
    services.slip_acknowledge(actor=world.reporter, slip=slip)
    problem.refresh_from_db()
    assert problem.status == "acknowledged"  # signing the 交办单 acknowledges the problem
    with pytest.raises(ValidationError) as exc:
        services.slip_acknowledge(actor=world.unit_head, slip=slip)
    assert "无需重复签收" in str(exc.value)
    slip.refresh_from_db()
    assert slip.acknowledged_by == world.reporter
    assert problem.events.filter(kind="acknowledged").count() == 1


def test_wrong_unit_is_refused(world):
    problem = assigned(world, unit=world.other_dept)
    with pytest.raises(AccessDenied):
        services.problem_acknowledge(actor=world.reporter, problem=problem)  # reporter is 区发改委
    with pytest.raises(AccessDenied):
        services.problem_assign(actor=world.reporter, problem=filed(world), unit=world.dept, workdays=3)
    with pytest.raises(AccessDenied):
        services.slip_acknowledge(actor=world.reporter, slip=problem.slips.get())


def test_filing_for_another_unit_s_project_is_refused(world):
    other = project(world, name="别家项目", responsible_unit=world.other_dept)
    with pytest.raises(AccessDenied):
        filed(world, p=other)
    assert not Problem.objects.exists()


def test_a_retried_submission_is_not_doubled(world):
    p = project(world)
    kwargs = dict(
        actor=world.reporter, project=p, kind="land", title="t", description="d", token="tok-1", today=TODAY
    )
    first = services.problem_file(**kwargs)
    again = services.problem_file(**kwargs)
    assert first.pk == again.pk and Problem.objects.count() == 1
    problem = services.problem_assign(
        actor=world.admin, problem=first, unit=world.dept, workdays=3, token="a1"
    )
    services.problem_acknowledge(actor=world.reporter, problem=problem, token="k1")
    services.problem_acknowledge(actor=world.reporter, problem=problem, token="k1")  # a retry: nothing
    for _ in range(2):
        services.problem_remind(actor=world.admin, problem=problem, content="请抓紧", token="r1")
    assert Slip.objects.filter(kind="remind").count() == 1
    assert ProblemEvent.objects.filter(kind="reminded").count() == 1
    # the next problem takes number 2: the retry gave its number back
    assert filed(world).number == 2


def test_slip_numbers_run_per_kind_and_year(world):
    a = assigned(world)
    b = assigned(world, title="水电未接入", kind="utilities")
    c = assigned(world, title="明年的问题", today=date(2025, 1, 6))
    numbers = [s.number_text for s in Slip.objects.filter(kind="assign").order_by("id")]
    assert numbers == ["〔2024〕第1号", "〔2024〕第2号", "〔2025〕第1号"]
    services.problem_remind(actor=world.admin, problem=a, content="提醒")
    assert Slip.objects.get(kind="remind").number == 1
    # an imported slip keeps its number; numbering continues after it
    Slip.objects.create(
        kind="assign",
        jurisdiction=world.district,
        year=2024,
        number=40,
        subject="导入",
        to_unit=world.dept,
        content="导入",
        issued_by=world.admin,
        issued_at=a.assigned_at,
    )
    services.problem_remind(actor=world.admin, problem=b, content="提醒")
    d = assigned(world, title="再一个")
    assert d.slips.get().number == 41
    assert c.slips.get().year == 2025


def test_transfer_issues_a_transfer_slip(world):
    problem = assigned(world)
    services.problem_request_transfer(
        actor=world.reporter, problem=problem, reason="属住建职责", unit=world.other_dept
    )
    problem.refresh_from_db()
    assert problem.pending_request == "transfer"
    problem = services.problem_transfer(
        actor=world.admin, problem=problem, unit=world.other_dept, today=TODAY
    )
    assert (problem.assigned_unit, problem.status, problem.pending_request) == (
        world.other_dept,
        "assigned",
        "",
    )
    slip = problem.slips.get(kind="transfer")
    assert slip.to_unit == world.other_dept
    with pytest.raises(ValidationError):
        services.problem_transfer(actor=world.admin, problem=problem, unit=world.other_dept)


def test_escalation_follows_the_rule_set_ladder(world):
    with_ladder(world)
    problem = assigned(world)
    services.problem_request_escalation(actor=world.reporter, problem=problem, reason="涉及多部门")
    problem.refresh_from_db()
    assert problem.request_level == "project_office"
    services.problem_escalate(actor=world.admin, problem=problem)
    problem.refresh_from_db()
    assert problem.level == "project_office"
    services.problem_escalate(actor=world.admin, problem=problem, level="leading_group")
    assert list(selectors.agenda_candidates(world.district, "leading_group")) == [problem]
    with pytest.raises(ValidationError) as exc:
        services.problem_escalate(actor=world.admin, problem=problem)
    assert "最高层级" in str(exc.value)


def test_escalation_without_a_ladder_is_refused(world):
    problem = assigned(world)
    with pytest.raises(ValidationError) as exc:
        services.problem_escalate(actor=world.admin, problem=problem)
    assert "escalation" in str(exc.value)


def test_bad_files_are_refused(world):
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem)
    with pytest.raises(ValidationError) as exc:
        services.problem_reply(actor=world.reporter, problem=problem, resolution="x", files=[pdf("a.exe")])
    assert "a.exe" in str(exc.value)
    problem.refresh_from_db()
    assert problem.status == "acknowledged"


def test_supervision_counts_per_unit_and_period(world):
    problem = assigned(world)
    services.problem_supervise(
        actor=world.supervisor, problem=problem, content="督办", today=date(2024, 6, 5)
    )
    services.problem_supervise(actor=world.admin, problem=problem, content="再督办", today=date(2024, 7, 1))
    assert selectors.supervision_counts(world.district, date(2024, 6, 1), date(2024, 6, 30)) == {
        world.dept.pk: 1
    }
    assert selectors.supervision_counts(world.district, date(2024, 6, 1), date(2024, 7, 1)) == {
        world.dept.pk: 2
    }


def test_overdue(world):
    problem = assigned(world, workdays=1)
    rows = selectors.problems_for(world.admin, today=date(2024, 6, 5), overdue=True)
    assert list(rows) == [problem]
    assert not selectors.problems_for(world.admin, today=TODAY, overdue=True).exists()


def test_generic_slip_without_a_problem(world):
    slip = services.slip_issue(
        actor=world.admin,
        kind="supervise",
        jurisdiction=world.district,
        to_unit=world.dept,
        subject="调度会议定事项",
        content="请按期完成",
        source="meeting_matter:1",
    )
    assert slip.problem is None and slip.number == 1
    services.slip_acknowledge(actor=world.reporter, slip=slip)


def test_ledger_rows(world):
    problem = assigned(world)
    rows = selectors.problem_ledger_rows(world.admin, TODAY)
    assert rows[0]["编号"] == problem.code and rows[0]["四单"] == "交办单〔2024〕第1号"
    assert rows[0]["交办单位"] == "区发改委"
