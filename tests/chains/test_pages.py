"""The chain page, the node page, evidence downloads and the template pages as the personas use them."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.chains.factories import applied, own_template, preset
from tests.projects.factories import project
from tuijin.chains import services
from tuijin.chains.models import Chain, ChainNode, ChainTemplate, NodeEvidence, NodeReplan
from tuijin.org.models import AccessDenial

D = date.fromisoformat


def _text(response) -> str:
    return response.content.decode()


def _node(chain: Chain, key: str) -> ChainNode:
    return chain.nodes.get(key=key)


def _url(chain: Chain) -> str:
    return f"/chains/project/{chain.project_id}/"


# ---------------------------------------------------------------------------------------------------
# The chain page


def test_the_chain_page_shows_nodes_by_phase_with_lights_and_the_gantt(world, client_for):
    chain = applied(world, name="东湖数字经济产业园")
    response = client_for(world.admin).get(_url(chain))
    text = _text(response)
    assert response.status_code == 200
    assert "东湖数字经济产业园的推进链条" in text
    for heading in ("前期手续", "建设节点", "甘特图", "推进计划", "审批计时（土地摘牌至开工）"):
        assert heading in text
    for name in ("征收拆迁", "施工许可证", "开工", "投产"):
        assert name in text
    assert "红灯" in text  # 2026 deadlines worked back from 2026-09-30 are long past
    assert "取自项目阶段" in text
    assert 'class="g-plan g-red"' in text
    assert "gantt-today" in text
    assert "待项目办确认" in text
    assert 'id="apply-form"' in text  # nobody worked on it yet: it may be re-applied


def test_a_deadline_in_a_provisional_year_is_marked(world, client_for):
    # no official schedule for 2030 yet: its working days follow the provisional rule
    chain = applied(world, planned_completion=D("2030-12-01"))
    text = _text(client_for(world.admin).get(_url(chain)))
    assert "暂定日历" in text
    assert "国务院放假安排尚未发布" in text


def test_a_replanned_deadline_shows_the_baseline_struck_through(world, client_for):
    chain = applied(world)
    services.chain_update(actor=world.admin, chain=chain, signed_by="王建国", signed_on=D("2026-03-01"))
    services.chain_confirm(actor=world.admin, chain=chain)
    production = _node(chain, "production")
    client = client_for(world.admin)
    response = client.post(f"/chains/node/{production.pk}/replan/", {"deadline": "2028-06-30"})
    assert response.status_code == 400
    assert "须填写调整原因" in _text(response)
    response = client.post(
        f"/chains/node/{production.pk}/replan/", {"deadline": "2028-06-30", "reason": "设备到货推迟"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_url(chain)}#node-{production.pk}"
    text = _text(client.get(_url(chain)))
    assert f'原定 <span class="baseline-old">{production.baseline}</span>' in text
    assert "调整 1 次" in text
    assert "设备到货推迟" in text
    assert "项目办已确认" in text
    assert NodeReplan.objects.get().changed_by == world.admin


def test_the_office_applies_a_template_from_the_page(world, client_for):
    p = project(world, name="新建厂房")
    client = client_for(world.admin)
    text = _text(client.get(f"/chains/project/{p.pk}/"))
    assert "本项目尚未编制推进链条" in text
    assert "套用模板编制链条" in text
    response = client.post(f"/chains/project/{p.pk}/apply/", {"template": preset().pk})
    assert response.status_code == 400
    assert "无法倒排工期：请填写倒排目标日期" in _text(response)
    assert not Chain.objects.filter(project=p).exists()
    response = client.post(
        f"/chains/project/{p.pk}/apply/", {"template": preset().pk, "target": "2026-12-31"}
    )
    assert response.status_code == 302
    assert Chain.objects.get(project=p).nodes.count() == 16


def test_unit_staff_see_the_empty_chain_without_forms(world, client_for):
    p = project(world)
    text = _text(client_for(world.reporter).get(f"/chains/project/{p.pk}/"))
    assert "由项目办套用模板编制" in text
    assert 'id="apply-form"' not in text


def test_a_reporter_fills_their_units_node_and_reads_the_others(world, client_for):
    chain = applied(world)
    client = client_for(world.reporter)
    filing, permit = _node(chain, "filing"), _node(chain, "construction_permit")
    text = _text(client.get(_url(chain)))
    assert f'href="/chains/node/{filing.pk}/">填报' in text
    assert f'href="/chains/node/{permit.pk}/">查看' in text
    assert 'id="milestone-form"' not in text
    yesterday = date.today() - timedelta(days=1)
    response = client.post(
        f"/chains/node/{filing.pk}/", {"actual": yesterday.isoformat(), "note": "备案证明已取得"}
    )
    assert response.status_code == 302
    text = _text(client.get(_url(chain)))
    assert "已完成" in text
    assert "备案证明已取得" in text


def test_a_reporter_cannot_edit_another_units_node(world, client_for):
    chain = applied(world)
    permit = _node(chain, "construction_permit")  # 区住建局's node
    client = client_for(world.reporter)
    assert client.get(f"/chains/node/{permit.pk}/").status_code == 200
    url = f"/chains/node/{permit.pk}/"
    response = client.post(url, {"actual": "2026-03-02"})
    assert response.status_code == 403
    assert "无权" in _text(response)
    assert AccessDenial.objects.filter(user=world.reporter, path=url).exists()
    assert _node(chain, "construction_permit").actual is None


def test_a_future_actual_date_comes_back_beside_the_field(world, client_for):
    chain = applied(world)
    filing = _node(chain, "filing")
    tomorrow = date.today() + timedelta(days=1)
    response = client_for(world.reporter).post(f"/chains/node/{filing.pk}/", {"actual": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "不能填写未来的日期" in _text(response)
    assert _node(chain, "filing").actual is None


def test_the_start_node_sends_people_to_the_project_page(world, client_for):
    chain = applied(world)
    start = _node(chain, "start")
    text = _text(client_for(world.admin).get(f"/chains/node/{start.pk}/"))
    assert "到项目页变更阶段" in text
    assert 'name="actual"' not in text


def test_projects_outside_the_scope_are_not_found(world, client_for):
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    chain = services.chain_apply_template(
        actor=world.foreign_admin, project=foreign, template=preset(), target=D("2026-12-31")
    )
    client = client_for(world.admin)
    assert client.get(_url(chain)).status_code == 404
    assert client.get(f"/chains/node/{_node(chain, 'filing').pk}/").status_code == 404
    # a project of 东湖区 that 区发改委 has nothing to do with
    other = applied(world, responsible_unit=world.other_dept)
    ChainNode.objects.filter(chain=other).update(responsible_unit=world.other_dept)
    assert client_for(world.reporter).get(_url(other)).status_code == 404


def test_the_discipline_persona_is_refused(world, client_for):
    chain = applied(world)
    assert client_for(world.discipline).get(_url(chain)).status_code == 403


def test_the_office_confirms_the_plan_once_signed(world, client_for):
    chain = applied(world)
    client = client_for(world.admin)
    response = client.post(f"/chains/project/{chain.project_id}/confirm/")
    assert response.status_code == 400
    assert "请先填写审批部门负责人签字" in _text(response)
    response = client.post(
        f"/chains/project/{chain.project_id}/edit/",
        {"signed_by": "王建国", "signed_on": "2026-03-01", "clock_class": "general"},
    )
    assert response.status_code == 302
    assert client.post(f"/chains/project/{chain.project_id}/confirm/").status_code == 302
    chain.refresh_from_db()
    assert chain.confirmed_by == world.admin
    text = _text(client.get(_url(chain)))
    assert "王建国 · 2026-03-01" in text
    assert 'id="apply-form"' not in text


def test_milestones_and_nodes_are_added_from_the_page(world, client_for):
    chain = applied(world)
    client = client_for(world.admin)
    response = client.post(
        f"/chains/project/{chain.project_id}/milestone/",
        {"milestone-name": "主体封顶", "milestone-deadline": "2027-06-30"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/chains/project/{chain.project_id}/node/",
        {
            "add-name": "水土保持方案",
            "add-phase": "approval",
            "add-after": ["eia"],
            "add-responsible_unit": world.other_dept.pk,
        },
    )
    assert response.status_code == 302
    text = _text(client.get(_url(chain)))
    assert "形象进度" in text and "主体封顶" in text and "水土保持方案" in text
    response = client.post(
        f"/chains/project/{chain.project_id}/milestone/",
        {"milestone-name": "基础完成", "milestone-deadline": "2026-01-05"},
    )
    assert response.status_code == 400
    assert "早于前置节点“开工”" in _text(response)


def test_the_chain_page_reads_a_constant_number_of_queries(world, client_for):
    chain = applied(world)
    client = client_for(world.admin)
    client.get(_url(chain))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(chain)).status_code == 200
        return len(queries)

    before = count()
    for month in range(1, 7):
        services.milestone_add(
            actor=world.admin, project=chain.project, name=f"形象进度{month}", deadline=date(2027, month, 28)
        )
    assert count() == before


# ---------------------------------------------------------------------------------------------------
# Evidence and confirmations


def test_evidence_is_uploaded_and_downloaded(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    chain = applied(world)
    filing = _node(chain, "filing")
    client = client_for(world.reporter)
    upload = SimpleUploadedFile("备案证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(f"/chains/node/{filing.pk}/evidence/", {"file": upload})
    assert response.status_code == 302
    evidence = NodeEvidence.objects.get()
    assert "备案证明.pdf" in _text(client.get(_url(chain)))
    response = client_for(world.leader).get(f"/chains/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    bad = SimpleUploadedFile("脚本.exe", b"MZ")
    response = client_for(world.reporter).post(f"/chains/node/{filing.pk}/evidence/", {"file": bad})
    assert response.status_code == 400
    assert "文件类型不支持" in _text(response)


def test_the_unit_head_and_the_office_confirm_a_node(world, client_for):
    chain = applied(world)
    filing = _node(chain, "filing")
    assert client_for(world.reporter).post(f"/chains/node/{filing.pk}/confirm/").status_code == 403
    assert client_for(world.unit_head).post(f"/chains/node/{filing.pk}/confirm/").status_code == 302
    assert client_for(world.admin).post(f"/chains/node/{filing.pk}/confirm/").status_code == 302
    filing.refresh_from_db()
    assert (filing.unit_confirmed_by, filing.office_confirmed_by) == (world.unit_head, world.admin)
    response = client_for(world.admin).post(f"/chains/node/{filing.pk}/confirm/")
    assert response.status_code == 400
    assert "已经项目办确认" in _text(response)


# ---------------------------------------------------------------------------------------------------
# The project page links to the chain


def test_the_project_page_links_the_chain_and_shows_its_light(world, client_for):
    p = project(world)
    text = _text(client_for(world.admin).get(f"/projects/{p.pk}/"))
    assert f'href="/chains/project/{p.pk}/"' in text
    assert "亮灯 未计算" in text
    chain = applied(world)
    text = _text(client_for(world.admin).get(f"/projects/{chain.project_id}/"))
    assert 'id="project-light" class="badge bg-red text-red-fg"' in text


# ---------------------------------------------------------------------------------------------------
# Templates


def test_the_template_list_shows_presets_and_own_templates(world, client_for):
    own_template(world, "东湖区产业项目")
    ChainTemplate.objects.create(jurisdiction=world.other_district, name="青山湖区模板")
    text = _text(client_for(world.reporter).get("/chains/templates/"))
    assert "产业项目开工推进计划（WH19 附件1）" in text
    assert "政府投资项目前期手续（DH24）" in text
    assert "东湖区产业项目" in text
    assert "青山湖区模板" not in text


def test_a_template_page_shows_its_steps(world, client_for):
    text = _text(client_for(world.leader).get(f"/chains/templates/{preset().pk}/"))
    assert "土地招拍挂" in text and "审批计时起点" in text
    assert 'id="copy-form"' not in text
    assert 'id="node-edit"' not in text


def test_the_office_copies_a_preset_and_edits_its_nodes(world, client_for):
    client = client_for(world.admin)
    text = _text(client.get(f"/chains/templates/{preset().pk}/"))
    assert 'id="copy-form"' in text and 'id="node-edit"' not in text  # a preset is copied, not edited
    response = client.post(f"/chains/templates/{preset().pk}/copy/", {"name": "东湖区产业项目"})
    copy = ChainTemplate.objects.get(jurisdiction=world.district, name="东湖区产业项目")
    assert response["Location"] == f"/chains/templates/{copy.pk}/"
    demolition = copy.nodes.get(key="demolition")
    data = {
        "name": "征收拆迁",
        "phase": "approval",
        "step": 1,
        "after": ["construction_permit"],
        "duration": 40,
    }
    response = client.post(f"/chains/templates/{copy.pk}/nodes/{demolition.pk}/", data)
    assert response.status_code == 400
    assert "前置关系形成循环" in _text(response)
    data["after"] = []
    data["duration"] = 60
    assert client.post(f"/chains/templates/{copy.pk}/nodes/{demolition.pk}/", data).status_code == 302
    demolition.refresh_from_db()
    assert demolition.duration == 60
    new = {"name": "水土保持方案", "phase": "approval", "step": 4, "after": ["filing"], "duration": 10}
    assert client.post(f"/chains/templates/{copy.pk}/nodes/new/", new).status_code == 302
    assert copy.nodes.filter(name="水土保持方案").exists()
    assert client.get(f"/chains/templates/{copy.pk}/?edit={demolition.pk}").status_code == 200


@pytest.mark.parametrize("persona", ["unit_head", "leader"])
def test_only_the_office_edits_templates(world, client_for, persona):
    template = own_template(world)
    client = client_for(world.personas()[persona])
    node = template.nodes.first()
    assert client.post(f"/chains/templates/{template.pk}/nodes/{node.pk}/", {"name": "x"}).status_code == 403
    assert client.post(f"/chains/templates/{preset().pk}/copy/", {}).status_code == 403
