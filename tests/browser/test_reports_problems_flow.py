"""Issue 5 "Done when", in a real browser on the demo district (东湖区): the reporter of 区住建局 fills
(沿用上周) and submits the week for all the unit's projects, the head approves, the office returns one
project's report and accepts the fix; the reporter files a problem, the office sorts and assigns it (交办单),
the unit signs, the office supervises (督办单), the unit replies, the office closes it (复核销号). Every step
is checked where people see it: the week pages, the report's history, the problem's timeline and slips,
the project's page and the to-do lists (待办) of the reporter, the head and the office.

The clock is moved to Monday 2024-07-01 09:00 (Asia/Shanghai) with time_machine (ticking), and the demo is
built for that day: week 27 (7月1日—7月7日, due Friday 7月5日) is then not yet reported by anyone, and the
reports are on time (their timestamps come from the clock, so a real 202x clock would mark them 迟报).
Screenshots: var/screenshots/flow5-*.png."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import _seed_level_tags, screenshot

pytestmark = pytest.mark.browser

DAY = date(2024, 7, 1)  # a Monday
NOW = datetime(2024, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WEEK = date(2024, 7, 1)
WEEK_LABEL = "2024年第27周（7月1日—7月7日）周报"
RETURN_REASON = "进展未写明主体结构完成比例，请补充后再报"
FIXED_PROGRESS = "主体结构完成约 65%，7月15日前完成第8层结构施工"

TODO_JS = """() => Object.fromEntries([...document.querySelectorAll('.todo-group')].map(g => [
  g.dataset.todoKey, [...g.querySelectorAll('.todo-item')].map(a => a.innerText.replace(/\\s+/g, ' '))]))"""


@pytest.fixture
def demo_flow(transactional_db, live_server):
    import time_machine

    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.demo.services import demo_build

    # transactional tests flush the tables after each test, migration data included: seed it again
    calendar_seed()
    calendar_refresh()
    _seed_level_tags()
    with time_machine.travel(NOW, tick=True):
        demo_build(today=DAY)
        yield live_server


@pytest.fixture
def login(browser, demo_flow):
    from tuijin.demo.services import DEMO_PASSWORD

    contexts = []

    def open_as(username: str):
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", base_url=demo_flow.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())  # 提交前的确认框
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{demo_flow.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def todo(page) -> dict[str, list[str]]:
    """The user's to-do page: {source key: [item texts]}; the nav badge agrees with the groups' counts."""
    page.goto("/todo/")
    page.wait_for_selector("#todo-page")
    groups = page.evaluate(TODO_JS)
    counts = [int(t) for t in page.locator("#todo-page .todo-count").all_inner_texts()]
    badge = page.locator("#nav-todo-count")
    assert (int(badge.get_attribute("data-todo-count")) if badge.count() else 0) == sum(counts)
    return groups


def items(groups: dict[str, list[str]], key: str, *needles: str) -> list[str]:
    return [text for text in groups.get(key, []) if all(n in text for n in needles)]


def ok(page) -> str:
    page.wait_for_selector(".alert-success")
    return page.inner_text(".alert-success")


def test_week_reported_returned_fixed_and_a_problem_closed_in_the_loop(login, tmp_path):
    from tuijin.org.models import User
    from tuijin.problems.models import Problem, ProblemEvent, Slip
    from tuijin.reports.models import Report, ReportVersion
    from tuijin.reports.selectors import reporting_projects

    reporter_user = User.objects.select_related("unit").get(username="reporter")
    unit = reporter_user.unit
    projects = list(reporting_projects(unit.pk, DAY.year).order_by("pk"))
    assert len(projects) >= 3, "演示数据里区住建局应有多个需报周报的项目"
    assert not Report.objects.filter(unit=unit, kind="weekly", period_start=WEEK).exists()
    week = Report.objects.filter(unit=unit, kind="weekly", period_start=WEEK)
    first, target = projects[0], projects[1]

    reporter = login("reporter")
    head = login("head")
    admin = login("admin")

    # ---- 1. the reporter fills (沿用上周) and submits the week for ALL the unit's projects -----------
    assert items(todo(reporter), "reports.due", WEEK_LABEL), "填报员待办应列出本周周报"
    screenshot(reporter, "flow5-01-reporter-todo")
    reporter.goto("/reports/weekly/")
    assert WEEK_LABEL.removesuffix("周报") in reporter.inner_text(".page-title")
    assert reporter.locator(".report-card").count() == len(projects)
    assert "2024年7月5日" in reporter.inner_text("#due-on")
    reporter.click("#btn-copy")
    reporter.wait_for_selector("#report-form")
    for p in projects:  # every card got last week's content
        assert reporter.input_value(f"#p{p.pk}-progress").strip()
        assert reporter.input_value(f"#p{p.pk}-responsible_person").strip()
    reporter.fill("#id_unit_head_name", "周文博")
    reporter.fill(f"#p{target.pk}-progress", "主体结构施工至第5层")

    # bad input: one card's 最新工作进展 left empty → the Chinese error beside it, nothing saved
    reporter.fill(f"#p{first.pk}-progress", "")
    reporter.click("#btn-submit")
    error = reporter.locator(f"#row-{first.pk} .invalid-feedback")
    error.wait_for()
    assert "请填写最新工作进展" in error.inner_text()
    assert "is-invalid" in reporter.get_attribute(f"#p{first.pk}-progress", "class")
    assert reporter.input_value(f"#p{target.pk}-progress") == "主体结构施工至第5层"  # the rest is kept
    assert not week.exists()
    reporter.screenshot(path=str(_shot("flow5-02-week-error")))  # the top of a long page
    reporter.locator(f"#row-{first.pk}").screenshot(path=str(_shot("flow5-02-week-error-card")))

    reporter.fill(f"#p{first.pk}-progress", "完成桩基施工 28 根，主体结构按计划推进")
    reporter.click("#btn-submit")
    assert f"{len(projects)}" in ok(reporter)
    assert week.count() == len(projects) and set(week.values_list("status", flat=True)) == {"submitted"}
    assert not week.filter(first_submitted_at__date__gt=date(2024, 7, 5)).exists()
    assert reporter.locator('.report-card[data-status="submitted"]').count() == len(projects)
    assert reporter.locator(".report-card .badge", has_text="迟报").count() == 0
    reporter.screenshot(path=str(_shot("flow5-03-week-submitted")))  # the top of a long page

    # a future week is refused in Chinese
    reporter.goto("/reports/weekly/?week=2024-W28")
    assert "还没到，不能填报未来的周报" in reporter.inner_text("#future-period")
    assert reporter.locator("#btn-submit").count() == 0

    reporter_todo = todo(reporter)
    assert not items(reporter_todo, "reports.due", WEEK_LABEL), "提交后本周周报不应再列为待填报"
    assert items(reporter_todo, "reports.due", "2024年7月月报")  # the month is still to do
    head_todo = todo(head)
    approval = items(head_todo, "reports.to_approve", WEEK_LABEL)
    assert approval and f"{len(projects)} 个项目" in approval[0]
    screenshot(head, "flow5-04-head-todo")

    # ---- 2. the head approves (审核通过并报送) ------------------------------------------------------
    head.locator(".todo-item", has_text="第27周").click()
    head.wait_for_selector("#approve-form")
    assert "第27周" in head.inner_text(".page-title")
    head.click("#btn-approve")
    ok(head)
    assert set(week.values_list("status", flat=True)) == {"approved"}
    assert not items(todo(head), "reports.to_approve", WEEK_LABEL)
    review = items(todo(admin), "reports.to_review", unit.name, "第27周")
    assert review and f"{len(projects)} 个项目待审核" in review[0]
    screenshot(admin, "flow5-05-office-todo")

    # ---- 3. the office returns one project's report with a reason ----------------------------------
    admin.locator(".todo-item", has_text=unit.name).filter(has_text="第27周").click()
    admin.wait_for_selector("#accept-all-form")
    report = week.get(project=target)
    card = admin.locator(f"#report-{report.pk}")
    assert "主体结构施工至第5层" in card.inner_text()
    card.locator("input[name=reason]").fill(RETURN_REASON)
    card.locator(".btn-return").click()
    ok(admin)
    report.refresh_from_db()
    assert (report.status, report.return_reason) == ("returned", RETURN_REASON)
    admin.screenshot(path=str(_shot("flow5-06-office-returned")))  # the top of a long page

    returned = items(todo(reporter), "reports.returned", target.name, "第27周")
    assert returned and f"退回原因：{RETURN_REASON}" in returned[0]
    screenshot(reporter, "flow5-07-reporter-todo-returned")
    reporter.locator(".todo-item", has_text=target.name).filter(has_text="第27周").click()
    row = reporter.locator(f"#row-{target.pk}")
    row.wait_for()
    assert "is-returned" in row.get_attribute("class")
    assert RETURN_REASON in row.locator(".return-reason").inner_text()
    assert reporter.locator("#report-form textarea").count() == 4  # only the returned card is editable
    reporter.fill(f"#p{target.pk}-progress", FIXED_PROGRESS)
    reporter.screenshot(path=str(_shot("flow5-08-reporter-fix")))  # the top of a long page
    reporter.click("#btn-submit")
    ok(reporter)
    report.refresh_from_db()
    assert (report.status, report.version) == ("submitted", 2)
    assert not items(todo(reporter), "reports.returned", target.name, "第27周")

    # the head approves the fix (the workflow sends every submission through the head)
    fix = items(todo(head), "reports.to_approve", WEEK_LABEL)
    assert fix and "1 个项目" in fix[0]
    head.locator(".todo-item", has_text="第27周").click()
    head.click("#btn-approve")
    ok(head)
    report.refresh_from_db()
    assert report.status == "approved"

    # the office accepts the fix, then the rest of the unit's week
    admin.reload()  # still on the unit's review page where the to-do link took it
    card = admin.locator(f"#report-{report.pk}")
    assert FIXED_PROGRESS in card.inner_text()
    card.locator(".btn-accept").click()
    ok(admin)
    report.refresh_from_db()
    assert report.status == "accepted"
    admin.click("#btn-accept-all")
    ok(admin)
    assert set(week.values_list("status", flat=True)) == {"accepted"}
    assert not items(todo(admin), "reports.to_review", unit.name, "第27周")

    # the report's history shows every version; the project page shows the accepted report
    admin.goto(f"/reports/{report.pk}/")
    versions = list(ReportVersion.objects.filter(report=report).order_by("seq"))
    assert [v.event for v in versions if v.event != "save"] == [
        "submit",
        "approve",
        "return",
        "submit",
        "approve",
        "accept",
    ]
    shown = admin.locator("#report-history .version")
    assert shown.count() == len(versions)
    history = admin.inner_text("#report-history")
    for label in ("提交", "单位审核通过并报送", "退回", "项目办审核通过"):
        assert label in history
    assert f"原因：{RETURN_REASON}" in history and FIXED_PROGRESS in history
    assert "已通过" in admin.inner_text("#report-now") and "第 2 版" in admin.inner_text("#report-now")
    screenshot(admin, "flow5-09-report-history")
    admin.goto(f"/projects/{target.pk}/")
    entry = admin.locator("#project-report-list a", has_text="第27周")
    assert "已通过" in entry.inner_text()
    admin.locator("#project-reports").screenshot(path=str(_shot("flow5-10-project-reports")))

    # ---- 4. the reporter files a problem (上报问题) ---------------------------------------------------
    reporter.goto(f"/projects/{target.pk}/")
    reporter.locator("#project-problems a", has_text="上报问题").click()
    reporter.wait_for_selector("#problem-file-form")
    assert reporter.input_value("#id_project") == str(target.pk)
    reporter.select_option("#id_kind", "utilities")
    reporter.select_option("#id_grade", "major")
    title = "施工临时用电接入迟迟未批"
    reporter.fill("#id_title", title)
    reporter.fill(
        "#id_description", "项目已具备进场条件，临时用电申请提交供电公司一个月未批复，影响主体施工。"
    )
    reporter.fill("#id_needs", "请协调供电公司加快临时用电接入审批。")
    screenshot(reporter, "flow5-11-problem-new")
    reporter.click("#problem-file-submit")
    reporter.wait_for_selector('#problem-page[data-status="filed"]')
    problem = Problem.objects.get(title=title)
    assert problem.code in ok(reporter)
    problem_url = f"/problems/{problem.pk}/"

    office = items(todo(admin), "problems.office", title)
    assert office and "待梳理交办" in office[0] and unit.name in office[0]  # full names, as the reports to-do
    admin.locator(".todo-item", has_text=title).click()
    admin.wait_for_selector("#step-sort")

    # the office sorts and assigns (交办) it with a deadline → a 交办单 number
    admin.fill("#step-sort textarea[name=note]", "属水电气配套问题，由区住建局牵头协调供电公司")
    admin.click("#step-sort button[type=submit]")
    admin.wait_for_selector('#problem-page[data-status="sorted"]')
    admin.select_option("#step-assign select[name=unit]", str(unit.pk))
    admin.fill("#step-assign input[name=workdays]", "10")
    admin.fill("#step-assign textarea[name=requirement]", "10个工作日内协调接入，书面答复办理结果")
    admin.click("#step-assign button[type=submit]")
    admin.wait_for_selector('#problem-page[data-status="assigned"]')
    problem.refresh_from_db()
    assign = Slip.objects.get(problem=problem, kind="assign")
    assert problem.due_date is not None and problem.due_date.isoformat() in admin.inner_text("#problem-due")
    assert f"交办单{assign.number_text}" in admin.inner_text('#slips .slip-row[data-kind="assign"]')
    assert "已交办" in admin.inner_text("#problem-info .problem-status")
    screenshot(admin, "flow5-12-problem-assigned")
    assert not items(todo(admin), "problems.office", title)

    unit_todo = todo(reporter)
    assert items(unit_todo, "problems.slips_to_ack", f"交办单{assign.number_text}")
    assert items(unit_todo, "problems.assigned", title, "已交办")
    screenshot(reporter, "flow5-13-unit-todo-slip")

    # the unit signs (签收)
    reporter.goto(problem_url)
    reporter.locator(f"#slip-{assign.pk} .slip-ack-btn").click()
    reporter.wait_for_selector('#problem-page[data-status="acknowledged"]')
    assert "签收：" in reporter.inner_text(f"#slip-{assign.pk} .slip-ack")
    unit_todo = todo(reporter)
    assert not items(unit_todo, "problems.slips_to_ack", f"交办单{assign.number_text}")
    assert items(unit_todo, "problems.assigned", title, "办理中")

    # the office issues a 督办单 → timeline and slips list; the unit signs it
    admin.goto(problem_url)
    admin.fill("#step-supervise textarea[name=content]", "临时用电接入进展缓慢，请于7月5日前书面报告进展。")
    admin.click("#step-supervise button[type=submit]")
    admin.wait_for_selector('#problem-timeline .problem-event[data-kind="supervised"]')
    supervise = Slip.objects.get(problem=problem, kind="supervise")
    assert f"督办单{supervise.number_text}" in admin.inner_text('#slips .slip-row[data-kind="supervise"]')
    assert "7月5日前书面报告进展" in admin.inner_text('.problem-event[data-kind="supervised"]')
    screenshot(admin, "flow5-14-problem-supervised")
    admin.goto("/problems/slips/")
    assert f"督办单{supervise.number_text}" in admin.inner_text(f'#slip-table tr[data-slip="{supervise.pk}"]')
    assert items(todo(reporter), "problems.slips_to_ack", f"督办单{supervise.number_text}")
    reporter.goto(problem_url)
    reporter.locator(f"#slip-{supervise.pk} .slip-ack-btn").click()
    reporter.wait_for_selector(f"#slip-{supervise.pk} .slip-ack >> text=签收：")
    assert not items(todo(reporter), "problems.slips_to_ack", f"督办单{supervise.number_text}")

    # the unit replies without evidence; closing is refused in Chinese; the office returns it
    reporter.goto(problem_url)
    reporter.fill("#step-reply textarea[name=resolution]", "已与供电公司对接，临时用电方案已报审。")
    reporter.click("#step-reply button[type=submit]")
    reporter.wait_for_selector('#problem-page[data-status="replied"]')
    assert not items(todo(reporter), "problems.assigned", title)
    office = items(todo(admin), "problems.office", title)
    assert office and "待复核销号" in office[0]
    admin.goto(problem_url)
    admin.click("#step-review_close button[type=submit]")
    refusal = admin.locator("#step-review_close .invalid-feedback")
    refusal.wait_for()
    assert "销号须有佐证材料" in refusal.inner_text()
    problem.refresh_from_db()
    assert problem.status == "replied"
    screenshot(admin, "flow5-15-close-refused")
    admin.locator("#step-review_close").screenshot(path=str(_shot("flow5-15-close-refused-form")))
    admin.fill("#step-review_return textarea[name=reason]", "请补充供电公司批复文件作为佐证材料")
    admin.click("#step-review_return button[type=submit]")
    admin.wait_for_selector('#problem-page[data-status="acknowledged"]')
    assert items(todo(reporter), "problems.assigned", title, "办理中")

    # the unit replies again with a real evidence file; the office reviews and closes it (复核销号)
    evidence = tmp_path / "临时用电接入批复.pdf"
    evidence.write_bytes(_small_pdf("Temporary power connection approved 2024-07-01"))
    reporter.goto(problem_url)
    reporter.fill("#step-reply textarea[name=resolution]", "供电公司已批复临时用电接入，7月1日完成送电。")
    reporter.set_input_files("#step-reply input[type=file]", str(evidence))
    reporter.click("#step-reply button[type=submit]")
    reporter.wait_for_selector('#problem-page[data-status="replied"]')
    link = reporter.locator("#problem-timeline a", has_text="临时用电接入批复.pdf")
    assert link.count() == 1
    with reporter.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "临时用电接入批复.pdf"
    assert Path(download.value.path()).read_bytes() == evidence.read_bytes()

    admin.goto(problem_url)
    admin.fill("#step-review_close textarea[name=note]", "经现场核实已送电，予以销号")
    admin.click("#step-review_close button[type=submit]")
    admin.wait_for_selector('#problem-page[data-status="closed"]')
    assert "已销号" in admin.inner_text("#problem-info .problem-status")
    kinds = list(
        ProblemEvent.objects.filter(problem=problem).order_by("at", "pk").values_list("kind", flat=True)
    )
    expected = ["filed", "sorted", "assigned", "acknowledged", "supervised"]
    expected += ["acknowledged", "replied", "review_returned"]  # signing the 督办单 is on the timeline too
    assert kinds == [*expected, "replied", "closed"]
    timeline = admin.locator("#problem-timeline .problem-event")
    assert [timeline.nth(i).get_attribute("data-kind") for i in range(timeline.count())] in (
        kinds,
        kinds[::-1],
    )
    text = admin.inner_text("#problem-timeline")
    for label in ("上报问题", "梳理", "交办", "签收", "督办", "答复", "复核退回", "复核销号"):
        assert label in text
    for note in (f"交办单{assign.number_text}", "请补充供电公司批复文件", "经现场核实已送电，予以销号"):
        assert note in text
    screenshot(admin, "flow5-16-problem-closed")
    admin.locator("#timeline").screenshot(path=str(_shot("flow5-16-problem-timeline")))
    assert not items(todo(admin), "problems.office", title)
    unit_todo = todo(reporter)
    assert not items(unit_todo, "problems.assigned", title)
    assert not [t for t in unit_todo.get("problems.slips_to_ack", []) if assign.number_text in t]

    # the project page lists the problem with its status
    reporter.goto(f"/projects/{target.pk}/")
    row = reporter.locator("#project-problems .project-problem", has_text=title)
    assert "已销号" in row.inner_text() and problem.code in row.inner_text()
    reporter.locator("#project-problems").screenshot(path=str(_shot("flow5-17-project-problems")))
    screenshot(reporter, "flow5-17-project-page")


def _shot(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def _small_pdf(line: str) -> bytes:
    """A valid one-page PDF with one line of text (a real file, as a scanned 批复 would be)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
