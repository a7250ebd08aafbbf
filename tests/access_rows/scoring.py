"""Access rows of scoring (issue 7). Exemptions, bonuses and rectification reports (H4): subtree readers
and the record's unit (区发改委: head and reporter) read; the unit's staff apply for and withdraw an
exemption; only the named leaders sign (林志远 is 区发改委's 分管领导; the project's 挂点领导 is 王海, who
has no persona here); the office proposes bonuses and reviews rectification reports; a leader decides
bonuses; the unit head submits the report; the discipline viewer reads nothing of scoring.

Other parts append their rows below, in clearly separated blocks."""

from tests.access_table import ADMIN, ALL, Row

READERS = ALL - {"discipline"}
UNIT = frozenset({"unit_head", "unit_reporter"})
HEAD = frozenset({"unit_head"})
LEADER = frozenset({"leader"})


def _rules(w):
    from tests.scoring.exemption_factories import with_rules
    from tuijin.core.models import RuleSetVersion

    return RuleSetVersion.objects.filter(rule_set__slug="test-dh24").first() or with_rules(w)


def _month() -> str:
    from django.utils import timezone

    return f"{timezone.localdate():%Y-%m}"


def _project(w):
    from tests.scoring.exemption_factories import project
    from tuijin.projects.models import Project

    _rules(w)
    return Project.objects.filter(name="东湖数字经济产业园").first() or project(w)


def _applied(w):
    from tuijin.scoring.exemption_services import exemption_apply

    return exemption_apply(by=w.unit_head, project=_project(w), month=_month(), reason="受持续强降雨影响")


def _granted(w):
    from tests.scoring.exemption_factories import wanghai
    from tuijin.scoring.exemption_services import exemption_sign

    e = _applied(w)
    exemption_sign(by=wanghai(), exemption=e, agree=True)
    exemption_sign(by=w.leader, exemption=e, agree=True)
    return e


def _apply_data(w):
    return {
        "project": _project(w).pk,
        "month": _month(),
        "reason": "受持续强降雨影响",
        "progress": "基坑支护完成",
    }


def _year(w):
    from tuijin.scoring.exemption_services import year_period_open

    _rules(w)
    return year_period_open(jurisdiction=w.district, year=2024)


def _bonus(w):
    from tuijin.scoring.models import Bonus

    return Bonus.objects.create(
        period=_year(w), unit=w.dept, points="2", reason="获省政府通报表扬", proposed_by=w.admin
    )


def _rectification(w, status="due", file=False):
    from django.core.files.base import ContentFile

    from tests.scoring.exemption_factories import period, rectification

    _rules(w)
    r = rectification(w, period(w, "2024Q1"), status=status)
    if file:
        r.file.save("整改报告.pdf", ContentFile(b"%PDF-1.4 test"))
    return r


ROWS = [
    Row("scoring:exemptions", "GET", lambda w: "/scoring/exemptions/", READERS),
    Row("scoring:exemption_apply", "GET", lambda w: "/scoring/exemptions/new/", UNIT),
    Row(
        "scoring:exemption_apply",
        "POST",
        lambda w: "/scoring/exemptions/new/",
        UNIT,
        data=_apply_data,
        ok_status=(302,),
    ),
    Row("scoring:exemption", "GET", lambda w: f"/scoring/exemptions/{_applied(w).pk}/", READERS),
    Row("scoring:exemption_renew", "GET", lambda w: f"/scoring/exemptions/{_granted(w).pk}/renew/", UNIT),
    Row(
        "scoring:exemption_renew",
        "POST",
        lambda w: f"/scoring/exemptions/{_granted(w).pk}/renew/",
        UNIT,
        data=lambda w: {"reason": "强降雨持续", "progress": "主体结构完成 30%"},
        ok_status=(302,),
    ),
    Row(
        "scoring:exemption_step",
        "POST",
        lambda w: f"/scoring/exemptions/{_applied(w).pk}/sign/",
        LEADER,
        ok_status=(302,),
    ),
    Row(
        "scoring:exemption_step",
        "POST",
        lambda w: f"/scoring/exemptions/{_applied(w).pk}/refuse/",
        LEADER,
        data=lambda w: {"note": "主观推进不力"},
        ok_status=(302,),
    ),
    Row(
        "scoring:exemption_step",
        "POST",
        lambda w: f"/scoring/exemptions/{_applied(w).pk}/withdraw/",
        UNIT,
        ok_status=(302,),
    ),
    Row("scoring:bonuses", "GET", lambda w: "/scoring/bonuses/", READERS),
    Row(
        "scoring:bonus_propose",
        "POST",
        lambda w: (_rules(w), "/scoring/bonuses/propose/")[1],
        ADMIN,
        data=lambda w: {"year": "2024", "unit": w.dept.pk, "points": "2", "reason": "获省政府通报表扬"},
        ok_status=(302,),
    ),
    Row(
        "scoring:bonus_step",
        "POST",
        lambda w: f"/scoring/bonuses/{_bonus(w).pk}/approve/",
        LEADER,
        ok_status=(302,),
    ),
    Row(
        "scoring:bonus_step",
        "POST",
        lambda w: f"/scoring/bonuses/{_bonus(w).pk}/refuse/",
        LEADER,
        data=lambda w: {"note": "依据不足"},
        ok_status=(302,),
    ),
    Row("scoring:rectifications", "GET", lambda w: "/scoring/rectifications/", READERS),
    Row(
        "scoring:rectification", "GET", lambda w: f"/scoring/rectifications/{_rectification(w).pk}/", READERS
    ),
    Row(
        "scoring:rectification_submit",
        "POST",
        lambda w: f"/scoring/rectifications/{_rectification(w).pk}/submit/",
        HEAD,
        data=lambda w: {"report": "一、原因分析……二、整改措施……"},
        ok_status=(302,),
    ),
    Row(
        "scoring:rectification_step",
        "POST",
        lambda w: f"/scoring/rectifications/{_rectification(w, 'submitted').pk}/accept/",
        ADMIN,
        ok_status=(302,),
    ),
    Row(
        "scoring:rectification_step",
        "POST",
        lambda w: f"/scoring/rectifications/{_rectification(w, 'submitted').pk}/return/",
        ADMIN,
        data=lambda w: {"note": "缺少整改时限"},
        ok_status=(302,),
    ),
    Row(
        "scoring:rectification_file",
        "GET",
        lambda w: f"/scoring/rectifications/{_rectification(w, 'submitted', file=True).pk}/file/",
        READERS,
    ),
]


# ---------------------------------------------------------------------------------------------------
# Score pages and documents (H5): the periods page, a period's ranking and exports are read by subtree
# readers and unit staff (the ranking is announced); a unit's score page by subtree readers and the unit's
# own staff (区发改委: head and reporter); the office computes, recomputes and closes.

SUBTREE = frozenset({"office_admin", "leader", "supervisor"})


def _period(w):
    from tests.scoring.page_factories import light_period

    return light_period(w)


def _wuhan(w):
    from tests.scoring.score_factories import use_wuhan

    use_wuhan(w)
    return "/scoring/compute/"


ROWS += [
    Row("scoring:index", "GET", lambda w: "/scoring/", READERS),
    Row("scoring:ranking", "GET", lambda w: f"/scoring/{_period(w).pk}/", READERS),
    Row("scoring:unit", "GET", lambda w: f"/scoring/{_period(w).pk}/units/{w.dept.pk}/", READERS),
    Row("scoring:unit", "GET", lambda w: f"/scoring/{_period(w).pk}/units/{w.other_dept.pk}/", SUBTREE),
    Row("scoring:ranking_export", "GET", lambda w: f"/scoring/{_period(w).pk}/ranking.xlsx", READERS),
    Row("scoring:ranking_export", "GET", lambda w: f"/scoring/{_period(w).pk}/ranking.docx", READERS),
    Row("scoring:sheet_export", "GET", lambda w: f"/scoring/{_period(w).pk}/sheet.xlsx", READERS),
    Row("scoring:sheet_export", "GET", lambda w: f"/scoring/{_period(w).pk}/sheet.docx", READERS),
    Row(
        "scoring:compute_new",
        "POST",
        _wuhan,
        ADMIN,
        data=lambda w: {"period": "2024Q2", "reason": ""},
        ok_status=(302,),
    ),
    Row("scoring:compute", "POST", lambda w: f"/scoring/{_period(w).pk}/compute/", ADMIN, ok_status=(302,)),
    Row("scoring:close", "POST", lambda w: f"/scoring/{_period(w).pk}/close/", ADMIN, ok_status=(302,)),
]
