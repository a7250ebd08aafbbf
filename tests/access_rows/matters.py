"""Access rows of decided matters (issue 6 part 3). Library readers see matters (scoped: unit staff those
of their unit — 区发改委 leads these); the office records decisions, closes and manages; the supervision
office may also 督办; the lead unit's staff report progress and completion; the discipline viewer sees none."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
UNIT = frozenset({"unit_head", "unit_reporter"})


def _matter(w):
    from tests.meetings.matter_factories import decided

    return decided(w)


def _replied(w):
    from tests.meetings.matter_factories import replied

    return replied(w)


def _meeting(w):
    from tests.meetings.matter_factories import meeting

    return meeting(w)


def _attachment(w):
    return _replied(w).attachments.get().pk


def _pdf_data(w):
    from tests.meetings.matter_factories import pdf

    return {"note": "已完成", "files": pdf()}


def _decide_data(w):
    return {"title": "协调用地", "content": "6 月底前完成", "lead_unit": w.dept.pk, "deadline": "2024-06-28"}


ROWS = [
    Row("meetings:matters", "GET", lambda w: "/meetings/matters/", READERS),
    Row("meetings:matter", "GET", lambda w: f"/meetings/matters/{_matter(w).pk}/", READERS),
    Row(
        "meetings:matter_step",
        "POST",
        lambda w: f"/meetings/matters/{_matter(w).pk}/step/progress/",
        UNIT,
        data=lambda w: {"note": "已对接"},
        ok_status=(302,),
    ),
    Row(
        "meetings:matter_step",
        "POST",
        lambda w: f"/meetings/matters/{_matter(w).pk}/step/reply/",
        UNIT,
        data=_pdf_data,
        ok_status=(302,),
    ),
    Row(
        "meetings:matter_step",
        "POST",
        lambda w: f"/meetings/matters/{_replied(w).pk}/step/close/",
        ADMIN,
        data=lambda w: {"note": "同意销号"},
        ok_status=(302,),
    ),
    Row(
        "meetings:matter_step",
        "POST",
        lambda w: f"/meetings/matters/{_matter(w).pk}/step/supervise/",
        ADMIN | {"supervisor"},
        data=lambda w: {"content": "请加快落实"},
        ok_status=(302,),
    ),
    Row(
        "meetings:matter_step",
        "POST",
        lambda w: f"/meetings/matters/{_matter(w).pk}/step/cancel/",
        ADMIN,
        data=lambda w: {"reason": "不再推进"},
        ok_status=(302,),
    ),
    Row(
        "meetings:matter_attachment",
        "GET",
        lambda w: f"/meetings/matters/attachments/{_attachment(w)}/",
        READERS,
    ),
    Row("meetings:matter_new", "GET", lambda w: f"/meetings/{_meeting(w).pk}/matters/new/", ADMIN),
    Row(
        "meetings:matter_new",
        "POST",
        lambda w: f"/meetings/{_meeting(w).pk}/matters/new/",
        ADMIN,
        data=_decide_data,
        ok_status=(302,),
    ),
]
