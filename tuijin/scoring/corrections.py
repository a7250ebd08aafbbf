"""Why a closed period's recomputation differs from its ledger (issue 7 part 2: "a fact recorded later
produces a correction entry with its reason, never a silent change").

`correction_reasons(period, events, vanished)` reads, in one query per kind of record, what was recorded
after the period was closed about the projects, nodes, matters, cards, findings, exemptions and bonuses
the differing entries rest on, and words it: "关账后补录：项目《X》实际开工日期 2024-06-28（2024-07-05
录入）". Where nothing recorded later explains the difference (a deadline moved, a rule-set reading) the
reason says what the recomputation found: "关账后重新计算发现：…". The office's note is appended.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tuijin.chains.models import ChainNode
from tuijin.meetings.models import MatterEvent
from tuijin.meetings.rules import MATTER_EVENTS
from tuijin.projects.models import Project, StageTransition
from tuijin.projects.rules import MILESTONE_STAGES, STAGES
from tuijin.supervision.models import Card, Finding
from tuijin.supervision.rules import CARD_COLORS, card_number_text

from . import rules
from .models import Bonus, Exemption, ScorePeriod

REASON_MAX = 300


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _n(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


class Reasons:
    """The Chinese reasons of one correction run, from records prefetched by `correction_reasons`."""

    def __init__(self, causes: Mapping[tuple[str, int], list[str]], note: str) -> None:
        self.causes = causes
        self.note = note

    def _for(self, evidence: Mapping[str, Any] | None) -> list[str]:
        found: list[str] = []
        for key, value in (evidence or {}).items():
            for text in self.causes.get((key, value), ()) if isinstance(value, int) else ():
                if text not in found:
                    found.append(text)
        return found

    def _word(self, causes: list[str], fallback: str) -> str:
        text = "；".join(causes) if causes else f"关账后重新计算发现：{fallback}"
        suffix = f"；说明：{self.note}" if self.note else ""
        room = REASON_MAX - len(suffix)
        if len(text) > room:
            text = text[: room - 1] + "…"
        return text + suffix

    def added(self, event: rules.Event) -> str:
        return self._word(self._for(evidence_of(event)), f"新增一项（{event.sentence}）")

    def changed(self, event: rules.Event, before: Decimal, after: Decimal) -> str:
        return self._word(
            self._for(evidence_of(event)), f"分值由 {_n(before)} 分变为 {_n(after)} 分（{event.sentence}）"
        )

    def vanished(self, row: Mapping[str, Any]) -> str:
        return self._word(self._for(row.get("evidence")), f"原计分项不再成立（{row['sentence']}）")


def evidence_of(event: rules.Event) -> dict[str, Any]:
    """The event's evidence, with the exemption that waived it."""
    evidence = dict(event.evidence)
    if event.exemption_id is not None:
        evidence.setdefault("exemption", event.exemption_id)
    return evidence


def _ids(evidences: Iterable[Mapping[str, Any]], key: str) -> set[int]:
    return {e[key] for e in evidences if isinstance(e.get(key), int)}


def correction_reasons(
    period: ScorePeriod,
    events: Iterable[rules.Event],
    vanished: Iterable[Mapping[str, Any]],
    *,
    note: str = "",
) -> Reasons:
    """The reasons for the entries a closed period's recomputation adds, changes or reverses."""
    evidences = [evidence_of(e) for e in events] + [dict(row.get("evidence") or {}) for row in vanished]
    since = period.closed_at or timezone.now()
    causes: dict[tuple[str, int], list[str]] = defaultdict(list)
    projects = dict(Project.objects.filter(pk__in=_ids(evidences, "project")).values_list("pk", "name"))
    _transitions(causes, projects, since, period)
    _nodes(causes, _ids(evidences, "node"), projects, since)
    _matters(causes, _ids(evidences, "matter"), since)
    _cards(causes, _ids(evidences, "card"), since)
    _findings(causes, _ids(evidences, "finding"), since)
    _exemptions(causes, _ids(evidences, "exemption"), since)
    _bonuses(causes, _ids(evidences, "bonus"), since)
    return Reasons(causes, note.strip())


def _transitions(causes: dict, projects: Mapping[int, str], since: datetime, period: ScorePeriod) -> None:
    rows = (
        StageTransition.objects.filter(project_id__in=list(projects), recorded_at__gt=since)
        .order_by("recorded_at", "pk")
        .values_list("project_id", "to_stage", "on", "recorded_at")
    )
    for project_id, stage, on, recorded_at in rows:
        what = (
            f"{MILESTONE_STAGES[stage]}日期"
            if stage in MILESTONE_STAGES
            else f"进入“{STAGES.get(stage, stage)}”阶段日期"
        )
        causes[("project", project_id)].append(
            f"关账后补录：项目《{projects[project_id]}》{what} {on.isoformat()}（{_day(recorded_at)} 录入）"
        )


def _nodes(causes: dict, ids: set[int], projects: Mapping[int, str], since: datetime) -> None:
    if not ids:
        return
    rows = (
        ChainNode.history.filter(id__in=ids, history_date__gt=since)
        .order_by("history_date", "history_id")
        .values_list("id", "name", "project__name", "actual", "deadline", "history_date")
    )
    for pk, name, project, actual, deadline, at in rows:
        done = f"实际完成 {actual.isoformat()}" if actual else "尚未完成"
        limit = f"，时限 {deadline.isoformat()}" if deadline else ""
        causes[("node", pk)].append(
            f"关账后修改：项目《{project}》节点“{name}”{done}{limit}（{_day(at)} 修改）"
        )


def _matters(causes: dict, ids: set[int], since: datetime) -> None:
    if not ids:
        return
    rows = (
        MatterEvent.objects.filter(matter_id__in=ids, at__gt=since)
        .order_by("at", "pk")
        .values_list("matter_id", "matter__title", "kind", "at")
    )
    for pk, title, kind, at in rows:
        causes[("matter", pk)].append(
            f"关账后办理：议定事项“{title}”{MATTER_EVENTS.get(kind, kind)}（{_day(at)}）"
        )


def _cards(causes: dict, ids: set[int], since: datetime) -> None:
    if not ids:
        return
    rows = Card.objects.filter(pk__in=ids).values_list(
        "pk", "color", "year", "number", "issued_at", "revoked_at"
    )
    for pk, color, year, number, issued_at, revoked_at in rows:
        label = f"{CARD_COLORS[color]}{card_number_text(year, number)}"
        if revoked_at is not None and revoked_at > since:
            causes[("card", pk)].append(f"关账后撤销：{label}（{_day(revoked_at)}）")
        elif issued_at is not None and issued_at > since:
            causes[("card", pk)].append(f"关账后签发：{label}（{_day(issued_at)}）")


def _findings(causes: dict, ids: set[int], since: datetime) -> None:
    if not ids:
        return
    rows = Finding.objects.filter(pk__in=ids, act__created_at__gt=since).values_list(
        "pk", "act__title", "act__date", "act__created_at"
    )
    for pk, title, on, at in rows:
        causes[("finding", pk)].append(f"关账后补录督查记录：“{title}”（{on.isoformat()}，{_day(at)} 录入）")


def _exemptions(causes: dict, ids: set[int], since: datetime) -> None:
    if not ids:
        return
    rows = Exemption.objects.filter(pk__in=ids, decided_at__gt=since).values_list(
        "pk", "project__name", "month", "status", "decided_at"
    )
    for pk, project, month, status, at in rows:
        verb = "同意" if status == "granted" else "不同意"
        causes[("exemption", pk)].append(f"关账后{verb}免扣分：项目《{project}》{month}（{_day(at)} 签字）")


def _bonuses(causes: dict, ids: set[int], since: datetime) -> None:
    if not ids:
        return
    rows = Bonus.objects.filter(pk__in=ids, decided_at__gt=since).values_list(
        "pk", "points", "reason", "decided_at"
    )
    for pk, points, reason, at in rows:
        causes[("bonus", pk)].append(f"关账后批准奖励加分 {_n(points)} 分：{reason}（{_day(at)}）")
