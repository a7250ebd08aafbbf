"""The supervision pages (issue 6 part 4): the list with its filters, the act page (reported beside
observed, photos, required actions with their 督办单, the forms each reader may use), errors shown
beside the fields, the required actions page, the circuit pages, the to-do and the menu."""

from datetime import date

import pytest
import time_machine

from tests.supervision.factories import act, discrepancy, jpeg, required, site, weekly
from tuijin.supervision import services

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 3)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2024-06-03 10:00 +0800", tick=False):
        yield


@pytest.fixture
def scene(world):
    p = site(world)
    weekly(p, date(2024, 5, 27), "桩基施工完成 80%")
    a = act(world, projects=[p], units=[world.dept])
    f = discrepancy(world, a, p)
    services.photo_add(
        actor=world.supervisor, act=a, file=jpeg(), taken_on=TODAY, caption="桩基现场", finding=f
    )
    action = required(world, a, finding=f)
    action = services.action_supervise(actor=world.supervisor, action=action, today=TODAY)
    return {"p": p, "a": a, "f": f, "action": action}


def test_the_act_page_shows_reported_beside_observed_photos_actions_and_slips(world, client_for, scene):
    page = client_for(world.supervisor).get(f"/supervision/{scene['a'].pk}/").content.decode()
    assert 'class="small finding-reported"' in page and "桩基施工完成 80%" in page
    assert "现场仅完成场地平整，未见桩基施工" in page and "计入亮灯" in page
    assert f"/supervision/photos/{scene['f'].photos.get().pk}/?thumb=1" in page
    assert f"督办单{scene['action'].slip.number_text}" in page
    assert 'id="finding-form"' in page and 'id="action-form"' in page
    unit_page = client_for(world.reporter).get(f"/supervision/{scene['a'].pk}/").content.decode()
    assert 'id="finding-form"' not in unit_page and "reply-form" in unit_page


def test_a_refused_finding_shows_its_errors_beside_the_fields(world, client_for, scene):
    client = client_for(world.supervisor)
    response = client.post(
        f"/supervision/{scene['a'].pk}/step/finding/",
        {"kind": "discrepancy", "project": scene["p"].pk, "observed": ""},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "“填报与现场不符”须填写现场所见" in text
    assert 'id="reported-text"' in text  # the project's reported facts are shown again beside the form


def test_the_reported_panel_follows_the_chosen_project(world, client_for, scene):
    text = (
        client_for(world.supervisor).get(f"/supervision/reported/?project={scene['p'].pk}").content.decode()
    )
    assert "桩基施工完成 80%" in text and "项目阶段：前期" in text


def test_the_list_filters_by_kind_month_and_unit(world, client_for, scene):
    act(world, kind="window", title="审批窗口催办", units=[world.other_dept])
    client = client_for(world.admin)
    assert client.get("/supervision/?kind=window").content.decode().count('class="act-row"') == 1
    assert client.get("/supervision/?month=2024-06").content.decode().count('class="act-row"') == 2
    assert client.get("/supervision/?month=2024-05").content.decode().count('class="act-row"') == 0
    assert (
        client.get(f"/supervision/?unit={world.other_dept.pk}").content.decode().count('class="act-row"') == 1
    )
    assert client_for(world.reporter).get("/supervision/").content.decode().count('class="act-row"') == 1


def test_another_districts_admin_gets_404(world, client_for, scene):
    assert client_for(world.foreign_admin).get(f"/supervision/{scene['a'].pk}/").status_code == 404


def test_reply_and_check_through_the_pages_and_the_to_do(world, client_for, scene):
    from tuijin.dashboard.todo import todo_for

    action = scene["action"]
    assert "整改要求待回复" in [g.title for g in todo_for(world.reporter, TODAY)]
    client = client_for(world.reporter)
    response = client.post(
        f"/supervision/actions/{action.pk}/reply/", {"reply": "已更正周报", "back": "actions"}
    )
    assert response.status_code == 302
    assert "整改待复查" in [g.title for g in todo_for(world.supervisor, TODAY)]
    page = client_for(world.supervisor).get("/supervision/actions/?status=replied").content.decode()
    assert "已更正周报" in page and "check-form" in page
    response = client_for(world.supervisor).post(
        f"/supervision/actions/{action.pk}/check/", {"result": "returned"}
    )
    assert response.status_code == 400 and "请填写退回理由" in response.content.decode()


def test_the_circuit_pages(world, client_for):
    client = client_for(world.supervisor)
    assert "2024年6月" in client.get("/supervision/circuit/").content.decode()
    page = client.get("/supervision/circuit/2024-05/").content.decode()
    assert 'id="circuit-prepare"' in page and 'id="circuit-empty"' in page
    response = client.post("/supervision/circuit/2024-05/prepare/")
    assert response.status_code == 302
    page = client.get("/supervision/circuit/2024-05/").content.decode()
    assert 'id="circuit-act"' in page and 'id="circuit-prepare"' not in page
    assert client.get("/supervision/circuit/2024-13/").status_code == 404
    assert (
        'id="circuit-prepare"'
        not in client_for(world.leader).get("/supervision/circuit/2024-05/").content.decode()
    )


def test_the_menu_has_the_three_entries(world, client_for):
    page = client_for(world.supervisor).get("/supervision/").content.decode()
    for label in ("督查记录", "巡回督导", "整改要求"):
        assert label in page
