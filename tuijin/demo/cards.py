"""The demo's yellow and red cards (WH19 四(二), 五), written through the card services after the problems'
and the supervision demos have issued their 督办单 (each of which proposed a yellow card):

- 区住建局 (whose head and reporter log in as `head` / `reporter`) gets exactly two 督办单 before this
  month (the demo issues what is missing), two yellow cards issued in the monthly reviews and the red card
  the ladder then proposes, issued by the supervision office (`supervisor`); its head appeals the red card
  (pending, in the supervisor's to-do);
- the monthly review of every past month with proposed yellow cards is held (held on the third day of the
  next month), issuing the other units' yellow cards and setting one aside with its reason (a revoked
  card); this month's proposed yellow cards wait for the office's review (the office's to-do).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from tuijin.org.models import Jurisdiction, Role, Unit, User
from tuijin.problems import services as problem_services
from tuijin.problems.models import Slip
from tuijin.supervision import card_rules, card_selectors, card_services
from tuijin.supervision.models import Card, CardAppeal, CardReview

RED_UNIT = "区住建局"
SET_ASIDE = "督办事项系上级部门审批原因，经核实已于期限内办结"
APPEAL = (
    "红牌所依据的第二份督办单所涉事项，系市级部门审批延迟所致，本局已于督办期限内报送全部材料，请予复核。"
)
EXTRA_SLIPS = [
    ("周报连续两周缺报", "本单位负责的项目周报连续两周未按时填报，请立即补报并说明原因。"),
    ("施工许可证办理超出承诺时限", "施工许可证办理已超出承诺时限，请于5个工作日内办结并书面反馈。"),
]


def _user(username: str, role: str) -> User | None:
    return User.objects.filter(username=username, role=role, is_active=True).first()


def _month_of(slip: Slip) -> date:
    return timezone.localtime(slip.issued_at).date().replace(day=1)


def _next_month(first: date) -> date:
    return card_rules._add_months(first, 1)


@transaction.atomic
def demo_cards(district: Jurisdiction, *, today: date) -> str:
    if CardReview.objects.filter(jurisdiction=district).exists():
        return (
            f"黄牌红牌：已有 {CardReview.objects.filter(jurisdiction=district).count()} 次月度审定，保留不变"
        )
    admin = _user("admin", Role.OFFICE_ADMIN)
    supervisor = _user("supervisor", Role.SUPERVISOR)
    head = _user("head", Role.UNIT_HEAD)
    unit = Unit.objects.filter(jurisdiction=district, short_name=RED_UNIT).first()
    if admin is None or unit is None:
        return "黄牌红牌：没有项目办管理员或区住建局，未生成"
    this_month = today.replace(day=1)
    year_start = date(today.year, 1, 1)
    card_services.cards_recompute(district, today=today)  # slips issued before the listener, if any

    # 区住建局: exactly two 督办单 this year before this month (issue what is missing)
    before = timezone.make_aware(timezone.datetime.combine(this_month, timezone.datetime.min.time()))
    theirs = list(
        card_selectors.supervise_slips(district, year_start, today, unit)
        .filter(issued_at__lt=before)
        .order_by("issued_at")
    )
    for i, (subject, content) in enumerate(EXTRA_SLIPS[: max(0, 2 - len(theirs))]):
        day = max(year_start, this_month - timedelta(days=40 - 14 * i))
        if day >= this_month:  # January: the slips fall in this month
            day = this_month
        problem_services.slip_issue(
            actor=admin,
            kind="supervise",
            jurisdiction=district,
            to_unit=unit,
            subject=subject,
            content=content,
            requirement="逾期未办结的，按 WH19 五 报区委、区政府督查室",
            deadline=day + timedelta(days=7),
            today=day,
        )
    theirs = list(
        card_selectors.supervise_slips(district, year_start, today, unit).order_by("issued_at", "id")
    )
    counted = {s.pk for s in theirs[:2]}
    red_months = {_month_of(s) for s in theirs[:2]}

    # a card of another unit to set aside (a revoked card with its reason)
    others = Card.objects.filter(jurisdiction=district, color="yellow", status="proposed").exclude(unit=unit)
    if not others.filter(slip__issued_at__lt=before).exists():
        other = Unit.objects.filter(jurisdiction=district, kind="street").order_by("id").first() or (
            Unit.objects.filter(jurisdiction=district).exclude(pk=unit.pk).order_by("id").first()
        )
        day = max(year_start, this_month - timedelta(days=20))
        if other is not None and day < this_month:
            problem_services.slip_issue(
                actor=admin,
                kind="supervise",
                jurisdiction=district,
                to_unit=other,
                subject="征迁协调会议定事项未按期落实",
                content="会议议定的征迁协调事项逾期未落实，请于3个工作日内反馈。",
                today=day,
            )

    # the monthly reviews of the past months (and this month when 区住建局's slips fall in it)
    months = sorted(
        {
            _month_of(c.slip)
            for c in Card.objects.filter(
                jurisdiction=district, color="yellow", status="proposed"
            ).select_related("slip")
        }
    )
    months = [m for m in months if m < this_month or m in red_months]
    set_aside_done = False
    reviews = 0
    for month in months:
        held = min(_next_month(month) + timedelta(days=2), today)
        issue, aside = [], {}
        for card in card_selectors.review_candidates(district, month):
            if card.unit_id == unit.pk and card.slip_id not in counted:
                aside[card.pk] = "同一单位同月重复督办，已计入前次督办"
            elif not set_aside_done and card.unit_id != unit.pk:
                aside[card.pk] = SET_ASIDE
                set_aside_done = True
            else:
                issue.append(card.pk)
        if not issue and not aside:
            continue
        card_services.card_review_hold(
            actor=admin,
            jurisdiction=district,
            month=month,
            issue=issue,
            set_aside=aside,
            note=f"{month:%Y年%m月}督办单所涉单位黄牌预警，在当月最后一次主任办公会上通报",
            today=held,
        )
        reviews += 1

    # the red card of 区住建局, issued by the supervision office; its head appeals it
    red = Card.objects.filter(jurisdiction=district, unit=unit, color="red", status="proposed").first()
    appeal = ""
    if red is not None:
        issued_on = min(_next_month(max(red_months)) + timedelta(days=4), today)
        card_services.card_issue(actor=supervisor, card=red, today=issued_on)
        if head is not None and head.unit_id == unit.pk:
            card_services.card_appeal_file(
                actor=head, card=red, reason=APPEAL, today=min(issued_on + timedelta(days=2), today)
            )
            appeal = "，申诉待处理 1 件"
    counts = card_selectors.card_counts(
        district, card_rules.period_key(today, card_selectors.rules_for(district)[0])
    )
    yellows = sum(c["yellow"] for c in counts.values())
    reds = sum(c["red"] for c in counts.values())
    mine = counts.get(unit.pk, {"yellow": 0, "red": 0})
    revoked = Card.objects.filter(jurisdiction=district, status="revoked").count()
    waiting = Card.objects.filter(jurisdiction=district, color="yellow", status="proposed").count()
    pending = CardAppeal.objects.filter(card__jurisdiction=district, status="pending").count()
    return (
        f"黄牌红牌：月度审定 {reviews} 次，已发黄牌 {yellows} 张、红牌 {reds} 张"
        f"（{RED_UNIT} 黄牌 {mine['yellow']} 张、红牌 {mine['red']} 张{appeal}），"
        f"撤销 {revoked} 张，本月拟发黄牌 {waiting} 张待审定，申诉待处理 {pending} 件。"
    )
