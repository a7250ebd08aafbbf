"""Access rows of the project page and the create/edit pages (tuijin/projects/detail_urls.py).

The project belongs to 区发改委 (world.dept), so its unit head and reporter read it; the reporter and the
unit head edit its content, the unit head records its stage moves, the office does everything."""

from datetime import date

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
UNIT_EDITORS = frozenset({"office_admin", "unit_head", "unit_reporter"})
STAGE_MOVERS = frozenset({"office_admin", "unit_head"})


def _project(w, stage="preparation"):
    from tests.projects.factories import project

    return project(w, stage=stage)


def _funding_none() -> dict:
    return {"funding-TOTAL_FORMS": "0", "funding-INITIAL_FORMS": "0"}


def _project_post(w) -> dict:
    return {
        "name": "东湖区新建项目",
        "category": "industry",
        "total_investment": "12000",
        "responsible_unit": w.dept.pk,
        "planned_start_precision": "week",
        "planned_completion_precision": "month",
        "planned_production_precision": "month",
        "stage": "planning",
        "content": "建设内容",
        **_funding_none(),
    }


def _today() -> str:
    return date.today().isoformat()


ROWS = [
    Row("projects:detail", "GET", lambda w: f"/projects/{_project(w).pk}/", READERS),
    Row("projects:create", "GET", lambda w: "/projects/new/", ADMIN),
    Row("projects:create", "POST", lambda w: "/projects/new/", ADMIN, data=_project_post, ok_status=(302,)),
    Row("projects:edit", "GET", lambda w: f"/projects/{_project(w).pk}/edit/", UNIT_EDITORS),
    Row(
        "projects:edit",
        "POST",
        lambda w: f"/projects/{_project(w).pk}/edit/",
        UNIT_EDITORS,
        data=_project_post,
        ok_status=(302,),
    ),
    Row(
        "projects:move_stage",
        "POST",
        lambda w: f"/projects/{_project(w).pk}/stage/",
        STAGE_MOVERS,
        data=lambda w: {"to_stage": "started", "on": _today()},
        ok_status=(302,),
    ),
    Row(
        "projects:handover",
        "POST",
        lambda w: f"/projects/{_project(w, 'registered').pk}/handover/",
        ADMIN,
        data=lambda w: {"op": "open", "kind": "to_office", "since": _today()},
        ok_status=(302,),
    ),
    Row(
        "projects:investment",
        "POST",
        lambda w: f"/projects/{_project(w).pk}/investment/",
        ADMIN,
        data=lambda w: {"year": date.today().year, "month": date.today().month, "amount": "100"},
        ok_status=(302,),
    ),
]
