"""The writers of the score ledger (issue 7 part 2; DESIGN.md "Trust"): computing a period, closing it.

- `score_run` computes one period of one jurisdiction with one rule-set version. An open period is
  recomputed whole: its entries and unit scores are replaced in one transaction (written in bulk). A
  closed period's entries never change: the new computation is compared with the ledger key by key and
  the differences become correction entries (origin "correction") with the reason, so a fact recorded
  after closing is never a silent change, and recomputing without a change writes nothing.
- `period_close` seals the ledger and the ranking of a computed period (`core.ledger_services.seal_period`,
  kind "scores", registered in `scoring/ledger.py`; a provisional result is first computed again as of the
  period's end). A closed period's corrections are sealed again in the same transaction, with their reason.
- Rectification reports (整改报告, WH19 四(三)) are created for the units the ranking flags when the period
  is closed (and kept in step when corrections change the closed ranking); an open run only flags them.

Two runs of one period never interleave: the period row is locked (`select_for_update`; SQLite's
IMMEDIATE transactions serialise all writers anyway). `by=None` is the system (the CLI, the scheduler).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from tuijin.core.access import require
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.ledger_services import seal_period
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.core.rules.ledger import Period, parse_period
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

from . import facts as scoring_facts
from . import rules
from .corrections import correction_reasons
from .models import Bonus, Rectification, ScoreEntry, ScorePeriod, UnitScore

SEAL_KIND = "scores"
FOUR = Decimal("0.0001")
TWO = Decimal("0.01")
BATCH = 2000
PROVISIONAL_NOTE = "期间尚未结束，结果为截至今日的暂定结果"
KIND_NAMES = rules.PERIOD_KINDS  # month 月度 / quarter 季度 / year 年度
RECTIFY_DUE_WORKDAYS = 10  # basis = "default": WH19 四(三) names no deadline; [scoring.rectification] does


@dataclass
class RunOutcome:
    period: ScorePeriod
    created: int = (
        0  # entries written by this run (computed ones on an open period, corrections on a closed one)
    )
    corrections: int = 0  # correction entries among them
    warnings: list[str] = field(default_factory=list)
    replaced: int = 0  # entries of the previous computation removed (open period)
    units: int = 0  # unit scores written


# ---------------------------------------------------------------------------------------------------
# Rule-set versions and period keys

_SPEC = re.compile(r"^(?P<slug>[-\w]+)(?:@(?P<number>.*))?$")


def resolve_rule_version(jurisdiction: Any, spec: str | None) -> RuleSetVersion:
    """The rule-set version named by `spec`: None → the version in force for the jurisdiction; "wuhan-2019"
    → that rule set's latest version; "wuhan-2019@2" → its version 2. Raises ValidationError("rule_set")."""
    spec = (spec or "").strip()
    if not spec:
        version = ruleset_version_for_jurisdiction(jurisdiction)
        if version is None:
            raise ValidationError(
                {"rule_set": f"辖区“{jurisdiction.name}”未选用规则集，请先在规则集页面选用"}
            )
        return version
    match = _SPEC.match(spec)
    if match is None:
        raise ValidationError(
            {"rule_set": f"规则集写作 标识 或 标识@版本号（如 wuhan-2019@2），实际为“{spec}”"}
        )
    slug, number = match.group("slug"), match.group("number")
    rule_set = RuleSet.objects.filter(slug=slug).first()
    if rule_set is None:
        known = "、".join(RuleSet.objects.order_by("slug").values_list("slug", flat=True)) or "无"
        raise ValidationError({"rule_set": f"没有标识为“{slug}”的规则集（现有：{known}）"})
    numbers = list(rule_set.versions.order_by("number").values_list("number", flat=True))
    if number is None:
        if not numbers:
            raise ValidationError({"rule_set": f"规则集“{rule_set.name}”还没有任何版本"})
        return rule_set.versions.get(number=numbers[-1])
    if not number.isdigit() or int(number) == 0:
        raise ValidationError({"rule_set": f"规则集版本号应为正整数，实际为“{number}”"})
    if int(number) not in numbers:
        have = "、".join(str(n) for n in numbers) or "无"
        raise ValidationError({"rule_set": f"规则集“{rule_set.name}”没有第 {number} 版（现有 {have}）"})
    return rule_set.versions.get(number=int(number))


def parse_score_period(key: str) -> Period:
    """A month, quarter or year key ("2024-06", "2024Q2", "2024"); raises ValidationError("period")."""
    try:
        period = parse_period(key)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from None
    if period.kind not in KIND_NAMES:
        raise ValidationError(
            {"period": f"考评期间应写作 2024-06（月度）、2024Q2（季度）或 2024（年度），实际为“{key}”"}
        )
    return period


def score_rules_for(version: RuleSetVersion, period_kind: str | None = None) -> rules.ScoreRules:
    """The version's `[scoring]` rules; with `period_kind`, refuse a kind the rule set does not compute."""
    name = version.rule_set.name
    try:
        score_rules = rules.score_rules(version.data)
    except ValueError as exc:
        raise ValidationError({"rule_set": f"{exc}（规则集《{name}》第 {version.number} 版）"}) from None
    if period_kind is not None and period_kind not in score_rules.periods:
        kinds = "、".join(KIND_NAMES[k] for k in score_rules.periods) or "无"
        raise ValidationError({"period": f"《{name}》不计算{KIND_NAMES[period_kind]}考评（计算：{kinds}）"})
    return score_rules


def _version_of(jurisdiction: Any, rule_version: Any) -> RuleSetVersion:
    if isinstance(rule_version, RuleSetVersion):
        return rule_version
    return resolve_rule_version(jurisdiction, rule_version)


def _version_text(version: RuleSetVersion) -> str:
    return f"《{version.rule_set.name}》第 {version.number} 版"


# ---------------------------------------------------------------------------------------------------
# Computing a period


def score_run(
    *,
    jurisdiction: Any,
    period_key: str,
    by: Any = None,
    rule_version: Any = None,
    reason: str = "",
    today: date | None = None,
) -> RunOutcome:
    """Compute the period `period_key` of `jurisdiction` (see the module docstring).

    `rule_version`: None (an open period: the version in force; a closed one: the version it was closed
    with), a spec ("wuhan-2019@2") or a RuleSetVersion. `reason`: the office's note added to each
    correction entry of a closed period. Raises ValidationError (field "period", "rule_set" or "reason")
    with nothing written, AccessDenied when `by` may not compute."""
    if by is not None:
        require(by, "scoring.compute", jurisdiction)
    today = today or timezone.localdate()
    period = parse_score_period(period_key)
    if period.start > today:
        raise ValidationError({"period": f"{period.label}（{period.key}）尚未开始，不能计算"})
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "更正说明最多 200 个字"})
    existing = ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=period.key).select_related(
        "rule_version__rule_set"
    )
    stored = existing.first()
    version = _run_version(jurisdiction, stored, rule_version)
    score_rules = score_rules_for(version, period.kind)
    with transaction.atomic():
        return _run(jurisdiction, period, version, score_rules, by, reason, today)


def _run_version(jurisdiction: Any, stored: ScorePeriod | None, rule_version: Any) -> RuleSetVersion:
    if stored is None or stored.status != "closed":
        return _version_of(jurisdiction, rule_version)
    if rule_version is None:
        return stored.rule_version
    version = _version_of(jurisdiction, rule_version)
    if version.pk != stored.rule_version_id:
        raise ValidationError(
            {
                "rule_set": f"已关账的期间按关账时的规则集版本计算：{stored.key} 用{_version_text(stored.rule_version)}，"
                f"不能改用{_version_text(version)}"
            }
        )
    return version


def _locked_period(jurisdiction: Any, period: Period, version: RuleSetVersion) -> ScorePeriod:
    """The period's row, created if need be, locked until the transaction ends: a second run of the same
    period waits here (get_or_create re-reads the row another run has just created)."""
    stored, _ = ScorePeriod.objects.get_or_create(
        jurisdiction=jurisdiction,
        key=period.key,
        defaults={"kind": period.kind, "start": period.start, "end": period.end, "rule_version": version},
    )
    return ScorePeriod.objects.select_for_update().select_related("rule_version__rule_set").get(pk=stored.pk)


def _run(
    jurisdiction: Any,
    period: Period,
    version: RuleSetVersion,
    score_rules: rules.ScoreRules,
    by: Any,
    reason: str,
    today: date,
) -> RunOutcome:
    stored = _locked_period(jurisdiction, period, version)
    closed = stored.status == "closed"
    if closed and stored.rule_version_id != version.pk:
        raise ValidationError(
            {"rule_set": f"已关账的期间按关账时的规则集版本计算（{_version_text(stored.rule_version)}）"}
        )
    facts = scoring_facts.gather(jurisdiction, period, version, today=today)
    try:
        result = rules.compute(score_rules, facts)
    except ValueError as exc:
        raise ValidationError({"rule_set": f"{exc}（{_version_text(version)}）"}) from None
    outcome = RunOutcome(period=stored, warnings=list(result.warnings))
    if facts.extra.get("provisional"):
        outcome.warnings.append(f"{PROVISIONAL_NOTE}（截至 {facts.period.end.isoformat()}）")
    approvers = facts.extra.get("bonus_approvers", {})
    fields = ["rule_version", "notes", "computed_at", "computed_by"]
    if closed:
        written = _correct(stored, result, version, by, reason, approvers)
        outcome.corrections = outcome.created = len(written)
        outcome.units = len(result.units)
        if written:
            # the closed ranking is re-summed from the ledger, its reports kept in step, and the period
            # sealed again in this transaction: nothing legitimate is ever added after the latest seal
            outcome.units = _write_closed_scores(stored, result, score_rules, facts)
            _sync_rectifications(stored, score_rules, today)
            stored.seal = seal_period(
                kind=SEAL_KIND,
                jurisdiction=stored.jurisdiction,
                period_key=stored.key,
                by=by,
                reason=_reseal_reason(reason, written),
            )
            fields.append("seal")
    else:
        stored.rule_version = version
        outcome.replaced, outcome.created = _replace(stored, result, version, by, approvers)
        _write_scores(stored, result)
        outcome.units = len(result.units)
    stored.notes = outcome.warnings
    stored.computed_at = timezone.now()
    stored.computed_by = by
    stored.save(update_fields=fields)
    return outcome


def _reseal_reason(note: str, written: list[ScoreEntry]) -> str:
    """The reason of the seal written after corrections: the office's note, else the first correction's."""
    text = note or f"关账后重新计算写入更正记录 {len(written)} 条：{written[0].reason}"
    return text if len(text) <= 200 else text[:199] + "…"


def _events(result: rules.Result) -> Iterable[rules.Event]:
    for unit in sorted(result.units.values(), key=lambda u: u.unit_id):
        yield from unit.events


def _q4(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(FOUR, rounding=ROUND_HALF_UP)


def _values(
    period: ScorePeriod,
    event: rules.Event,
    version: RuleSetVersion,
    by: Any,
    approvers: Mapping[int, int],
    **kw: Any,
) -> dict[str, Any]:
    """An entry's column values (attnames) for one event."""
    evidence = {key: value for key, value in dict(event.evidence).items() if value is not None}
    bonus = evidence.get("bonus") if event.kind == "bonus" else None
    values = {
        "period_id": period.pk,
        "unit_id": event.unit_id,
        "kind": event.kind,
        "rule_index": event.rule_index,
        "rule_version_id": version.pk,
        "category": event.category,
        "points": _q4(event.points),
        "weighted": _q4(event.weighted),
        "on": event.on,
        "key": event.key[:160],
        "sentence": event.sentence[:500],
        "evidence": evidence,
        "project_id": evidence.get("project"),
        "node_id": evidence.get("node"),
        "person_id": event.person_id,
        "exempted_points": _q4(event.exempted_points),
        "exemption_id": event.exemption_id,
        "origin": "bonus" if bonus is not None else "computed",
        "corrects_id": None,
        "reason": "",
        "entered_by_id": by.pk if by is not None else None,
        "approved_by_id": approvers.get(bonus) if bonus is not None else None,
    }
    values.update(kw)
    return values


def _entry(*args: Any, **kw: Any) -> ScoreEntry:
    return ScoreEntry(**_values(*args, **kw))


def _replace(
    period: ScorePeriod, result: rules.Result, version: RuleSetVersion, by: Any, approvers: Mapping[int, int]
) -> tuple[int, int]:
    """An open period: remove the previous computation, write this one in bulk."""
    Bonus.objects.filter(entry__period=period).update(entry=None)
    UnitScore.objects.filter(period=period).delete()
    previous = ScoreEntry.objects.filter(period=period)
    replaced = previous.count()
    if replaced:
        # one DELETE: nothing refers to these entries any more (bonuses unlinked above; an open period has
        # no corrections), so Django's collector need not load them to look for references
        previous._raw_delete(previous.db)
    now = timezone.now()
    rows = [_values(period, e, version, by, approvers, created_at=now) for e in _events(result)]
    _insert_entries(rows)
    _link_bonuses(period)
    return replaced, len(rows)


ENTRY_COLUMNS = (
    "period_id",
    "unit_id",
    "kind",
    "rule_index",
    "rule_version_id",
    "category",
    "points",
    "weighted",
    "on",
    "key",
    "sentence",
    "evidence",
    "project_id",
    "node_id",
    "person_id",
    "exempted_points",
    "exemption_id",
    "origin",
    "corrects_id",
    "reason",
    "entered_by_id",
    "approved_by_id",
    "created_at",
)
CONVERTED = ("DecimalField", "DateField", "DateTimeField", "JSONField")


def _insert_entries(rows: list[dict[str, Any]]) -> None:
    """Insert many entries in one pass (issue 7: a quarter of 10,000 projects under 3 s): executemany on
    SQLite, COPY on PostgreSQL, as the lights and the project import write their big tables. Django's
    bulk_create compiles every value of every row into SQL, which took longer than the whole computation.
    Values the database needs converted (decimals, dates, JSON) go through the field's get_db_prep_save."""
    if not rows:
        return
    connection = connections[router.db_for_write(ScoreEntry)]
    fields = {f.attname: f for f in ScoreEntry._meta.concrete_fields}
    convert = [
        (i, fields[name])
        for i, name in enumerate(ENTRY_COLUMNS)
        if fields[name].get_internal_type() in CONVERTED
    ]
    prepared = []
    for values in rows:
        row = [values[name] for name in ENTRY_COLUMNS]
        for i, column in convert:
            if row[i] is not None:
                row[i] = column.get_db_prep_save(row[i], connection)
        prepared.append(row)
    qn = connection.ops.quote_name
    table = qn(ScoreEntry._meta.db_table)
    names = ", ".join(qn(fields[name].column) for name in ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608


def _link_bonuses(period: ScorePeriod) -> None:
    """Point each approved bonus at the entry that brought it into the ledger (a few a year)."""
    for pk, evidence in ScoreEntry.objects.filter(
        period=period, kind="bonus", corrects__isnull=True
    ).values_list("pk", "evidence"):
        bonus = (evidence or {}).get("bonus")
        if bonus is not None:
            Bonus.objects.filter(pk=bonus, entry__isnull=True).update(entry_id=pk)


# ---------------------------------------------------------------------------------------------------
# Corrections of a closed period


@dataclass
class _Net:
    """What the ledger holds for one (unit, key): the sums and the entry first written for it."""

    first: dict[str, Any]
    points: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)


def _ledger_nets(period: ScorePeriod) -> dict[tuple[int, str], _Net]:
    nets: dict[tuple[int, str], _Net] = {}
    rows = (
        ScoreEntry.objects.filter(period=period)
        .order_by("pk")
        .values(
            "pk",
            "unit_id",
            "key",
            "kind",
            "category",
            "rule_index",
            "points",
            "weighted",
            "on",
            "sentence",
            "evidence",
            "project_id",
            "node_id",
            "person_id",
        )
    )
    for row in rows:
        net = nets.setdefault((row["unit_id"], row["key"]), _Net(first=row))
        net.points += row["points"]
        net.weighted += row["weighted"]
    return nets


def _grouped(result: rules.Result) -> dict[tuple[int, str], tuple[rules.Event, Decimal, Decimal]]:
    """(unit, key) → (first event, Σ points, Σ weighted): a key repeated by a kind still compares whole."""
    grouped: dict[tuple[int, str], tuple[rules.Event, Decimal, Decimal]] = {}
    for event in _events(result):
        k = (event.unit_id, event.key[:160])
        first, points, weighted = grouped.get(k, (event, Decimal(0), Decimal(0)))
        grouped[k] = (first, points + _q4(event.points), weighted + _q4(event.weighted))
    return grouped


def _correct(
    period: ScorePeriod,
    result: rules.Result,
    version: RuleSetVersion,
    by: Any,
    reason: str,
    approvers: Mapping[int, int],
) -> list[ScoreEntry]:
    """A closed period: write the difference between the new computation and the ledger, key by key."""
    nets = _ledger_nets(period)
    now = _grouped(result)
    added, changed, vanished = [], [], []
    for k, (event, points, weighted) in now.items():
        net = nets.get(k)
        if net is None:
            added.append((event, points, weighted))
        elif net.points != points or net.weighted != weighted:
            changed.append((event, points, weighted, net))
    for k, net in nets.items():
        if k not in now and (net.points or net.weighted):
            vanished.append(net)
    if not (added or changed or vanished):
        return []
    why = correction_reasons(
        period, [e for e, *_ in added + changed], [n.first for n in vanished], note=reason
    )
    entries = [
        _entry(
            period, e, version, by, approvers, points=p, weighted=w, origin="correction", reason=why.added(e)
        )
        for e, p, w in added
    ]
    for event, points, weighted, net in changed:
        entries.append(
            _entry(
                period,
                event,
                version,
                by,
                approvers,
                points=points - net.points,
                weighted=weighted - net.weighted,
                origin="correction",
                corrects_id=net.first["pk"],
                sentence=f"更正：{event.sentence}（原计 {_n(net.points)} 分，现计 {_n(points)} 分）"[:500],
                reason=why.changed(event, net.points, points),
            )
        )
    entries.extend(_reversal(period, net, version, by, why.vanished(net.first)) for net in vanished)
    ScoreEntry.objects.bulk_create(entries, batch_size=BATCH)
    _link_bonuses(period)
    return entries


def _n(value: Decimal) -> str:
    """A number as people write it: 4, -0.8, 3.2."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _reversal(period: ScorePeriod, net: _Net, version: RuleSetVersion, by: Any, reason: str) -> ScoreEntry:
    first = net.first
    return ScoreEntry(
        period=period,
        unit_id=first["unit_id"],
        kind=first["kind"],
        rule_index=first["rule_index"],
        rule_version=version,
        category=first["category"],
        points=-net.points,
        weighted=-net.weighted,
        on=first["on"],
        key=first["key"],
        sentence=f"撤销：{first['sentence']}（该项不再成立，冲回原计的 {_n(net.points)} 分）"[:500],
        evidence=first["evidence"] or {},
        project_id=first["project_id"],
        node_id=first["node_id"],
        person_id=first["person_id"],
        origin="correction",
        corrects_id=first["pk"],
        reason=reason,
        entered_by=by,
    )


class _Row(NamedTuple):
    category: str
    points: Decimal
    weighted: Decimal


def _write_closed_scores(
    period: ScorePeriod, result: rules.Result, score_rules: rules.ScoreRules, facts: rules.Facts
) -> int:
    """A closed period's unit scores as the sums of its ledger (corrections included, with the engine's
    own `rules.summarise`), ranked again with `rules.rank`. Every unit of the closed ranking and every unit
    with an entry keeps a score (a unit that dropped out of the recomputation is never dropped from a
    closed ranking); a unit keeps the group it was ranked in when the period was closed."""
    rows: dict[int, list[_Row]] = defaultdict(list)
    for unit_id, category, points, weighted in ScoreEntry.objects.filter(period=period).values_list(
        "unit_id", "category", "points", "weighted"
    ):
        rows[unit_id].append(_Row(category, points, weighted))
    kept = {
        unit_id: (group, name)
        for unit_id, group, name in UnitScore.objects.filter(period=period).values_list(
            "unit_id", "group", "group_name"
        )
    }
    units: dict[int, rules.UnitResult] = {}
    for unit_id in sorted(set(result.units) | set(rows) | set(kept)):
        summary = rules.summarise(score_rules, period.kind, rows.get(unit_id, []))
        group, name = kept.get(unit_id) or _group(unit_id, result, score_rules, facts)
        units[unit_id] = rules.UnitResult(
            unit_id=unit_id,
            group=group,
            group_name=name,
            categories=summary.categories,
            adjustments=summary.adjustments,
            total=summary.total,
        )
    rules.rank(score_rules, period.kind, units)
    counts = {unit_id: len(found) for unit_id, found in rows.items()}
    _write_scores(period, rules.Result(result.period, units), counts)
    return len(units)


def _group(
    unit_id: int, result: rules.Result, score_rules: rules.ScoreRules, facts: rules.Facts
) -> tuple[str, str]:
    if unit_id in result.units:
        return result.units[unit_id].group, result.units[unit_id].group_name
    unit = facts.units.get(unit_id)
    for group in score_rules.groups if unit is not None else ():
        if (unit.rank_group and group.get("name") == unit.rank_group) or unit.kind in group.get(
            "unit_kinds", ()
        ):
            return str(group["key"]), str(group["name"])
    return "", ""


# ---------------------------------------------------------------------------------------------------
# Unit scores and rectification reports


def _write_scores(period: ScorePeriod, result: rules.Result, counts: Mapping[int, int] | None = None) -> None:
    """The period's unit scores from `result` (`counts`: entries per unit, else the result's events)."""
    UnitScore.objects.filter(period=period).delete()
    scores = []
    for unit_id in sorted(result.units):
        unit = result.units[unit_id]
        scores.append(
            UnitScore(
                period=period,
                unit_id=unit_id,
                group=unit.group,
                group_name=unit.group_name,
                categories={key: str(_q4(value)) for key, value in unit.categories.items()},
                adjustments=Decimal(unit.adjustments).quantize(TWO, rounding=ROUND_HALF_UP),
                total=Decimal(unit.total).quantize(TWO, rounding=ROUND_HALF_UP),
                rank=unit.rank,
                tied=unit.tied,
                place=unit.place,
                rectify=unit.rectify,
                entries_count=counts.get(unit_id, 0) if counts is not None else len(unit.events),
            )
        )
    UnitScore.objects.bulk_create(scores, batch_size=BATCH)


def _sync_rectifications(period: ScorePeriod, score_rules: rules.ScoreRules, today: date) -> None:
    """WH19 四(三): a rectification report (整改报告) for each unit the closed ranking flags, due
    `[scoring.rectification].due_workdays` working days after `today` (the day of closing, or of the
    correction that flagged it). Called when a period is closed and when corrections change its ranking:
    a report still due whose unit is no longer flagged is removed, one submitted or reviewed is never
    touched. Open (provisional) runs only set `UnitScore.rectify`."""
    flagged = dict(UnitScore.objects.filter(period=period, rectify=True).values_list("unit_id", "rank"))
    existing = {r.unit_id: r for r in Rectification.objects.filter(period=period)}
    stale = [r.pk for unit_id, r in existing.items() if unit_id not in flagged and r.status == "due"]
    Rectification.objects.filter(pk__in=stale).delete()
    for unit_id, rank in flagged.items():
        row = existing.get(unit_id)
        if row is not None and row.status == "due" and row.rank != (rank or 0):
            Rectification.objects.filter(pk=row.pk).update(rank=rank or 0)
    new = [u for u in flagged if u not in existing]
    if not new:
        return
    days = int((score_rules.rectification or {}).get("due_workdays", RECTIFY_DUE_WORKDAYS))
    due = current_calendar().add_workdays(today, days)
    Rectification.objects.bulk_create(
        [Rectification(period=period, unit_id=u, rank=flagged[u] or 0, due=due) for u in sorted(new)]
    )


# ---------------------------------------------------------------------------------------------------
# Closing a period


def period_close(*, period: ScorePeriod, by: Any = None, today: date | None = None) -> ScorePeriod:
    """Close a computed period: a result computed before the period ended (provisional) is first computed
    again as of its end, in the same transaction; then the ledger and the ranking are sealed (kind
    "scores"), the seal kept on the period, and the rectification reports of the units the ranking flags
    created, due `[scoring.rectification].due_workdays` working days after the day of closing. Afterwards
    computing it again writes correction entries only. Raises ValidationError("period") for a period not
    computed, still running (its end after today), already closed or without entries; AccessDenied when
    `by` may not."""
    if by is not None:
        require(by, "scoring.close", period.jurisdiction)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            ScorePeriod.objects.select_for_update()
            .select_related("jurisdiction", "rule_version__rule_set")
            .get(pk=period.pk)
        )
        where = f"{locked.jurisdiction.name} {locked.key}"
        if locked.status == "closed":
            raise ValidationError(
                {
                    "period": f"{where} 已于 {timezone.localtime(locked.closed_at):%Y-%m-%d %H:%M} 关账，不能重复关账"
                }
            )
        if locked.computed_at is None:
            raise ValidationError({"period": f"{where} 尚未计算，不能关账"})
        if locked.end > today:
            raise ValidationError({"period": f"{where} 尚未结束（{locked.end.isoformat()} 截止），不能关账"})
        if is_provisional(locked):
            # the last computation stopped short of the period's end: compute it as of its end first
            version = locked.rule_version
            key = parse_score_period(locked.key)
            _run(locked.jurisdiction, key, version, score_rules_for(version, key.kind), by, "", today)
            locked = (
                ScorePeriod.objects.select_for_update()
                .select_related("jurisdiction", "rule_version__rule_set")
                .get(pk=period.pk)
            )
        if not ScoreEntry.objects.filter(period=locked).exists():
            raise ValidationError({"period": f"{where} 没有计分记录，不能关账（请先计算）"})
        seal = seal_period(kind=SEAL_KIND, jurisdiction=locked.jurisdiction, period_key=locked.key, by=by)
        locked.status = "closed"
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.seal = seal
        locked.save(update_fields=["status", "closed_at", "closed_by", "seal"])
        _sync_rectifications(locked, score_rules_for(locked.rule_version), today)
    return locked


def is_provisional(period: ScorePeriod) -> bool:
    """Whether the period's last computation is a provisional one: made before the period's end (on or
    before its last day), or read as of an earlier day (its notes say so)."""
    if period.computed_at is None:
        return False
    if timezone.localtime(period.computed_at).date() <= period.end:
        return True
    return any(str(note).startswith(PROVISIONAL_NOTE) for note in period.notes or ())
