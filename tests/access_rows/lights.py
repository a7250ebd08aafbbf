"""Access rows of the boards (挂图作战), their lists, the wall screen and the override form (issue 4 part 4).
Every library reader sees the boards (scoped to what they read); only the office overrides a light.
URLs carry no query string: the matrix checks the refusal log by path (filters are tested in test_pages)."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}  # lights.view: subtree readers and unit staff


def _project(w):
    from tests.projects.factories import project

    return project(w, name="亮灯调整项目")


def _node(w):
    from tests.lights.boards import node

    return node(_project(w), "施工许可证")


ROWS = [
    Row("lights:board", "GET", lambda w: "/lights/", READERS),
    Row("lights:projects", "GET", lambda w: "/lights/projects/", READERS),
    Row("lights:should_start", "GET", lambda w: "/lights/should-start/", READERS),
    Row("lights:should_finish", "GET", lambda w: "/lights/should-finish/", READERS),
    Row("lights:wall", "GET", lambda w: "/lights/wall/", READERS),
    Row("lights:trend", "GET", lambda w: "/lights/trend/", READERS),
    Row("lights:due", "GET", lambda w: "/lights/due/", READERS),
    Row("lights:reports", "GET", lambda w: "/lights/reports/", READERS),
    Row("lights:override_project", "GET", lambda w: f"/lights/override/project/{_project(w).pk}/", ADMIN),
    Row(
        "lights:override_project",
        "POST",
        lambda w: f"/lights/override/project/{_project(w).pk}/",
        ADMIN,
        data=lambda w: {"op": "set", "color": "red", "reason": "调度会议定"},
        ok_status=(302,),
    ),
    Row("lights:override_node", "GET", lambda w: f"/lights/override/node/{_node(w).pk}/", ADMIN),
    Row(
        "lights:override_node",
        "POST",
        lambda w: f"/lights/override/node/{_node(w).pk}/",
        ADMIN,
        data=lambda w: {"op": "set", "color": "yellow", "reason": "现场核实"},
        ok_status=(302,),
    ),
]
