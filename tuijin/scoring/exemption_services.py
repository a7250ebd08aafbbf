"""Writes of objective-cause exemptions (免扣分, DH24 五(四)), bonus points (奖励加分, WH19 四(四)) and
rectification reports (整改报告, WH19 四(三)).

DH24 五(四): "凡是因客观因素导致项目推进滞后的，相关责任单位可向项目挂点区领导和区分管领导请示汇报，经签字
确认同意后，将不对该项目进行扣分处理。后续由项目责任单位按照'一月一汇报、一月一申请'原则……". A unit applies
for one project and one month; the two signers are fixed at application (the project's 挂点领导 and the
unit's 分管领导); both signatures grant it, a refusal by either refuses it; each further month is a new
application (renewal), carrying the cause and the progress report forward for editing.

Every service checks access (`by=None` is the system: the demo, imports), locks what it changes and
re-checks its state, and writes in one transaction; a refusal is a Chinese `ValidationError` naming the
field or record (the wrong signer: `AccessDenied` naming the two who may sign). A granted exemption or an
approved bonus is reflected at once in the open, already computed periods it touches (`score_run` again,
by the system); a closed period keeps its sealed ledger until the office computes it again (corrections).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tuijin.core.access import AccessDenied, require
from tuijin.core.rules.ledger import parse_period
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import LeadingGroupMember, Person, Unit

from .models import Bonus, Exemption, Rectification, ScorePeriod

logger = logging.getLogger("tuijin.scoring")

LIVE = ("applied", "granted")
KIND_ORDER = {"month": 0, "quarter": 1, "year": 2}


def _require(by: Any, action: str, obj: Any = None) -> None:
    if by is not None:
        require(by, action, obj)


def _text(value: Any) -> str:
    return (value or "").strip()


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


# ---------------------------------------------------------------------------------------------------
# What the rule set says


def exemption_rules(jurisdiction: Any) -> dict | None:
    """`[scoring.exemption]` of the rule set in force for the jurisdiction, or None (no such mechanism)."""
    version = ruleset_version_for_jurisdiction(jurisdiction)
    if version is None:
        return None
    section = (version.data or {}).get("scoring") or {}
    exemption = section.get("exemption")
    return dict(exemption) if exemption else None


def bonus_max(period: ScorePeriod) -> Decimal | None:
    """`[scoring.year].bonus_max` of the period's rule-set version (WH19 四(四): 最高可加 5 分), or None."""
    section = (period.rule_version.data or {}).get("scoring") or {}
    value = (section.get("year") or {}).get("bonus_max")
    return Decimal(str(value)) if value is not None else None


# ---------------------------------------------------------------------------------------------------
# Exemptions: who signs


def leaders_in_charge(unit: Unit) -> list[Person]:
    """The leaders in charge (分管领导) of a unit: active leaders whose 分管单位 include it, in the order
    of the jurisdiction's leading group (组长, 副组长 … as sorted there), then the others by id."""
    people = list(Person.objects.filter(is_leader=True, is_active=True, units_in_charge=unit).order_by("id"))
    order = {
        m.person_id: i
        for i, m in enumerate(
            LeadingGroupMember.objects.filter(person__in=people).order_by("group_id", "sort", "id")
        )
    }
    return sorted(people, key=lambda p: (order.get(p.pk, len(order)), p.pk))


def _signers(project: Any, unit: Unit, chosen: Person | None) -> tuple[Person, Person]:
    leader = project.lead_leader
    if leader is None:
        raise ValidationError(
            {
                "project": f"项目《{project.name}》没有登记挂点领导，不能申请免扣分；请先在项目信息中登记挂点领导。"
            }
        )
    candidates = leaders_in_charge(unit)
    if not candidates:
        raise ValidationError(
            {
                "project": f"{unit.name}没有登记分管领导（人员的“分管单位”），不能申请免扣分；请项目办先登记分管领导。"
            }
        )
    if chosen is None:
        return leader, candidates[0]
    if chosen.pk not in {p.pk for p in candidates}:
        names = "、".join(p.name for p in candidates)
        raise ValidationError(
            {"leader_in_charge": f"{chosen.name}不是{unit.name}的分管领导；可选：{names}。"}
        )
    return leader, chosen


def _check_month(jurisdiction: Any, month: str, today: date) -> None:
    try:
        period = parse_period(month)
    except ValueError as exc:
        raise ValidationError({"month": f"月份“{month}”格式不对，应写作 2024-06。"}) from exc
    if period.kind != "month":
        raise ValidationError({"month": f"月份“{month}”格式不对，应写作 2024-06（免扣分一月一申请）。"})
    if period.start > next_month_start(today):
        raise ValidationError({"month": f"{period.label}尚未到来，只能申请本月、下月或以前的月份。"})
    closed = ScorePeriod.objects.filter(
        jurisdiction=jurisdiction, status="closed", start__lte=period.end, end__gte=period.start
    ).first()
    if closed is not None:
        raise ValidationError(
            {"month": f"{period.label}所在的考核期间（{closed.key}）已关账，不能再申请免扣分。"}
        )


def next_month_start(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _check_no_live(project: Any, month: str) -> None:
    live = Exemption.objects.filter(project=project, month=month, status__in=LIVE).first()
    if live is not None:
        raise ValidationError(
            {
                "month": f"项目《{project.name}》{month_label(month)}已有免扣分申请（{live.get_status_display()}），不能重复申请。"
            }
        )


def _check_mechanism(project: Any) -> dict:
    cfg = exemption_rules(project.jurisdiction)
    if cfg is None:
        version = ruleset_version_for_jurisdiction(project.jurisdiction)
        name = f"《{version.rule_set.name}》" if version is not None else "（未选择规则集）"
        raise ValidationError(
            f"{project.jurisdiction.name}执行的规则集{name}没有客观原因免扣分机制（[scoring.exemption]），不能申请免扣分。"
        )
    return cfg


# ---------------------------------------------------------------------------------------------------
# Exemptions: apply, sign, renew, withdraw


def exemption_apply(
    *,
    by: Any,
    project: Any,
    month: str,
    reason: str,
    progress: str = "",
    leader_in_charge: Person | None = None,
    renews: Exemption | None = None,
    today: date | None = None,
) -> Exemption:
    """A unit's application (请示) not to be charged for one project in one month (DH24 五(四)). The signers
    are fixed now: the project's 挂点领导 and the unit's 分管领导 (the first in leading-group order, or
    `leader_in_charge` if the applicant picks another of them)."""
    if by is None:
        raise ValidationError("免扣分申请须由责任单位的账号提出。")
    _require(by, "exemptions.apply", project)
    month = _text(month)
    reason, progress = _text(reason), _text(progress)
    today = today or timezone.localdate()
    unit = project.responsible_unit
    _check_mechanism(project)
    if not reason:
        raise ValidationError({"reason": "请写明导致项目推进滞后的客观原因。"})
    _check_month(project.jurisdiction, month, today)
    leader, in_charge = _signers(project, unit, leader_in_charge)
    with transaction.atomic():
        _check_no_live(project, month)
        try:
            with transaction.atomic():
                return Exemption.objects.create(
                    jurisdiction=project.jurisdiction,
                    unit=unit,
                    project=project,
                    month=month,
                    reason=reason,
                    progress=progress,
                    renews=renews,
                    applied_by=by,
                    project_leader=leader,
                    leader_in_charge=in_charge,
                )
        except IntegrityError as exc:  # a second application posted at the same moment
            raise ValidationError(
                {"month": f"项目《{project.name}》{month_label(month)}已有免扣分申请，不能重复申请。"}
            ) from exc


def _signer_roles(exemption: Exemption, person: Person | None) -> list[str]:
    if person is None:
        return []
    roles = []
    if person.pk == exemption.project_leader_id:
        roles.append("project_leader")
    if person.pk == exemption.leader_in_charge_id:
        roles.append("leader_in_charge")
    return roles


def _wrong_signer(exemption: Exemption) -> AccessDenied:
    return AccessDenied(
        f"您无权签字：只有项目挂点领导 {exemption.project_leader.name} 或分管领导 "
        f"{exemption.leader_in_charge.name} 可以签字。",
        action="exemptions.sign",
    )


@dataclass
class Decision:
    """What a signature or an approval did: the record, and the periods it touched."""

    record: Any  # the Exemption or Bonus
    recomputed: list[str] = field(default_factory=list)  # open periods computed again
    closed: list[str] = field(default_factory=list)  # closed periods it touches (the office recomputes)
    warnings: list[str] = field(default_factory=list)

    def effect(self) -> str:
        """A Chinese sentence for the message after the decision."""
        parts = []
        if self.recomputed:
            parts.append(f"已重新计算{'、'.join(self.recomputed)}的考评得分")
        if self.closed:
            parts.append(f"{'、'.join(self.closed)}已关账，须由项目办重新计算生成更正记录")
        parts.extend(self.warnings)
        return "；".join(parts)


def _signed(exemption: Exemption, roles: list[str], now: Any) -> None:
    for role in roles:
        at = f"{role}_signed_at"
        if getattr(exemption, at) is not None:
            raise ValidationError(
                f"您已于 {timezone.localtime(getattr(exemption, at)):%Y-%m-%d %H:%M} 签字同意，不能重复签字。"
            )
        setattr(exemption, at, now)


def exemption_sign(
    *, by: Any, exemption: Exemption, agree: bool, note: str = "", person: Person | None = None
) -> Decision:
    """One signer's decision. Both signatures → granted (the month's deductions on this project are
    exempted at the next computation; the open, computed periods are computed again now); a refusal by
    either → refused, with the note. `person` signs for the system (`by=None`), else `by.person`."""
    person = person if person is not None else getattr(by, "person", None)
    note = _text(note)
    with transaction.atomic():
        exemption = (
            Exemption.objects.select_for_update(of=("self",))
            .select_related("project_leader", "leader_in_charge", "project", "jurisdiction")
            .get(pk=exemption.pk)
        )
        roles = _signer_roles(exemption, person)
        if not roles:
            raise _wrong_signer(exemption)
        _require(by, "exemptions.sign", exemption)
        if exemption.status != "applied":
            raise ValidationError(f"该免扣分申请{exemption.get_status_display()}，不能再签字。")
        now = timezone.now()
        if not agree:
            if not note:
                raise ValidationError({"note": "不同意时须写明理由。"})
            title = "挂点领导" if roles[0] == "project_leader" else "分管领导"
            exemption.status = "refused"
            exemption.decided_note = f"{title} {person.name}：{note}"[:300]
            exemption.decided_at = now
            exemption.save()
            return Decision(record=exemption)
        _signed(exemption, roles, now)
        if exemption.project_leader_signed_at and exemption.leader_in_charge_signed_at:
            exemption.status = "granted"
            exemption.decided_at = now
            if note:
                exemption.decided_note = note[:300]
        exemption.save()
    outcome = Decision(record=exemption)
    if exemption.status == "granted":
        first = parse_period(exemption.month)
        _recompute(outcome, exemption.jurisdiction, first.start, first.end, "免扣分签字同意")
    return outcome


def exemption_renew(
    *, by: Any, exemption: Exemption, reason: str = "", progress: str = "", **kw: Any
) -> Exemption:
    """一月一申请: the next month's application for the same project, from a granted one; the cause and
    the progress carry over unless given anew."""
    if exemption.status != "granted":
        raise ValidationError(f"只有已同意的免扣分才能续申请下月；该申请{exemption.get_status_display()}。")
    return exemption_apply(
        by=by,
        project=exemption.project,
        month=next_month(exemption.month),
        reason=_text(reason) or exemption.reason,
        progress=_text(progress) or exemption.progress,
        renews=exemption,
        **kw,
    )


def exemption_withdraw(*, by: Any, exemption: Exemption) -> Exemption:
    """The applicant unit withdraws its application before both have signed."""
    _require(by, "exemptions.withdraw", exemption)
    with transaction.atomic():
        exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
        if exemption.status != "applied":
            raise ValidationError(f"该免扣分申请{exemption.get_status_display()}，不能撤回。")
        exemption.status = "withdrawn"
        exemption.decided_at = timezone.now()
        exemption.save()
    return exemption


# ---------------------------------------------------------------------------------------------------
# Recomputing what a decision touches


def _recompute(outcome: Any, jurisdiction: Any, start: date, end: date, why: str) -> None:
    """Compute again (as the system) the open, already computed periods of the jurisdiction that overlap
    [start, end]: months, then quarters, then years (a year averages its quarters). Closed periods are
    listed, not touched. A failure is a warning: the decision itself stands."""
    periods = ScorePeriod.objects.filter(
        jurisdiction=jurisdiction, start__lte=end, end__gte=start, computed_at__isnull=False
    ).select_related("rule_version__rule_set")
    for period in sorted(periods, key=lambda p: (KIND_ORDER.get(p.kind, 9), p.start)):
        if period.status == "closed":
            outcome.closed.append(period.key)
            continue
        try:
            from .services import score_run

            with transaction.atomic():
                # the period's own rule-set version: an open period does not switch versions because a
                # leader signed (a new version is chosen by the office computing it)
                score_run(
                    jurisdiction=jurisdiction,
                    period_key=period.key,
                    by=None,
                    rule_version=period.rule_version,
                    reason=why,
                )
        except (ImportError, ValueError, ValidationError) as exc:
            logger.warning("recompute of %s %s failed: %s", jurisdiction.code, period.key, exc)
            outcome.warnings.append(f"{period.key} 重新计算未完成：{_message(exc)}")
        else:
            outcome.recomputed.append(period.key)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


# ---------------------------------------------------------------------------------------------------
# Bonuses (WH19 四(四): 最高可加 5 分)


def _points(value: Any) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"points": f"加分“{value}”不是数字。"}) from exc
    if not points.is_finite():
        raise ValidationError({"points": f"加分“{value}”不是数字。"})
    return points


def _bonus_total(
    period: ScorePeriod, unit: Unit, statuses: tuple[str, ...], exclude: int | None = None
) -> Decimal:
    rows = Bonus.objects.filter(period=period, unit=unit, status__in=statuses)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return sum((b.points for b in rows), Decimal(0))


def _check_allowance(period: ScorePeriod, unit: Unit, points: Decimal, counted: Decimal, what: str) -> None:
    cap = bonus_max(period)
    if cap is not None and counted + points > cap:
        left = max(cap - counted, Decimal(0))
        raise ValidationError(
            {
                "points": f"{unit.name}{period.key}年度{what}的奖励加分已有 {points_text(counted)} 分，"
                f"每单位每年最高加 {points_text(cap)} 分，最多还能加 {points_text(left)} 分。"
            }
        )


def points_text(value: Decimal) -> str:
    """Points as people write them: 2.5, 5, 0.75 (no trailing zeros)."""
    return f"{Decimal(value).normalize():f}"


def _check_year(period: ScorePeriod, verb: str) -> None:
    if period.kind != "year":
        raise ValidationError({"period": f"奖励加分计入年度考核；{period.key}不是年度考核期间。"})
    if period.status == "closed":
        raise ValidationError({"period": f"{period.key}年度考核期间已关账，不能再{verb}奖励加分。"})


def year_period_open(*, jurisdiction: Any, year: int) -> ScorePeriod:
    """The jurisdiction's year period (e.g. "2024"), created open with the rule set in force if the year
    was never computed (bonuses are proposed during the year, before its computation)."""
    key = str(year)
    existing = ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=key).first()
    if existing is not None:
        return existing
    version = ruleset_version_for_jurisdiction(jurisdiction)
    if version is None:
        raise ValidationError(f"{jurisdiction.name}尚未选择规则集，不能登记{year}年度的奖励加分。")
    bounds = parse_period(key)
    try:
        with transaction.atomic():
            return ScorePeriod.objects.create(
                jurisdiction=jurisdiction,
                key=key,
                kind="year",
                start=bounds.start,
                end=bounds.end,
                rule_version=version,
            )
    except IntegrityError:  # created meanwhile
        return ScorePeriod.objects.get(jurisdiction=jurisdiction, key=key)


def bonus_propose(
    *, by: Any, period: ScorePeriod, unit: Unit, points: Any, reason: str, document: str = ""
) -> Bonus:
    """The office proposes bonus points for a unit in a year (超额完成目标任务、获上级表彰、受通报表扬),
    with its ground; a leader then approves. Proposed and approved points together stay within the year's
    `[scoring.year].bonus_max`."""
    if by is None:
        raise ValidationError("奖励加分须由项目办的账号提出。")
    _require(by, "bonus.propose", period)
    points, reason, document = _points(points), _text(reason), _text(document)
    _check_year(period, "提出")
    cap = bonus_max(period)
    if cap is None:
        raise ValidationError(
            f"规则集《{period.rule_version.rule_set.name}》没有奖励加分上限（[scoring.year].bonus_max），不能提出奖励加分。"
        )
    if points <= 0 or points > cap:
        raise ValidationError(
            {"points": f"加分应大于 0 且不超过 {points_text(cap)} 分，填的是 {points_text(points)}。"}
        )
    if points != points.quantize(Decimal("0.01")):
        raise ValidationError({"points": "加分最多保留两位小数。"})
    if unit.jurisdiction_id != period.jurisdiction_id:
        raise ValidationError({"unit": f"{unit.name}不是{period.jurisdiction.name}的责任单位。"})
    if not reason:
        raise ValidationError({"reason": "请写明加分理由（如获得的表彰或通报表扬）。"})
    with transaction.atomic():
        ScorePeriod.objects.select_for_update().get(pk=period.pk)  # one proposal at a time per period
        counted = _bonus_total(period, unit, ("proposed", "approved"))
        _check_allowance(period, unit, points, counted, "已批准和待审批")
        return Bonus.objects.create(
            period=period,
            unit=unit,
            points=points,
            reason=reason[:300],
            document=document[:120],
            proposed_by=by,
        )


def bonus_decide(*, by: Any, bonus: Bonus, approve: bool, note: str = "") -> Decision:
    """A leader of the jurisdiction approves or refuses a proposed bonus. Approved points enter the ledger
    at the year's computation (kind "bonus", with the approver); an open, computed year is computed again."""
    _require(by, "bonus.decide", bonus)
    note = _text(note)
    with transaction.atomic():
        period = ScorePeriod.objects.select_for_update().get(pk=bonus.period_id)
        bonus = Bonus.objects.select_for_update(of=("self",)).select_related("unit").get(pk=bonus.pk)
        if bonus.status != "proposed":
            raise ValidationError(f"该奖励加分{bonus.get_status_display()}，不能再审批。")
        if period.status == "closed":
            raise ValidationError(f"{period.key}年度考核期间已关账，不能再审批奖励加分。")
        if approve:
            counted = _bonus_total(period, bonus.unit, ("approved",), exclude=bonus.pk)
            _check_allowance(period, bonus.unit, bonus.points, counted, "已批准")
        elif not note:
            raise ValidationError({"note": "不批准时须写明理由。"})
        bonus.status = "approved" if approve else "refused"
        bonus.decided_by = by
        bonus.decided_at = timezone.now()
        bonus.decided_note = note[:300]
        bonus.save()
    outcome = Decision(record=bonus)
    if approve:
        _recompute(outcome, period.jurisdiction, period.start, period.end, "奖励加分批准")
    return outcome


# ---------------------------------------------------------------------------------------------------
# Rectification reports (WH19 四(三): 排名最后的 2 个单位提交整改报告)


def rectification_submit(
    *, by: Any, rectification: Rectification, report: str, file: Any = None
) -> Rectification:
    """The unit head submits the unit's rectification report (text, optional file: PDF, OFD, images,
    Word, Excel or ZIP, at most 20 MB); a returned report is submitted again."""
    from tuijin.problems.services import check_files

    _require(by, "rectification.submit", rectification)
    report = _text(report)
    if not report:
        raise ValidationError({"report": "请填写整改报告的内容（原因分析、整改措施和时限）。"})
    files = check_files([file] if file else [], field="file")
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
        if rectification.status not in ("due", "returned"):
            raise ValidationError(f"该整改报告{rectification.get_status_display()}，不能再提交。")
        rectification.report = report
        if files:
            rectification.file.save(files[0].name.rsplit("/", 1)[-1], files[0], save=False)
        rectification.status = "submitted"
        rectification.submitted_by = by
        rectification.submitted_at = timezone.now()
        rectification.save()
    return rectification


def rectification_review(
    *, by: Any, rectification: Rectification, accept: bool, note: str = ""
) -> Rectification:
    """The office accepts the report or returns it with a note (the unit submits again)."""
    _require(by, "rectification.review", rectification)
    note = _text(note)
    if not accept and not note:
        raise ValidationError({"note": "退回时须写明需要补充或修改的内容。"})
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
        if rectification.status != "submitted":
            raise ValidationError(f"该整改报告{rectification.get_status_display()}，不能审核。")
        rectification.status = "accepted" if accept else "returned"
        rectification.reviewed_by = by
        rectification.reviewed_at = timezone.now()
        rectification.review_note = note[:300]
        rectification.save()
    return rectification
