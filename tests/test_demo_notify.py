"""The demo's pushes and notices (issue 8, tuijin/demo/notify.py) on the pinned demo district (2024-06-30,
built as the `demo` command builds it): 东湖区's WeCom group robot pointing at the local sink, the leaders'
fictional e-mail addresses and channels, the week's Monday digests queued (one e-mail and one robot
message per leader), the month's notice signed by the `leader` account's person, published and public,
its public page; a second run keeps everything. One build for all the checks."""

from datetime import date

import pytest
from django.utils import timezone

from tuijin.documents.models import Bulletin
from tuijin.notify.models import Endpoint, Message, Preference
from tuijin.org.models import Jurisdiction, Person, User

TODAY = date(2024, 6, 30)  # a Sunday: the week's Monday is 2024-06-24
MONDAY = date(2024, 6, 24)
pytestmark = pytest.mark.django_db


@pytest.fixture
def district(monkeypatch):
    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.core.ruleset_services import ruleset_seed
    from tuijin.demo.services import demo_build

    monkeypatch.delenv("DEMO_SINK_URL", raising=False)
    calendar_seed()
    calendar_refresh()
    ruleset_seed()  # as the `demo` command does: 东湖区 then picks DH24
    result = demo_build(today=TODAY)
    district = Jurisdiction.objects.get(code="360102")
    district.demo_lines = result.summary
    return district


def test_the_demo_pushes_and_publishes_the_month_s_notice(district, client):
    from tuijin.demo import notify as demo

    line = next(s for s in district.demo_lines if s.startswith("推送与通报："))
    robot = Endpoint.objects.get(jurisdiction=district, name=demo.ROBOT_NAME)
    assert robot.kind == "wecom" and robot.is_active
    assert robot.url.startswith("http://127.0.0.1:8025/cgi-bin/webhook/send?key=")
    assert demo.ROBOT_NAME in line and "127.0.0.1:8025" in line

    leaders = list(Person.objects.filter(jurisdiction=district, is_leader=True, is_active=True))
    assert leaders
    for person in leaders:
        assert person.email.endswith("@donghu.example"), person.email
        assert Preference.objects.get(person=person).channels == ["email", f"robot:{robot.pk}"]
    assert len({p.email for p in leaders}) == len(leaders)
    signer = User.objects.get(username="leader").person
    assert signer.email == "fengzihan@donghu.example"  # 冯子涵, the default demo's `leader`

    _digests(district, leaders, robot, signer)
    _notice(district, signer, client)

    # a second run keeps what is there
    counts = (Message.objects.count(), Bulletin.objects.count(), Endpoint.objects.count())
    assert demo.demo_notify(district, today=TODAY).startswith("推送与通报：已有")
    assert (Message.objects.count(), Bulletin.objects.count(), Endpoint.objects.count()) == counts


def _digests(district, leaders, robot, signer):
    digests = Message.objects.filter(jurisdiction=district, kind="digest", batch=f"digest:{MONDAY}")
    by_channel = {
        channel: set(digests.filter(channel=channel).values_list("person_id", flat=True))
        for channel in ("email", "wecom")
    }
    # every leader with projects (挂点 or of the units in charge) gets one e-mail and one robot message;
    # 区委书记 and 区长 have none in the demo, so nothing to be told
    assert by_channel["email"] == by_channel["wecom"]
    assert signer.pk in by_channel["email"] and len(by_channel["email"]) >= 5
    assert by_channel["email"] <= {p.pk for p in leaders}
    assert set(digests.filter(channel="wecom").values_list("endpoint_id", flat=True)) == {robot.pk}
    mine = digests.get(channel="email", person=signer)
    assert mine.key == f"digest:{MONDAY}:person:{signer.pk}:email"
    assert mine.address == signer.email and mine.body.startswith(f"{signer.name}同志")
    # nothing leaves the machine in the tests (no sink here): the sends are retried or wait, never lost
    assert not digests.filter(status__in=("sent", "cancelled")).exists()


def _notice(district, signer, client):
    notice = Bulletin.objects.get(jurisdiction=district, kind="monthly_notice")
    assert notice.period == "2024-05"  # the month before the demo's day, as an office publishes it
    assert notice.status == "published" and notice.public
    assert notice.signer.username == "leader" and notice.signer.person_id == signer.pk
    assert notice.number == "通报〔2024〕1号"
    assert notice.content["ranking"]["computed"], "the notice reads the month's computed ranking"
    assert notice.content["public"]["ranking"]
    for stamp in ("drafted_at", "signed_at", "published_at"):
        assert timezone.localtime(getattr(notice, stamp)).date() == TODAY, stamp
    assert notice.docx and notice.docx_sha256
    # the task after publication (the demo's worker runs it; here the test, on-commit callbacks do not run
    # inside the test's transaction): PDF, then distributed to every leader, every unit (their accounts'
    # fictional addresses) and the group robot
    from tuijin.documents.bulletin_services import bulletin_finish

    assert notice.pdf_error == "" and not notice.pdf and notice.distributed_at is None
    bulletin_finish(bulletin_id=notice.pk)
    notice.refresh_from_db()
    assert notice.pdf, notice.pdf_error
    assert notice.distributed_at is not None
    distributed = notice.events.get(action="distributed").note
    assert "未发送" not in distributed, distributed
    sent = Message.objects.filter(batch=f"bulletin:{notice.pk}")
    assert sent.filter(channel="email", person=signer).exists()
    assert sent.filter(unit__isnull=False).values("unit").distinct().count() >= 30
    assert sent.filter(channel="wecom", person__isnull=True).count() == 1  # the group's own post
    mail = sent.filter(channel="email").first()
    assert mail.attachments[0]["name"].endswith(".pdf")
    # the public page, without logging in
    page = client.get(f"/public/{district.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert notice.number in text
    first = notice.content["public"]["ranking"][0]
    assert first["unit"] in text
    assert signer.name not in text  # units only, never persons


def test_the_demo_prints_the_public_page_and_where_its_messages_go(settings):
    from tuijin.demo.notify import demo_notify_hints

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 25
    lines = demo_notify_hints("http://127.0.0.1:8000/")
    assert lines[0] == "公开页（无需登录）：http://127.0.0.1:8000/public/360102/"
    assert "uv run tuijin notify sink" in lines[1] and "var/sink/" in lines[1]
    assert "EMAIL_PORT=1025 ./run demo" in lines[2]
    settings.EMAIL_PORT = 1025
    assert len(demo_notify_hints("http://127.0.0.1:8000/")) == 2
