"""The demo's assessment (考核排名, issue 7), run last, after the cards: everything it scores is what the
earlier demo steps recorded (late starts and the chains' late approval nodes, starts within one or two
months of the deadline, nodes behind plan, early completions, the ceremony finding, the decided matters'
bands, the cards), never an invented number.

With the district's rule set (DH24, whose `[scoring]` takes WH19 附件3's categories and kinds):

1. the quarters of the year that ended before `today` (in the first quarter: last year's fourth) are
   computed and closed in order (each ledger sealed; each quarter's first and last places count in the
   next);
2. the current quarter is computed (open: provisional until it ends);
3. DH24 五(四)'s objective-cause exemption: the responsible unit of one project charged in the current
   quarter (a late start, behind plan or a ceremony) applies for that month; the project's 挂点领导 and the
   unit's 分管领导 (fictional people of the demo) sign, which computes the open quarter again: the
   deduction shows as waived with who signed. The unit then applies for the next month (一月一申请): that
   renewal waits for the leader's signature (the `leader` account's to-do when the project is one of its
   units');
4. when the rule set computes months, the year's months up to `today` (those of the quarters already
   ended are closed).

`score_run` flags the two lowest units of each group for a rectification report (整改报告, WH19 四(三)),
due in working days: the unit heads' to-do.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from tuijin.core.rules.ledger import month_key, parse_period, quarter_key
from tuijin.org.models import Jurisdiction, Role, User

from .library import moment

# The objective cause (客观原因), the month's progress and the renewal's progress, by the deduction's kind.
CAUSES = {
    "late_start": (
        "受上级部门审批权限调整影响，施工许可证办理时限顺延，非本单位主观原因。",
        "已完成施工图审查，施工许可证材料已报送，预计下月中旬取得并进场施工。",
        "施工许可证已受理，正在审批；施工单位已完成临建，待证进场。",
    ),
    "behind_plan": (
        "受连续强降雨和汛期防汛要求影响，现场按要求停工，施工进度滞后，非本单位主观原因。",
        "汛期停工已解除，施工单位已增加作业班组，正在抢回工期。",
        "已恢复正常施工，本月完成滞后节点的主要工程量，预计下月追平计划。",
    ),
    "ceremony": (
        "开工仪式后按上级部门要求开展设计方案优化复核，暂缓大面积施工，非本单位主观原因。",
        "方案复核已完成并报批，施工单位已进场做开工准备。",
        "方案已批复，主体施工已启动。",
    ),
}
SIGN_NOTE = "情况属实，同意本月不扣分。"


def _ended_quarters(current: str) -> list[str]:
    """The quarters of the current year before `current`; in the first quarter, last year's fourth."""
    start = parse_period(current).start
    if start.month == 1:
        return [quarter_key(start - timedelta(days=1))]
    return [f"{start.year}Q{n}" for n in range(1, (start.month + 2) // 3)]


def _months_to_date(key: str, today: date) -> list[str]:
    """The months of the period `key` (a quarter or a year) up to today's."""
    period = parse_period(key)
    months, day = [], period.start
    while day <= min(period.end, today):
        months.append(month_key(day))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _rules_periods(version) -> tuple[str, ...]:
    from tuijin.scoring.rules import score_rules

    return tuple(score_rules(version.data).periods)


@transaction.atomic
def demo_scoring(district: Jurisdiction, *, today: date) -> str:
    from tuijin.scoring import services
    from tuijin.scoring.models import ScorePeriod

    existing = ScorePeriod.objects.filter(jurisdiction=district)
    if existing.exists():
        return f"考核排名：已有 {existing.count()} 个考核期间，保留不变"
    admin = User.objects.filter(username="admin", role=Role.OFFICE_ADMIN).first()
    if admin is None:
        return "考核排名：没有项目办管理员账号，未计算"
    try:
        version = services.resolve_rule_version(district, None)
        periods = _rules_periods(version)
    except (ValueError, ValidationError) as exc:
        return f"考核排名：未计算（{_message(exc)}）"
    if "quarter" not in periods:
        return f"考核排名：规则集《{version.rule_set.name}》不计算季度考评，未计算"

    current = quarter_key(today)
    closed = []
    for key in _ended_quarters(current):  # in order: each one's first and last places count in the next
        outcome = services.score_run(jurisdiction=district, period_key=key, by=admin, today=today)
        closed.append(_close(outcome.period, admin, today))
    services.score_run(jurisdiction=district, period_key=current, by=admin, today=today)
    open_period = ScorePeriod.objects.get(jurisdiction=district, key=current)
    exempted = _exemptions(district, open_period, today)
    if exempted:  # granting recomputed the open quarter on the real clock: again as of the demo's day
        services.score_run(jurisdiction=district, period_key=current, by=admin, today=today)
    months = []
    if "month" in periods:  # the year's months to date; those of finished quarters closed
        for key in _months_to_date(f"{today.year}", today):
            outcome = services.score_run(jurisdiction=district, period_key=key, by=admin, today=today)
            if outcome.period.end < parse_period(current).start:
                _close(outcome.period, admin, today)
            months.append(key)
    open_period.refresh_from_db()
    return _line(closed, open_period, months, exempted)


def _close(period, admin: User, today: date):
    """Close (seal) a computed period that has entries; one without any stays open."""
    from tuijin.scoring import services

    if not period.entries.exists():
        return period
    return services.period_close(period=period, by=admin, today=today)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


# ---------------------------------------------------------------------------------------------------
# DH24 五(四): one granted exemption (a waived deduction), its renewal waiting for the leader


def _exemptions(district: Jurisdiction, period, today: date) -> str:
    from tuijin.scoring import exemption_services as es

    cfg = es.exemption_rules(district)
    if not cfg:
        return ""
    candidate = _candidate(period, tuple(cfg.get("covers") or ()))
    if candidate is None:
        return ""
    entry, clerk = candidate
    project = entry.project
    month = month_key(entry.on)
    cause, progress, later = CAUSES.get(entry.kind, CAUSES["late_start"])
    applied_on = min(entry.on + timedelta(days=3), today)
    exemption = es.exemption_apply(
        by=clerk, project=project, month=month, reason=cause, progress=progress, today=applied_on
    )
    signers = [exemption.project_leader]
    if exemption.leader_in_charge_id != exemption.project_leader_id:
        signers.append(exemption.leader_in_charge)
    for person in signers:  # one person who is both signs both (es._signer_roles)
        es.exemption_sign(by=None, exemption=exemption, agree=True, note=SIGN_NOTE, person=person)
    exemption.refresh_from_db()
    _date(exemption, applied_on, today)
    line = f"客观原因免扣分 1 项（项目《{project.name}》{month}，已签字同意）"
    renewal_month = month_key(parse_period(month).end + timedelta(days=1))
    try:
        renewal = es.exemption_renew(
            by=clerk, exemption=exemption, progress=later, today=min(today, _day(renewal_month))
        )
    except ValidationError:
        return line
    _date(renewal, min(today, _day(renewal_month)), today, signed=False)
    return f"{line}，续申请 {renewal_month} 待 {renewal.project_leader.name} 签字"


def _day(month: str) -> date:
    return parse_period(month).start + timedelta(days=2)


def _candidate(period, covers: tuple[str, ...]):
    """A deduction the exemption covers, on a project its responsible unit answers for, whose unit has a
    reporter account and a 分管领导; the `leader` account's person's projects first (its to-do)."""
    from tuijin.scoring.exemption_services import leaders_in_charge
    from tuijin.scoring.models import ScoreEntry

    leader = User.objects.filter(username="leader", role=Role.LEADER).select_related("person").first()
    mine = getattr(leader, "person_id", None)
    entries = (
        ScoreEntry.objects.filter(
            period=period, kind__in=covers, points__lt=0, project__isnull=False, origin="computed"
        )
        .select_related("project", "project__responsible_unit", "project__lead_leader", "unit")
        .order_by("on", "pk")
    )
    picked = None
    for entry in entries:
        project = entry.project
        if project.responsible_unit_id != entry.unit_id or project.lead_leader_id is None:
            continue
        if not leaders_in_charge(entry.unit):
            continue
        clerk = (
            User.objects.filter(
                unit=entry.unit, role__in=(Role.UNIT_REPORTER, Role.UNIT_HEAD), is_active=True
            )
            .order_by("role", "username")
            .first()
        )
        if clerk is None:
            continue
        if project.lead_leader_id == mine:
            return entry, clerk
        picked = picked or (entry, clerk)
    return picked


def _date(exemption, applied_on: date, today: date, *, signed: bool = True) -> None:
    """Date the application and its signatures on the demo's days (the services stamp the real clock)."""
    from tuijin.scoring.models import Exemption

    fields = {"applied_at": moment(applied_on, 9)}
    if signed:
        signed_on = min(applied_on + timedelta(days=1), today)
        fields.update(
            project_leader_signed_at=moment(signed_on, 10),
            leader_in_charge_signed_at=moment(signed_on, 11),
            decided_at=moment(signed_on, 11),
        )
    Exemption.objects.filter(pk=exemption.pk).update(**fields)


# ---------------------------------------------------------------------------------------------------


def _line(closed: list, current, months: list[str], exempted: str) -> str:
    from tuijin.scoring.models import Rectification, ScoreEntry, UnitScore

    def ranked(period) -> int:
        return UnitScore.objects.filter(period=period, rank__isnull=False).count()

    entries = ScoreEntry.objects.filter(period=current)
    due = Rectification.objects.filter(period__jurisdiction=current.jurisdiction_id, status="due").count()
    parts = []
    sealed = [p for p in closed if p.status == "closed"]
    if sealed:
        last = sealed[-1]
        keys = last.key if len(sealed) == 1 else f"{sealed[0].key}—{last.key}"
        parts.append(
            f"{keys} 已计算并关账（{last.key} {ranked(last)} 个单位排名，计分记录 "
            f"{ScoreEntry.objects.filter(period=last).count()} 条）"
        )
    parts += [
        f"{current.key} 计算中（{ranked(current)} 个单位排名，计分记录 {entries.count()} 条，"
        f"扣分 {entries.filter(points__lt=0).count()} 条、加分 {entries.filter(points__gt=0).count()} 条）",
    ]
    if months:
        parts.append(f"月度考评 {months[0]} 至 {months[-1]} 已计算")
    if exempted:
        parts.append(exempted)
    parts.append(f"待提交整改报告 {due} 份")
    return "考核排名：" + "，".join(parts) + "。"
