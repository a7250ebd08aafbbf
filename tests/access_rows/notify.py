"""Access rows of the push records (推送记录) and group robots (群机器人), issue 8 (H4). Subtree readers and
the unit (区发改委, the message's unit: head and reporter) read a message; the supervision office and the
office follow it up and review it; only the office manages robots; the discipline viewer reads no pushes.

H2's preference pages keep their rows in their own module (e.g. `tests/access_rows/notify_preferences.py`)."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
REVIEWERS = frozenset({"office_admin", "supervisor"})


def _message(w, status="failed"):
    from tests.notify.page_factories import message

    return message(w, status=status, unit=w.dept, person=None)


def _robot(w):
    from tests.notify.page_factories import robot

    return robot(w)


_ROBOT = {
    "kind": "wecom",
    "name": "东湖区调度群",
    "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    "is_active": "on",
}

ROWS = [
    Row("notify:messages", "GET", lambda w: "/notify/messages/", READERS),
    Row("notify:message", "GET", lambda w: f"/notify/messages/{_message(w).pk}/", READERS),
    Row(
        "notify:message_follow_up",
        "POST",
        lambda w: f"/notify/messages/{_message(w, 'sent').pk}/follow-up/",
        REVIEWERS,
        data=lambda w: {"result": "read", "note": "已电话核实"},
        ok_status=(302,),
    ),
    Row(
        "notify:message_review",
        "POST",
        lambda w: f"/notify/messages/{_message(w).pk}/review/resend/",
        REVIEWERS,
        ok_status=(302,),
    ),
    Row(
        "notify:message_review",
        "POST",
        lambda w: f"/notify/messages/{_message(w, 'unknown').pk}/review/delivered/",
        REVIEWERS,
        data=lambda w: {"note": "电话确认已收到"},
        ok_status=(302,),
    ),
    Row("notify:endpoints", "GET", lambda w: "/notify/endpoints/", ADMIN),
    Row("notify:endpoint_create", "GET", lambda w: "/notify/endpoints/new/", ADMIN),
    Row(
        "notify:endpoint_create",
        "POST",
        lambda w: "/notify/endpoints/new/",
        ADMIN,
        data=lambda w: _ROBOT,
        ok_status=(302,),
    ),
    Row("notify:endpoint_edit", "GET", lambda w: f"/notify/endpoints/{_robot(w).pk}/", ADMIN),
    Row(
        "notify:endpoint_edit",
        "POST",
        lambda w: f"/notify/endpoints/{_robot(w).pk}/",
        ADMIN,
        data=lambda w: _ROBOT,
        ok_status=(302,),
    ),
    Row(
        "notify:endpoint_toggle",
        "POST",
        lambda w: f"/notify/endpoints/{_robot(w).pk}/toggle/",
        ADMIN,
        ok_status=(302,),
    ),
    Row(
        "notify:endpoint_test",
        "POST",
        lambda w: f"/notify/endpoints/{_robot(w).pk}/test/",
        ADMIN,
        ok_status=(302,),
    ),
]
