"""The problem pages through the test client: filing, the step forms, errors in Chinese, Word slips and the
office's own templates."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from tests.problems.factories import assigned, filed, pdf
from tests.projects.factories import project
from tuijin.problems import rules
from tuijin.problems.models import Problem, Slip

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_reporter_files_a_problem_for_own_project_only(world, client_for):
    mine = project(world, name="东湖数字产业园")
    other = project(world, name="别家项目", responsible_unit=world.other_dept)
    client = client_for(world.reporter)
    page = client.get("/problems/new/")
    assert "东湖数字产业园" in page.content.decode() and "别家项目" not in page.content.decode()
    data = {
        "project": mine.pk,
        "kind": "land",
        "grade": "general",
        "title": "红线",
        "description": "d",
        "token": "t1",
    }
    assert client.post("/problems/new/", data).status_code == 302
    assert client.post("/problems/new/", data).status_code == 302  # a double-click: same problem
    assert Problem.objects.count() == 1
    bad = client.post("/problems/new/", {**data, "project": other.pk, "token": "t2"})
    assert bad.status_code == 400 and "选择一个有效的选项" in bad.content.decode()
    empty = client.post("/problems/new/", {"project": mine.pk, "token": "t3"})
    assert empty.status_code == 400 and Problem.objects.count() == 1


def test_office_assigns_and_the_page_shows_the_timeline(world, client_for):
    problem = filed(world)
    client = client_for(world.admin)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="step-assign"' in page and 'id="step-sort"' in page
    response = client.post(
        f"/problems/{problem.pk}/step/assign/", {"unit": world.dept.pk, "workdays": 5, "token": "x"}
    )
    assert response.status_code == 302
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "交办单〔" in page and "待签收" in page
    # the unit sees 签收 and signs
    unit_client = client_for(world.reporter)
    page = unit_client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'id="step-acknowledge"' in page and 'id="step-assign"' not in page
    slip = Slip.objects.get()
    assert unit_client.post(f"/problems/slips/{slip.pk}/acknowledge/").status_code == 302
    again = unit_client.post(f"/problems/slips/{slip.pk}/acknowledge/", follow=True)
    assert "无需重复签收" in again.content.decode()


def test_closing_without_evidence_shows_the_error(world, client_for):
    problem = assigned(world)
    client = client_for(world.reporter)
    client.post(f"/problems/{problem.pk}/step/acknowledge/")
    client.post(f"/problems/{problem.pk}/step/reply/", {"resolution": "已解决"})
    office = client_for(world.admin)
    response = office.post(f"/problems/{problem.pk}/step/review_close/", {"note": "ok"})
    assert response.status_code == 400
    assert "销号须有佐证材料" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == "replied"
    response = office.post(f"/problems/{problem.pk}/step/review_close/", {"files": [pdf()]})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == "closed"


def test_wrong_state_step_is_refused_in_chinese(world, client_for):
    problem = filed(world)
    response = client_for(world.admin).post(f"/problems/{problem.pk}/step/review_close/", {})
    assert response.status_code == 400 and "不能复核销号" in response.content.decode()


def test_other_unit_cannot_act_403(world, client_for):
    problem = assigned(world, unit=world.other_dept)
    response = client_for(world.reporter).post(f"/problems/{problem.pk}/step/acknowledge/")
    assert response.status_code in (403, 404)


def test_slip_word_has_number_unit_and_content(world, client_for):
    problem = assigned(world)
    slip = problem.slips.get()
    response = client_for(world.admin).get(f"/problems/slips/{slip.pk}/docx/")
    assert response.status_code == 200
    text = _text(response.content)
    assert rules.SLIP_TITLES["assign"] in text
    assert slip.number_text in text and world.dept.name in text
    assert problem.description in text and problem.project.name in text


def test_office_uploads_its_own_template_and_reverts(world, client_for):
    problem = assigned(world)
    slip = problem.slips.get()
    client = client_for(world.admin)
    doc = Document()
    doc.add_paragraph("东湖区专用交办单 {{ number }} 致{{ to_unit }}")
    buf = io.BytesIO()
    doc.save(buf)
    upload = SimpleUploadedFile("mine.docx", buf.getvalue())
    assert client.post("/problems/templates/slip_assign/upload/", {"file": upload}).status_code == 302
    text = _text(client.get(f"/problems/slips/{slip.pk}/docx/").content)
    assert "东湖区专用交办单" in text and slip.number_text in text
    broken = Document()
    broken.add_paragraph("{{ number ")
    buf = io.BytesIO()
    broken.save(buf)
    response = client.post(
        "/problems/templates/slip_assign/upload/", {"file": SimpleUploadedFile("bad.docx", buf.getvalue())}
    )
    assert response.status_code == 400 and "模板无法生成文书" in response.content.decode()
    not_docx = SimpleUploadedFile("x.docx", b"hello")
    response = client.post("/problems/templates/slip_assign/upload/", {"file": not_docx})
    assert response.status_code == 400
    assert client.post("/problems/templates/slip_assign/revert/").status_code == 302
    text = _text(client.get(f"/problems/slips/{slip.pk}/docx/").content)
    assert "东湖区专用交办单" not in text and rules.SLIP_TITLES["assign"] in text


def test_list_filters_and_project_page(world, client_for):
    problem = assigned(world, workdays=1)
    filed(world, title="另一个问题", kind="funding")
    client = client_for(world.admin)
    page = client.get("/problems/?kind=land").content.decode()
    assert problem.title in page and "另一个问题" not in page
    page = client.get("/problems/?overdue=1").content.decode()
    assert "另一个问题" not in page
    detail = client.get(f"/projects/{problem.project_id}/").content.decode()
    assert 'id="project-problems"' in detail and problem.title in detail


def test_todo_sources(world):
    from datetime import date

    from tuijin.dashboard.todo import todo_for

    problem = assigned(world, workdays=1)
    groups = {g.key: g for g in todo_for(world.reporter, today=date(2024, 6, 10))}
    assert groups["problems.slips_to_ack"].count == 1
    assert groups["problems.assigned"].items[0].overdue
    filed(world, title="待梳理")
    office = {g.key: g for g in todo_for(world.admin, today=date(2024, 6, 10))}
    assert office["problems.office"].count == 1 and office["problems.overdue"].count == 1
    assert problem.pk
