"""Issue 8 "Done when", in a real browser on the demo district (东湖区, DH24's rule set), with a real SMTP
sink and a real webhook sink on 127.0.0.1 (tests/notify/sinks.py) standing in for the mail server and the
WeCom group robot:

1. Monday's digests, queued by the demo and dispatched, reach the SMTP sink (one e-mail per leader with
   projects, to the leader's address) and the webhook sink (one robot message per leader, @ the leader's
   mobile); a named leader's digest names that leader's red project and not another leader's.
2. The office drafts the monthly notice of May in the browser and sends it for signature; the leader (the
   `leader` account) logs in and signs it; the office publishes it (public). The task after publication
   converts the Word file to PDF and distributes it: the leaders' e-mails carry the PDF, the group robot
   gets the link.
3. The public page, in a new browser context without logging in, shows the notice's number and ranking.

The clock is moved to Monday 2024-07-01 09:00 (Asia/Shanghai) with time_machine (ticking) and the demo is
built for that day (it has already published June's notice, 通报〔2024〕1号). Tasks run in the request that
enqueues them (tests/settings.py). Screenshots: var/screenshots/notify-*.png."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import _seed_level_tags, screenshot
from tests.notify.sinks import smtp_sink, webhook_sink  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

DAY = date(2024, 7, 1)  # a Monday
NOW = datetime(2024, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PERIOD = "2024-05"  # the demo published June's; the office drafts May's here
SIGN_NOTE = "同意印发。浏览器测试签发。"


@pytest.fixture
def notify_demo(transactional_db, live_server, smtp_sink, webhook_sink, settings, monkeypatch):  # noqa: F811
    import time_machine

    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.core.ruleset_services import ruleset_seed
    from tuijin.demo.services import demo_build

    monkeypatch.setenv("DEMO_SINK_URL", webhook_sink.base)  # the demo's WeCom robot posts to the sink
    settings.SITE_URL = live_server.url
    # transactional tests flush the tables after each test, migration data included: seed it again
    calendar_seed()
    calendar_refresh()
    _seed_level_tags()
    ruleset_seed()
    with time_machine.travel(NOW, tick=True):
        demo_build(today=DAY)
        yield live_server


@pytest.fixture
def login(browser, notify_demo):
    from tuijin.demo.services import DEMO_PASSWORD

    contexts = []

    def open_as(username: str | None, *, mobile: bool = False):
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=notify_demo.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)  # publishing converts the PDF with LibreOffice in the request
        page.on("dialog", lambda dialog: dialog.accept())
        if username is None:  # the public: no login
            return page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{notify_demo.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def no_error(page) -> None:
    errors = page.locator(".alert-danger, .invalid-feedback, .form-error")
    assert not errors.count(), errors.all_inner_texts()


def _red_projects(person) -> set[str]:
    """Names of the red projects a leader's digest is about: 挂点 or of a unit in charge."""
    from django.db.models import Q

    from tuijin.projects.models import Project

    mine = Q(lead_leader=person) | Q(responsible_unit__in=person.units_in_charge.all())
    return set(Project.objects.filter(mine, light__shown="red").values_list("name", flat=True))


def _mail_to(sink, address: str, *, batch_word: str):
    found = [m for m in sink.messages if address in str(m["To"]) and batch_word in str(m["Subject"])]
    assert len(found) == 1, [(str(m["To"]), str(m["Subject"])) for m in sink.messages]
    return found[0]


def _robot_text(request) -> str:
    body = request["body"] or {}
    return (body.get("text") or {}).get("content") or (body.get("markdown") or {}).get("content") or ""


def test_monday_digests_and_a_signed_published_notice_reach_the_sinks_and_the_public_page(
    login,
    notify_demo,
    smtp_sink,  # noqa: F811
    webhook_sink,  # noqa: F811
):
    from tuijin.documents.models import Bulletin
    from tuijin.notify.models import Message
    from tuijin.org.models import Person, User

    # ---- 1. Monday's digests: queued by the demo, dispatched on commit, arrived ---------------------
    digests = Message.objects.filter(kind="digest", batch=f"digest:{DAY}")
    assert digests.exists()
    assert set(digests.values_list("status", flat=True)) == {"sent"}, list(
        digests.exclude(status="sent").values_list("address", "status", "last_error")
    )
    signer = User.objects.get(username="leader").person
    mine = _red_projects(signer)
    assert mine, "演示数据中 leader 账号的领导应有红灯项目"
    other = next(
        p
        for p in Person.objects.filter(is_leader=True, pk__in=digests.values("person_id")).exclude(
            pk=signer.pk
        )
        if _red_projects(p) - mine
    )
    theirs = sorted(_red_projects(other) - mine)[0]

    mail = _mail_to(smtp_sink, signer.email, batch_word="周报推送")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith(f"{signer.name}同志")
    assert any(name in text for name in mine), (mine, text[:400])
    assert theirs not in text
    other_mail = _mail_to(smtp_sink, other.email, batch_word="周报推送")
    assert theirs in other_mail.get_body(preferencelist=("plain",)).get_content()
    assert len({str(m["To"]) for m in smtp_sink.messages if "周报推送" in str(m["Subject"])}) == (
        digests.filter(channel="email").count()
    )

    robot = [
        r for r in webhook_sink.delivered() if r["kind"] == "wecom" and f"{signer.name}同志" in _robot_text(r)
    ]
    assert len(robot) == 1
    assert robot[0]["body"]["msgtype"] == "text"
    assert robot[0]["body"]["text"]["mentioned_mobile_list"] == [signer.phone]
    robot_text = _robot_text(robot[0])
    assert any(name in robot_text for name in mine) and theirs not in robot_text
    assert len(robot_text.encode()) <= 2048  # WeCom's limit of a text message
    assert f"{notify_demo.url}/lights/projects/?leader={signer.pk}" in text  # SITE_URL + the link
    smtp_sink.clear()
    webhook_sink.clear()

    # ---- 2. the office drafts May's notice in the browser and sends it for signature ----------------
    admin = login("admin")
    admin.goto("/documents/bulletins/new/")
    admin.select_option("#id_kind", "monthly_notice")
    admin.fill("#id_period", PERIOD)
    screenshot(admin, "notify-01-draft-form")
    admin.click("#bulletin-draft-submit")
    admin.wait_for_selector("#bulletin-page")
    no_error(admin)
    notice = Bulletin.objects.get(kind="monthly_notice", period=PERIOD)
    assert admin.locator("#bulletin-status").inner_text() == "草稿"
    assert admin.locator("#bulletin-ranking tbody tr").count() == len(notice.content["ranking"]["rows"]) > 0
    screenshot(admin, "notify-02-draft")
    admin.click("#submit-btn")
    admin.wait_for_selector("#bulletin-page[data-status=submitted]")
    no_error(admin)

    # ---- the leader signs it in the browser ------------------------------------------------------
    leader = login("leader")
    leader.goto(f"/documents/bulletins/{notice.pk}/")
    leader.wait_for_selector("#panel-sign")
    screenshot(leader, "notify-03-sign")
    leader.fill("#id_note", SIGN_NOTE)
    leader.click("#sign-btn")
    leader.wait_for_selector("#bulletin-page[data-status=signed]")
    no_error(leader)
    assert SIGN_NOTE in leader.locator("#bulletin-signer").inner_text()

    # ---- the office publishes it (public): numbered, PDF, distributed -------------------------------
    admin.goto(f"/documents/bulletins/{notice.pk}/")
    admin.wait_for_selector("#panel-publish")
    assert admin.locator("#public-check").is_checked()  # DH24 [notify.publicity] monthly_public = true
    admin.click("#publish-btn")
    admin.wait_for_selector("#bulletin-page[data-status=published]")
    no_error(admin)
    notice.refresh_from_db()
    assert notice.number == "通报〔2024〕2号"  # June's, published by the demo, is 1号
    assert notice.public and notice.signer.username == "leader"
    assert notice.pdf, notice.pdf_error
    assert notice.distributed_at is not None
    assert admin.locator("#bulletin-number").inner_text() == notice.number
    assert admin.locator("#download-pdf").is_visible()
    screenshot(admin, "notify-04-published")

    # the distribution reached the sinks: the signer's e-mail with the PDF attached, the robot's link
    sent = Message.objects.filter(kind="bulletin", batch=f"bulletin:{notice.pk}")
    assert sent.exists() and not sent.exclude(status="sent").exists(), list(
        sent.exclude(status="sent").values_list("address", "status", "last_error")
    )
    mail = _mail_to(smtp_sink, signer.email, batch_word=notice.number)
    pdfs = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    assert notice.title in pdfs[0].get_filename()
    group = [r for r in webhook_sink.delivered() if r["kind"] == "wecom" and notice.number in _robot_text(r)]
    assert group and f"{notify_demo.url}/documents/bulletins/{notice.pk}/" in _robot_text(group[0])

    # ---- 3. the public page, no login -----------------------------------------------------------------
    public = login(None)
    public.goto(f"/public/{notice.jurisdiction.code}/")
    public.wait_for_selector("#public-notice")
    assert public.locator("#public-number").inner_text() == notice.number  # the latest published
    first = notice.content["public"]["ranking"][0]
    ranking = public.locator(".public-ranking").first.inner_text()
    assert first["unit"] in ranking and first["total"] in ranking
    page_text = public.locator("body").inner_text()
    assert signer.name not in page_text  # units only, never persons
    # no file to download: the Word and PDF are the internal notice (they carry the signer's name)
    assert public.locator("#public-pdf").count() == 0
    assert public.locator('a[href*="pdf"], a[href*="word"], a[href*="docx"]').count() == 0
    assert signer.name not in public.content() and "签发人" not in public.content()
    assert public.request.get(f"/public/{notice.jurisdiction.code}/{notice.pk}/pdf/").status == 404
    screenshot(public, "notify-05-public")
    phone = login(None, mobile=True)
    phone.goto(f"/public/{notice.jurisdiction.code}/{notice.pk}/")
    phone.wait_for_selector("#public-notice")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "notify-06-public-phone")

    # the push records the supervision office follows up (H4's page), if it is there
    admin.goto(f"/notify/messages/?batch=bulletin:{notice.pk}")
    if admin.locator("body").inner_text().strip():
        screenshot(admin, "notify-07-messages")
