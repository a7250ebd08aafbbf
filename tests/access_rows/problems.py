"""Access rows of the problem closed loop and the four slips (issue 5 parts 5 and 6). Library readers see
problems (scoped); the office sorts, assigns and reviews; the supervision office may also 督办; the assigned
unit's staff (区发改委: head and reporter) handle it and sign its slips; the discipline viewer sees none."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
UNIT = frozenset({"unit_head", "unit_reporter"})


def _assigned(w):
    from tests.problems.factories import assigned

    return assigned(w)


def _filed(w):
    from tests.problems.factories import filed

    return filed(w)


def _attachment(w):
    from tests.problems.factories import pdf
    from tuijin.problems import services

    problem = _assigned(w)
    services.problem_acknowledge(actor=w.reporter, problem=problem)
    services.problem_progress(actor=w.reporter, problem=problem, note="进展", files=[pdf()])
    return problem.attachments.get().pk


def _slip(w):
    return _assigned(w).slips.get().pk


ROWS = [
    Row("problems:list", "GET", lambda w: "/problems/", READERS),
    Row("problems:new", "GET", lambda w: "/problems/new/", ADMIN | UNIT),
    Row("problems:detail", "GET", lambda w: f"/problems/{_filed(w).pk}/", READERS),
    Row(
        "problems:step",
        "POST",
        lambda w: f"/problems/{_filed(w).pk}/step/sort/",
        ADMIN,
        data=lambda w: {"kind": "land", "grade": "major", "note": "梳理"},
        ok_status=(302,),
    ),
    Row(
        "problems:step",
        "POST",
        lambda w: f"/problems/{_assigned(w).pk}/step/acknowledge/",
        UNIT,
        ok_status=(302,),
    ),
    Row(
        "problems:step",
        "POST",
        lambda w: f"/problems/{_assigned(w).pk}/step/supervise/",
        ADMIN | {"supervisor"},
        data=lambda w: {"content": "请加快办理"},
        ok_status=(302,),
    ),
    Row("problems:attachment", "GET", lambda w: f"/problems/attachments/{_attachment(w)}/", READERS),
    Row("problems:slips", "GET", lambda w: "/problems/slips/", READERS),
    Row(
        "problems:slip_acknowledge",
        "POST",
        lambda w: f"/problems/slips/{_slip(w)}/acknowledge/",
        UNIT,
        ok_status=(302,),
    ),
    Row("problems:slip_docx", "GET", lambda w: f"/problems/slips/{_slip(w)}/docx/", READERS),
    Row("problems:templates", "GET", lambda w: "/problems/templates/", ADMIN),
    Row(
        "problems:template_upload",
        "POST",
        lambda w: "/problems/templates/slip_assign/upload/",
        ADMIN,
        ok_status=(400,),
    ),
    Row(
        "problems:template_revert",
        "POST",
        lambda w: "/problems/templates/slip_assign/revert/",
        ADMIN,
        ok_status=(302,),
    ),
    Row("problems:template_download", "GET", lambda w: "/problems/templates/slip_assign/download/", ADMIN),
]
