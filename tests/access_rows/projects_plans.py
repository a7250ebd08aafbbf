"""Access rows of the annual plan pages (tuijin/projects/plan_urls.py)."""

from decimal import Decimal

from tests.access_table import ADMIN, DIRECTORY, Row

DECISION = {
    "decided_by": "区重大重点项目推进工作领导小组会议",
    "decided_on": "2020-01-10",
    "document_number": "",
    "reason": "测试",
}


def _plan(w, *, issued=True):
    from tuijin.projects.models import AnnualPlan

    plan, _ = AnnualPlan.objects.get_or_create(
        jurisdiction=w.district,
        year=2020,
        defaults={"title": "2020年东湖区重大重点项目计划", "document": "东重组〔2020〕1号" if issued else ""},
    )
    return plan


def _project(w, name):
    from tuijin.projects.models import Project

    project, _ = Project.objects.get_or_create(
        name=name,
        defaults={
            "jurisdiction": w.district,
            "category": "industry",
            "total_investment": Decimal(1000),
            "responsible_unit": w.dept,  # the reporter's and unit head's unit: they read its entry
        },
    )
    return project


def _entry(w):
    from tuijin.projects.models import PlanEntry

    entry, _ = PlanEntry.objects.get_or_create(
        plan=_plan(w),
        project=_project(w, "已列入项目"),
        defaults={"plan_type": "new_start", "planned_investment": Decimal(500)},
    )
    return entry


def _entry_url(w, action=""):
    entry = _entry(w)
    return f"/projects/plans/{entry.plan_id}/entries/{entry.pk}/{action}"


def _values(**extra):
    return {"plan_type": "continuing", "planned_investment": "300", **DECISION, **extra}


ROWS = [
    Row("projects:plans", "GET", lambda w: "/projects/plans/", DIRECTORY),
    Row("projects:plan_create", "GET", lambda w: "/projects/plans/new/", ADMIN),
    Row(
        "projects:plan_create",
        "POST",
        lambda w: "/projects/plans/new/",
        ADMIN,
        data=lambda w: {
            "jurisdiction": w.district.pk,
            "year": "2021",
            "title": "2021年计划",
            "start_rate_target": "100",
            "investment_rate_target": "100",
            "completion_rate_target": "100",
        },
        ok_status=(302,),
    ),
    Row("projects:plan", "GET", lambda w: f"/projects/plans/{_plan(w).pk}/", DIRECTORY),
    Row("projects:plan_edit", "GET", lambda w: f"/projects/plans/{_plan(w).pk}/edit/", ADMIN),
    Row(
        "projects:plan_edit",
        "POST",
        lambda w: f"/projects/plans/{_plan(w).pk}/edit/",
        ADMIN,
        data=lambda w: {
            "title": "改名",
            "document": "东重组〔2020〕1号",
            "start_rate_target": "90",
            "investment_rate_target": "100",
            "completion_rate_target": "100",
        },
        ok_status=(302,),
    ),
    Row("projects:plan_add", "GET", lambda w: f"/projects/plans/{_plan(w).pk}/add/", ADMIN),
    Row(
        "projects:plan_add",
        "POST",
        lambda w: f"/projects/plans/{_plan(w).pk}/add/",
        ADMIN,
        data=lambda w: _values(project=_project(w, "待增补项目").pk),
        ok_status=(302,),
    ),
    Row("projects:plan_entry", "GET", lambda w: _entry_url(w), DIRECTORY),
    Row(
        "projects:plan_replan",
        "POST",
        lambda w: _entry_url(w, "replan/"),
        ADMIN,
        data=lambda w: _values(),
        ok_status=(302,),
    ),
    Row(
        "projects:plan_remove",
        "POST",
        lambda w: _entry_url(w, "remove/"),
        ADMIN,
        data=lambda w: DECISION,
        ok_status=(302,),
    ),
    Row("projects:plan_rollover", "GET", lambda w: f"/projects/plans/{_plan(w).pk}/rollover/", ADMIN),
    Row(
        "projects:plan_rollover",
        "POST",
        lambda w: f"/projects/plans/{_plan(w).pk}/rollover/",
        ADMIN,
        data=lambda w: {"year": "2021", "title": "2021年计划"},
        ok_status=(302,),
    ),
]
