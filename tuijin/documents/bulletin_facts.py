"""The facts of a briefing, notice or quarterly report, gathered into `Bulletin.content` (plain JSON, dates
as ISO text), in a fixed number of queries whatever the size of the jurisdiction.

- weekly briefing (每周一简报, NC20 三(四)4): the week's starts, the lights, red and yellow projects with
  their reasons, problems and decided matters overdue at the week's end, meetings of the week and the next.
- monthly notice (月通报, NC20 三(四)4 and 四(三)): progress by responsible unit, the month's ranking from
  `scoring.UnitScore` of the monthly `ScorePeriod` (or a note that none was computed), yellow and red
  cards issued in the month, the first and last units, the red projects with their reasons (the yellow
  ones only counted, per unit in `by_unit`: a city has a couple of thousand); `content["public"]` is exactly what the public page
  may show (units, never persons, no free text): the ranking, the counts, and the projects the notice
  covers for the public — those in the year's annual plan (an entry not removed, in a plan of the subtree),
  or, when the year has no plan, those under construction (开工、在建) — each with its name, responsible
  unit, stage, light and the year's investment (planned, completed through the month, rate %).
- quarterly report (季度工作汇报, ETDZ19 三(六)): new signings, registrations, starts, land 收储/出让 (chain
  nodes completed in the quarter), hand-overs 招商局→项目办→经发局, the lights.

Lights are the stored results of `tuijin.lights` as they stand when the facts are gathered (`as_of`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from tuijin.chains.models import ChainNode
from tuijin.lights.models import ProjectLight
from tuijin.lights.rules import LIGHTS
from tuijin.meetings.models import Matter, Meeting
from tuijin.meetings.rules import MEETING_STATUSES
from tuijin.org.models import Jurisdiction, LeadingGroup
from tuijin.problems.models import Problem
from tuijin.problems.rules import OPEN_STATUSES
from tuijin.projects.models import Handover, InvestmentEntry, PlanEntry, Project, StageTransition
from tuijin.projects.rules import HANDOVER_KINDS, STAGES
from tuijin.scoring.models import ScorePeriod, UnitScore
from tuijin.supervision.models import Card
from tuijin.supervision.rules import CARD_COLORS

from . import bulletin_rules as rules

# Chain nodes whose completion is a land event (templates in tuijin/chains/presets.py): 收储 (征收拆迁、
# 土地农转、收储) and 出让 (招拍挂、出让合同).
LAND_STORAGE_KEYS = ("demolition", "land_conversion", "land_storage", "land_reserve")
LAND_TRANSFER_KEYS = ("land_auction", "land_contract")
LIGHT_ORDER = ("red", "yellow", "green", "done", "exempt")


def _in_tree(jurisdiction: Jurisdiction, prefix: str = "") -> Q:
    return Q(**{f"{prefix}jurisdiction__path__startswith": jurisdiction.path})


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _aware_range(period: rules.Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    return start, datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=tz)


def _issuer(jurisdiction: Jurisdiction) -> str:
    group = LeadingGroup.objects.filter(jurisdiction=jurisdiction).values_list("name", flat=True).first()
    return f"{group}办公室" if group else f"{jurisdiction.name}重大重点项目推进工作办公室"


def _unit(name: str | None) -> str:
    return name or "（未定责任单位）"


def _header(jurisdiction: Jurisdiction, period: rules.Period, today: date) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "period": period.key,
        "period_label": period.label,
        "start": _iso(period.start),
        "end": _iso(period.end),
        "as_of": _iso(today),
        "jurisdiction": jurisdiction.name,
        "issuer": _issuer(jurisdiction),
    }


# --- shared facts ---------------------------------------------------------------------------------


def _light_counts(jurisdiction: Jurisdiction) -> dict[str, int]:
    counts = Counter(
        ProjectLight.objects.filter(_in_tree(jurisdiction, "project__")).values_list("shown", flat=True)
    )
    return {color: counts.get(color, 0) for color in LIGHT_ORDER}


def _flagged_projects(
    jurisdiction: Jurisdiction, colors: tuple[str, ...] = ("red", "yellow")
) -> list[dict[str, Any]]:
    rows = (
        ProjectLight.objects.filter(_in_tree(jurisdiction, "project__"), shown__in=colors)
        .order_by("project__name", "project_id")
        .values(
            "project__name", "project__responsible_unit__name", "shown", "reason", "override_reason", "days"
        )
    )
    return [
        {
            "project": r["project__name"],
            "unit": _unit(r["project__responsible_unit__name"]),
            "light": r["shown"],
            "light_label": LIGHTS[r["shown"]],
            "reason": r["override_reason"] or r["reason"],
            "days": r["days"],
        }
        for r in sorted(rows, key=lambda r: (r["shown"] != "red", -r["days"], r["project__name"]))
    ]


def _transitions(jurisdiction: Jurisdiction, period: rules.Period, stages: tuple[str, ...]) -> list[dict]:
    rows = (
        StageTransition.objects.filter(
            _in_tree(jurisdiction, "project__"), to_stage__in=stages, on__range=(period.start, period.end)
        )
        .order_by("on", "id")
        .values(
            "project_id",
            "project__name",
            "project__responsible_unit__name",
            "project__total_investment",
            "to_stage",
            "on",
        )
    )
    seen: set[tuple[int, str]] = set()  # a backfill and a move on the same project count once
    out = []
    for r in rows:
        if (r["project_id"], r["to_stage"]) in seen:
            continue
        seen.add((r["project_id"], r["to_stage"]))
        out.append(
            {
                "project": r["project__name"],
                "unit": _unit(r["project__responsible_unit__name"]),
                "investment": str(r["project__total_investment"]),
                "stage": r["to_stage"],
                "on": _iso(r["on"]),
            }
        )
    return out


# --- weekly briefing ------------------------------------------------------------------------------


def _overdue_problems(jurisdiction: Jurisdiction, period: rules.Period) -> list[dict]:
    rows = (
        Problem.objects.filter(_in_tree(jurisdiction), status__in=OPEN_STATUSES, due_date__lte=period.end)
        .order_by("due_date", "id")
        .values("year", "number", "title", "project__name", "assigned_unit__name", "due_date")
    )
    return [
        {
            "title": r["title"],
            "project": r["project__name"],
            "unit": _unit(r["assigned_unit__name"]),
            "due": _iso(r["due_date"]),
            "days": (period.end - r["due_date"]).days,
        }
        for r in rows
    ]


def _overdue_matters(jurisdiction: Jurisdiction, period: rules.Period) -> list[dict]:
    rows = (
        Matter.objects.filter(_in_tree(jurisdiction), status="open", deadline__lte=period.end)
        .order_by("deadline", "id")
        .values("title", "lead_unit__name", "deadline", "meeting__title")
    )
    return [
        {
            "title": r["title"],
            "unit": _unit(r["lead_unit__name"]),
            "due": _iso(r["deadline"]),
            "meeting": r["meeting__title"],
            "days": (period.end - r["deadline"]).days,
        }
        for r in rows
    ]


def _meetings(jurisdiction: Jurisdiction, period: rules.Period) -> list[dict]:
    rows = (
        Meeting.objects.filter(
            _in_tree(jurisdiction), date__range=(period.start, period.end + timedelta(days=7))
        )
        .exclude(status="cancelled")
        .order_by("date", "start_time", "id")
        .values("title", "date", "place", "status")
    )
    return [
        {
            "title": r["title"],
            "date": _iso(r["date"]),
            "place": r["place"],
            "status": MEETING_STATUSES.get(r["status"], r["status"]),
            "ahead": r["date"] > period.end,
        }
        for r in rows
    ]


def weekly_facts(jurisdiction: Jurisdiction, period: rules.Period, today: date) -> dict[str, Any]:
    return {
        **_header(jurisdiction, period, today),
        "starts": _transitions(jurisdiction, period, ("started",)),
        "lights": _light_counts(jurisdiction),
        "flagged": _flagged_projects(jurisdiction),
        "problems_overdue": _overdue_problems(jurisdiction, period),
        "matters_overdue": _overdue_matters(jurisdiction, period),
        "meetings": _meetings(jurisdiction, period),
    }


# --- monthly notice -------------------------------------------------------------------------------


PUBLIC_FALLBACK_STAGES = ("started", "construction")  # no plan for the year: the projects under construction


def _projects(jurisdiction: Jurisdiction, period: rules.Period) -> list[dict]:
    """Every project of the subtree, with its entry in the year's plan (planned investment; None when not
    in the plan) and its investment completed in the year through the period's month, in one query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    planned = (
        PlanEntry.objects.filter(
            project=OuterRef("pk"),
            plan__year=period.year,
            plan__jurisdiction__path__startswith=jurisdiction.path,
            removed=False,
        )
        .order_by("plan__jurisdiction__path", "id")
        .values("planned_investment")[:1]
    )
    completed = (
        InvestmentEntry.objects.filter(project=OuterRef("pk"), year=period.year, month__lte=period.end.month)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return list(
        Project.objects.filter(_in_tree(jurisdiction))
        .annotate(
            planned=Subquery(planned, output_field=money), completed=Subquery(completed, output_field=money)
        )
        .order_by("responsible_unit__sort", "responsible_unit_id", "name", "id")
        .values(
            "id",
            "name",
            "stage",
            "responsible_unit_id",
            "responsible_unit__name",
            "light__shown",
            "planned",
            "completed",
        )
    )


def _by_unit(projects: list[dict], started: list[dict]) -> list[dict]:
    rows: dict[str, dict[str, Any]] = {}
    for p in projects:
        name = _unit(p["responsible_unit__name"])
        row = rows.setdefault(name, {"unit": name, "projects": 0, "started": 0, "red": 0, "yellow": 0})
        row["projects"] += 1
        if p["light__shown"] in ("red", "yellow"):
            row[p["light__shown"]] += 1
    for s in started:
        if s["unit"] in rows:
            rows[s["unit"]]["started"] += 1
    return list(rows.values())


def _ranking(jurisdiction: Jurisdiction, period: rules.Period) -> dict[str, Any]:
    score_period = (
        ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=period.key, kind="month")
        .values("id", "status", "computed_at")
        .first()
    )
    if score_period is None or score_period["computed_at"] is None:
        return {"computed": False, "closed": False, "note": f"{period.label}的考核排名尚未计算。", "rows": []}
    rows = (
        UnitScore.objects.filter(period_id=score_period["id"])
        .order_by("group", "rank", "unit__sort", "unit_id")
        .values("group", "group_name", "rank", "unit__name", "total", "tied", "place")
    )
    closed = score_period["status"] == "closed"
    return {
        "computed": True,
        "closed": closed,
        "note": "" if closed else "本月考核尚未关账，排名以计算时的数据为准。",
        "rows": [
            {
                "group": r["group_name"] or r["group"],
                "rank": r["rank"],
                "unit": r["unit__name"],
                "total": str(r["total"]),
                "tied": r["tied"],
                "place": r["place"],
            }
            for r in rows
        ],
    }


def _cards(jurisdiction: Jurisdiction, period: rules.Period) -> list[dict]:
    start, end = _aware_range(period)
    rows = (
        Card.objects.filter(_in_tree(jurisdiction), status="issued", issued_at__gte=start, issued_at__lt=end)
        .order_by("issued_at", "id")
        .values("color", "unit__name", "year", "number", "reason", "issued_at")
    )
    return [
        {
            "color": r["color"],
            "color_label": CARD_COLORS[r["color"]],
            "unit": r["unit__name"],
            "number": f"{CARD_COLORS[r['color']]}〔{r['year']}〕第{r['number']}号" if r["number"] else "",
            "reason": r["reason"],
            "issued_on": _iso(timezone.localtime(r["issued_at"]).date()),
        }
        for r in sorted(rows, key=lambda r: r["color"] != "red")
    ]


def _places(rows: list[dict], place: str) -> list[dict]:
    return [r for r in rows if r["place"] == place]


def _money(value: Any) -> str:
    return f"{value:.2f}" if value is not None else ""


def _rate(completed: Any, planned: Any) -> float | None:
    if not planned:  # not in the plan, or nothing planned for the year
        return None
    return round(float((completed or 0) * 100 / planned), 1)


def _public_projects(projects: list[dict]) -> list[dict]:
    planned = [p for p in projects if p["planned"] is not None]
    chosen = planned or [p for p in projects if p["stage"] in PUBLIC_FALLBACK_STAGES]
    return [
        {
            "name": p["name"],
            "unit": _unit(p["responsible_unit__name"]),
            "stage": STAGES.get(p["stage"], p["stage"]),
            "light": LIGHTS.get(p["light__shown"] or "", ""),
            "planned_investment": _money(p["planned"]),
            "completed_investment": _money(p["completed"] or 0),
            "investment_rate": _rate(p["completed"], p["planned"]),
        }
        for p in chosen
    ]


def _public(ranking: dict, progress: dict, projects: list[dict]) -> dict[str, Any]:
    """What the public page may show (NC20 四(三)): the ranking by unit, counts, and the projects of the
    year's plan (or under construction) with stage, light and investment figures. Units only; no persons,
    no reasons, no free text (the image progress often names people), no scores' entries."""
    return {
        "ranking": ranking["rows"],
        "ranking_note": ranking["note"],
        "progress": progress,
        "projects": _public_projects(projects),
    }


def monthly_facts(jurisdiction: Jurisdiction, period: rules.Period, today: date) -> dict[str, Any]:
    projects = _projects(jurisdiction, period)
    started = _transitions(jurisdiction, period, ("started",))
    completed = _transitions(jurisdiction, period, ("completed",))
    lights = Counter(p["light__shown"] for p in projects)
    progress = {
        "projects": len(projects),
        "started": len(started),
        "completed": len(completed),
        "red": lights.get("red", 0),
        "yellow": lights.get("yellow", 0),
        "green": lights.get("green", 0),
    }
    ranking = _ranking(jurisdiction, period)
    return {
        **_header(jurisdiction, period, today),
        "progress": progress,
        "by_unit": _by_unit(projects, started),
        "started": started,
        "ranking": ranking,
        "first": _places(ranking["rows"], "first"),
        "last": _places(ranking["rows"], "last"),
        "cards": _cards(jurisdiction, period),
        "flagged": _flagged_projects(jurisdiction, ("red",)),  # yellow: counted per unit in by_unit
        "public": _public(ranking, progress, projects),
    }


# --- quarterly report -----------------------------------------------------------------------------


def _land(jurisdiction: Jurisdiction, period: rules.Period) -> dict[str, list[dict]]:
    rows = (
        ChainNode.objects.filter(
            _in_tree(jurisdiction, "project__"),
            key__in=LAND_STORAGE_KEYS + LAND_TRANSFER_KEYS,
            actual__range=(period.start, period.end),
        )
        .order_by("actual", "id")
        .values("key", "name", "actual", "project__name", "project__responsible_unit__name")
    )
    land: dict[str, list[dict]] = {"storage": [], "transfer": []}
    for r in rows:
        side = "storage" if r["key"] in LAND_STORAGE_KEYS else "transfer"
        land[side].append(
            {
                "project": r["project__name"],
                "unit": _unit(r["project__responsible_unit__name"]),
                "node": r["name"],
                "on": _iso(r["actual"]),
            }
        )
    return land


def _handovers(jurisdiction: Jurisdiction, period: rules.Period) -> dict[str, list[dict]]:
    rows = (
        Handover.objects.filter(_in_tree(jurisdiction, "project__"))
        .filter(
            Q(handed_on__range=(period.start, period.end)) | Q(handed_on__isnull=True, due_on__lte=period.end)
        )
        .order_by("kind", "due_on", "id")
        .values("kind", "project__name", "from_unit__name", "to_unit__name", "due_on", "handed_on")
    )
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out["done" if r["handed_on"] else "overdue"].append(
            {
                "kind": HANDOVER_KINDS.get(r["kind"], r["kind"]),
                "project": r["project__name"],
                "from_unit": _unit(r["from_unit__name"]),
                "to_unit": _unit(r["to_unit__name"]),
                "due": _iso(r["due_on"]),
                "on": _iso(r["handed_on"]),
            }
        )
    return {"done": out["done"], "overdue": out["overdue"]}


def quarterly_facts(jurisdiction: Jurisdiction, period: rules.Period, today: date) -> dict[str, Any]:
    moves = _transitions(jurisdiction, period, ("signed", "registered", "started"))
    return {
        **_header(jurisdiction, period, today),
        "signed": [m for m in moves if m["stage"] == "signed"],
        "registered": [m for m in moves if m["stage"] == "registered"],
        "starts": [m for m in moves if m["stage"] == "started"],
        "land": _land(jurisdiction, period),
        "handovers": _handovers(jurisdiction, period),
        "lights": _light_counts(jurisdiction),
        "flagged": _flagged_projects(jurisdiction),
    }


GATHER = {rules.WEEKLY: weekly_facts, rules.MONTHLY: monthly_facts, rules.QUARTERLY: quarterly_facts}


def bulletin_facts(jurisdiction: Jurisdiction, period: rules.Period, *, today: date) -> dict[str, Any]:
    """The content of a bulletin of `period.kind` for the jurisdiction's subtree, as of `today`."""
    return GATHER[period.kind](jurisdiction, period, today)
