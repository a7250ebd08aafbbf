"""The project page, the create/edit pages and the forms on the project page, as the personas use them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.projects.factories import entry, invest, move, plan, project
from tuijin.org.models import AccessDenial
from tuijin.projects import services
from tuijin.projects.models import AnnualPlan, Handover, InvestmentEntry, Project, ProjectTag, StageTransition

TODAY = timezone.localdate()


def _text(response) -> str:
    return response.content.decode()


def _post_data(world, **kw) -> dict:
    data = {
        "name": "东湖区数字经济产业园",
        "category": "industry",
        "sector": "industrial",
        "total_investment": "52,000",
        "responsible_unit": world.dept.pk,
        "planned_start": "2024-03-04",
        "planned_start_precision": "week",
        "planned_completion_precision": "month",
        "planned_production_precision": "month",
        "stage": "preparation",
        "funding-TOTAL_FORMS": "2",
        "funding-INITIAL_FORMS": "0",
        "funding-0-kind": "special_bond",
        "funding-0-amount": "20000",
        "funding-1-kind": "",
    }
    data.update(kw)
    return data


def _busy_project(world, edits: int) -> Project:
    """A project with `edits` rounds of everything that writes history."""
    p = services.project_create(
        user=world.admin,
        jurisdiction=world.district,
        data={
            "name": "历史很长的项目",
            "category": "industry",
            "total_investment": Decimal("100000"),
            "responsible_unit": world.dept,
        },
        tags=ProjectTag.objects.filter(name="省重点"),
        funding=[{"kind": "fiscal", "amount": Decimal("10")}],
    )
    year = AnnualPlan.objects.filter(jurisdiction=world.district, year=TODAY.year).first()
    entry(year or plan(world, TODAY.year), p, monthly_targets=[10] * 12)
    for number in range(edits):
        services.project_update(
            user=world.admin,
            project=p,
            data={"total_investment": Decimal(100000 + number), "content": f"第 {number} 次修改"},
            secondary_units=[world.other_dept] if number % 2 else [],
            funding=[{"kind": "fiscal", "amount": Decimal(10 + number)}],
        )
        services.investment_record(
            user=world.admin, project=p, year=TODAY.year - 1, month=number % 12 + 1, amount=Decimal(number)
        )
    return p


# ---------------------------------------------------------------------------------------------------
# The project page


def test_the_project_page_shows_everything_about_the_project(world, client_for):
    p = project(
        world,
        name="东湖区数字经济产业园",
        code="2019-360102-47-01-000123",
        code_note="2019 年赋码，早于校验位规则",
        total_investment=Decimal("52000"),
        content="新建标准厂房 12 栋",
        longitude=Decimal("115.912345"),
        latitude=Decimal("28.681234"),
        planned_start=TODAY - timedelta(days=60),
        planned_start_precision="day",
        lead_leader=world.leader_person,
        street=world.street_unit,
        owner="东湖城投公司",
        tags=["省重点"],
        secondary_units=[world.other_dept],
        funding=[("special_bond", Decimal("20000"))],
    )
    move(p, "landed", TODAY - timedelta(days=90), world.admin, document="土地出让合同")
    entry(plan(world, TODAY.year), p, planned_investment=Decimal("1200"), monthly_targets=[100] * 12)
    invest(p, TODAY.year, 1, 130)
    Handover.objects.create(project=p, kind="to_office", due_on=TODAY - timedelta(days=3))
    response = client_for(world.leader).get(f"/projects/{p.pk}/")
    text = _text(response)
    assert response.status_code == 200
    assert 'id="project-detail"' in text
    for words in [
        "2019-360102-47-01-000123",
        "早于校验位规则",
        "省重点",
        "5.20亿元",
        "新建标准厂房 12 栋",
        "经度 115.912345，纬度 28.681234",
        "应开工未开工，已逾期 60 天",
        "林志远",
        "东湖城投公司",
        "公园街道办事处",
        "区住建局",
        "地方政府专项债",
        "计划新开工",
        "逾期 3 天未移交",
        "土地出让合同",
        "落地",
    ]:
        assert words in text, words
    assert "录入月度完成投资" not in text  # the leader reads; only the office records investment
    assert 'id="edit-project"' not in text


def test_the_history_says_who_changed_what_from_what_to_what_newest_first(world, client_for):
    p = _busy_project(world, 2)
    services.project_move_stage(
        user=world.admin, project=p, to_stage="started", on=TODAY, document="施工许可证"
    )
    text = _text(client_for(world.admin).get(f"/projects/{p.pk}/"))
    history = text[text.index('id="history"') :]
    assert "总投资（万元）：" in history and "10.00亿元</span> → 10.00亿元" in history
    assert "建设内容及规模：" in history and "第 1 次修改" in history
    assert "配合单位：" in history and "区住建局" in history
    assert "修改资金来源" in history and "金额（万元）：" in history
    assert f"新增{TODAY.year - 1}年1月完成投资" in history
    assert "所处阶段：" in history and "施工许可证" in history
    assert history.index("阶段变更") < history.index("新建项目")
    assert history.count("admin ·") >= 6  # every service write is signed by its author


def test_the_project_page_takes_the_same_number_of_queries_however_long_the_history(world, client_for):
    client = client_for(world.admin)
    small = project(world)
    client.get(f"/projects/{small.pk}/")  # warm the session and the calendar cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/projects/{small.pk}/").status_code == 200
    busy = _busy_project(world, 6)
    Handover.objects.create(project=busy, kind="to_office", due_on=TODAY)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/projects/{busy.pk}/").status_code == 200
    assert len(many) <= len(few) + 6  # lookups of the names behind history rows, once each
    assert len(many) <= 35, [q["sql"][:120] for q in many.captured_queries]
    busier = _busy_project(world, 12)
    with CaptureQueriesContext(connection) as more:
        assert client.get(f"/projects/{busier.pk}/").status_code == 200
    assert len(more) == len(many)


def test_the_discipline_viewer_is_refused_and_another_units_reporter_does_not_see_it(world, client_for):
    p = project(world, responsible_unit=world.other_dept)
    assert client_for(world.discipline).get(f"/projects/{p.pk}/").status_code == 403
    assert client_for(world.reporter).get(f"/projects/{p.pk}/").status_code == 404


# ---------------------------------------------------------------------------------------------------
# Create and edit


def test_the_create_page_offers_only_this_jurisdictions_units_and_leaders(world, client_for):
    text = _text(client_for(world.admin).get("/projects/new/"))
    assert "区发改委" in text and "林志远（副区长）" in text
    assert "青山湖区发改委" not in text
    assert 'name="jurisdiction"' in text and "公园街道" in text


def test_the_office_creates_a_project_with_funding(world, client_for):
    response = client_for(world.admin).post("/projects/new/", _post_data(world))
    p = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/{p.pk}/"
    assert (p.stage, p.total_investment, p.jurisdiction) == ("preparation", Decimal("52000"), world.district)
    assert list(p.funding_sources.values_list("kind", flat=True)) == ["special_bond"]
    assert not StageTransition.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"total_investment": "-5"}, "total_investment", "总投资不能为负数"),
        ({"total_investment": "五千"}, "total_investment", "请填写数字金额"),
        ({"planned_completion": "2023-01-01"}, "planned_completion", "早于计划开工"),
        ({"planned_start": "2024-02-30"}, "planned_start", "请填写有效日期"),
        ({"code": "2024-360111-47-01-123456"}, "code", "不属于本辖区"),
        ({"longitude": "abc"}, "longitude", "请填写数字坐标"),
    ],
)
def test_errors_show_beside_their_field_in_chinese(world, client_for, changes, field, words):
    response = client_for(world.admin).post("/projects/new/", _post_data(world, **changes))
    assert response.status_code == 400
    text = _text(response)
    block = text[text.index(f'id="field-{field}"') :][:1500]
    assert words in block
    assert not Project.objects.exists()


def test_funding_errors_show_on_the_funding_card(world, client_for):
    data = _post_data(world, total_investment="100", **{"funding-0-amount": "500"})
    response = client_for(world.admin).post("/projects/new/", data)
    text = _text(response)
    assert response.status_code == 400
    assert "超过总投资" in text[text.index('id="funding-card"') :]


def test_a_duplicate_code_names_the_other_project(world, client_for):
    project(world, name="老城区改造", code="2024-360102-47-01-123456")
    response = client_for(world.admin).post(
        "/projects/new/", _post_data(world, code="2024-360102-47-01-123456")
    )
    assert "已被项目“老城区改造”" in _text(response)


def test_the_office_edits_everything_and_sees_the_routing_explanation(world, client_for):
    p = project(world, total_investment=Decimal("1000"))
    client = client_for(world.admin)
    text = _text(client.get(f"/projects/{p.pk}/edit/"))
    assert 'name="name"' in text and 'id="route-explanation"' in text and "未采用规则集" in text
    data = _post_data(world, name="新名称", **{"funding-TOTAL_FORMS": "0"})
    assert client.post(f"/projects/{p.pk}/edit/", data).status_code == 302
    p.refresh_from_db()
    assert (p.name, p.total_investment, p.stage) == ("新名称", Decimal("52000"), "preparation")


def test_after_a_rename_the_message_names_the_new_name(world, client_for):
    p = project(world, name="旧名")
    client = client_for(world.admin)
    data = _post_data(world, name="新名", **{"funding-TOTAL_FORMS": "0"})
    response = client.post(f"/projects/{p.pk}/edit/", data, follow=True)
    text = _text(response)
    assert "项目“新名”已保存。" in text and "项目“旧名”已保存。" not in text


def test_the_responsible_units_reporter_edits_content_location_and_funding_only(world, client_for):
    p = project(world, name="原名称")
    client = client_for(world.reporter)
    text = _text(client.get(f"/projects/{p.pk}/edit/"))
    assert 'name="name"' not in text and 'name="content"' in text
    data = _post_data(
        world, name="改名", content="新内容", image_progress="主体封顶", **{"funding-0-amount": "2000"}
    )
    assert client.post(f"/projects/{p.pk}/edit/", data).status_code == 302
    p.refresh_from_db()
    assert (p.name, p.content, p.image_progress) == ("原名称", "新内容", "主体封顶")
    assert list(p.funding_sources.values_list("kind", flat=True)) == ["special_bond"]


def test_a_reporter_of_another_unit_is_refused_and_logged(world, client_for):
    p = project(world, responsible_unit=world.other_dept)
    response = client_for(world.reporter).post(f"/projects/{p.pk}/edit/", _post_data(world, content="x"))
    assert response.status_code == 403
    assert "无权修改项目" in _text(response)
    assert AccessDenial.objects.filter(user=world.reporter, path=f"/projects/{p.pk}/edit/").exists()
    assert Project.objects.get(pk=p.pk).content == ""


def test_the_admin_of_another_district_cannot_edit(world, client_for):
    p = project(world)
    assert client_for(world.foreign_admin).get(f"/projects/{p.pk}/edit/").status_code == 403


# ---------------------------------------------------------------------------------------------------
# The forms on the project page


def test_moving_a_project_to_started_from_the_page(world, client_for):
    p = project(world)
    client = client_for(world.unit_head)
    response = client.post(f"/projects/{p.pk}/stage/", {"to_stage": "started", "on": TODAY.isoformat()})
    assert response.status_code == 302 and response["Location"].endswith("#stage")
    text = _text(client.get(response["Location"]))
    assert "变更为“开工”" in text and "实际开工" in text
    assert StageTransition.objects.get().recorded_by == world.unit_head


def test_a_future_stage_date_is_refused_beside_the_date(world, client_for):
    p = project(world)
    future = (TODAY + timedelta(days=3)).isoformat()
    response = client_for(world.admin).post(f"/projects/{p.pk}/stage/", {"to_stage": "started", "on": future})
    text = _text(response)
    assert response.status_code == 400
    assert "晚于今天" in text[text.index('id="field-on"') :][:800]
    assert not StageTransition.objects.exists()


def test_opening_and_completing_a_handover_from_the_page(world, client_for):
    p = project(world, stage="registered")
    client = client_for(world.admin)
    since = (TODAY - timedelta(days=40)).isoformat()
    response = client.post(
        f"/projects/{p.pk}/handover/",
        {"op": "open", "kind": "to_office", "since": since, "to_unit": world.office.pk},
    )
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert "逾期" in _text(client.get(f"/projects/{p.pk}/"))
    response = client.post(
        f"/projects/{p.pk}/handover/",
        {"op": "complete", "handover": handover.pk, "handed_on": TODAY.isoformat()},
    )
    assert response.status_code == 400 and "请填写签字负责人" in _text(response)
    response = client.post(
        f"/projects/{p.pk}/handover/",
        {"op": "complete", "handover": handover.pk, "handed_on": TODAY.isoformat(), "signed_by": "王局长"},
    )
    assert response.status_code == 302
    assert Handover.objects.get().signed_by == "王局长"


def test_recording_investment_from_the_page(world, client_for):
    p = project(world)
    client = client_for(world.admin)
    response = client.post(
        f"/projects/{p.pk}/investment/", {"year": TODAY.year, "month": TODAY.month, "amount": "１,２００"}
    )
    assert response.status_code == 302
    assert InvestmentEntry.objects.get().amount == Decimal("1200")
    next_month = date(TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1, 1)
    response = client.post(
        f"/projects/{p.pk}/investment/", {"year": next_month.year, "month": next_month.month, "amount": "5"}
    )
    assert response.status_code == 400 and "不能录入未来月份" in _text(response)


# ---------------------------------------------------------------------------------------------------
# Backfilling a milestone's date (补录实际开工/竣工/投产日期)


def _stage_card(text: str) -> str:
    return text[text.index('id="stage"') : text.index('id="handovers"')]


def test_a_project_created_at_completion_offers_to_backfill_only_its_missing_dates(world, client_for):
    p = project(world, stage="completed")
    client = client_for(world.admin)
    card = _stage_card(_text(client.get(f"/projects/{p.pk}/")))
    assert 'id="backfill-form"' in card and "补录实际日期" in card
    options = card[card.index('id="backfill-form"') :]
    assert "实际开工日期</option>" in options and "实际竣工日期</option>" in options
    assert "实际投产日期" not in options  # not produced yet: nothing to backfill

    on = (TODAY - timedelta(days=400)).isoformat()
    response = client.post(
        f"/projects/{p.pk}/stage/",
        {
            "op": "backfill",
            "backfill-milestone": "started",
            "backfill-on": on,
            "backfill-document": "施工许可证",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#stage")
    text = _text(client.get(response["Location"]))
    assert f"已补录实际开工日期 {on}，项目阶段不变。" in text
    assert Project.objects.get(pk=p.pk).stage == "completed"
    card = _stage_card(text)
    assert f"<strong>{on}</strong> 补录实际开工日期" in card and "补录 · 阶段不变" in card
    assert "实际开工日期</option>" not in card and "实际竣工日期</option>" in card
    dates = text[text.index('id="dates"') :]
    assert f"实际 {on}" in dates
    history = text[text.index('id="history"') :]
    assert (
        "补录实际开工日期（阶段不变）" in history and "实际开工日期：" in history and "施工许可证" in history
    )


def test_a_backfill_error_shows_beside_its_field_and_saves_nothing(world, client_for):
    p = project(world, stage="construction")
    future = (TODAY + timedelta(days=3)).isoformat()
    response = client_for(world.unit_head).post(
        f"/projects/{p.pk}/stage/", {"op": "backfill", "backfill-milestone": "started", "backfill-on": future}
    )
    text = _text(response)
    assert response.status_code == 400
    assert "只能补录已经发生的事" in text[text.index('id="field-backfill-on"') :][:800]
    assert "实际开工日期</option>" in text[text.index('id="backfill-form"') :]
    assert not StageTransition.objects.exists()


def test_no_backfill_form_when_every_reached_milestone_has_a_date_or_for_readers(world, client_for):
    started = project(world)
    move(started, "started", TODAY - timedelta(days=10), world.admin)
    assert 'id="backfill-form"' not in _text(client_for(world.admin).get(f"/projects/{started.pk}/"))
    early = project(world, stage="preparation")
    assert 'id="backfill-form"' not in _text(client_for(world.admin).get(f"/projects/{early.pk}/"))
    late = project(world, stage="construction")
    assert 'id="backfill-form"' not in _text(client_for(world.leader).get(f"/projects/{late.pk}/"))
    response = client_for(world.leader).post(
        f"/projects/{late.pk}/stage/",
        {"op": "backfill", "backfill-milestone": "started", "backfill-on": TODAY.isoformat()},
    )
    assert response.status_code == 403 and not StageTransition.objects.filter(project=late).exists()
