"""Access rows of supervision acts, findings, photos, required actions and circuit supervision (issue 6
part 4). Library readers read acts (unit staff: those naming their unit); the supervision office and the
project office record them; the staff of the unit a required action names reply; the discipline viewer
reads none here."""

from datetime import date

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
RECORDERS = ADMIN | {"supervisor"}
UNIT = frozenset({"unit_head", "unit_reporter"})


def _act(w):
    from tests.supervision.factories import act

    return act(w, units=[w.dept], today=date.today())


def _finding(w):
    from tests.supervision.factories import discrepancy, site

    a = _act(w)
    return discrepancy(w, a, site(w), today=date.today())


def _photo(w):
    from tests.supervision.factories import jpeg
    from tuijin.supervision import services

    a = _act(w)
    return services.photo_add(actor=w.supervisor, act=a, file=jpeg(), taken_on=date.today()).pk


def _action(w):
    from datetime import timedelta

    from tests.supervision.factories import required

    today = date.today()
    return required(w, _act(w), deadline=today + timedelta(days=10), today=today)


def _month(w):
    return f"{date.today():%Y-%m}"


ROWS = [
    Row("supervision:acts", "GET", lambda w: "/supervision/", READERS),
    Row("supervision:act_new", "GET", lambda w: "/supervision/new/", RECORDERS),
    Row(
        "supervision:act_new",
        "POST",
        lambda w: "/supervision/new/",
        RECORDERS,
        data=lambda w: {
            "kind": "onsite",
            "title": "实地督办",
            "date": f"{date.today()}",
            "inspectors": "督查组",
        },
        ok_status=(302,),
    ),
    Row("supervision:act", "GET", lambda w: f"/supervision/{_act(w).pk}/", READERS),
    Row("supervision:act_edit", "GET", lambda w: f"/supervision/{_act(w).pk}/edit/", RECORDERS),
    Row(
        "supervision:act_step",
        "POST",
        lambda w: f"/supervision/{_act(w).pk}/step/finding/",
        RECORDERS,
        data=lambda w: {"kind": "issue", "unit": w.dept.pk, "note": "审批材料不全"},
        ok_status=(302,),
    ),
    Row("supervision:reported", "GET", lambda w: "/supervision/reported/", RECORDERS),
    Row(
        "supervision:finding_resolve",
        "POST",
        lambda w: f"/supervision/findings/{_finding(w).pk}/resolve/",
        RECORDERS,
        data=lambda w: {"note": "已更正"},
        ok_status=(302,),
    ),
    Row("supervision:photo", "GET", lambda w: f"/supervision/photos/{_photo(w)}/", READERS),
    Row("supervision:actions", "GET", lambda w: "/supervision/actions/", READERS),
    Row(
        "supervision:action_step",
        "POST",
        lambda w: f"/supervision/actions/{_action(w).pk}/reply/",
        UNIT,
        data=lambda w: {"reply": "已整改"},
        ok_status=(302,),
    ),
    Row(
        "supervision:action_step",
        "POST",
        lambda w: f"/supervision/actions/{_action(w).pk}/supervise/",
        RECORDERS,
        ok_status=(302,),
    ),
    Row("supervision:circuit_index", "GET", lambda w: "/supervision/circuit/", READERS),
    Row("supervision:circuit", "GET", lambda w: f"/supervision/circuit/{_month(w)}/", READERS),
    Row(
        "supervision:circuit_prepare",
        "POST",
        lambda w: f"/supervision/circuit/{_month(w)}/prepare/",
        RECORDERS,
        ok_status=(302,),
    ),
]
