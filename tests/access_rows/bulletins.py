"""Access rows of briefings and notices (简报通报, issue 8 H3). Subtree readers (office, leader, supervisor)
read every bulletin, drafts included; unit staff read published ones only (a draft does not exist for them:
404); the discipline viewer reads none. The office drafts, refreshes, submits and publishes; a leader of
the jurisdiction signs or returns; the office redoes a published one's PDF."""

from tests.access_table import ADMIN, ALL, Row

READERS = frozenset({"office_admin", "leader", "supervisor"})
PUBLISHED_READERS = ALL - {"discipline"}
LEADER = frozenset({"leader"})


def _bulletin(w, period: str, status: str):
    from django.core.files.base import ContentFile

    from tuijin.documents import bulletin_services as svc
    from tuijin.documents.models import Bulletin

    found = Bulletin.objects.filter(jurisdiction=w.district, kind="monthly_notice", period=period).first()
    if found is not None:
        return found
    b = svc.bulletin_draft(actor=w.admin, jurisdiction=w.district, kind="monthly_notice", period=period)
    if status == "draft":
        return b
    b = svc.bulletin_submit(actor=w.admin, bulletin=b)
    if status == "submitted":
        return b
    b = svc.bulletin_sign(actor=w.leader, bulletin=b)
    if status == "signed":
        return b
    b = svc.bulletin_publish(actor=w.admin, bulletin=b)
    b.pdf.save("access.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return b


def _draft(w):
    return _bulletin(w, "2024-03", "draft")


def _submitted(w):
    return _bulletin(w, "2024-04", "submitted")


def _signed(w):
    return _bulletin(w, "2024-05", "signed")


def _published(w):
    return _bulletin(w, "2024-06", "published")


def _step(builder, step):
    return lambda w: f"/documents/bulletins/{builder(w).pk}/{step}/"


ROWS = [
    Row("documents:bulletins", "GET", lambda w: "/documents/bulletins/", PUBLISHED_READERS),
    Row("documents:bulletin_new", "GET", lambda w: "/documents/bulletins/new/", ADMIN),
    Row(
        "documents:bulletin_new",
        "POST",
        lambda w: "/documents/bulletins/new/",
        ADMIN,
        data=lambda w: {"kind": "monthly_notice", "period": "2024-02"},
        ok_status=(302,),
    ),
    Row(
        "documents:bulletin",
        "GET",
        lambda w: f"/documents/bulletins/{_draft(w).pk}/",
        READERS,
        denied_status=(403, 404),
    ),
    Row(
        "documents:bulletin", "GET", lambda w: f"/documents/bulletins/{_published(w).pk}/", PUBLISHED_READERS
    ),
    Row(
        "documents:bulletin_word",
        "GET",
        lambda w: f"/documents/bulletins/{_published(w).pk}/word/",
        PUBLISHED_READERS,
    ),
    Row(
        "documents:bulletin_pdf",
        "GET",
        lambda w: f"/documents/bulletins/{_published(w).pk}/pdf/",
        PUBLISHED_READERS,
    ),
    Row(  # the PDF is there (stored by `_bulletin`): refused with a message, back to the page
        "documents:bulletin_pdf_retry",
        "POST",
        lambda w: f"/documents/bulletins/{_published(w).pk}/pdf/retry/",
        ADMIN,
        ok_status=(302,),
    ),
    Row("documents:bulletin_step", "POST", _step(_draft, "refresh"), ADMIN, ok_status=(302,)),
    Row("documents:bulletin_step", "POST", _step(_draft, "submit"), ADMIN, ok_status=(302,)),
    Row(
        "documents:bulletin_step",
        "POST",
        _step(_submitted, "return"),
        LEADER,
        data=lambda w: {"reason": "数据需核对"},
        ok_status=(302,),
    ),
    Row("documents:bulletin_step", "POST", _step(_submitted, "sign"), LEADER, ok_status=(302,)),
    Row("documents:bulletin_step", "POST", _step(_signed, "publish"), ADMIN, ok_status=(302,)),
]
