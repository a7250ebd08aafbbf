"""The directory: jurisdictions, units, people and the leading group, read through the access scope and
maintained by office admins in Django admin."""

from tuijin.core.access import scope
from tuijin.org.models import Jurisdiction, Person, Unit


def test_jurisdiction_path_makes_subtrees(world):
    assert world.district.path == "/36/3601/360102/"
    assert world.street.path == "/36/3601/360102/360102001/"
    subtree = Jurisdiction.objects.filter(path__startswith=world.district.path)
    assert set(subtree) == {world.district, world.street}


def test_subtree_readers_see_their_district_only(world):
    for user in (world.admin, world.leader, world.supervisor):
        names = set(scope(user, Unit.objects.all()).values_list("name", flat=True))
        assert "区发展和改革委员会" in names
        assert "青山湖区发改委" not in names


def test_unit_staff_see_the_unit_list_but_only_their_own_people(world):
    assert scope(world.reporter, Unit.objects.all()).count() == 6
    people = set(scope(world.reporter, Person.objects.all()).values_list("name", flat=True))
    assert people == {"周文博"}


def test_discipline_viewer_reads_no_directory(world):
    assert not scope(world.discipline, Unit.objects.all()).exists()
    assert not scope(world.discipline, Person.objects.all()).exists()


def test_units_page_filters_by_kind_and_text(world, client_for):
    client = client_for(world.leader)
    text = client.get("/org/units/?kind=street").content.decode()
    assert "公园街道办事处" in text and "区发展和改革委员会" not in text
    text = client.get("/org/units/?q=发改").content.decode()
    assert "区发展和改革委员会" in text and "公园街道办事处" not in text


def test_people_page_shows_units_in_charge(world, client_for):
    text = client_for(world.admin).get("/org/people/?leaders=1").content.decode()
    assert "林志远" in text and "区发改委" in text and "吴晓" not in text


def test_leading_group_page_lists_members_with_roles(world, client_for):
    text = client_for(world.reporter).get("/org/leading-group/").content.decode()
    assert "东湖区重大重点项目推进工作领导小组" in text and "副组长" in text and "林志远" in text


def test_admin_site_is_for_office_admins_only(world, client_for):
    assert client_for(world.admin).get("/admin/org/unit/").status_code == 200
    for user in (world.leader, world.supervisor, world.reporter):
        assert client_for(user).get("/admin/org/unit/").status_code == 302


def test_admin_site_lists_only_the_admins_district(world, client_for):
    text = client_for(world.admin).get("/admin/org/unit/").content.decode()
    assert "区发展和改革委员会" in text and "青山湖区发改委" not in text


def test_duplicate_unit_in_admin_gets_chinese_error_and_nothing_saved(world, client_for):
    before = Unit.objects.count()
    response = client_for(world.admin).post(
        "/admin/org/unit/add/",
        {
            "jurisdiction": world.district.pk,
            "name": "区发展和改革委员会",
            "kind": "department",
            "sort": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "包含 所属辖区 和 单位名称 的 责任单位 已经存在" in response.content.decode()
    assert Unit.objects.count() == before


def test_unit_edits_keep_history_with_author(world, client_for):
    client = client_for(world.admin)
    client.post(
        f"/admin/org/unit/{world.dept.pk}/change/",
        {
            "jurisdiction": world.district.pk,
            "name": "区发展和改革委员会",
            "short_name": "发改委",
            "kind": "department",
            "rank_group": "区直单位",
            "sort": 0,
            "is_active": "on",
        },
    )
    latest = world.dept.history.first()
    assert latest.short_name == "发改委" and latest.history_user == world.admin


def test_admin_forms_offer_only_the_admins_own_jurisdictions_and_units(world, client_for):
    text = client_for(world.admin).get("/admin/org/person/add/").content.decode()
    assert "东湖区" in text and "区发改委" in text
    assert "青山湖区" not in text and "青山湖区发改委" not in text


def test_a_forged_foreign_jurisdiction_in_admin_is_refused(world, client_for):
    before = Unit.objects.count()
    response = client_for(world.admin).post(
        "/admin/org/unit/add/",
        {"jurisdiction": world.other_district.pk, "name": "冒名单位", "kind": "department", "sort": 0},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert Unit.objects.count() == before


def test_an_office_admin_cannot_add_a_root_jurisdiction(world, client_for):
    response = client_for(world.admin).post(
        "/admin/org/jurisdiction/add/", {"code": "99", "name": "自封省", "level": "province"}
    )
    assert response.status_code == 200
    assert not Jurisdiction.objects.filter(code="99").exists()
    client_for(world.admin).post(
        "/admin/org/jurisdiction/add/",
        {"code": "360102002", "name": "滕王阁街道", "level": "street", "parent": world.district.pk},
    )
    assert Jurisdiction.objects.get(code="360102002").path == "/36/3601/360102/360102002/"


def test_another_districts_admin_cannot_open_history_pages_here(world, client_for):
    client = client_for(world.foreign_admin)
    record = world.dept.history.first()
    assert client.get(f"/admin/org/unit/{world.dept.pk}/history/").status_code == 403
    response = client.post(
        f"/admin/org/unit/{world.dept.pk}/history/{record.history_id}/",
        {"jurisdiction": world.other_district.pk, "name": "被改名", "kind": "department", "sort": 0},
    )
    assert response.status_code == 403
    world.dept.refresh_from_db()
    assert world.dept.name == "区发展和改革委员会"


def test_office_admin_maintains_leading_group_members_in_admin(world, client_for):
    from tuijin.org.models import LeadingGroup

    group = LeadingGroup.objects.get(jurisdiction=world.district)
    text = client_for(world.admin).get(f"/admin/org/leadinggroup/{group.pk}/change/").content.decode()
    assert "领导小组成员" in text and "林志远" in text


def test_a_jurisdiction_code_with_a_slash_is_refused_in_chinese(world, client_for):
    response = client_for(world.admin).post(
        "/admin/org/jurisdiction/add/",
        {"code": "360102/9", "name": "坏代码街道", "level": "street", "parent": world.district.pk},
    )
    assert "行政区划代码只能由数字和字母组成" in response.content.decode()
    assert not Jurisdiction.objects.filter(name="坏代码街道").exists()
