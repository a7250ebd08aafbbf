"""The boards' reads: counts by every dimension against hand-built stored lights, the reader's scope,
the drill-down's late nodes, the 应开未开 / 应竣未竣 lists, the due list and the trend rebuilt from changes."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import account, unit
from tests.lights.boards import DAY, change, light, node, node_light
from tests.projects.factories import project
from tuijin.lights import selectors
from tuijin.lights.selectors import LightFilter, parse_filter, states_at, week_ends
from tuijin.org.models import Person, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world):
    """东湖区: 区发改委 has red, red, yellow, green (two led by 林志远, one in 公园街道); 区住建局 has a green
    and a done one; 青山湖区 (another district) has one red."""
    w = world
    lin = w.leader_person
    chen = Person.objects.create(jurisdiction=w.district, name="陈立", post="区长助理", is_leader=True)
    p = {
        "a": project(w, name="甲项目", lead_leader=lin, street=w.street_unit, category="industry"),
        "b": project(w, name="乙项目", lead_leader=lin, category="industry"),
        "c": project(w, name="丙项目", lead_leader=chen, category="livelihood"),
        "d": project(w, name="丁项目", category="livelihood"),
        "e": project(w, name="戊项目", responsible_unit=w.other_dept, category="urban_construction"),
        "f": project(w, name="己项目", responsible_unit=w.other_dept, stage="producing"),
        "x": project(w, name="外区项目", jurisdiction=w.other_district, responsible_unit=w.foreign_unit),
    }
    light(p["a"], "red", reason="施工许可证 超期 12 个工作日", days=12, provisional=True)
    light(p["b"], "red", days=20)
    light(p["c"], "yellow", days=3)
    light(p["d"], "green")
    light(p["e"], "green")
    light(p["f"], "done")
    light(p["x"], "red")
    return p


def _counts(result):
    return {
        r.label: (r.counts["red"], r.counts["yellow"], r.counts["green"], r.counts["done"], r.total)
        for r in result.rows
    }


def test_board_by_unit_counts_each_colour(world, board):
    result = selectors.light_board(world.admin, by="unit")
    assert _counts(result) == {"区发改委": (2, 1, 1, 0, 4), "区住建局": (0, 0, 1, 1, 2)}
    assert result.counts == {"red": 2, "yellow": 1, "green": 2, "done": 1}
    assert result.total == 6
    assert result.provisional is True
    assert result.computed_on == DAY


def test_board_by_leader_has_a_row_for_projects_without_one(world, board):
    result = selectors.light_board(world.admin, by="leader")
    assert _counts(result) == {
        "林志远": (2, 0, 0, 0, 2),
        "陈立": (0, 1, 0, 0, 1),
        "未明确挂点领导": (0, 0, 2, 1, 3),
    }
    row = next(r for r in result.rows if r.label == "林志远")
    assert row.links["red"] == f"/lights/projects/?leader={world.leader_person.pk}&light=red"
    assert result.rows[-1].links["green"] == "/lights/projects/?leader=none&light=green"


def test_board_by_street_has_a_row_for_projects_without_one(world, board):
    by_street = _counts(selectors.light_board(world.admin, by="street"))
    assert by_street == {"公园街道办事处": (1, 0, 0, 0, 1), "未明确街道": (1, 1, 2, 1, 5)}


def test_board_by_category(world, board):
    result = _counts(selectors.light_board(world.admin, by="category"))
    assert result == {
        "产业项目": (2, 0, 0, 1, 3),
        "城市建设项目": (0, 0, 1, 0, 1),
        "民生社会事业项目": (0, 1, 1, 0, 2),
    }


def test_city_reader_groups_by_district(world, board):
    city_admin = account("city_admin", Role.OFFICE_ADMIN, world.city, unit(world.city, "市重点项目中心"))
    assert selectors.dimensions_for(city_admin)[0] == "jurisdiction"
    result = selectors.light_board(city_admin, by="jurisdiction")
    assert _counts(result) == {"东湖区": (2, 1, 2, 1, 6), "青山湖区": (1, 0, 0, 0, 1)}
    by_unit = selectors.light_board(city_admin, by="unit")
    assert {r.place for r in by_unit.rows} == {"东湖区", "青山湖区"}  # every district has a 发改委


def test_district_reader_has_no_district_tab(world, board):
    assert selectors.dimensions_for(world.admin) == ["unit", "leader", "category", "street"]


def test_unit_reporter_counts_their_scope_only(world, board):
    result = selectors.light_board(world.reporter, by="unit")
    assert _counts(result) == {"区发改委": (2, 1, 1, 0, 4)}
    # a node of 区发改委 in 区住建局's project brings that project into the reporter's scope
    node(board["e"], "施工许可证", unit=world.dept)
    result = selectors.light_board(world.reporter, by="unit")
    assert _counts(result) == {"区发改委": (2, 1, 1, 0, 4), "区住建局": (0, 0, 1, 0, 1)}


def test_discipline_viewer_sees_no_lights(world, board):
    assert selectors.light_board(world.discipline, by="unit").total == 0


def test_board_is_two_queries_whatever_its_size(world, board):
    for n in range(30):
        light(project(world, responsible_unit=unit(world.district, f"单位{n}")), "green")
    with CaptureQueriesContext(connection) as queries:
        selectors.light_board(world.admin, by="unit")
    assert len(queries) == 2


def test_drill_down_rows_are_worst_first_with_reason_and_late_nodes(world, board):
    late = node(board["a"], "施工许可证", deadline=date(2026, 11, 3), unit=world.other_dept)
    node_light(late, "red", days=12)
    node_light(node(board["a"], "环评", deadline=date(2026, 11, 16)), "yellow", days=3)
    node_light(node(board["a"], "立项"), "done")
    f = parse_filter({"unit": str(world.dept.pk)}, user=world.admin)
    page = selectors.drill_page(world.admin, f)
    assert [r["name"] for r in page.rows] == ["乙项目", "甲项目", "丙项目", "丁项目"]
    first = page.rows[1]
    assert first["reason"] == "施工许可证 超期 12 个工作日"
    assert first["badge"] == {"css": "bg-red text-red-fg", "label": "红灯"}
    assert first["chain_url"] == f"/chains/project/{board['a'].pk}/"
    assert [(n["name"], n["deadline"], n["days"], n["unit"]) for n in first["late"]] == [
        ("施工许可证", "2026-11-03", 12, "区住建局"),
        ("环评", "2026-11-16", 3, "区发改委"),
    ]


def test_drill_down_filters_by_light_and_dimension(world, board):
    def names(**params):
        f = parse_filter({k: str(v) for k, v in params.items()}, user=world.admin)
        return sorted(r["name"] for r in selectors.drill_page(world.admin, f).rows)

    assert names(light="red") == ["乙项目", "甲项目"]
    assert names(light="done") == ["己项目"]
    assert names(leader="none") == ["丁项目", "己项目", "戊项目"]
    assert names(street=world.street_unit.pk, light="red") == ["甲项目"]
    assert names(category="livelihood", light="yellow") == ["丙项目"]
    assert names(unit=world.foreign_unit.pk) == []  # another district's unit: nothing in scope


def test_drill_down_shows_override_beside_computed(world):
    p = project(world, name="调整项目")
    light(
        p,
        "yellow",
        color="red",
        override_color="yellow",
        override_reason="调度会议定",
        override_by=world.admin,
    )
    row = selectors.drill_page(world.admin, LightFilter()).rows[0]
    assert row["badge"]["label"] == "黄灯"
    assert row["overridden"] and row["computed"]["label"] == "红灯"
    assert row["override_reason"] == "调度会议定"


def test_bad_filter_values_are_named_and_ignored(world):
    f = parse_filter(
        {"light": "purple", "unit": "abc", "category": "x", "jurisdiction": "999999", "leader": "9" * 30},
        user=world.admin,
    )
    assert f == LightFilter()
    assert len(f.problems) == 5
    assert "亮灯“purple”无效" in f.problems[0]


def test_jurisdiction_filter_for_the_readers_own_level_is_exact(world, board):
    city_admin = account("city_admin", Role.OFFICE_ADMIN, world.city, unit(world.city, "市重点项目中心"))
    light(project(world, name="市本级项目", jurisdiction=world.city, responsible_unit=world.dept), "red")
    own = parse_filter({"jurisdiction": str(world.city.pk)}, user=city_admin)
    assert [r["name"] for r in selectors.drill_page(city_admin, own).rows] == ["市本级项目"]
    district = parse_filter({"jurisdiction": str(world.district.pk), "light": "red"}, user=city_admin)
    assert sorted(r["name"] for r in selectors.drill_page(city_admin, district).rows) == ["乙项目", "甲项目"]
    board_rows = _counts(selectors.light_board(city_admin, by="jurisdiction"))
    assert board_rows["南昌市（本级）"] == (1, 0, 0, 0, 1)


def test_should_start_list_shows_planned_date_with_precision_and_overdue_days(world):
    p = project(
        world,
        name="应开项目",
        planned_start=date(2026, 9, 1),
        planned_start_precision="month",
        lead_leader=world.leader_person,
    )
    light(p, "red", should_start=True, on=date(2026, 11, 20))
    light(project(world, name="按期项目"), "green")
    page = selectors.should_page(world.admin, "start", LightFilter())
    assert [r["name"] for r in page.rows] == ["应开项目"]
    row = page.rows[0]
    assert row["planned"] == "2026年9月"
    assert row["precision"] == "月"
    # working days after 2026-09-30 up to 2026-11-20: 18 in October (国庆 with its make-up days), 15 in November
    assert row["overdue"] == 33
    assert row["leader"] == "林志远"
    assert selectors.should_page(world.admin, "finish", LightFilter()).count == 0


def test_due_nodes_grouped_by_unit_and_by_leader(world):
    a = project(world, name="甲项目", lead_leader=world.leader_person)
    b = project(world, name="乙项目")
    node_light(node(a, "环评", deadline=date(2026, 11, 24), unit=world.other_dept), "green", due_soon=True)
    node_light(node(b, "立项", deadline=date(2026, 11, 23)), "green", due_soon=True)
    node_light(node(b, "能评", deadline=date(2026, 12, 30)), "green")
    today = date(2026, 11, 20)
    by_unit = selectors.due_nodes(world.admin, by="unit", f=LightFilter(), today=today)
    assert [(g.label, [r["node"] for r in g.rows]) for g in by_unit.groups] == [
        ("区发改委", ["立项"]),
        ("区住建局", ["环评"]),
    ]
    assert by_unit.groups[0].rows[0]["left"] == "1 个工作日"  # Friday → Monday
    by_leader = selectors.due_nodes(world.admin, by="leader", f=LightFilter(), today=today)
    assert [(g.label, g.count) for g in by_leader.groups] == [("林志远", 1), ("未明确挂点领导", 1)]
    only = selectors.due_nodes(world.admin, by="unit", f=LightFilter(unit=world.other_dept.pk), today=today)
    assert [r["node"] for g in only.groups for r in g.rows] == ["环评"]


def test_week_ends_are_sundays_and_today():
    ends = week_ends(date(2026, 11, 19), weeks=3)  # a Thursday
    assert ends == [date(2026, 11, 8), date(2026, 11, 15), date(2026, 11, 19)]


def test_state_at_a_date_is_the_last_change_on_or_before_it():
    ends = [date(2026, 1, 4), date(2026, 1, 11), date(2026, 1, 18)]
    changes = [
        (1, date(2026, 1, 1), "green"),
        (1, date(2026, 1, 11), "yellow"),
        (1, date(2026, 1, 12), "red"),
        (2, date(2026, 1, 5), "green"),
        (2, date(2026, 1, 5), "done"),
    ]
    counts = states_at(changes, ends)
    assert [(c["green"], c["yellow"], c["red"], c["done"]) for c in counts] == [
        (1, 0, 0, 0),
        (0, 1, 0, 1),
        (0, 0, 1, 1),
    ]


def test_trend_rebuilds_weekly_counts_from_changes_in_scope(world):
    a = project(world, name="甲项目")
    b = project(world, name="乙项目", responsible_unit=world.other_dept)
    x = project(
        world, name="外区项目", jurisdiction=world.other_district, responsible_unit=world.foreign_unit
    )
    change(a, date(2026, 10, 1), "green")
    change(a, date(2026, 11, 10), "red", old="green")
    change(b, date(2026, 11, 2), "yellow")
    change(x, date(2026, 10, 1), "red")
    today = date(2026, 11, 18)
    trend = selectors.light_trend(world.admin, LightFilter(), today=today, weeks=4)
    assert [r["end"] for r in trend.rows] == ["2026-11-01", "2026-11-08", "2026-11-15", "2026-11-18"]
    assert trend.series["green"] == [1, 1, 0, 0]
    assert trend.series["yellow"] == [0, 1, 1, 1]
    assert trend.series["red"] == [0, 0, 1, 1]
    assert trend.rows[-1]["partial"] is True
    one_unit = selectors.light_trend(world.admin, LightFilter(unit=world.other_dept.pk), today=today, weeks=4)
    assert one_unit.series["yellow"] == [0, 1, 1, 1] and one_unit.series["red"] == [0, 0, 0, 0]
    assert (
        selectors.light_trend(world.reporter, LightFilter(), today=today, weeks=4).series["yellow"] == [0] * 4
    )


def test_wall_lists_units_behind_worst_first(world, board):
    result, behind, calm = selectors.wall_board(world.admin, by="unit")
    assert [r.label for r in behind] == ["区发改委"]
    assert calm == 1


def test_filter_in_words(world, board):
    lin = world.leader_person.pk
    assert (
        selectors.describe_filter(world.admin, LightFilter(leader=lin, light="red"))
        == "挂点领导：林志远 · 红灯"
    )
    assert selectors.describe_filter(world.admin, LightFilter(street=0)) == "街道：未明确"
    assert selectors.describe_filter(world.admin, LightFilter(light="green")) == "全部项目 · 绿灯"
    assert (
        selectors.describe_filter(world.admin, LightFilter(category="livelihood"))
        == "项目类别：民生社会事业项目"
    )
