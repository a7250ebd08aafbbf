"""Reads of the score pages and documents (issue 7 part 5): the periods list, the ranking of a period per
group, a unit's score page with every entry and its evidence, and the rows of the WH19 附件3 score sheet.

Everything is read from what the computation stored (`ScorePeriod`, `UnitScore`, `ScoreEntry`) and from
the rule-set version the period was computed with (its `[scoring]` and `[ranking]` sections: category
names, weights, the tie-break, groups); nothing is computed again here (DESIGN.md "Nothing is computed
twice"). The ranking reads UnitScore in one query (500 units: one query and no per-row work in the
template); a unit's page reads its entries in one query plus one per kind of evidence named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from tuijin.core.access import is_unit_staff, scope
from tuijin.core.rules.ledger import Period, month_key, parse_period, quarter_key

from . import rules
from .models import ENTRY_ORIGINS, PERIOD_KINDS, PERIOD_STATUSES, ScoreEntry, ScorePeriod, UnitScore

ADJUSTMENT_NAME = "加减分"
PLACES = {"first": "首位席", "last": "末位席"}
TIE_BREAKS = {
    "categories": "总分相同时，依次比较{names}的得分，高者在前；仍相同的并列，并列单位占用相同名次。",
    "shared": "总分相同的单位并列，占用相同名次。",
}
EARLIER_KINDS = ("place", "quarter_average")  # kinds whose event key names the earlier period they rest on
CHOICES_BACK = {"month": 6, "quarter": 4, "year": 2}  # how many earlier periods the compute form offers


# ---------------------------------------------------------------------------------------------------
# Numbers as shown


def number(value: Any, places: int = 2) -> str:
    """A Decimal at `places` decimals, ROUND_HALF_UP ("96.00")."""
    if value in (None, ""):
        return ""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def points(value: Any, *, signed: bool = True) -> str:
    """Points as the notices write them: "-4", "+3.2", "-0.96" (up to 4 decimals, no trailing zeros)."""
    if value in (None, ""):
        return ""
    d = Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    text = format(d.normalize(), "f")
    if text in ("0", "-0"):
        return "0"
    return f"+{text}" if signed and d > 0 else text


# ---------------------------------------------------------------------------------------------------
# The rule set a period was computed with


@dataclass(frozen=True)
class CategoryColumn:
    """One [[scoring.categories]] item (one row of 附件3)."""

    key: str
    name: str
    weight: Decimal  # 分类权重
    base: Decimal  # 指标权重
    source: str = ""
    indicator: str = ""  # 考评指标 as the rule set words it (else built from its rules)
    process: str = ""  # 过程管理 (who provides the data)


@dataclass(frozen=True)
class RuleLine:
    index: int
    kind: str
    label: str
    category: str
    points: str
    source: str
    reading: str = ""


def scoring_section(version: Any) -> Mapping[str, Any]:
    data = getattr(version, "data", None) or {}
    return data.get("scoring") or {}


def _kind_applies(item: Mapping[str, Any], kind: str) -> bool:
    periods = item.get("periods") or ()
    return not periods or kind in periods or rules.FREQUENCY_OF.get(kind) in periods


def categories_for(version: Any, kind: str) -> list[CategoryColumn]:
    """The categories a period of `kind` is scored on, in the rule set's order."""
    columns = []
    for item in scoring_section(version).get("categories") or ():
        if not _kind_applies(item, kind):
            continue
        columns.append(
            CategoryColumn(
                key=item.get("key", ""),
                name=item.get("name", item.get("key", "")),
                weight=Decimal(str(item.get("weight", 0))),
                base=Decimal(str(item.get("base", 100))),
                source=item.get("source", ""),
                indicator=item.get("indicator", "") or item.get("indicators", "") or "",
                process=item.get("process", "") or item.get("data_from", "") or "",
            )
        )
    return columns


def weights_total(version: Any) -> Decimal:
    return Decimal(str(scoring_section(version).get("weights_total", 100)))


def decimals(version: Any) -> int:
    return int(scoring_section(version).get("decimals", 2))


def kind_label(kind: str) -> str:
    if kind == rules.FLOOR:
        return "扣完为止"
    if kind == "correction":
        return "更正"
    registered = rules.get_kind(kind)
    return registered.label if registered is not None else kind


def rule_lines(version: Any, kind: str | None = None) -> list[RuleLine]:
    """The [[scoring.rules]] items (for a period kind, when given), 1-based like `ScoreEntry.rule_index`."""
    lines = []
    for index, item in enumerate(scoring_section(version).get("rules") or (), start=1):
        if kind is not None and not _kind_applies(item, kind):
            continue
        value = item.get("points")
        lines.append(
            RuleLine(
                index=index,
                kind=item.get("kind", ""),
                label=item.get("name") or kind_label(item.get("kind", "")),
                category=item.get("category", ""),
                points="" if value is None else points(value),
                source=_cite(item),
                reading=item.get("reading", ""),
            )
        )
    return lines


def _cite(item: Mapping[str, Any]) -> str:
    """A [[scoring.rules]] item's citation as `rules.Rule.cite` words it ("WH19 附件3 第1行 1(1)"; a default:
    "默认取 WH19 …" when its source says where it was taken from, else "默认值：…")."""
    source = str(item.get("source", "") or "")
    basis = str(item.get("basis", "notice") or "notice")
    if basis == "default" and not source:
        return "默认值"
    rule = rules.Rule(
        index=0,
        kind=str(item.get("kind", "")),
        category=str(item.get("category", "")),
        points=None,
        params={},
        source=source,
        basis=basis,
    )
    return rule.cite()


def tie_break_text(version: Any, kind: str) -> str:
    rule = scoring_section(version).get("tie_break", "categories")
    names = "、".join(f"“{c.name}”" for c in categories_for(version, kind))
    return TIE_BREAKS.get(rule, TIE_BREAKS["shared"]).format(names=names or "各类")


def version_label(version: Any) -> str:
    return f"《{version.rule_set.name}》第 {version.number} 版（{version.rule_set.slug}@{version.number}）"


def group_order(version: Any) -> list[str]:
    data = getattr(version, "data", None) or {}
    return [g.get("key", "") for g in (data.get("ranking") or {}).get("groups") or ()]


def period_label(key: str) -> str:
    try:
        return parse_period(key).label
    except ValueError:
        return key


# ---------------------------------------------------------------------------------------------------
# The periods list and the compute form


@dataclass(frozen=True)
class PeriodRow:
    period: ScorePeriod
    label: str
    kind: str
    status: str
    version: str
    ranked: int
    url: str


@dataclass
class PeriodList:
    rows: list[PeriodRow]
    years: list[int]  # the years with periods, newest first
    year: int | None  # the year shown (None: no period at all)


def period_years(user: Any) -> list[int]:
    """The years the user's periods start in, newest first (one query)."""
    days = scope(user, ScorePeriod.objects.all()).dates("start", "year", order="DESC")
    return [d.year for d in days]


def periods_for(user: Any, year: int | None = None) -> PeriodList:
    """The score periods the user reads in one year (default: the latest year with a period), newest first,
    with the number of units ranked: a jurisdiction computing months, quarters and the year has ~17 periods
    a year, so the list shows one year at a time (two queries)."""
    years = period_years(user)
    if year is None:
        year = years[0] if years else None
    periods = (
        scope(user, ScorePeriod.objects.all())
        .filter(start__year=year or 0)
        .select_related("jurisdiction", "rule_version__rule_set", "computed_by", "closed_by", "seal")
        .annotate(ranked=Count("scores", filter=Q(scores__rank__isnull=False)))
        .order_by("-start", "kind", "jurisdiction__path")
    )
    base = _base("scoring:ranking")
    rows = (
        [
            PeriodRow(
                period=p,
                label=period_label(p.key),
                kind=PERIOD_KINDS.get(p.kind, p.kind),
                status=PERIOD_STATUSES.get(p.status, p.status),
                version=version_label(p.rule_version),
                ranked=p.ranked,
                url=f"{base}{p.pk}/",
            )
            for p in periods
        ]
        if year is not None
        else []
    )
    return PeriodList(rows=rows, years=years, year=year)


def _shift(period: Period, back: int) -> Period:
    """The period `back` steps before `period`, of the same kind."""
    day = period.start
    for _ in range(back):
        day = parse_period(_key_of(period.kind, day - timedelta(days=1))).start
    return parse_period(_key_of(period.kind, day))


def _key_of(kind: str, day: date) -> str:
    if kind == "month":
        return month_key(day)
    if kind == "quarter":
        return quarter_key(day)
    return str(day.year)


def period_choices(version: Any, today: date) -> list[tuple[str, str]]:
    """The months / quarters / years the rule set computes, around today: the current one and a few
    before it, newest first, kinds in the rule set's order."""
    choices = []
    for kind in _period_kinds(version):
        current = parse_period(_key_of(kind, today))
        for back in range(CHOICES_BACK[kind] + 1):
            p = _shift(current, back)
            suffix = "（进行中）" if p.end >= today else ""
            choices.append((p.key, f"{p.label}{suffix}"))
    return choices


def default_choice(version: Any, today: date) -> str:
    """The latest period of the rule set's first kind that has ended (what an office computes)."""
    kinds = _period_kinds(version)
    if not kinds:
        return ""
    current = parse_period(_key_of(kinds[0], today))
    return _shift(current, 1).key if current.end >= today else current.key


def _period_kinds(version: Any) -> list[str]:
    names = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}
    kinds = [names.get(k, k) for k in scoring_section(version).get("periods") or ()]
    return [k for k in dict.fromkeys(kinds) if k in CHOICES_BACK]


# ---------------------------------------------------------------------------------------------------
# The ranking


@dataclass(frozen=True)
class RankRow:
    unit_id: int
    name: str
    rank: int | None
    tied: bool
    categories: tuple[str, ...]
    adjustments: str
    total: str
    place: str  # "首位席" / "末位席" / ""
    rectify: bool
    rectification_url: str
    url: str  # the unit's score page; "" when the user may not open it
    year: YearCells | None = None  # year periods (quarter average): the figures for the annual review


@dataclass(frozen=True)
class YearCells:
    """A unit's year figures as shown (WH19 四(四))."""

    average: str  # the quarters' weighted average, 100-point ("96.50")
    review: str  # its share of the annual review ("9.65"), "" when the rule set converts nothing
    bonus: str  # Σ bonus entries ("+2", "0")
    other: str  # other adjustments ("0" mostly)


@dataclass(frozen=True)
class YearHead:
    """The year columns' headings and the sentence explaining them."""

    review_label: str  # "占专项目标 35 分中的 10 分" ("" when the rule set converts nothing)
    review_points: str  # "10"
    bonus_max: str  # "5" ("" when none)
    other: bool  # some unit has adjustments other than the bonus: show them in their own column
    separate: bool = (
        False  # the year total is the average alone (WH19 四(四): the bonus is the review's 奖励项)
    )

    @property
    def explanation(self) -> str:
        parts = ["季度平均分 = 各季度考评总分的加权平均（百分制）"]
        if self.review_label:
            parts.append(f"折算分 = 平均分 × {self.review_points} ÷ 100，{self.review_label}")
        cap = f"（每单位每年最多 {self.bonus_max} 分）" if self.bonus_max else ""
        parts.append(f"奖励加分另计{cap}，不折算")
        return "；".join(parts) + "。"


def _plain(value: Any) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def year_cells(review: Any, categories: Mapping[str, Any], adjustments: Any, bonus: Any) -> YearCells:
    from .selectors import year_figures

    f = year_figures(review, dict(categories), adjustments, bonus)
    places = review.decimals
    return YearCells(
        average=number(f["average"], places),
        review="" if f["review"] is None else number(f["review"], places),
        bonus=points(f["bonus"]) if f["bonus"] else "0",
        other=points(f["other"]) if f["other"] else "0",
    )


def year_head(review: Any, cells: Iterable[YearCells]) -> YearHead:
    return YearHead(
        review_label=review.review_label,
        review_points=_plain(review.review_points),
        bonus_max=_plain(review.bonus_max),
        other=any(c.other != "0" for c in cells),
        separate=review.separate,
    )


@dataclass
class RankGroup:
    key: str
    name: str
    rows: list[RankRow] = field(default_factory=list)

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)


@dataclass
class Ranking:
    period: ScorePeriod
    label: str
    categories: list[CategoryColumn]
    groups: list[RankGroup]
    tie_break: str
    version: str
    notes: list[str]
    rectify_bottom: int = 0  # [scoring.rectification].bottom: the lowest units that file a report
    year: YearHead | None = None  # year periods (quarter average): the year columns replace the categories


SCORE_FIELDS = (
    "unit_id",
    "unit__name",
    "group",
    "group_name",
    "categories",
    "adjustments",
    "total",
    "rank",
    "tied",
    "place",
    "rectify",
)


def ranking_for(period: ScorePeriod, *, user: Any = None) -> Ranking:
    """The period's ranking per group, from UnitScore in one query (plus the rectification rows when
    some unit is flagged). Units outside every group (no rank) come last in their own group."""
    version = period.rule_version
    columns = categories_for(version, period.kind)
    places = decimals(version)
    scores = (
        UnitScore.objects.filter(period=period)
        .order_by("group", "rank", "unit__sort", "unit_id")
        .values_list(*SCORE_FIELDS)
    )
    unit_base = f"{_base('scoring:ranking')}{period.pk}/units/"
    own_only = user is not None and is_unit_staff(user) and not getattr(user, "is_superuser", False)
    own_unit = getattr(user, "unit_id", None)
    groups: dict[str, RankGroup] = {}
    rectify_links: dict[int, str] = {}
    rows = list(scores)
    if any(r[10] for r in rows):
        rectify_links = _rectification_links(period)
    review = _year_review(period)
    bonuses = _year_bonuses(period) if review is not None else {}
    memo: dict[Any, str] = {}

    def shown(value: Any) -> str:  # hundreds of units share a few scores: format each value once
        if value not in memo:
            memo[value] = number(value, places)
        return memo[value]

    for unit_id, name, group, group_name, cats, adjustments, total, rank, tied, place, rectify in rows:
        key = group or "_none"
        if key not in groups:
            groups[key] = RankGroup(key=key, name=group_name or "未分组（不参加排名）")
        groups[key].rows.append(
            RankRow(
                unit_id=unit_id,
                name=name,
                rank=rank,
                tied=tied,
                categories=tuple(shown(cats.get(c.key)) for c in columns),
                adjustments=points(adjustments) if adjustments else "0",
                total=shown(total),
                place=PLACES.get(place, ""),
                rectify=rectify,
                rectification_url=rectify_links.get(unit_id, "") if rectify else "",
                url="" if own_only and unit_id != own_unit else f"{unit_base}{unit_id}/",
                year=None if review is None else year_cells(review, cats, adjustments, bonuses.get(unit_id)),
            )
        )
    order = {k: i for i, k in enumerate(group_order(version))}
    ordered = sorted(groups.values(), key=lambda g: (g.key == "_none", order.get(g.key, len(order)), g.key))
    return Ranking(
        period=period,
        label=period_label(period.key),
        categories=columns,
        groups=ordered,
        tie_break=tie_break_text(version, period.kind),
        version=version_label(version),
        notes=list(period.notes or ()),
        rectify_bottom=int((scoring_section(version).get("rectification") or {}).get("bottom", 0) or 0),
        year=None
        if review is None
        else year_head(review, [r.year for g in ordered for r in g.rows if r.year is not None]),
    )


def _year_review(period: ScorePeriod) -> Any:
    from .selectors import year_review

    return year_review(period.rule_version, period.kind)


def _year_bonuses(period: ScorePeriod) -> dict[int, Decimal]:
    from .selectors import year_bonuses

    return year_bonuses(period)


def _rectification_links(period: ScorePeriod) -> dict[int, str]:
    from .models import Rectification

    pairs = Rectification.objects.filter(period=period).values_list("unit_id", "pk")
    one = _base("scoring:rectification")
    if one:
        return {unit_id: f"{one}{pk}/" for unit_id, pk in pairs}
    listing = page_url("scoring:rectifications")
    return {unit_id: listing for unit_id, _ in pairs}


# ---------------------------------------------------------------------------------------------------
# A unit's score page


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    kind: str  # project | node | matter | card | act | exemption | period | bonus


@dataclass(frozen=True)
class EntryRow:
    pk: int
    on: date
    kind: str
    kind_label: str
    category_key: str
    category: str  # the category's name (or 加减分)
    sentence: str
    points: str
    weighted: str
    origin: str  # computed | correction | bonus
    origin_label: str
    cite: str
    links: tuple[Link, ...]
    exempted: str  # "" or "已免扣分：…"
    correction: str  # "" or what the correction corrects and why
    floor: str  # "" or the 扣完为止 explanation
    approved: str  # "" or "批准人：…"
    person: str


@dataclass(frozen=True)
class CategoryLine:
    key: str
    name: str
    base: str
    sum: str
    score: str
    weight: str
    weighted: str
    entries: int


@dataclass(frozen=True)
class EntrySection:
    key: str
    name: str
    entries: list[EntryRow]


@dataclass
class UnitPage:
    period: ScorePeriod
    label: str
    score: UnitScore
    categories: list[CategoryLine]
    adjustments: CategoryLine | None
    entries: list[EntryRow]
    sections: list[EntrySection]
    total: str
    version: str
    tie_break: str
    group_size: int
    year: YearCells | None = None  # year periods (quarter average)
    year_head: YearHead | None = None


def unit_page(period: ScorePeriod, score: UnitScore) -> UnitPage:
    version = period.rule_version
    places = decimals(version)
    columns = categories_for(version, period.kind)
    entries = list(_entries(period, score.unit_id))
    lines = _category_lines(columns, entries, score, weights_total(version), places)
    adjustments = _adjustment_line(entries, score)
    rows = entry_rows(entries, columns)
    review = _year_review(period)
    year = head = None
    if review is not None:
        bonus = sum((e.points for e in entries if e.kind == "bonus"), Decimal(0))
        year = year_cells(review, score.categories, score.adjustments, bonus)
        head = year_head(review, [year])
    return UnitPage(
        period=period,
        label=period_label(period.key),
        score=score,
        categories=lines,
        adjustments=adjustments,
        entries=rows,
        sections=_sections(columns, rows),
        total=number(score.total, places),
        version=version_label(version),
        tie_break=tie_break_text(version, period.kind),
        group_size=UnitScore.objects.filter(period=period, group=score.group, rank__isnull=False).count(),
        year=year,
        year_head=head,
    )


def _sections(columns: list[CategoryColumn], rows: list[EntryRow]) -> list[EntrySection]:
    """The entries under their category, in the rule set's order (adjustments last)."""
    keys = [c.key for c in columns] + [rules.ADJUSTMENT]
    names = {c.key: c.name for c in columns} | {rules.ADJUSTMENT: "其它情况（加减分）"}
    keys += sorted({r.category_key for r in rows} - set(keys))
    sections = []
    for key in keys:
        mine = [r for r in rows if r.category_key == key]
        if mine:
            sections.append(EntrySection(key=key, name=names.get(key, key), entries=mine))
    return sections


def _entries(period: ScorePeriod, unit_id: int) -> Iterable[ScoreEntry]:
    return (
        ScoreEntry.objects.filter(period=period, unit_id=unit_id)
        .select_related(
            "project",
            "node",
            "person",
            "exemption__project_leader",
            "exemption__leader_in_charge",
            "corrects",
            "approved_by",
            "rule_version",
        )
        .order_by("category", "on", "rule_index", "pk")
    )


def _category_lines(
    columns: list[CategoryColumn], entries: list[ScoreEntry], score: UnitScore, total: Decimal, places: int
) -> list[CategoryLine]:
    lines = []
    for c in columns:
        mine = [e for e in entries if e.category == c.key]
        summed = sum((e.points for e in mine), Decimal(0))
        value = Decimal(str(score.categories.get(c.key, c.base + summed)))
        weighted = value * c.weight / total if total else Decimal(0)
        lines.append(
            CategoryLine(
                key=c.key,
                name=c.name,
                base=number(c.base, 0) if c.base == c.base.to_integral() else number(c.base),
                sum=points(summed) if mine else "0",
                score=number(value, places),
                weight=f"{number(c.weight, 0)}%"
                if total == 100
                else f"{points(c.weight, signed=False)}/{number(total, 0)}",
                weighted=number(weighted, places),
                entries=len(mine),
            )
        )
    return lines


def _adjustment_line(entries: list[ScoreEntry], score: UnitScore) -> CategoryLine | None:
    mine = [e for e in entries if e.category == rules.ADJUSTMENT]
    if not mine and not score.adjustments:
        return None
    summed = sum((e.weighted for e in mine), Decimal(0))
    return CategoryLine(
        key=rules.ADJUSTMENT,
        name="其它情况（总分加减分）",
        base="/",
        sum=points(summed),
        score="",
        weight="计入总分",
        weighted=points(score.adjustments),
        entries=len(mine),
    )


def entry_rows(entries: list[ScoreEntry], columns: list[CategoryColumn]) -> list[EntryRow]:
    """Each entry with its evidence links, the rule it applied and, where it applies, the exemption, the
    correction or the floor explained. One query per kind of evidence named (matters, cards, acts)."""
    names = {c.key: c.name for c in columns}
    names[rules.ADJUSTMENT] = ADJUSTMENT_NAME
    evidence = _evidence_labels(entries)
    bases = _link_bases()
    cites: dict[tuple[int, int], str] = {}
    rows = []
    for e in entries:
        cite_key = (e.rule_version_id, e.rule_index)
        if cite_key not in cites:
            cites[cite_key] = _rule_cite(e)
        rows.append(
            EntryRow(
                pk=e.pk,
                on=e.on,
                kind=e.kind,
                kind_label=kind_label(e.kind),
                category_key=e.category,
                category=names.get(e.category, e.category),
                sentence=e.sentence,
                points=points(e.points),
                weighted=points(e.weighted),
                origin=e.origin,
                origin_label=ENTRY_ORIGINS.get(e.origin, e.origin),
                cite=cites[cite_key],
                links=tuple(_links(e, evidence, bases)),
                exempted=_exempted(e),
                correction=_correction(e),
                floor=_floor(e),
                approved=f"批准人：{_user_name(e.approved_by)}" if e.approved_by_id else "",
                person=e.person.name if e.person_id else "",
            )
        )
    return rows


def _rule_cite(entry: ScoreEntry) -> str:
    if entry.kind == rules.FLOOR:
        return "扣完为止（附件3）" if not entry.rule_index else _cite_of(entry)
    return _cite_of(entry)


def _cite_of(entry: ScoreEntry) -> str:
    items = scoring_section(entry.rule_version).get("rules") or ()
    if 1 <= entry.rule_index <= len(items):
        item = items[entry.rule_index - 1]
        label = item.get("name") or kind_label(item.get("kind", entry.kind))
        cite = _cite(item)
        return f"{label}：{cite}" if cite else label
    return kind_label(entry.kind)


def _user_name(user: Any) -> str:
    return (getattr(user, "display_name", "") or getattr(user, "username", "")) if user else "系统"


def _exempted(e: ScoreEntry) -> str:
    if e.exemption_id is None and e.exempted_points is None:
        return ""
    signers = []
    x = e.exemption
    if x is not None:
        signed = [
            ("挂点领导", x.project_leader_id, x.project_leader, x.project_leader_signed_at),
            ("分管领导", x.leader_in_charge_id, x.leader_in_charge, x.leader_in_charge_signed_at),
        ]
        if x.project_leader_id and x.project_leader_id == x.leader_in_charge_id:
            # one leader holds both posts: one name, both signatures' dates
            days = "、".join(f"{at:%Y-%m-%d}" for _, _, _, at in signed if at)
            signers.append(
                f"挂点领导兼分管领导 {x.project_leader.name}" + (f"（{days} 签字）" if days else "")
            )
        else:
            for post, pk, person, at in signed:
                if pk:
                    when = f"（{at:%Y-%m-%d} 签字）" if at else ""
                    signers.append(f"{post} {person.name}{when}")
    agreed = f"经{'、'.join(signers)}同意" if signers else "经签字同意"
    if e.exempted_points is not None and e.exempted_points > 0:
        # DH24: a late start's −4 waived also waives its +3.2 / +2 for starting late ([scoring.exemption].recovery)
        amount = points(e.exempted_points, signed=False)
        return f"不计加分：原应加 {amount} 分；该项目的延期开工扣分已因客观原因{agreed}免扣，延期后开工的加分相应不计"
    waived = f"原应扣 {points(abs(e.exempted_points), signed=False)} 分，" if e.exempted_points else ""
    return f"已免扣分：{waived}因客观原因{agreed}，不扣分"


def _correction(e: ScoreEntry) -> str:
    if e.origin != "correction":
        return ""
    text = e.reason or "关账后重新计算发现的变化"
    if e.corrects_id is not None and e.corrects is not None:
        c = e.corrects
        text += f"；更正 {c.on:%Y-%m-%d} 的记录“{c.sentence}”（{points(c.points)} 分）"
    return text


def _floor(e: ScoreEntry) -> str:
    if e.kind != rules.FLOOR:
        return ""
    return (
        f"扣完为止：本类扣分已超过指标权重，得分按底线计，补回 {points(e.points, signed=False)} 分，"
        "使本类得分不低于底线（仍等于本类各条记录之和）"
    )


def _evidence_ids(entries: list[ScoreEntry], key: str) -> set[int]:
    ids = set()
    for e in entries:
        value = (e.evidence or {}).get(key)
        if isinstance(value, int):
            ids.add(value)
    return ids


def _evidence_labels(entries: list[ScoreEntry]) -> dict[str, dict[int, Any]]:
    """Labels of the evidence the entries name, one query per kind present."""
    out: dict[str, dict[int, Any]] = {}
    matter_ids = _evidence_ids(entries, "matter")
    if matter_ids:
        from tuijin.meetings.models import Matter

        out["matter"] = dict(Matter.objects.filter(pk__in=matter_ids).values_list("pk", "title"))
    card_ids = _evidence_ids(entries, "card")
    if card_ids:
        from tuijin.supervision.models import Card

        out["card"] = {
            pk: _card_label(color, year, number_)
            for pk, color, year, number_ in Card.objects.filter(pk__in=card_ids).values_list(
                "pk", "color", "year", "number"
            )
        }
    finding_ids = _evidence_ids(entries, "finding")
    if finding_ids:
        from tuijin.supervision.models import Finding

        out["finding_act"] = dict(Finding.objects.filter(pk__in=finding_ids).values_list("pk", "act_id"))
    act_ids = _evidence_ids(entries, "act") | set(out.get("finding_act", {}).values())
    if act_ids:
        from tuijin.supervision.models import SupervisionAct

        out["act"] = {
            pk: f"{title}（{day:%Y-%m-%d}）"
            for pk, title, day in SupervisionAct.objects.filter(pk__in=act_ids).values_list(
                "pk", "title", "date"
            )
        }
    period_ids = _evidence_ids(entries, "period")
    if period_ids:
        out["period"] = {
            pk: period_label(key)
            for pk, key in ScorePeriod.objects.filter(pk__in=period_ids).values_list("pk", "key")
        }
    earlier = {_earlier_key(e) for e in entries} - {""}
    if earlier:
        out["earlier"] = dict(
            ScorePeriod.objects.filter(
                jurisdiction__score_periods=entries[0].period_id, key__in=earlier
            ).values_list("key", "pk")
        )
    return out


def _earlier_key(e: ScoreEntry) -> str:
    """The period an entry's event key names: "place:2024Q1:first" (首位席 of Q1, counted in Q2) or
    "quarter_average:2024Q2" (a quarter's share of the year)."""
    kind, _, rest = e.key.partition(":")
    if kind in EARLIER_KINDS:
        return rest.split(":", 1)[0]
    return ""


def _card_label(color: str, year: int | None, number_: int | None) -> str:
    name = "红牌" if color == "red" else "黄牌"
    return f"{name}〔{year}〕第{number_}号" if year and number_ else name


def _base(name: str) -> str:
    """The path prefix of a page taking one id ("/scoring/" for "/scoring/0/"), or "" when the page does
    not exist (another part's page not built)."""
    try:
        url = reverse(name, args=[0])
    except NoReverseMatch:
        return ""
    return url[: url.rindex("0/")] if url.endswith("0/") else url[:-1]


def page_url(name: str) -> str:
    """The URL of a page without arguments, or "" when the page does not exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _link_bases() -> dict[str, str]:
    return {
        "project": _base("projects:detail"),
        "chain": _base("chains:project"),
        "matter": _base("meetings:matter"),
        "card": _base("supervision:card"),
        "act": _base("supervision:act"),
        "exemption": _base("scoring:exemption"),
        "period": _base("scoring:ranking"),
        "bonuses": page_url("scoring:bonuses"),
    }


def _links(e: ScoreEntry, labels: dict[str, dict[int, Any]], bases: dict[str, str]) -> Iterable[Link]:
    ev = e.evidence or {}
    if e.project_id and bases["project"]:
        yield Link(f"项目《{e.project.name}》", f"{bases['project']}{e.project_id}/", "project")
    if e.node_id and e.node is not None and bases["chain"]:
        yield Link(
            f"推进链条节点“{e.node.name}”",
            f"{bases['chain']}{e.node.project_id}/#node-{e.node_id}",
            "node",
        )
    matter = ev.get("matter")
    if isinstance(matter, int) and bases["matter"]:
        title = labels.get("matter", {}).get(matter, "")
        yield Link(f"议定事项“{title}”" if title else "议定事项", f"{bases['matter']}{matter}/", "matter")
    card = ev.get("card")
    if isinstance(card, int) and bases["card"]:
        yield Link(labels.get("card", {}).get(card, "黄牌红牌"), f"{bases['card']}{card}/", "card")
    act = ev.get("act")
    if not isinstance(act, int):
        act = labels.get("finding_act", {}).get(ev.get("finding"))
    if isinstance(act, int) and bases["act"]:
        title = labels.get("act", {}).get(act, "")
        yield Link(f"督查记录：{title}" if title else "督查记录", f"{bases['act']}{act}/", "act")
    if e.exemption_id and bases["exemption"]:
        yield Link("免扣分申请", f"{bases['exemption']}{e.exemption_id}/", "exemption")
    period = ev.get("period")
    if isinstance(period, int) and bases["period"]:
        label = labels.get("period", {}).get(period, "")
        yield Link(f"{label}排名" if label else "所依据期间的排名", f"{bases['period']}{period}/", "period")
    earlier = _earlier_key(e)
    pk = labels.get("earlier", {}).get(earlier)
    if pk and bases["period"]:
        if e.kind == "quarter_average":
            url = f"{bases['period']}{pk}/units/{e.unit_id}/"
            yield Link(f"{period_label(earlier)}得分", url, "period")
        else:
            yield Link(f"{period_label(earlier)}排名", f"{bases['period']}{pk}/", "period")
    if (e.origin == "bonus" or ev.get("bonus")) and bases["bonuses"]:
        yield Link("奖励加分", bases["bonuses"], "bonus")
