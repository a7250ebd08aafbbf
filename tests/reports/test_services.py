"""Services of reports with the database: the whole week in one request, the head's approval, the
office's acceptance, return and 代填, exactly-once tokens, bad input, photos."""

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tuijin.core.access import AccessDenied
from tuijin.projects.models import InvestmentEntry
from tuijin.reports import services
from tuijin.reports.models import Report, ReportVersion, SitePhoto, SubmissionToken

TODAY = date(2024, 6, 26)  # a Wednesday; the week starts 2024-06-24, due Friday 06-28
WEEK = date(2024, 6, 24)


def _rows(projects, **extra):
    return {
        p.pk: {
            "progress": f"{p.name}本周完成桩基",
            "responsible_person": "张三",
            "basic_facts": "总投资1亿",
            **extra,
        }
        for p in projects
    }


def _submit(world, projects, token=None, **kw):
    return services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects, **kw),
        token=token,
        today=TODAY,
    )


def test_submit_whole_week_in_one_request(world, projects):
    outcome = _submit(world, projects)
    reports = Report.objects.filter(unit=world.dept, kind="weekly", period_start=WEEK)
    assert reports.count() == 3
    assert set(reports.values_list("status", flat=True)) == {"submitted"}
    assert all(r.version == 1 and r.due_on == date(2024, 6, 28) for r in reports)
    assert ReportVersion.objects.filter(report__in=reports, event="submit").count() == 3
    assert len(outcome.report_ids) == 3
    assert "3 个项目" in outcome.message


def test_submit_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    from tests.projects.factories import project

    few = [project(world, stage="construction") for _ in range(2)]
    many = [project(world, stage="construction") for _ in range(40)]
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        _submit(world, few, token="t-few")
    with CaptureQueriesContext(connection) as large:
        _submit(world, many, token="t-many")
    # SQLite splits big bulk statements into batches (its variable limit); PostgreSQL sends one each
    assert len(large.captured_queries) <= len(small.captured_queries) + 3
    assert len(large.captured_queries) <= 18


def test_draft_then_submit_keeps_every_version(world, projects):
    p = projects[0]
    services.report_save_draft(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows={p.pk: {"progress": "初稿"}},
        today=TODAY,
    )
    report = Report.objects.get(project=p)
    assert report.status == "draft" and report.version == 0
    # saving the same text again writes no version
    services.report_save_draft(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows={p.pk: {"progress": "初稿"}},
        today=TODAY,
    )
    _submit(world, [p])
    events = list(report.versions.order_by("seq").values_list("event", "seq"))
    assert events == [("save", 1), ("submit", 2)]


def test_retried_token_writes_nothing_new(world, projects):
    first = _submit(world, projects, token="tok-1")
    again = _submit(world, projects, token="tok-1")
    assert again.replayed and again.report_ids == first.report_ids
    assert ReportVersion.objects.count() == 3
    assert SubmissionToken.objects.count() == 1


def test_second_submission_without_token_is_refused(world, projects):
    _submit(world, projects)
    with pytest.raises(ValidationError) as exc:
        _submit(world, projects)
    assert "不能提交" in str(exc.value)
    assert ReportVersion.objects.count() == 3


def test_another_units_project_is_refused(world, projects):
    from tests.projects.factories import project

    foreign = project(world, stage="construction", name="住建局的项目", responsible_unit=world.other_dept)
    with pytest.raises(AccessDenied) as exc:
        _submit(world, [projects[0], foreign])
    assert "住建局的项目" in exc.value.message
    assert not Report.objects.exists()  # nothing half-saved


def test_reporter_of_another_unit_cannot_fill_this_unit(world, projects):
    from tests.factories import account
    from tuijin.org.models import Role

    other = account("other_reporter", Role.UNIT_REPORTER, world.district, world.other_dept)
    with pytest.raises(AccessDenied):
        services.report_submit(
            user=other, unit=world.dept, kind="weekly", period_start=WEEK, rows=_rows(projects), today=TODAY
        )


def test_future_week_is_refused(world, projects):
    with pytest.raises(ValidationError) as exc:
        services.report_submit(
            user=world.reporter,
            unit=world.dept,
            kind="weekly",
            period_start=date(2024, 7, 1),
            rows=_rows(projects),
            today=TODAY,
        )
    assert "还没到" in str(exc.value)


def test_one_bad_row_saves_nothing(world, projects):
    rows = _rows(projects)
    rows[projects[1].pk]["progress"] = ""
    with pytest.raises(ValidationError) as exc:
        services.report_submit(
            user=world.reporter, unit=world.dept, kind="weekly", period_start=WEEK, rows=rows, today=TODAY
        )
    assert f"p{projects[1].pk}.progress" in exc.value.message_dict
    assert projects[1].name in exc.value.message_dict[f"p{projects[1].pk}.progress"][0]
    assert not ReportVersion.objects.exists()
    assert not Report.objects.exclude(status="draft").exists()


def test_head_approves_office_returns_and_accepts_fix(world, projects):
    _submit(world, projects)
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=TODAY
    )
    assert set(Report.objects.values_list("status", flat=True)) == {"approved"}
    one = Report.objects.get(project=projects[0])
    with pytest.raises(ValidationError):
        services.report_return(user=world.admin, report=one, reason=" ")
    services.report_return(user=world.admin, report=one, reason="进展写得太笼统")
    one.refresh_from_db()
    assert one.status == "returned" and one.return_reason == "进展写得太笼统"
    # the unit fixes and resubmits; the head approves; the office accepts all
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows={projects[0].pk: {"progress": "桩基完成 80%，6 月 30 日前完成", "responsible_person": "张三"}},
        today=TODAY,
    )
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=TODAY
    )
    services.report_accept(user=world.admin, reports=Report.objects.all(), today=TODAY)
    one.refresh_from_db()
    assert one.status == "accepted" and one.version == 2 and one.return_reason == ""
    events = list(one.versions.order_by("seq").values_list("event", flat=True))
    assert events == ["submit", "approve", "return", "submit", "approve", "accept"]


def test_head_of_another_unit_cannot_approve(world, projects):
    from tests.factories import account
    from tuijin.org.models import Role

    _submit(world, projects)
    other_head = account("other_head", Role.UNIT_HEAD, world.district, world.other_dept)
    with pytest.raises(AccessDenied):
        services.report_approve(user=other_head, unit=world.dept, kind="weekly", period_start=WEEK)
    with pytest.raises(AccessDenied):
        services.report_approve(user=world.reporter, unit=world.dept, kind="weekly", period_start=WEEK)


def test_office_cannot_accept_unapproved(world, projects):
    _submit(world, projects)
    with pytest.raises(ValidationError):
        services.report_accept(user=world.admin, reports=Report.objects.all())
    with pytest.raises(AccessDenied):
        services.report_accept(user=world.foreign_admin, reports=Report.objects.all())


def test_proxy_fill_is_marked_and_accepted(world, projects):
    services.report_proxy_fill(
        user=world.admin,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:1]),
        today=TODAY,
    )
    report = Report.objects.get(project=projects[0])
    assert report.is_proxy and report.proxy_by == world.admin and report.status == "accepted"
    assert report.versions.get().is_proxy
    with pytest.raises(AccessDenied):
        services.report_proxy_fill(
            user=world.reporter,
            unit=world.dept,
            kind="weekly",
            period_start=WEEK,
            rows=_rows(projects[1:2]),
            today=TODAY,
        )


def _monthly(world, project, amount, token=None):
    return services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="monthly",
        period_start=date(2024, 6, 1),
        rows={project.pk: {"progress": "主体施工", "investment_completed": amount}},
        token=token,
        today=TODAY,
    )


def test_monthly_investment_becomes_the_library_entry_on_acceptance(world, projects):
    p = projects[0]
    _monthly(world, p, "1200.50")
    assert not InvestmentEntry.objects.exists()
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="monthly", period_start=date(2024, 6, 1), today=TODAY
    )
    services.report_accept(user=world.admin, reports=Report.objects.filter(kind="monthly"), today=TODAY)
    entry = InvestmentEntry.objects.get(project=p, year=2024, month=6)
    assert entry.amount == Decimal("1200.50") and entry.source == "report"
    assert entry.history.count() == 1


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [("-5", "不能为负数"), ("20000", "超过项目总投资"), ("abc", "不是数字"), ("", "没有完成投资填 0")],
)
def test_monthly_bad_investment(world, projects, amount, fragment):
    from tests.projects.factories import invest

    invest(projects[0], 2024, 5, Decimal("500"))
    with pytest.raises(ValidationError) as exc:
        _monthly(world, projects[0], amount)
    assert fragment in exc.value.message_dict[f"p{projects[0].pk}.investment_completed"][0]
    assert not ReportVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_identical_submissions_write_once():
    """Two threads POST the same token at once: one writes, the other replays (PostgreSQL: the unique
    token waits for the first; SQLite: IMMEDIATE transactions follow each other)."""
    from tests.factories import build_world
    from tests.projects.factories import project

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks whole tables across threads (shared cache)")
    world = build_world()
    projects = [project(world, stage="construction") for _ in range(5)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(_submit(world, projects, token="same-token"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(r.replayed for r in results) == [False, True]
    assert ReportVersion.objects.count() == 5


def _png(size=(40, 30)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(out, "PNG")
    return out.getvalue()


def test_photo_upload_makes_thumbnail(world, projects, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    photo = services.photo_upload(
        user=world.reporter,
        project=projects[0],
        file=SimpleUploadedFile("site.png", _png((1600, 1200))),
        taken_on=TODAY,
        caption="桩基施工",
        today=TODAY,
    )
    assert photo.content_type == "image/png" and photo.size > 0
    from PIL import Image

    with photo.thumbnail.open("rb") as handle:
        thumb = Image.open(handle)
        assert max(thumb.size) <= 480


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("report.pdf", b"%PDF-1.4 not an image", "不是 JPEG、PNG 或 WebP 图片"),
        ("fake.jpg", b"hello", "不是 JPEG、PNG 或 WebP 图片"),
        ("big.png", None, "超过"),
    ],
)
def test_bad_photo_refused(world, projects, settings, name, data, fragment):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    data = data if data is not None else _png((400, 400)) + b"0" * 2000
    with pytest.raises(ValidationError) as exc:
        services.photo_upload(
            user=world.reporter,
            project=projects[0],
            file=SimpleUploadedFile(name, data),
            taken_on=TODAY,
            today=TODAY,
        )
    assert fragment in exc.value.message_dict["file"][0]
    assert name in exc.value.message_dict["file"][0]
    assert not SitePhoto.objects.exists()


def test_photo_by_another_unit_refused(world, projects):
    from tests.factories import account
    from tuijin.org.models import Role

    other = account("other_reporter", Role.UNIT_REPORTER, world.district, world.other_dept)
    with pytest.raises(AccessDenied):
        services.photo_upload(
            user=other, project=projects[0], file=SimpleUploadedFile("a.png", _png()), taken_on=TODAY
        )


def test_camera_link(world, projects):
    with pytest.raises(ValidationError):
        services.camera_add(user=world.admin, project=projects[0], name="东门", url="not a url")
    link = services.camera_add(
        user=world.admin, project=projects[0], name="东门", url="https://cam.example/1"
    )
    assert link.pk
    with pytest.raises(AccessDenied):
        services.camera_add(
            user=world.reporter, project=projects[0], name="西门", url="https://cam.example/2"
        )
