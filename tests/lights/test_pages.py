"""The boards' pages: what each shows, to whom, and the override form's checks."""

from datetime import date

import pytest

from tests.lights.boards import change, light, node, node_light
from tests.projects.factories import project
from tuijin.lights.models import LightChange, ProjectLight
from tuijin.lights.services import lights_recompute

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)  # a Friday


@pytest.fixture
def lit(world):
    """A project whose 施工许可证 is 7 working days late (yellow), computed by the engine, and a green one."""
    late = project(world, name="东湖数字产业园", lead_leader=world.leader_person)
    node(late, "施工许可证", deadline=date(2026, 11, 11), unit=world.other_dept)
    fine = project(world, name="公园路改造", responsible_unit=world.other_dept)
    node(fine, "立项", deadline=date(2026, 12, 30))
    lights_recompute(today=TODAY)
    return {"late": late, "fine": fine}


def test_board_counts_link_to_the_drill_down(world, client_for, lit):
    page = client_for(world.admin).get("/lights/").content.decode()
    assert "挂图作战" in page
    assert f'href="/lights/projects/?unit={world.dept.pk}&amp;light=yellow">1</a>' in page
    assert "亮灯计算日期 <strong>2026-11-20</strong>" in page
    assert "含暂定日历" not in page
    for word in ("红灯", "黄灯", "绿灯", "已完成", "按责任单位", "按挂点领导", "按项目类别", "按街道"):
        assert word in page


def test_board_says_when_a_light_counted_a_provisional_year(world, client_for):
    light(project(world), "green", provisional=True)
    page = client_for(world.admin).get("/lights/?by=category").content.decode()
    assert 'id="board-provisional"' in page
    assert "按项目类别" in page


def test_unknown_dimension_falls_back_to_units(world, client_for, lit):
    response = client_for(world.admin).get("/lights/?by=nonsense")
    assert response.status_code == 200
    assert "<th>责任单位</th>" in response.content.decode()


def test_drill_down_reads_the_stored_reason_and_the_late_node(world, client_for, lit):
    page = (
        client_for(world.admin).get(f"/lights/projects/?light=yellow&unit={world.dept.pk}").content.decode()
    )
    assert "责任单位：区发改委 · 黄灯" in page
    assert '<span class="light-reason">施工许可证 超期 7 个工作日</span>' in page
    assert f'href="/chains/project/{lit["late"].pk}/"' in page
    assert (
        '<strong>施工许可证</strong> <span class="text-secondary">2026-11-11</span> · 超期 7 个工作日 · 区住建局'
        in page
    )
    assert "公园路改造" not in page


def test_drill_down_names_a_bad_parameter(world, client_for, lit):
    response = client_for(world.admin).get("/lights/projects/?light=blue")
    assert response.status_code == 200
    assert "亮灯“blue”无效" in response.content.decode()


def test_unit_reporter_drills_into_their_own_projects_only(world, client_for, lit):
    page = client_for(world.reporter).get("/lights/projects/").content.decode()
    assert "东湖数字产业园" in page
    assert "公园路改造" not in page


def test_discipline_viewer_is_refused(world, client_for):
    response = client_for(world.discipline).get("/lights/")
    assert response.status_code == 403
    assert "无权查看亮灯看板" in response.content.decode()


def test_should_start_list(world, client_for):
    p = project(world, name="应开未开项目", planned_start=date(2026, 10, 12), planned_start_precision="week")
    light(p, "red", should_start=True)
    page = client_for(world.admin).get("/lights/should-start/").content.decode()
    assert "应开未开项目" in page
    assert "2026年第42周" in page and "精确到周" in page
    empty = client_for(world.admin).get("/lights/should-finish/").content.decode()
    assert "没有应竣未竣的项目" in empty


def test_wall_screen_refreshes_its_body_every_minute(world, client_for, lit):
    client = client_for(world.leader)
    page = client.get("/lights/wall/").content.decode()
    assert 'hx-trigger="every 60s"' in page
    assert 'id="wall-fullscreen"' in page
    assert 'class="navbar' not in page  # no navigation on the wall
    assert '<div class="num" id="wall-yellow">1</div>' in page
    body = client.get("/lights/wall/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body
    assert 'id="wall-yellow">1<' in body


def test_trend_page_has_chart_data_and_table(world, client_for):
    p = project(world)
    change(p, date(2026, 6, 1), "yellow")
    response = client_for(world.admin).get(f"/lights/trend/?unit={world.dept.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="trend-data"' in page and "echarts.min.js" in page
    assert 'id="trend-table"' in page
    assert f'<option value="{world.dept.pk}" selected>区发改委</option>' in page


def test_due_page_lists_nodes_by_unit_and_leader(world, client_for):
    p = project(world, name="临期项目", lead_leader=world.leader_person)
    # days left count from the day the light was computed (like the stored due_soon flag)
    node_light(node(p, "环评", deadline=TODAY), "green", due_soon=True, on=TODAY)
    client = client_for(world.unit_head)
    page = client.get("/lights/due/").content.decode()
    assert "环评" in page and "临期项目" in page and "今日到期" in page
    by_leader = client.get("/lights/due/?by=leader").content.decode()
    assert "林志远" in by_leader


def test_override_page_shows_the_computed_light_and_sets_one(world, client_for, lit):
    client = client_for(world.admin)
    url = f"/lights/override/project/{lit['late'].pk}/"
    page = client.get(url).content.decode()
    assert 'id="computed-reason">施工许可证 超期 7 个工作日<' in page
    response = client.post(url, {"op": "set", "color": "red", "reason": "调度会议定按红灯督办"})
    assert response.status_code == 302
    stored = ProjectLight.objects.get(pk=lit["late"].pk)
    assert (stored.shown, stored.color, stored.override_reason) == ("red", "yellow", "调度会议定按红灯督办")
    assert LightChange.objects.filter(project=lit["late"], new="red", by=world.admin).exists()
    page = client.get(url).content.decode()
    assert 'id="override-reason">调度会议定按红灯督办<' in page
    response = client.post(url, {"op": "clear", "reason": "问题已解决"})
    assert response.status_code == 302
    assert ProjectLight.objects.get(pk=lit["late"].pk).shown == "yellow"


def test_override_needs_a_reason_and_a_colour(world, client_for, lit):
    client = client_for(world.admin)
    url = f"/lights/override/project/{lit['late'].pk}/"
    response = client.post(url, {"op": "set", "color": "", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写理由" in page and "请选择调整后的亮灯" in page
    assert ProjectLight.objects.get(pk=lit["late"].pk).override_color == ""
    nothing = client.post(url, {"op": "clear", "reason": "撤回"})
    assert nothing.status_code == 400
    assert "没有人工调整" in nothing.content.decode()


def test_override_of_a_node(world, client_for, lit):
    chain_node = lit["late"].chain_nodes.get()
    response = client_for(world.admin).post(
        f"/lights/override/node/{chain_node.pk}/", {"op": "set", "color": "green", "reason": "已现场办结"}
    )
    assert response.status_code == 302
    assert ProjectLight.objects.get(pk=lit["late"].pk).shown == "green"


def test_override_of_a_missing_or_foreign_project(world, client_for):
    client = client_for(world.admin)
    assert client.get("/lights/override/project/999999/").status_code == 404
    assert client.get("/lights/override/node/999999/").status_code == 404
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    assert client.get(f"/lights/override/project/{foreign.pk}/").status_code == 403
