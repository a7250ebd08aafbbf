"""Importing section `supervision`: check every act, card review, card and referral first, then upsert by
natural keys (docs/exchange.md "导入督查和黄牌红牌时").

Acts by act key (their findings and required actions by position: the import may change and append them,
not remove them; photos are appended, metadata only); card reviews by (jurisdiction, month); cards by
(unit, colour, period, seq); referrals by (unit, seq). An issued card is a record: the import may revoke
it or add an appeal, never change what it rests on. A referral is sent only after consent; a sent one
keeps its consent and date. The lights are recomputed when a finding was added or changed (they read
findings; lights are never exchanged).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.utils import timezone

from tuijin.core.exchange.checks import SectionChecks
from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import split_unit_key
from tuijin.meetings.exchange.keys import check_new_ordinals, ordinals, split_ordinal
from tuijin.meetings.exchange.load import held_meeting_keys, rule_versions, slip_key, slip_text
from tuijin.org.models import Jurisdiction, Unit, User
from tuijin.problems.models import Slip
from tuijin.reports.exchange.load import project_keys, user_ids

from .. import rules
from ..models import (
    ActPhoto,
    Card,
    CardAppeal,
    CardReview,
    Finding,
    Referral,
    RequiredAction,
    SupervisionAct,
)
from .schema import (
    ACT_PLAIN,
    ACTION_PLAIN,
    ACTION_USERS,
    APPEAL_PLAIN,
    CARD_FIXED,
    CARD_PLAIN,
    CARD_USERS,
    FINDING_PLAIN,
    PHOTO_PLAIN,
    REFERRAL_PLAIN,
    REFERRAL_USERS,
    REVIEW_PLAIN,
    SECTION,
    ActRecord,
    CardRecord,
    CardRef,
    ReferralRecord,
    SupervisionSection,
    act_key,
)

CardKey = tuple[str, str, str, int]


def import_supervision(ctx: ImportContext, data: SupervisionSection) -> None:
    job = SupervisionImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


def _card_key(ref: CardRef | CardRecord) -> CardKey:
    return (ref.unit, ref.color, ref.period, ref.seq)


def card_text(key: CardKey) -> str:
    unit = key[0].partition("/")[2]
    return f"{unit} {key[2]} 第 {key[3]} 张{rules.CARD_COLORS.get(key[1], key[1])}"


class SupervisionImport(SectionChecks):
    """Runs after sections `organisation`, `library`, `chains`, `reports`, `problems` and `meetings`
    (same transaction)."""

    section = SECTION

    def __init__(self, ctx: ImportContext, data: SupervisionSection) -> None:
        self.ctx, self.data = ctx, data
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        self.today = timezone.localdate()
        self.findings_changed = False
        self._load()

    def _load(self) -> None:
        d = self.data
        codes = {self.ctx.root} | {a.jurisdiction_code for a in d.acts}
        codes |= {r.jurisdiction_code for r in d.card_reviews}
        codes |= {c.jurisdiction_code for c in d.cards} | {r.jurisdiction_code for r in d.referrals}
        unit_refs = {u for a in d.acts for u in [a.lead_unit, *a.units] if u}
        unit_refs |= {f.unit for a in d.acts for f in a.findings if f.unit}
        unit_refs |= {x.unit for a in d.acts for x in a.actions}
        unit_refs |= {c.unit for c in d.cards} | {f.unit for c in d.cards for f in c.from_cards}
        unit_refs |= {r.unit for r in d.referrals} | {c.unit for r in d.referrals for c in r.cards}
        project_refs = {p for a in d.acts for p in a.projects}
        project_refs |= {x.project for a in d.acts for x in [*a.findings, *a.photos, *a.actions] if x.project}
        codes |= {k.partition("/")[0] for k in unit_refs | project_refs}
        slip_refs = [x.slip for a in d.acts for x in a.actions if x.slip] + [
            c.slip for c in d.cards if c.slip
        ]
        codes |= {s.jurisdiction_code for s in slip_refs}
        codes |= {r.meeting.partition("/")[0] for r in d.card_reviews if r.meeting}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.unit_keys = {u.pk: f"{code}/{name}" for (code, name), u in self.units.items()}
        self.projects = project_keys(codes)
        self.slips = {
            (s.jurisdiction.code, s.kind, s.year, s.number): s.pk
            for s in Slip.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        }
        self.meetings = held_meeting_keys(codes)
        self.rule_versions = rule_versions()
        # acts
        held_acts = list(
            SupervisionAct.objects.filter(jurisdiction__code__in=codes)
            .select_related("jurisdiction")
            .prefetch_related("projects", "units", "findings", "photos", "actions")
            .order_by("id")
        )
        seq = ordinals((a.pk, (a.jurisdiction_id, a.date, a.kind)) for a in held_acts)
        self.acts = {act_key(a.jurisdiction.code, a.date, a.kind, seq[a.pk]): a for a in held_acts}
        self.reviews = {
            (r.jurisdiction.code, r.month): r
            for r in CardReview.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        }
        unit_ids = {u.pk for u in self.units.values()}
        held_cards = list(
            Card.objects.filter(unit_id__in=unit_ids).prefetch_related("from_cards", "appeals").order_by("id")
        )
        seq = ordinals((c.pk, (c.unit_id, c.color, c.period)) for c in held_cards)
        self.cards: dict[CardKey, Card] = {
            (self.unit_keys[c.unit_id], c.color, c.period, seq[c.pk]): c for c in held_cards
        }
        self.card_keys = {c.pk: key for key, c in self.cards.items()}
        self.card_slips = {c.slip_id: key for key, c in self.cards.items() if c.slip_id}
        codes = dict(
            Jurisdiction.objects.filter(pk__in={c.jurisdiction_id for c in held_cards}).values_list(
                "pk", "code"
            )
        )
        # official numbers in use: (jurisdiction code, colour, year, number) → card key
        self.card_numbers = {
            (codes[c.jurisdiction_id], c.color, c.year, c.number): key
            for key, c in self.cards.items()
            if c.number is not None
        }
        held_referrals = list(
            Referral.objects.filter(unit_id__in=unit_ids).prefetch_related("cards").order_by("id")
        )
        seq = ordinals((r.pk, r.unit_id) for r in held_referrals)
        self.referrals = {(self.unit_keys[r.unit_id], seq[r.pk]): r for r in held_referrals}
        names = [a.created_by for a in d.acts] + [p.uploaded_by for a in d.acts for p in a.photos]
        names += [getattr(x, n) for a in d.acts for x in a.actions for n in ACTION_USERS]
        names += [r.by for r in d.card_reviews]
        names += [getattr(c, n) for c in d.cards for n in CARD_USERS]
        names += [u for c in d.cards for p in c.appeals for u in (p.filed_by, p.decided_by)]
        names += [getattr(r, n) for r in d.referrals for n in (*REFERRAL_USERS, "proposed_by")]
        self.users = user_ids(names)

    # -----------------------------------------------------------------------------------------------
    # Checks

    def _project(self, loc: tuple, key: str | None) -> bool:
        if key is not None and key not in self.projects:
            self._error(loc, f"项目 “{key}” 在文件和系统中都不存在")
            return False
        return True

    def _slip(self, loc: tuple, ref: Any) -> bool:
        if ref is not None and slip_key(ref) not in self.slips:
            self._error(loc, f"{slip_text(slip_key(ref))}在文件和系统中都不存在")
            return False
        return True

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        self._check_unique()
        self._node_and_report()
        for i, a in enumerate(self.data.acts):
            self._check_act(i, a)
        for i, r in enumerate(self.data.card_reviews):
            loc: tuple[str | int, ...] = ("card_reviews", i)
            self._within((*loc, "jurisdiction_code"), r.jurisdiction_code)
            if r.month.day != 1:
                self._error((*loc, "month"), f"黄牌月度审定的月份应写该月 1 日，实际为 {r.month}")
            if r.meeting is not None and r.meeting not in self.meetings:
                self._error((*loc, "meeting"), f"会议 {r.meeting} 在文件和系统中都不存在")
            self._require_someone((*loc, "by"), r.by, f"{r.month:%Y年%m月}黄牌审定的审定人")
        for i, c in enumerate(self.data.cards):
            self._check_card(i, c)
        for i, r in enumerate(self.data.referrals):
            self._check_referral(i, r)

    def _check_unique(self) -> None:
        d = self.data
        self.file_acts = self._once("acts", [a.key for a in d.acts], "督查记录", "seq")
        self.file_reviews = self._once(
            "card_reviews", [(r.jurisdiction_code, r.month) for r in d.card_reviews], "黄牌月度审定", "month"
        )
        self.file_cards = self._once("cards", [_card_key(c) for c in d.cards], "黄牌红牌", "seq")
        self.file_referrals = self._once(
            "referrals", [(r.unit, r.seq) for r in d.referrals], "问责移送", "seq"
        )
        new_acts = [
            (split_ordinal(a.key)[0], a.seq, ("acts", i, "seq"))
            for i, a in enumerate(d.acts)
            if a.key not in self.acts
        ]
        held = Counter(split_ordinal(key)[0] for key in self.acts)
        check_new_ordinals(new_acts, held, self._error, "督查记录")
        new_cards = [
            (k[:3], k[3], ("cards", i, "seq"))
            for i, c in enumerate(d.cards)
            if (k := _card_key(c)) not in self.cards
        ]
        check_new_ordinals(new_cards, Counter(k[:3] for k in self.cards), self._error, "黄牌红牌")
        new_referrals = [
            (r.unit, r.seq, ("referrals", i, "seq"))
            for i, r in enumerate(d.referrals)
            if (r.unit, r.seq) not in self.referrals
        ]
        check_new_ordinals(new_referrals, Counter(u for u, _ in self.referrals), self._error, "问责移送")

    def _once(self, name: str, keys: list, what: str, field: str) -> dict:
        seen: dict = {}
        for i, key in enumerate(keys):
            if key in seen:
                self._error(
                    (name, i, field),
                    f"{what} {key if isinstance(key, str) else ''}重复（另见 {name}[{seen[key]}]）",
                )
            seen.setdefault(key, i)
        return seen

    def _check_act(self, i: int, a: ActRecord) -> None:
        loc: tuple[str | int, ...] = ("acts", i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), a.jurisdiction_code)
        if jurisdiction is None:
            return
        path = jurisdiction.path
        self._unit((*loc, "lead_unit"), a.lead_unit, path, "牵头单位")
        for k, u in enumerate(a.units):
            self._unit((*loc, "units", k), u, path, "被督查单位")
        for k, p in enumerate(a.projects):
            self._project((*loc, "projects", k), p)
        if a.kind == "circuit" and a.month is not None and a.month.day != 1:
            self._error((*loc, "month"), f"巡回督导月份应写该月 1 日，实际为 {a.month}")
        if a.end_date is not None and a.end_date < a.date:
            self._error((*loc, "end_date"), f"督查结束日期 {a.end_date} 早于督查日期 {a.date}")
        self._require_someone((*loc, "created_by"), a.created_by, f"督查记录 {a.key} 的记录人")
        for k, f in enumerate(a.findings):
            here = (*loc, "findings", k)
            self._unit((*here, "unit"), f.unit, path, "责任单位")
            if not self._project((*here, "project"), f.project):
                continue
            if (f.node or f.report) and f.project is None:
                self._error(here, "写明链条节点或所填报告的督查发现，应同时写明项目 project")
                continue
            project = self.projects[f.project].pk if f.project else None
            if f.node and (project, f.node) not in self.nodes:
                self._error((*here, "node"), f"项目 “{f.project}” 的推进链条中没有节点 “{f.node}”")
            if f.report and (project, f.report.kind, f.report.period_start) not in self.reports:
                self._error(
                    (*here, "report"),
                    f"项目 “{f.project}” 没有 {f.report.period_start} 起的{f.report.kind}报告（在文件和系统中都没有）",
                )
        for k, p in enumerate(a.photos):
            here = (*loc, "photos", k)
            self._project((*here, "project"), p.project)
            if p.finding is not None and p.finding >= len(a.findings):
                self._error(
                    (*here, "finding"),
                    f"照片所属的发现 findings[{p.finding}] 不存在（本记录共 {len(a.findings)} 条）",
                )
            self._require_someone(
                (*here, "uploaded_by"), p.uploaded_by, f"照片“{p.caption or p.original_name}”的上传人"
            )
        for k, x in enumerate(a.actions):
            here = (*loc, "actions", k)
            self._unit((*here, "unit"), x.unit, path, "整改单位")
            self._project((*here, "project"), x.project)
            self._slip((*here, "slip"), x.slip)
            if x.finding is not None and x.finding >= len(a.findings):
                self._error(
                    (*here, "finding"),
                    f"整改要求所属的发现 findings[{x.finding}] 不存在（本记录共 {len(a.findings)} 条）",
                )
        held = self.acts.get(a.key)
        if held is not None:
            for name, what in (("findings", "督查发现"), ("actions", "整改要求")):
                count = len(getattr(held, name).all())
                if count > len(getattr(a, name)):
                    self._error(
                        (*loc, name),
                        f"督查记录 {a.key} 在系统中有 {count} 条{what}，文件中只有 {len(getattr(a, name))} 条："
                        f"{what}不能由导入删除",
                    )

    def _node_and_report(self) -> None:
        """Chain nodes and reports the findings name, looked up once (after the check of projects)."""
        from tuijin.chains.models import ChainNode
        from tuijin.reports.models import Report

        ids = {
            self.projects[f.project].pk
            for a in self.data.acts
            for f in a.findings
            if f.project in self.projects and (f.node or f.report)
        }
        self.nodes = {
            (p, k): pk
            for pk, p, k in ChainNode.objects.filter(project_id__in=ids).values_list(
                "pk", "project_id", "key"
            )
        }
        self.reports = {
            (p, k, d): pk
            for pk, p, k, d in Report.objects.filter(project_id__in=ids).values_list(
                "pk", "project_id", "kind", "period_start"
            )
        }

    def _check_card(self, i: int, c: CardRecord) -> None:
        loc: tuple[str | int, ...] = ("cards", i)
        key = _card_key(c)
        text = card_text(key)
        jurisdiction = self._within((*loc, "jurisdiction_code"), c.jurisdiction_code)
        if jurisdiction is None or not self._unit((*loc, "unit"), c.unit, jurisdiction.path, "单位"):
            return
        if c.color == "yellow" and c.slip is None:
            self._error((*loc, "slip"), f"{text}应写明所依据的督办单 slip：每张黄牌对应一份督办单")
        if c.color == "yellow" and c.from_cards:
            self._error((*loc, "from_cards"), f"{text}是黄牌，不能由别的黄牌合成（from_cards 应为空）")
        if self._slip((*loc, "slip"), c.slip) and c.slip is not None:
            slip = self.slips[slip_key(c.slip)]
            owner = self.card_slips.get(slip)
            others = [k for k, n in self.file_cards.items() if n != i and self.data.cards[n].slip == c.slip]
            if (owner is not None and owner != key) or others:
                self._error(
                    (*loc, "slip"),
                    f"{slip_text(slip_key(c.slip))}已是 {card_text(owner or others[0])}的依据：一份督办单只对应一张黄牌",
                )
        for k, ref in enumerate(c.from_cards):
            other = _card_key(ref)
            if ref.color != "yellow":
                self._error((*loc, "from_cards", k), f"红牌只能由黄牌合成，{card_text(other)}不是黄牌")
            elif other not in self.file_cards and other not in self.cards:
                self._error((*loc, "from_cards", k), f"{card_text(other)}在文件和系统中都不存在")
        if c.status == "issued" and c.issued_at is None:
            self._error((*loc, "issued_at"), f"{text}已发，应有发牌时间 issued_at")
        if c.status == "revoked" and not c.revoke_reason:
            self._error((*loc, "revoke_reason"), f"{text}已撤销，应写明撤销理由 revoke_reason")
        if (
            c.review is not None
            and (c.jurisdiction_code, c.review) not in self.file_reviews
            and (
                c.jurisdiction_code,
                c.review,
            )
            not in self.reviews
        ):
            self._error(
                (*loc, "review"), f"{c.jurisdiction_code} {c.review:%Y年%m月}的黄牌审定在文件和系统中都不存在"
            )
        for k, p in enumerate(c.appeals):
            self._require_someone((*loc, "appeals", k, "filed_by"), p.filed_by, f"{text}的申诉人")
        if sum(p.status == "pending" for p in c.appeals) > 1:
            self._error((*loc, "appeals"), f"{text}同时只能有一项待处理的申诉")
        if (c.year is None) != (c.number is None):
            self._error((*loc, "number"), f"{text}的编号应同时写明年度 year 和编号 number")
        if c.number is not None and c.status == "proposed":
            self._error((*loc, "number"), f"{text}尚未签发（拟发），不应有编号：编号在签发时取得")
        if c.number is not None and c.year is not None:
            owner = self.card_numbers.get((c.jurisdiction_code, c.color, c.year, c.number))
            if owner is not None and owner != key:
                self._error(
                    (*loc, "number"),
                    f"{text}的编号{rules.CARD_COLORS.get(c.color, '')}{rules.card_number_text(c.year, c.number)}"
                    f"已由{card_text(owner)}使用：编号在辖区、年度、颜色内唯一",
                )
            self.card_numbers[(c.jurisdiction_code, c.color, c.year, c.number)] = key
        held = self.cards.get(key)
        if held is not None and held.status != "proposed":
            self._check_issued(loc, text, held, c)
        elif c.color == "red" and c.status == "issued":
            self._check_red_ladder(loc, text, c, jurisdiction)

    def _cards_cfg(self, jurisdiction: Jurisdiction) -> Any:
        from ..card_selectors import rules_for

        return rules_for(jurisdiction)[0]

    def _card_fact(self, key: CardKey) -> tuple[str, str, str] | None:
        """(unit key, colour, status) of a card in the file (what it will be) or else in the system."""
        if key in self.file_cards:
            rec = self.data.cards[self.file_cards[key]]
            return rec.unit, rec.color, rec.status
        held = self.cards.get(key)
        return (key[0], held.color, held.status) if held is not None else None

    def _check_red_ladder(self, loc: tuple, text: str, c: CardRecord, jurisdiction: Jurisdiction) -> None:
        """A red card that comes in issued rests on the rule set's number of issued yellow cards of its
        own unit (`card_rules.red_issue_problem`), as the red card page demands."""
        from ..card_rules import CardFact, red_issue_problem
        from ..card_selectors import rules_for

        cfg = rules_for(jurisdiction)[0]
        facts = []
        for n, ref in enumerate(c.from_cards):
            fact = self._card_fact(_card_key(ref))
            if fact is not None:
                unit, color, status = fact
                facts.append(
                    CardFact(n, hash(unit), color, status, "", self.today, label=card_text(_card_key(ref)))
                )
        problem = red_issue_problem(facts, cfg)
        if not problem and any(_card_key(ref)[0] != c.unit for ref in c.from_cards):
            problem = "所依据的黄牌不属于该单位"
        if problem:
            self._error((*loc, "from_cards"), f"{text}已签发，但不符合规则：{problem}")

    def _check_issued(self, loc: tuple, text: str, held: Card, c: CardRecord) -> None:
        """An issued card rests on its evidence for good: the import may revoke it, not change it."""
        changed = [n for n in CARD_FIXED if getattr(held, n) != getattr(c, n)]
        slip = self.slips.get(slip_key(c.slip)) if c.slip else None
        if held.slip_id != slip:
            changed.append("slip")
        if {self.card_keys.get(f.pk) for f in held.from_cards.all()} != {_card_key(r) for r in c.from_cards}:
            changed.append("from_cards")
        if c.status == "proposed":
            changed.append("status")
        if held.status == "revoked" and (c.status, c.revoked_at, c.revoke_reason) != (
            "revoked",
            held.revoked_at,
            held.revoke_reason,
        ):
            changed.append("revoked_at")
        if changed:
            state = rules.CARD_STATUSES[held.status]
            self._error(
                (*loc, changed[0]),
                f"{text}在系统中{state}，不能由导入修改（文件中与系统不同的：{'、'.join(changed)}）；可以撤销或申诉",
            )

    def _check_referral(self, i: int, r: ReferralRecord) -> None:
        loc: tuple[str | int, ...] = ("referrals", i)
        text = f"{r.unit.partition('/')[2]} 第 {r.seq} 项问责移送"
        jurisdiction = self._within((*loc, "jurisdiction_code"), r.jurisdiction_code)
        if jurisdiction is None or not self._unit((*loc, "unit"), r.unit, jurisdiction.path, "单位"):
            return
        for k, ref in enumerate(r.cards):
            other = _card_key(ref)
            if ref.color != "red":
                self._error((*loc, "cards", k), f"问责移送所依据的应是红牌，{card_text(other)}不是红牌")
            elif other not in self.file_cards and other not in self.cards:
                self._error((*loc, "cards", k), f"{card_text(other)}在文件和系统中都不存在")
        if r.origin == "cards" and r.cards:
            cfg = self._cards_cfg(jurisdiction)
            if len(r.cards) < cfg.reds_per_referral:
                self._error(
                    (*loc, "cards"),
                    f"{text}须依据 {cfg.reds_per_referral} 张已签发的红牌，文件中只有 {len(r.cards)} 张",
                )
            foreign = [card_text(_card_key(ref)) for ref in r.cards if _card_key(ref)[0] != r.unit]
            if foreign:
                self._error((*loc, "cards"), f"{text}所依据的红牌（{'、'.join(foreign)}）不属于该单位")
        if r.act is not None and r.act not in self.file_acts and r.act not in self.acts:
            self._error((*loc, "act"), f"督查记录 {r.act} 在文件和系统中都不存在")
        if r.origin == "circuit" and r.act is None:
            self._error((*loc, "act"), f"{text}来自巡回督导问责建议，应写明巡回督导记录 act")
        if r.status in ("consented", "sent", "concluded") and r.consent_at is None:
            self._error(
                (*loc, "consent_at"),
                f"{text}状态为“{rules.REFERRAL_STATUSES[r.status]}”，应有分管领导同意的时间 consent_at：未经同意不能移送",
            )
        if r.status in ("sent", "concluded") and r.sent_on is None:
            self._error((*loc, "sent_on"), f"{text}已移送，应有移送日期 sent_on")
        self._require_someone((*loc, "proposed_by"), r.proposed_by, f"{text}的提出人")
        held = self.referrals.get((r.unit, r.seq))
        if held is not None and held.status in ("sent", "concluded"):
            fixed = ("origin", "proposal", "proposed_at", "consent_at", "sent_on")
            changed = [n for n in fixed if getattr(held, n) != getattr(r, n)]
            if r.status not in ("sent", "concluded"):
                changed.append("status")
            if changed:
                self._error(
                    (*loc, changed[0]),
                    f"{text}已于 {held.sent_on} 移送纪委监委，不能由导入修改（文件中与系统不同的：{'、'.join(changed)}）",
                )

    # -----------------------------------------------------------------------------------------------
    # Writes

    def _unit_id(self, key: str | None) -> int | None:
        return self.units[split_unit_key(key)].pk if key else None  # type: ignore[index]

    def _save(self, obj: Any, changed: dict[str, Any]) -> None:
        for name, value in changed.items():
            setattr(obj, name, value)
        if hasattr(obj, "history"):
            obj._change_reason, obj._history_user = self.ctx.reason, self.user
        obj.save()

    def _upsert(self, held: Any, make: Any, values: dict[str, Any], kind: str) -> tuple[Any, bool]:
        if held is None:
            obj = make()
            self._save(obj, values)
            self.ctx.count(kind, "created")
            return obj, True
        changed = {name: v for name, v in values.items() if getattr(held, name) != v}
        if changed:
            self._save(held, changed)
        self.ctx.count(kind, "updated" if changed else "unchanged")
        return held, bool(changed)

    def _set_m2m(self, obj: Any, name: str, wanted: set[int], kind: str, changed: bool) -> None:
        if {o.pk for o in getattr(obj, name).all()} != wanted:
            getattr(obj, name).set(wanted)
            if not changed:
                self.ctx.counts[kind].unchanged -= 1
                self.ctx.count(kind, "updated")

    def _users(self, record: Any, names: tuple[str, ...]) -> dict[str, int | None]:
        """Accounts the system lacks are left as they are on an update (empty on a new record)."""
        return {
            f"{n}_id": self._user_id(getattr(record, n))
            for n in names
            if getattr(record, n) is None or self._user_id(getattr(record, n)) is not None
        }

    def apply(self) -> None:
        for a in self.data.acts:
            self._apply_act(a)
        for r in self.data.card_reviews:
            values = {n: getattr(r, n) for n in REVIEW_PLAIN}
            values["meeting_id"] = self.meetings[r.meeting].pk if r.meeting else None
            held = self.reviews.get((r.jurisdiction_code, r.month))
            if held is None or self._user_id(r.by) is not None:
                values["by_id"] = self._someone(r.by)
            jurisdiction = self.jurisdictions[r.jurisdiction_code]
            review, _ = self._upsert(
                held,
                lambda j=jurisdiction, m=r.month: CardReview(jurisdiction=j, month=m),
                values,
                "card_reviews",
            )
            self.reviews[(r.jurisdiction_code, r.month)] = review
        for c in self.data.cards:
            self._apply_card(c)
        for c in self.data.cards:  # the yellow cards a red card rests on exist now
            card = self.cards[_card_key(c)]
            wanted = {self.cards[_card_key(ref)].pk for ref in c.from_cards}
            if {f.pk for f in card.from_cards.all()} != wanted:
                card.from_cards.set(wanted)
        for r in self.data.referrals:
            self._apply_referral(r)
        self._bump_card_counters()
        if self.findings_changed:
            from tuijin.lights.services import lights_recompute

            lights_recompute(today=self.today, jurisdiction=self.root)

    def _apply_act(self, a: ActRecord) -> None:
        values = {n: getattr(a, n) for n in ACT_PLAIN}
        values["lead_unit_id"] = self._unit_id(a.lead_unit)
        held = self.acts.get(a.key)
        if held is None or self._user_id(a.created_by) is not None:
            values["created_by_id"] = self._someone(a.created_by)
        jurisdiction = self.jurisdictions[a.jurisdiction_code]
        act, changed = self._upsert(
            held, lambda: SupervisionAct(jurisdiction=jurisdiction, date=a.date, kind=a.kind), values, "acts"
        )
        self.acts[a.key] = act
        self._set_m2m(act, "projects", {self.projects[p].pk for p in a.projects}, "acts", changed)
        self._set_m2m(act, "units", {self._unit_id(u) for u in a.units}, "acts", changed)  # type: ignore[misc]
        held_findings = list(act.findings.all()) if held is not None else []
        findings = []
        for k, f in enumerate(a.findings):
            project = self.projects[f.project].pk if f.project else None
            values = {n: getattr(f, n) for n in FINDING_PLAIN}
            values |= {
                "project_id": project,
                "unit_id": self._unit_id(f.unit),
                "node_id": self.nodes[(project, f.node)] if f.node else None,
                "report_id": self.reports[(project, f.report.kind, f.report.period_start)]
                if f.report
                else None,
            }
            finding, touched = self._upsert(
                held_findings[k] if k < len(held_findings) else None,
                lambda: Finding(act=act),
                values,
                "findings",
            )
            self.findings_changed |= touched
            findings.append(finding)
        held_actions = list(act.actions.all()) if held is not None else []
        for k, x in enumerate(a.actions):
            values = {n: getattr(x, n) for n in ACTION_PLAIN} | self._users(x, ACTION_USERS)
            values |= {
                "finding_id": findings[x.finding].pk if x.finding is not None else None,
                "unit_id": self._unit_id(x.unit),
                "project_id": self.projects[x.project].pk if x.project else None,
                "slip_id": self.slips[slip_key(x.slip)] if x.slip else None,
            }
            self._upsert(
                held_actions[k] if k < len(held_actions) else None,
                lambda: RequiredAction(act=act),
                values,
                "required_actions",
            )
        pool: dict[tuple, list[ActPhoto]] = defaultdict(list)
        for p in act.photos.all() if held is not None else []:
            pool[tuple(getattr(p, n) for n in (*PHOTO_PLAIN, "finding_id", "project_id"))].append(p)
        for p in a.photos:
            values = {n: getattr(p, n) for n in PHOTO_PLAIN}
            values |= {
                "finding_id": findings[p.finding].pk if p.finding is not None else None,
                "project_id": self.projects[p.project].pk if p.project else None,
            }
            same = pool.get(tuple(values.values()))
            if same:
                same.pop(0)
                self.ctx.count("act_photos", "unchanged")
                continue
            photo = ActPhoto.objects.create(
                act=act, file="", uploaded_by_id=self._someone(p.uploaded_by), **values
            )
            if p.uploaded_at is not None:  # auto_now_add: set afterwards
                ActPhoto.objects.filter(pk=photo.pk).update(uploaded_at=p.uploaded_at)
            self.ctx.count("act_photos", "created")

    def _bump_card_counters(self) -> None:
        """Card numbering continues after the highest imported number (problems.Counter series
        "card_yellow" / "card_red"), as the minutes' numbering does after an import of meetings."""
        from tuijin.problems.models import Counter as NumberCounter

        top: dict[tuple[str, str, int], int] = {}
        for c in self.data.cards:
            if c.number is not None and c.year is not None:
                key = (c.jurisdiction_code, c.color, c.year)
                top[key] = max(top.get(key, 0), c.number)
        for (code, color, year), number in top.items():
            counter, _ = NumberCounter.objects.get_or_create(
                jurisdiction=self.jurisdictions[code],
                year=year,
                series=rules.CARD_SERIES[color],
                defaults={"last": 0},
            )
            if counter.last < number:
                counter.last = number
                counter.save(update_fields=["last"])

    def _apply_card(self, c: CardRecord) -> None:
        key = _card_key(c)
        held = self.cards.get(key)
        values = {n: getattr(c, n) for n in CARD_PLAIN} | self._users(c, CARD_USERS)
        values |= {
            "jurisdiction_id": self.jurisdictions[c.jurisdiction_code].pk,
            "slip_id": self.slips[slip_key(c.slip)] if c.slip else None,
            "rule_version_id": self.rule_versions.get(c.rule_version) if c.rule_version else None,
            "review_id": self.reviews[(c.jurisdiction_code, c.review)].pk if c.review else None,
        }
        unit = self._unit_id(c.unit)
        card, _ = self._upsert(
            held, lambda: Card(unit_id=unit, color=c.color, period=c.period), values, "cards"
        )
        self.cards[key] = card
        held_appeals = list(card.appeals.all()) if held is not None else []
        by_filing = {(p.filed_at, p.filed_by_id): p for p in held_appeals}
        for p in c.appeals:
            filed_by = self._someone(p.filed_by)
            values = {n: getattr(p, n) for n in APPEAL_PLAIN} | self._users(p, ("decided_by",))
            self._upsert(
                by_filing.get((p.filed_at, filed_by)),
                lambda fb=filed_by: CardAppeal(card=card, filed_by_id=fb),
                values,
                "card_appeals",
            )

    def _apply_referral(self, r: ReferralRecord) -> None:
        values = {n: getattr(r, n) for n in REFERRAL_PLAIN} | self._users(r, REFERRAL_USERS)
        values["act_id"] = self.acts[r.act].pk if r.act else None
        held = self.referrals.get((r.unit, r.seq))
        if held is None or self._user_id(r.proposed_by) is not None:
            values["proposed_by_id"] = self._someone(r.proposed_by)
        jurisdiction = self.jurisdictions[r.jurisdiction_code]
        unit = self._unit_id(r.unit)
        referral, changed = self._upsert(
            held, lambda: Referral(jurisdiction=jurisdiction, unit_id=unit), values, "referrals"
        )
        self.referrals[(r.unit, r.seq)] = referral
        self._set_m2m(referral, "cards", {self.cards[_card_key(c)].pk for c in r.cards}, "referrals", changed)
