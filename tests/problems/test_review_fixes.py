"""Fixes from the issue-5 review (/work/team/review.md #2, #5, #7–#11) and the flow writer's list (P1, P2,
M1): each test fails on the code before the fix."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import account, unit
from tests.problems.factories import TODAY, assigned, filed, pdf, with_ladder
from tests.problems.test_exchange import section, state
from tests.projects.factories import project
from tuijin.core.access import AccessDenied
from tuijin.core.exchange.services import exchange_export, exchange_import
from tuijin.problems import selectors, services
from tuijin.problems.models import Problem, Slip

pytestmark = pytest.mark.django_db


# --- #2: units a problem may go to -----------------------------------------------------------------


def test_a_unit_of_a_subdivision_is_not_offered_nor_accepted(world):
    street_dept = unit(world.street, "公园街道城建办")
    problem = filed(world)
    choices = set(selectors.unit_choices(problem.jurisdiction))
    assert street_dept not in choices
    assert {world.dept, world.other_dept} <= choices
    city_unit = unit(world.city, "市发展和改革委员会")
    assert city_unit in set(selectors.unit_choices(problem.jurisdiction))  # ancestors stay
    with pytest.raises(ValidationError) as exc:
        services.problem_assign(actor=world.admin, problem=problem, unit=street_dept, workdays=5)
    assert "不属于东湖区或其上级辖区" in str(exc.value)
    problem.refresh_from_db()
    assert problem.status == "filed" and not Slip.objects.exists()
    problem = services.problem_assign(actor=world.admin, problem=problem, unit=world.dept, workdays=5)
    with pytest.raises(ValidationError):
        services.problem_transfer(actor=world.admin, problem=problem, unit=street_dept)


# --- #5: closing counts the evidence of the latest reply only ----------------------------------------


def _in_hand(world):
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem)
    return problem


def test_a_returned_reply_s_files_do_not_close_the_next_reply(world):
    problem = _in_hand(world)
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决", files=[pdf()])
    services.problem_review_return(actor=world.admin, problem=problem, reason="佐证材料不是盖章件")
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决（无附件）")
    with pytest.raises(ValidationError) as exc:
        services.problem_review_close(actor=world.admin, problem=problem)
    assert "销号须有佐证材料" in str(exc.value)
    problem.refresh_from_db()
    assert problem.status == "replied"
    services.problem_review_close(actor=world.admin, problem=problem, files=[pdf("复核.pdf")])
    problem.refresh_from_db()
    assert problem.status == "closed"


def test_progress_files_do_not_close_a_reply_without_files(world):
    problem = _in_hand(world)
    services.problem_progress(actor=world.reporter, problem=problem, note="进展", files=[pdf("照片.pdf")])
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决")
    with pytest.raises(ValidationError):
        services.problem_review_close(actor=world.admin, problem=problem)
    assert Problem.objects.get().status == "replied"


def test_the_latest_reply_s_files_close_it(world):
    problem = _in_hand(world)
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决")
    services.problem_review_return(actor=world.admin, problem=problem, reason="缺批复")
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决", files=[pdf()])
    services.problem_review_close(actor=world.admin, problem=problem)
    assert Problem.objects.get().status == "closed"


# --- #7: a slip without a problem ---------------------------------------------------------------------


def test_a_foreign_admin_cannot_issue_slips_in_another_district(world):
    for kind in ("supervise", "remind"):
        with pytest.raises(AccessDenied):
            services.slip_issue(
                actor=world.foreign_admin,
                kind=kind,
                jurisdiction=world.district,
                to_unit=world.dept,
                subject="越权督办",
                content="x",
            )
    assert not Slip.objects.exists()
    assert selectors.supervision_counts(world.district, date(2024, 1, 1), date(2030, 12, 31)) == {}


def test_a_slip_goes_to_a_unit_of_the_jurisdiction_or_above(world):
    with pytest.raises(ValidationError) as exc:
        services.slip_issue(
            actor=world.admin,
            kind="supervise",
            jurisdiction=world.district,
            to_unit=world.foreign_unit,
            subject="督办",
            content="x",
        )
    assert "to_unit" in exc.value.message_dict and "青山湖区发改委" in str(exc.value)
    assert not Slip.objects.exists()
    slip = services.slip_issue(
        actor=world.supervisor,
        kind="supervise",
        jurisdiction=world.district,
        to_unit=world.dept,
        subject="督办",
        content="x",
    )
    assert slip.number == 1


# --- #8: transfer supersedes the old unit's unsigned slips ----------------------------------------------


def test_transfer_supersedes_the_old_unit_s_pending_slips(world, client_for):
    from tuijin.dashboard.todo import todo_for

    problem = assigned(world)
    remind = services.problem_remind(actor=world.admin, problem=problem, content="请抓紧")
    assert selectors.slips_to_acknowledge(world.reporter).count() == 2
    services.problem_transfer(actor=world.admin, problem=problem, unit=world.other_dept, today=TODAY)
    assert selectors.slips_to_acknowledge(world.reporter).count() == 0
    groups = {g.key: g for g in todo_for(world.reporter, today=TODAY)}
    assert "problems.slips_to_ack" not in groups or groups["problems.slips_to_ack"].count == 0
    remind.refresh_from_db()
    assert remind.voided_at is not None and remind.void_reason == "已转办" and remind.acknowledged_at is None
    with pytest.raises(ValidationError) as exc:
        services.slip_acknowledge(actor=world.reporter, slip=remind)
    assert "已转办" in str(exc.value)
    clerk = account("clerk", "unit_reporter", world.district, world.other_dept)
    assert [s.kind for s in selectors.slips_to_acknowledge(clerk)] == ["transfer"]
    page = client_for(world.admin).get(f"/problems/{problem.pk}/").content.decode()
    assert "已转办，无需签收" in page


def _looped_export(world):
    with_ladder(world)
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem, today=TODAY)
    services.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)
    services.problem_reply(
        actor=world.reporter, problem=problem, resolution="红线已调整", files=[pdf()], today=date(2024, 6, 7)
    )
    services.problem_review_close(actor=world.admin, problem=problem, today=date(2024, 6, 7))
    filed(world, title="供电线路迁改", kind="utilities")
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def _slip(data, kind):
    return next(i for i, s in enumerate(section(data)["slips"]) if s["kind"] == kind)


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (lambda d: d["slips"][_slip({"sections": {"problems": d}}, "supervise")].update(content="改过的督办内容"),
         "slips[{supervise}].content", "已签发，其内容不能由导入修改"),
        (lambda d: d["slips"][_slip({"sections": {"problems": d}}, "assign")].update(acknowledged_at=None),
         "slips[{assign}].acknowledged_at", "签收不能由导入修改或撤销"),
        (lambda d: d["slips"][_slip({"sections": {"problems": d}}, "supervise")].update(deadline="2030-01-01"),
         "slips[{supervise}].deadline", "办理期限不能由导入修改"),
        (lambda d: d["problems"][0].update(resolution="另一种说法"),
         "problems[0].resolution", "销号的问题不能由导入修改"),
        (lambda d: d["problems"][0].update(status="acknowledged"),
         "problems[0].status", "销号的问题不能由导入修改"),
    ],
)  # fmt: skip
def test_import_cannot_change_issued_slips_or_closed_problems(world, change, path, expected):
    data = copy.deepcopy(_looped_export(world))
    change(section(data))
    before = state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    where = path.format(supervise=_slip(data, "supervise"), assign=_slip(data, "assign"))
    issues = [str(issue) for issue in report.errors]
    assert any(i.startswith(f"sections.problems.{where}") and expected in i for i in issues), issues
    assert state() == before


def test_import_may_still_add_a_signature_and_update_an_open_problem(world):
    data = copy.deepcopy(_looped_export(world))
    Slip.objects.filter(kind="supervise").update(acknowledged_at=None, acknowledged_by=None)
    section(data)["problems"][1]["sorted_note"] = "需供电公司配合"
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert Slip.objects.get(kind="supervise").acknowledged_at is not None or not any(
        s["acknowledged_at"] for s in section(data)["slips"] if s["kind"] == "supervise"
    )
    assert Problem.objects.get(number=2).sorted_note == "需供电公司配合"


def test_voided_slips_and_the_office_mark_travel_through_exchange(world):
    problem = assigned(world)
    services.problem_transfer(actor=world.admin, problem=problem, unit=world.other_dept, today=TODAY)
    services.problem_file(
        actor=world.admin, project=problem.project, kind="land", title="代报的问题", description="d"
    )
    data = section(exchange_export(actor=world.admin, jurisdiction=world.district))
    assign = next(s for s in data["slips"] if s["kind"] == "assign")
    assert assign["void_reason"] == "已转办" and assign["voided_at"]
    assert [p["filed_by_office"] for p in data["problems"]] == [False, True]


# --- #9: open redirect ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x", "/\\evil.example"])
def test_acknowledging_does_not_redirect_off_site(world, client_for, target):
    slip = assigned(world).slips.get()
    response = client_for(world.reporter).post(f"/problems/slips/{slip.pk}/acknowledge/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/problems/slips/"


def test_acknowledging_goes_back_to_a_local_page(world, client_for):
    problem = assigned(world)
    slip = problem.slips.get()
    back = f"/problems/{problem.pk}/#slips"
    response = client_for(world.reporter).post(f"/problems/slips/{slip.pk}/acknowledge/", {"next": back})
    assert response["Location"] == back


# --- #10: 代报 and requests that would overwrite each other ---------------------------------------------


def test_a_problem_the_office_files_is_marked_代报(world, client_for):
    p = project(world, name="东湖数字产业园")
    problem = services.problem_file(
        actor=world.admin, project=p, kind="land", title="项目办代报", description="d"
    )
    assert problem.filed_by_office and problem.filed_unit == world.dept
    assert not filed(world, p=p).filed_by_office
    client = client_for(world.admin)
    assert "代报" in client.get("/problems/").content.decode()
    assert "项目办代区发改委上报" in client.get(f"/problems/{problem.pk}/").content.decode()


def test_a_pending_request_is_not_overwritten_by_the_other_kind(world, client_for):
    with_ladder(world)
    problem = assigned(world)
    services.problem_request_transfer(actor=world.reporter, problem=problem, reason="属住建职责")
    with pytest.raises(ValidationError) as exc:
        services.problem_request_escalation(actor=world.reporter, problem=problem, reason="需区领导协调")
    assert "已有待项目办处理的申请转办" in str(exc.value)
    problem.refresh_from_db()
    assert problem.pending_request == "transfer" and problem.request_note == "属住建职责"
    page = client_for(world.reporter).get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="step-request_escalation"' not in page and 'id="step-request_transfer"' not in page
    services.problem_decline_request(actor=world.admin, problem=problem, note="仍由发改委办理")
    services.problem_request_escalation(actor=world.reporter, problem=problem, reason="需区领导协调")
    with pytest.raises(ValidationError) as exc:
        services.problem_request_transfer(actor=world.reporter, problem=problem, reason="改为转办")
    assert "已有待项目办处理的申请上报" in str(exc.value)
    problem.refresh_from_db()
    assert problem.pending_request == "escalation"


# --- #11: a fixed number of queries -----------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm: the first request of a session loads what later ones keep
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_slip_list_problem_page_and_todo_do_not_grow_with_slips(world, client_for):
    from tuijin.dashboard.todo import todo_for

    problem = assigned(world)
    client = client_for(world.reporter)
    services.problem_remind(actor=world.admin, problem=problem, content="提醒")
    few = (
        _queries(client, "/problems/slips/"),
        _queries(client, f"/problems/{problem.pk}/"),
        _queries(client, "/"),
    )
    for i in range(6):
        services.problem_remind(actor=world.admin, problem=problem, content=f"提醒{i}")
        services.problem_supervise(actor=world.admin, problem=problem, content=f"督办{i}")
    many = (
        _queries(client, "/problems/slips/"),
        _queries(client, f"/problems/{problem.pk}/"),
        _queries(client, "/"),
    )
    assert many == few
    with CaptureQueriesContext(connection) as ctx:
        todo_for(world.reporter, today=TODAY)
    assert len(ctx.captured_queries) < 30


# --- P1, P2, M1 ---------------------------------------------------------------------------------------


def test_unit_selects_start_with_a_chinese_prompt(world, client_for):
    problem = filed(world)
    page = client_for(world.admin).get(f"/problems/{problem.pk}/").content.decode()
    assert "请选择单位" in page and "---------" not in page


@pytest.mark.parametrize("step", ["remind", "supervise"])
def test_signing_any_slip_is_a_timeline_event(world, step):
    problem = _in_hand(world)
    issue = services.problem_remind if step == "remind" else services.problem_supervise
    slip = issue(actor=world.admin, problem=problem, content="请抓紧")
    before = problem.events.filter(kind="acknowledged").count()
    services.slip_acknowledge(actor=world.unit_head, slip=slip)
    event = problem.events.filter(kind="acknowledged").last()
    assert problem.events.filter(kind="acknowledged").count() == before + 1
    assert event.slip == slip and event.actor == world.unit_head and str(slip) in event.note
    assert Problem.objects.get().status == "acknowledged"


def test_the_office_todo_names_units_in_full_as_the_reports_todo_does(world):
    from tuijin.dashboard.todo import todo_for

    problem = _in_hand(world)
    slip = services.problem_remind(actor=world.admin, problem=problem, content="x")
    services.problem_reply(actor=world.reporter, problem=problem, resolution="已解决", files=[pdf()])
    filed(world, title="待梳理的问题")
    items = {g.key: g for g in todo_for(world.admin, today=TODAY)}["problems.office"].items
    details = " ".join(i.detail for i in items)
    assert "区发展和改革委员会已答复" in details and "区发展和改革委员会上报" in details
    assert "区发改委" not in details
    assert slip.issued_unit == world.office
    (item,) = [
        i for i in {g.key: g for g in todo_for(world.reporter, today=TODAY)}["problems.slips_to_ack"].items
    ]
    assert item.detail == "签发：区重点公共建设项目管理中心"
