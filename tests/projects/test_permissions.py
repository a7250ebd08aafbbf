"""Reads and writes agree: unit staff write only projects they can read."""

from datetime import date

from tests.projects.factories import project
from tuijin.core.access import can, scope
from tuijin.org.models import AccessDenial
from tuijin.projects.models import Project


def _city_project_run_by_a_district_department(world):
    """A city project whose responsible unit is 东湖区's 区发改委: above the district's subtree."""
    return project(world, jurisdiction=world.city, name="市图书馆新建", responsible_unit=world.dept)


def test_unit_staff_cannot_read_or_write_a_project_above_their_jurisdiction(world):
    p = _city_project_run_by_a_district_department(world)
    assert not scope(world.reporter, Project.objects.filter(pk=p.pk)).exists()
    assert not can(world.reporter, "projects.edit", p)
    assert not can(world.unit_head, "projects.move_stage", p)


def test_unit_staff_still_write_their_own_district_projects(world):
    p = project(world)
    assert can(world.reporter, "projects.edit", p)
    assert not can(world.reporter, "projects.edit_all", p)
    assert can(world.unit_head, "projects.move_stage", p)
    assert not can(world.reporter, "projects.move_stage", p)


def test_the_forged_edit_and_stage_posts_are_refused_and_logged(world, client_for):
    p = _city_project_run_by_a_district_department(world)
    response = client_for(world.reporter).post(f"/projects/{p.pk}/edit/", {"content": "改写"})
    assert response.status_code == 403
    response = client_for(world.unit_head).post(
        f"/projects/{p.pk}/stage/", {"to_stage": "started", "on": date(2026, 1, 5).isoformat()}
    )
    assert response.status_code == 403
    assert AccessDenial.objects.filter(path=f"/projects/{p.pk}/stage/").exists()
    p.refresh_from_db()
    assert p.content == "" and p.stage == "preparation"
