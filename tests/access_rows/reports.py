"""Access rows of reports (issue 5 parts 1–3): the unit's week and month pages, the head's approval, the
office's review, a report's history, photos and camera links."""

from datetime import date

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}  # reports.view: subtree readers and unit staff
UNIT_STAFF = frozenset({"unit_head", "unit_reporter"})
HEAD = frozenset({"unit_head"})
PHOTO = frozenset({"office_admin", "unit_head", "unit_reporter"})  # office, or the responsible unit


def _project(w):
    from tests.projects.factories import project

    return project(w, name="周报访问项目", stage="construction")


def _new_start(w):
    """A project of 区发改委 planned to start today (it owes this week's 本周新开工)."""
    from django.utils import timezone

    from tests.projects.factories import project
    from tuijin.projects.models import Project

    return Project.objects.filter(name="新开工访问项目").first() or project(
        w, name="新开工访问项目", planned_start=timezone.localdate()
    )


def _this_week():
    from django.utils import timezone

    from tuijin.reports import rules

    return rules.period_start("weekly", timezone.localdate())


def _submitted(w):
    from tuijin.reports import services

    p = _project(w)
    services.report_submit(
        user=w.reporter,
        unit=w.dept,
        kind="weekly",
        period_start=_this_week(),
        rows={p.pk: {"progress": "桩基施工", "responsible_person": "张三"}},
    )
    from tuijin.reports.models import Report

    return Report.objects.get(project=p)


def _approved(w):
    from tuijin.reports import services

    report = _submitted(w)
    services.report_approve(user=w.unit_head, unit=w.dept, kind="weekly", period_start=report.period_start)
    report.refresh_from_db()
    return report


def _seen(status):
    """What the approval / review page posts: the reports it shows with their `events` counters."""
    from tuijin.reports.models import Report

    return [f"{r.pk}:{r.events}" for r in Report.objects.filter(status=status)]


def _photo(w):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tuijin.reports import services

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 200)).save(out, "PNG")
    return services.photo_upload(
        user=w.admin,
        project=_project(w),
        file=SimpleUploadedFile("a.png", out.getvalue()),
        taken_on=date(2024, 6, 1),
    )


def _camera(w):
    from tuijin.reports.models import CameraLink

    return CameraLink.objects.create(project=_project(w), name="东门", url="https://cam.example/1")


ROWS = [
    Row("reports:weekly", "GET", lambda w: "/reports/weekly/", READERS),
    Row("reports:monthly", "GET", lambda w: "/reports/monthly/", READERS),
    Row(
        "reports:weekly",
        "POST",
        lambda w: _project(w) and "/reports/weekly/",
        UNIT_STAFF,
        data=lambda w: {
            "op": "save",
            "pid": w.dept.projects.get().pk,
            f"p{w.dept.projects.get().pk}-progress": "草稿",
        },
        ok_status=(302,),
    ),
    Row("reports:new_starts", "GET", lambda w: "/reports/new-starts/", READERS),
    Row(
        "reports:new_starts",
        "POST",
        lambda w: _new_start(w) and "/reports/new-starts/",
        UNIT_STAFF,
        data=lambda w: {
            "op": "save",
            "pid": _new_start(w).pk,
            f"p{_new_start(w).pk}-progress": "场地平整",
            f"p{_new_start(w).pk}-ceremony_held": "no",
        },
        ok_status=(302,),
    ),
    Row("reports:approvals", "GET", lambda w: "/reports/approvals/new_starts/", HEAD),
    Row("reports:review_new_starts", "GET", lambda w: "/reports/review/new-starts/", ADMIN),
    Row("reports:approvals", "GET", lambda w: "/reports/approvals/", HEAD),
    Row("reports:approvals", "GET", lambda w: "/reports/approvals/monthly/", HEAD),
    Row(
        "reports:approvals",
        "POST",
        lambda w: _submitted(w) and "/reports/approvals/weekly/",
        HEAD,
        data=lambda w: {"op": "approve", "period": _this_week().isoformat(), "seen": _seen("submitted")},
        ok_status=(302,),
    ),
    Row("reports:review_weekly", "GET", lambda w: "/reports/review/weekly/", ADMIN),
    Row("reports:review_monthly", "GET", lambda w: "/reports/review/monthly/", ADMIN),
    Row("reports:review", "GET", lambda w: "/reports/review/weekly/", ADMIN),
    Row("reports:review_unit", "GET", lambda w: f"/reports/review/weekly/{w.dept.pk}/", ADMIN),
    Row(
        "reports:review_unit",
        "POST",
        lambda w: f"/reports/review/weekly/{_approved(w).unit_id}/",
        ADMIN,
        data=lambda w: {"op": "accept_all", "period": _this_week().isoformat(), "seen": _seen("approved")},
        ok_status=(302,),
    ),
    Row("reports:detail", "GET", lambda w: f"/reports/{_submitted(w).pk}/", READERS),
    Row("reports:photo", "GET", lambda w: f"/reports/photos/{_photo(w).pk}/", READERS),
    Row(
        "reports:photo_upload",
        "POST",
        lambda w: f"/reports/photos/upload/{_project(w).pk}/",
        PHOTO,
        data=lambda w: {"taken_on": "2024-06-01"},
        ok_status=(302,),
    ),
    Row(
        "reports:camera_add",
        "POST",
        lambda w: f"/reports/cameras/add/{_project(w).pk}/",
        ADMIN,
        data=lambda w: {"name": "西门", "url": "https://cam.example/2"},
        ok_status=(302,),
    ),
    Row(
        "reports:camera_delete",
        "POST",
        lambda w: f"/reports/cameras/{_camera(w).pk}/delete/",
        ADMIN,
        ok_status=(302,),
    ),
]
