"""Reads of the score ledger shared by the CLI, the API and the pages (issue 7 parts 2 and 6).

- `scoring_jurisdictions()`: the jurisdictions whose rule set in force has `[scoring]` (the CLI's default).
- `period_get(jurisdiction, key)`: the stored period or None.
- `period_export(period)`: the period as plain data, the shape `tuijin score run|show --json` prints: per
  unit the category scores, adjustments, total, rank, group, tie, place, rectification flag and every
  ledger entry with its rule (label and citation), evidence, origin and reason. Stable order (groups in
  the rule set's order, then rank, then the unit's sort), Decimal as strings, dates as ISO text.
- `rule_labels(period)`: (kind, rule index) → (label, citation), from the period's rule-set version.
- `year_review(version)`, `year_figures(...)`, `year_bonuses(period)`: a year period's figures for the
  annual review (WH19 四(四)), derived from what is stored: the quarters' weighted average (100-point), its
  converted share ("占专项目标 35 分中的 10 分") and the bonus, shown apart on the pages, the exports and here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from tuijin.core.models import RuleSetVersion
from tuijin.org.models import Jurisdiction

from . import rules
from .models import ENTRY_ORIGINS, PERIOD_STATUSES, ScoreEntry, ScorePeriod, UnitScore

ENGINE_KINDS = {rules.FLOOR: "扣完为止（保底）", "bonus": "奖励加分"}


def scoring_jurisdictions() -> list[Jurisdiction]:
    """Jurisdictions that chose a rule set whose current version has a `[scoring]` section."""
    chosen = list(Jurisdiction.objects.filter(rule_set__isnull=False).order_by("path"))
    latest: dict[int, Any] = {}
    for rule_set_id, data in (
        RuleSetVersion.objects.filter(rule_set_id__in={j.rule_set_id for j in chosen})
        .order_by("rule_set_id", "number")
        .values_list("rule_set_id", "data")
    ):
        latest[rule_set_id] = data
    return [
        j
        for j in chosen
        if isinstance(latest.get(j.rule_set_id), dict) and "scoring" in latest[j.rule_set_id]
    ]


def period_get(jurisdiction: Any, key: str) -> ScorePeriod | None:
    return (
        ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=key)
        .select_related("jurisdiction", "rule_version__rule_set", "computed_by", "closed_by", "seal")
        .first()
    )


def periods_of(jurisdiction: Any) -> QuerySet:
    return ScorePeriod.objects.filter(jurisdiction=jurisdiction).order_by("-start", "kind")


def rule_labels(period: ScorePeriod) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, rule index) → (the rule's label, its citation) for the entries of the period."""
    labels: dict[tuple[str, int], tuple[str, str]] = {}
    try:
        score_rules = rules.score_rules(period.rule_version.data)
    except ValueError:
        return labels
    for rule in score_rules.rules:
        kind = rules.get_kind(rule.kind)
        labels[(rule.kind, rule.index)] = (rule.name or (kind.label if kind else rule.kind), rule.cite())
    return labels


def _label(labels: dict, kind: str, index: int) -> tuple[str, str]:
    if (kind, index) in labels:
        return labels[(kind, index)]
    registered = rules.get_kind(kind)
    return (ENGINE_KINDS.get(kind) or (registered.label if registered else kind), "")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _user(user: Any) -> str | None:
    return None if user is None else (user.display_name or user.username)


def _entry(row: dict, labels: dict) -> dict[str, Any]:
    label, citation = _label(labels, row["kind"], row["rule_index"])
    return {
        "id": row["pk"],
        "key": row["key"],
        "kind": row["kind"],
        "rule": label,
        "citation": citation,
        "category": row["category"],
        "points": str(row["points"]),
        "weighted": str(row["weighted"]),
        "exempted_points": _text(row["exempted_points"]),
        "on": row["on"].isoformat(),
        "sentence": row["sentence"],
        "evidence": {k: row["evidence"][k] for k in sorted(row["evidence"] or {})},
        "person": row["person__name"],
        "origin": row["origin"],
        "origin_label": ENTRY_ORIGINS.get(row["origin"], row["origin"]),
        "corrects": row["corrects_id"],
        "reason": row["reason"],
        "approved_by": row["approved_by__display_name"] or row["approved_by__username"],
    }


def _entries_by_unit(period: ScorePeriod) -> dict[int, list[dict[str, Any]]]:
    labels = rule_labels(period)
    rows = (
        ScoreEntry.objects.filter(period=period)
        .order_by("unit_id", "category", "rule_index", "on", "key", "pk")
        .values(
            "pk",
            "unit_id",
            "key",
            "kind",
            "rule_index",
            "category",
            "points",
            "weighted",
            "exempted_points",
            "on",
            "sentence",
            "evidence",
            "person__name",
            "origin",
            "corrects_id",
            "reason",
            "approved_by__display_name",
            "approved_by__username",
        )
    )
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["unit_id"]].append(_entry(row, labels))
    return out


# ---------------------------------------------------------------------------------------------------
# Year periods (WH19 四(四)): the quarter average, its share of the annual review, the bonus


@dataclass(frozen=True)
class YearReview:
    """How a year period's total is read for the annual review, from the rule set's `[scoring.year]`:
    shown only when the year total is the quarters' average (`method = "quarter_average"`)."""

    categories: tuple[tuple[str, Decimal], ...]  # the year categories (key, weight) averaged
    weights_total: Decimal
    decimals: int
    review: rules.ScoreRules | None  # the rules `rules.review_points` reads; None: no conversion declared
    review_points: Decimal | None
    review_total: Decimal | None
    bonus_max: Decimal | None
    separate: bool = False  # [scoring.year] adjustments = "separate": the total is the average alone

    @property
    def review_label(self) -> str:
        """ "占专项目标 35 分中的 10 分" (WH19 四(四) "按 10/35 的比例进行考核")."""
        if self.review_points is None:
            return ""
        points = _plain(self.review_points)
        if self.review_total:
            return f"占专项目标 {_plain(self.review_total)} 分中的 {points} 分"
        return f"折算为 {points} 分"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def year_review(version: Any, kind: str) -> YearReview | None:
    """The year reading of a period of `kind` computed with `version`, or None (not a year period, or the
    rule set computes the year directly rather than as the quarters' average)."""
    data = getattr(version, "data", None) or {}
    section = data.get("scoring") or {}
    year = section.get("year") or {}
    if kind != "year" or not isinstance(year, dict) or year.get("method") != "quarter_average":
        return None
    places = int(section.get("decimals", 2))
    cats = tuple(
        (c.get("key", ""), rules.dec(c.get("weight", 0)))
        for c in section.get("categories") or ()
        if isinstance(c, dict) and {"year", "yearly"} & set(c.get("periods") or ("year",))
    )
    points = year.get("review_points")
    review = None
    if points is not None:
        review = rules.ScoreRules(
            periods=("year",), categories=(), rules=(), groups=(), year=dict(year), decimals=places
        )
    total = year.get("review_total")
    bonus_max = year.get("bonus_max")
    return YearReview(
        categories=cats,
        weights_total=rules.dec(section.get("weights_total", 100)),
        decimals=places,
        review=review,
        review_points=None if points is None else rules.dec(points),
        review_total=None if total is None else rules.dec(total),
        bonus_max=None if bonus_max is None else rules.dec(bonus_max),
        separate=year.get("adjustments", "in_total") == "separate",
    )


def year_figures(
    review: YearReview, categories: dict[str, Any], adjustments: Any, bonus: Any
) -> dict[str, Decimal | None]:
    """A unit's year figures from its stored UnitScore: `average` = Σ year category score × weight ÷
    weights_total (the quarter_average entries, rounded as totals are), `review` = average × review_points
    ÷ full score (`rules.review_points`; None when the rule set declares no conversion), `bonus` = Σ of its
    "bonus" entries, `other` = the other adjustments (total = average + bonus + other, or the average
    alone when [scoring.year] adjustments = "separate": rules.bonus_in_total)."""
    average = Decimal(0)
    for key, weight in review.categories:
        if key in categories and review.weights_total:
            average += rules.q4(rules.dec(categories[key]) * weight / review.weights_total)
    average = rules.rounded(average, review.decimals)
    bonus = rules.q4(rules.dec(bonus or 0))
    return {
        "average": average,
        "review": None if review.review is None else rules.review_points(average, review.review),
        "bonus": bonus,
        "other": rules.q4(rules.dec(adjustments or 0) - bonus),
    }


def year_bonuses(period: ScorePeriod) -> dict[int, Decimal]:
    """unit id → Σ points of the period's "bonus" entries (approved bonuses and their corrections)."""
    rows = (
        ScoreEntry.objects.filter(period=period, kind="bonus")
        .values("unit_id")
        .annotate(points=Sum("points"))
        .values_list("unit_id", "points")
    )
    return {unit_id: points or Decimal(0) for unit_id, points in rows}


def _group_order(period: ScorePeriod) -> dict[str, int]:
    groups = (period.rule_version.data or {}).get("ranking", {}).get("groups", [])
    return {g.get("key", ""): i for i, g in enumerate(groups) if isinstance(g, dict)}


def period_export(period: ScorePeriod) -> dict[str, Any]:
    """The period, its unit scores and ledger as plain data (see the module docstring)."""
    version = period.rule_version
    entries = _entries_by_unit(period)
    order = _group_order(period)
    review = year_review(version, period.kind)
    bonuses = year_bonuses(period) if review is not None else {}
    scores = sorted(
        UnitScore.objects.filter(period=period).select_related("unit"),
        key=lambda s: (order.get(s.group, len(order)), s.group, s.rank or 10**9, s.unit.sort, s.unit_id),
    )
    out = {
        "jurisdiction": {"code": period.jurisdiction.code, "name": period.jurisdiction.name},
        "period": {
            "key": period.key,
            "kind": period.kind,
            "label": rules.parse_period(period.key).label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "status": period.status,
            "status_label": PERIOD_STATUSES.get(period.status, period.status),
            "rule_set": version.rule_set.slug,
            "rule_set_name": version.rule_set.name,
            "rule_version": version.number,
            "computed_at": _moment(period.computed_at),
            "closed_at": _moment(period.closed_at),
            "seal": period.seal.seal_hash if period.seal_id else None,
        },
        "warnings": list(period.notes or []),
        "units": [_unit(score, entries.get(score.unit_id, []), review, bonuses) for score in scores],
    }
    if review is not None:  # year periods only: how the year total is read for the annual review
        out["year"] = _year_rule(review)
    return out


def _year_rule(review: YearReview) -> dict[str, Any]:
    return {
        "method": "quarter_average",
        "review_points": _text(review.review_points),
        "review_total": _text(review.review_total),
        "review_label": review.review_label,
        "bonus_max": _text(review.bonus_max),
    }


def _moment(value: Any) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def _unit(
    score: UnitScore, entries: list[dict[str, Any]], review: YearReview | None, bonuses: dict[int, Decimal]
) -> dict[str, Any]:
    out = {
        "unit": {"id": score.unit_id, "name": str(score.unit)},
        "group": score.group,
        "group_name": score.group_name,
        "rank": score.rank,
        "tied": score.tied,
        "place": score.place,
        "rectify": score.rectify,
        "categories": dict(score.categories),
        "adjustments": str(score.adjustments),
        "total": str(score.total),
        "entries": entries,
    }
    if review is not None:  # year periods: the quarter average, its share of the annual review, the bonus
        figures = year_figures(review, score.categories, score.adjustments, bonuses.get(score.unit_id))
        out["year"] = {key: _text(value) for key, value in figures.items()}
    return out
