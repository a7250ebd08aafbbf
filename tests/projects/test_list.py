"""The project list (项目库): search, each filter, sorting, paging, saved filters, scoping, query count."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from tuijin.org.models import AccessDenial, Person
from tuijin.projects import list_services
from tuijin.projects.models import AnnualPlan, PlanEntry, Project, ProjectTag, SavedFilter

YEAR = timezone.localdate().year


# --- a small local builder (tests/projects/factories.py belongs to another part) -------------------


def make_project(world, name, **fields):
    tags = fields.pop("tags", ())
    plan_type = fields.pop("plan_type", None)
    planned = fields.pop("planned", Decimal(0))
    defaults = {
        "jurisdiction": world.district,
        "category": "industry",
        "total_investment": Decimal("1000"),
        "responsible_unit": world.dept,
    }
    project = Project.objects.create(name=name, **{**defaults, **fields})
    if tags:
        project.tags.set(ProjectTag.objects.filter(name__in=tags))
    if plan_type:
        plan_entry(project, plan_type, planned)
    return project


def plan_entry(project, plan_type, planned=Decimal(0), *, year=YEAR):
    plan, _ = AnnualPlan.objects.get_or_create(
        jurisdiction=project.jurisdiction, year=year, defaults={"title": f"{year}年计划"}
    )
    return PlanEntry.objects.create(
        plan=plan, project=project, plan_type=plan_type, planned_investment=planned
    )


def names(response) -> list[str]:
    return re.findall(
        r'<td class="p-name"><a href="/projects/\d+/">([^<]+)</a>',
        response.content.decode(),
    )


@pytest.fixture
def listed(world):
    """Five projects of 东湖区 with different facts, one of 青山湖区 nobody here may see."""
    leader_two = Person.objects.create(jurisdiction=world.district, name="郑立", is_leader=True)
    projects = {
        "plant": make_project(
            world,
            "新能源电池工厂",
            code="2024-360102-38-03-000001",
            owner="赣江新能源有限公司",
            total_investment=Decimal("250000"),
            tags=["省重点"],
            stage="construction",
            planned_start=date(YEAR, 3, 1),
            planned_start_precision="month",
            lead_leader=world.leader_person,
            street=world.street_unit,
            plan_type="continuing",
            planned=Decimal("60000"),
        ),
        "school": make_project(
            world,
            "八一学校扩建",
            category="livelihood",
            total_investment=Decimal("12000.5"),
            content="新建教学楼 2 栋、风雨操场",
            tags=["区重点"],
            stage="preparation",
            planned_start=date(YEAR, 6, 10),
            lead_leader=leader_two,
            responsible_unit=world.other_dept,
            plan_type="new_start",
            planned=Decimal("3000"),
        ),
        "road": make_project(
            world,
            "滨江路改造",
            category="urban_construction",
            total_investment=Decimal("48000"),
            stage="completed",
            responsible_unit=world.other_dept,
            street=world.street_unit,
            plan_type="completion",
            planned=Decimal("8000"),
        ),
        "park": make_project(
            world,
            "湿地公园",
            category="urban_management",
            total_investment=Decimal("5000"),
            stage="planning",
            plan_type="reserve",
        ),
        "hall": make_project(
            world, "文化馆", category="livelihood", total_investment=Decimal("800"), stage="signed"
        ),
    }
    make_project(
        world, "青山湖物流园", jurisdiction=world.other_district, responsible_unit=world.foreign_unit
    )
    # last year's plan: its plan types must not leak into this year's column or filter
    plan_entry(projects["hall"], "new_start", Decimal("100"), year=YEAR - 1)
    return projects


# --- the page ---------------------------------------------------------------------------------------


def test_list_shows_each_column_prepared(world, listed, client_for):
    response = client_for(world.admin).get("/projects/")
    assert response.status_code == 200
    text = response.content.decode()
    plant = listed["plant"]
    row = text[text.index(f'href="/projects/{plant.pk}/"') :].split("</tr>")[0]
    for cell in (
        "新能源电池工厂",
        "2024-360102-38-03-000001",
        "<td>产业</td>",
        "省重点",
        "250,000.00",
        "60,000.00",
        "续建",
        "在建",
        f"{YEAR}年3月",
        "林志远",
        "区发改委",
        "公园街道",
    ):
        assert cell in row, cell
    assert f"{YEAR}年计划投资" in text and "计划类型" in text
    assert "青山湖物流园" not in text
    assert 'id="project-count">5<' in text


def test_list_menu_entry_and_buttons_by_role(world, listed, client_for):
    text = client_for(world.admin).get("/projects/").content.decode()
    assert 'href="/projects/"' in text and "项目库" in text
    assert 'id="btn-create"' in text and 'id="btn-import"' in text and 'id="btn-export"' in text
    text = client_for(world.reporter).get("/projects/").content.decode()
    assert 'id="btn-create"' not in text and 'id="btn-import"' not in text
    assert 'id="btn-export"' in text


def test_discipline_viewer_is_refused(world, client_for):
    response = client_for(world.discipline).get("/projects/")
    assert response.status_code == 403
    assert AccessDenial.objects.filter(user=world.discipline, path="/projects/").exists()
    home = client_for(world.discipline).get("/").content.decode()
    assert 'href="/projects/"' not in home


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=电池", ["新能源电池工厂"]),
        ("q=2024-360102-38", ["新能源电池工厂"]),
        ("q=赣江新能源", ["新能源电池工厂"]),
        ("q=风雨操场", ["八一学校扩建"]),
        ("category=livelihood", ["八一学校扩建", "文化馆"]),
        ("tag={province}", ["新能源电池工厂"]),
        ("plan_type=new_start", ["八一学校扩建"]),
        (f"plan_type=new_start&year={YEAR - 1}", ["文化馆"]),
        ("plan_type=reserve", ["湿地公园"]),
        ("stage=construction", ["新能源电池工厂"]),
        ("library=reserve", ["八一学校扩建", "湿地公园", "文化馆"]),
        ("library=construction", ["新能源电池工厂"]),
        ("library=completed", ["滨江路改造"]),
        ("unit={other_dept}", ["八一学校扩建", "滨江路改造"]),
        ("leader={leader}", ["新能源电池工厂"]),
        ("street={street}", ["新能源电池工厂", "滨江路改造"]),
        ("min=10000", ["新能源电池工厂", "八一学校扩建", "滨江路改造"]),
        ("max=12000.5", ["八一学校扩建", "湿地公园", "文化馆"]),
        ("min=5000&max=48000", ["八一学校扩建", "滨江路改造", "湿地公园"]),
        ("min=1,000", ["新能源电池工厂", "八一学校扩建", "滨江路改造", "湿地公园"]),
        ("category=livelihood&stage=signed", ["文化馆"]),
    ],
)
def test_each_filter(world, listed, client_for, query, expected):
    query = query.format(
        province=ProjectTag.objects.get(name="省重点").pk,
        other_dept=world.other_dept.pk,
        leader=world.leader_person.pk,
        street=world.street_unit.pk,
    )
    response = client_for(world.admin).get(f"/projects/?{query}&sort=total")
    assert sorted(names(response)) == sorted(expected)


def test_invalid_filters_are_ignored_and_named(world, listed, client_for):
    response = client_for(world.admin).get("/projects/?stage=flying&min=abc&per=30&sort=colour&unit=x")
    assert response.status_code == 200
    text = response.content.decode()
    assert "所处阶段“flying”不存在，已忽略" in text
    assert "总投资下限应为不小于 0 的数" in text
    assert "每页条数只能是 20、50、100" in text
    assert "排序“colour”不存在" in text
    assert len(names(response)) == 5


def test_min_above_max_is_swapped(world, listed, client_for):
    response = client_for(world.admin).get("/projects/?min=48000&max=5000")
    assert "已互换" in response.content.decode()
    assert sorted(names(response)) == sorted(["八一学校扩建", "滨江路改造", "湿地公园"])


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", None),  # checked against Python's ordering of the names below
        ("-total", ["新能源电池工厂", "滨江路改造", "八一学校扩建", "湿地公园", "文化馆"]),
        ("total", ["文化馆", "湿地公园", "八一学校扩建", "滨江路改造", "新能源电池工厂"]),
        ("start", ["新能源电池工厂", "八一学校扩建", "滨江路改造", "湿地公园", "文化馆"]),
        ("stage", ["湿地公园", "文化馆", "八一学校扩建", "新能源电池工厂", "滨江路改造"]),
        ("-stage", ["滨江路改造", "新能源电池工厂", "八一学校扩建", "文化馆", "湿地公园"]),
        ("-planned", ["新能源电池工厂", "滨江路改造", "八一学校扩建", "湿地公园", "文化馆"]),
        ("planned", ["湿地公园", "八一学校扩建", "滨江路改造", "新能源电池工厂", "文化馆"]),
    ],
)
def test_sorting(world, listed, client_for, sort, expected):
    got = names(client_for(world.admin).get(f"/projects/?sort={sort}"))
    if expected is None:
        by_name = [p.name for p in Project.objects.filter(jurisdiction=world.district).order_by("name", "id")]
        assert got == by_name
    else:
        assert got == expected  # empty values (no start, no plan entry) come last either way


def test_sort_links_toggle_direction_and_keep_filters(world, listed, client_for):
    text = client_for(world.admin).get("/projects/?category=livelihood&sort=total").content.decode()
    assert 'href="/projects/?category=livelihood&amp;sort=-total"' in text
    assert 'href="/projects/?category=livelihood&amp;sort=name"' in text


@pytest.fixture
def many(world):
    return [
        make_project(
            world,
            f"项目{n:03d}",
            total_investment=Decimal(n),
            tags=["区重点", "三看"],
            plan_type="continuing",
        )
        for n in range(1, 106)
    ]


@pytest.mark.parametrize(("per", "shown", "pages"), [("", 20, 6), ("50", 50, 3), ("100", 100, 2)])
def test_page_sizes(world, many, client_for, per, shown, pages):
    response = client_for(world.admin).get(f"/projects/?sort=total&per={per}")
    got = names(response)
    assert len(got) == shown
    assert got[0] == "项目001"
    assert f"第 1/{pages} 页" in response.content.decode()


def test_second_page_numbers_rows_on(world, many, client_for):
    response = client_for(world.admin).get("/projects/?sort=total&per=50&page=2")
    text = response.content.decode()
    assert names(response)[0] == "项目051"
    assert '<td class="p-number">51</td>' in text
    assert 'href="/projects/?sort=total&amp;per=50&amp;page=3"' in text
    # a page past the end shows the last page
    assert names(client_for(world.admin).get("/projects/?sort=total&page=99"))[-1] == "项目105"


@pytest.mark.parametrize("per", [20, 50, 100])
def test_query_count_does_not_grow_with_page_size(world, many, client_for, django_assert_num_queries, per):
    client = client_for(world.admin)
    client.get("/projects/")  # session and first-request work out of the way
    # session, user, count, page ids, rows, plan entries, tags, saved filters, filter choices (units,
    # leaders, plan years, tags), the calendar banner's version check
    with django_assert_num_queries(13):
        response = client.get(f"/projects/?per={per}&sort=-planned")
    assert len(names(response)) == per


@pytest.mark.parametrize("per", [20, 100])
def test_htmx_swap_renders_the_results_only(world, many, client_for, django_assert_num_queries, per):
    client = client_for(world.admin)
    client.get("/projects/")
    with django_assert_num_queries(9):
        response = client.get(
            f"/projects/?per={per}&category=industry&q=",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="project-results",
        )
    text = response.content.decode()
    assert "<html" not in text and 'id="project-filters"' not in text
    assert 'id="project-results"' in text and len(names(response)) == per
    assert f'id="f-per" value="{per}"' in text and 'hx-swap-oob="true"' in text
    expected = f"/projects/?category=industry&per={per}" if per != 20 else "/projects/?category=industry"
    assert response["HX-Push-Url"] == expected
    assert "HX-Request" in response["Vary"]


# --- scoping ------------------------------------------------------------------------------------------


def test_unit_staff_see_their_units_projects_only(world, listed, client_for):
    school = listed["school"]
    school.secondary_units.add(world.dept)  # works on it as a secondary unit: readable
    got = names(client_for(world.reporter).get("/projects/"))
    assert sorted(got) == sorted(["新能源电池工厂", "湿地公园", "文化馆", "八一学校扩建"])
    assert "滨江路改造" not in got
    # no duplicates when a project matches through several links
    listed["plant"].secondary_units.add(world.dept)
    assert len(names(client_for(world.unit_head).get("/projects/?sort=-total"))) == 4


def test_other_district_admin_sees_only_their_projects(world, listed, client_for):
    assert names(client_for(world.foreign_admin).get("/projects/")) == ["青山湖物流园"]


def test_leader_and_supervisor_see_the_whole_district(world, listed, client_for):
    for persona in (world.leader, world.supervisor):
        assert len(names(client_for(persona).get("/projects/"))) == 5


# --- saved filters ------------------------------------------------------------------------------------


def test_save_apply_and_delete_a_filter(world, listed, client_for):
    client = client_for(world.admin)
    response = client.post(
        "/projects/filters/",
        {"name": "民生项目", "query": "category=livelihood&page=3&bogus=1", "next": "/projects/"},
    )
    saved = SavedFilter.objects.get(user=world.admin, name="民生项目")
    assert saved.query == "category=livelihood"
    assert response["Location"] == "/projects/?category=livelihood"
    text = client.get("/projects/").content.decode()
    assert 'href="/projects/?category=livelihood">民生项目</a>' in text
    assert sorted(names(client.get("/projects/?" + saved.query))) == ["八一学校扩建", "文化馆"]

    # saving under the same name replaces the query
    client.post("/projects/filters/", {"name": "民生项目", "query": "category=livelihood&stage=signed"})
    assert (
        SavedFilter.objects.get(user=world.admin, name="民生项目").query == "category=livelihood&stage=signed"
    )

    response = client.post(f"/projects/filters/{saved.pk}/delete/", {"next": "/projects/?stage=signed"})
    assert response.status_code == 302 and response["Location"] == "/projects/?stage=signed"
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saved_filter_needs_a_name(world, client_for):
    response = client_for(world.admin).post(
        "/projects/filters/", {"name": "  ", "query": "stage=signed"}, follow=True
    )
    assert "请填写筛选名称" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_saved_filters_are_private(world, listed, client_for):
    mine = list_services.saved_filter_save(user=world.admin, name="我的筛选", query="stage=signed")
    list_services.saved_filter_save(user=world.leader, name="领导的筛选", query="stage=planning")
    text = client_for(world.leader).get("/projects/").content.decode()
    assert "领导的筛选" in text and "我的筛选" not in text

    response = client_for(world.leader).post(f"/projects/filters/{mine.pk}/delete/")
    assert response.status_code == 403
    assert "无权删除他人保存的常用筛选" in response.content.decode()
    assert SavedFilter.objects.filter(pk=mine.pk).exists()
    assert AccessDenial.objects.filter(
        user=world.leader, path=f"/projects/filters/{mine.pk}/delete/"
    ).exists()
    assert client_for(world.admin).post("/projects/filters/999999/delete/").status_code == 404


def test_saved_filter_redirect_ignores_foreign_next(world, client_for):
    saved = list_services.saved_filter_save(user=world.admin, name="x", query="")
    response = client_for(world.admin).post(
        f"/projects/filters/{saved.pk}/delete/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/projects/"


def test_city_office_sees_every_district_with_units_grouped(world, listed, client_for):
    from tests.factories import account
    from tuijin.org.models import Role

    city_admin = account("city_admin", Role.OFFICE_ADMIN, world.city)
    text = client_for(city_admin).get("/projects/").content.decode()
    assert 'id="project-count">6<' in text
    assert '<optgroup label="东湖区">' in text
    assert f'<option value="{world.dept.pk}">区发改委</option>' in text
    assert '<optgroup label="青山湖区">' in text
    selected = client_for(city_admin).get(f"/projects/?unit={world.foreign_unit.pk}").content.decode()
    assert f'<option value="{world.foreign_unit.pk}" selected>青山湖区发改委</option>' in selected


def test_names_are_escaped_in_rows_and_choices(world, client_for):
    from tests.factories import unit

    odd = unit(world.district, '<b>"坏"单位</b>')
    make_project(world, "<script>alert(1)</script>", responsible_unit=odd)
    text = client_for(world.admin).get("/projects/").content.decode()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert '<b>"坏"单位</b>' not in text
    assert f'<option value="{odd.pk}">&lt;b&gt;&quot;坏&quot;单位&lt;/b&gt;</option>' in text


def test_city_office_sees_each_projects_district(world, listed, client_for):
    from tests.factories import account
    from tuijin.org.models import Role

    text = client_for(account("city", Role.OFFICE_ADMIN, world.city)).get("/projects/").content.decode()
    assert '<div class="p-code">东湖区 · 2024-360102-38-03-000001</div>' in text
    assert '<div class="p-code">青山湖区</div>' in text
    text = client_for(world.admin).get("/projects/").content.decode()
    assert '<div class="p-code">2024-360102-38-03-000001</div>' in text  # one's own district goes unsaid
