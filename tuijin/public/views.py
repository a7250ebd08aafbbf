"""The public page (NC20 四(三) 每月向社会公布排名; DH24 六(三)): a jurisdiction's published public monthly
notices, with the ranking and project progress as published in `Bulletin.content["public"]` — never live
data, never persons' names. The header cites the jurisdiction's own rule set (its name and the source of
its [notify.publicity] sub-table). The projects are grouped by responsible unit: one summary row per unit
(projects, completed investment, rate) with the unit's projects folded under it (<details>, no script), so
a city's few hundred plan projects read on a phone. No login: these views carry no `login_required`, and nothing here reads a
session. Anything unpublished, non-public or of another kind is 404.

No file is offered here: the notice's Word and PDF are the internal document (the signer's name, the cards
and their reasons, the lights' reasons), distributed to the leaders and units only. The public page shows
`content["public"]` and nothing else."""

from __future__ import annotations

import math
from typing import Any

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control

from tuijin.documents.models import Bulletin, BulletinKind, BulletinStatus
from tuijin.org.models import Jurisdiction

PROGRESS_LABELS = (
    ("projects", "项目总数"),
    ("started", "本月开工"),
    ("completed", "本月竣工"),
    ("green", "绿灯"),
    ("yellow", "黄灯"),
    ("red", "红灯"),
)
LIGHT_CLASSES = {"红灯": "red", "黄灯": "yellow", "绿灯": "green", "已完成": "azure", "免办": "secondary"}
PLACE_LABELS = {"first": "首位", "last": "末位"}


def _published(jurisdiction: Jurisdiction):
    return Bulletin.objects.filter(
        jurisdiction=jurisdiction,
        kind=BulletinKind.MONTHLY,
        status=BulletinStatus.PUBLISHED,
        public=True,
    )


def _notices(jurisdiction: Jurisdiction) -> list[dict]:
    return list(
        _published(jurisdiction)
        .order_by("-published_at", "-id")
        .values("id", "number", "title", "period", "published_at")
    )


def _text(value: Any, limit: int = 200) -> str:
    return str(value)[:limit] if value not in (None, "") else ""


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def public_view(content: Any) -> dict[str, Any]:
    """`content["public"]` made safe to show: only the known keys, each of the expected shape (anything
    missing or malformed is left out, never an error). Persons never appear in it; only these fields pass:
    ranking rows (group, rank, unit, total, tied, place), the counts, and each project's name, unit, stage,
    light and investment figures (planned and completed this year in 万元, rate %) — no free text."""
    public = content.get("public") if isinstance(content, dict) else None
    public = public if isinstance(public, dict) else {}
    groups: dict[str, list[dict]] = {}
    for row in public.get("ranking") or []:
        if not isinstance(row, dict) or not row.get("unit"):
            continue
        groups.setdefault(_text(row.get("group"), 30), []).append(
            {
                "rank": _int(row.get("rank")),
                "unit": _text(row.get("unit"), 80),
                "total": _text(row.get("total"), 20),
                "tied": bool(row.get("tied")),
                "place": PLACE_LABELS.get(row.get("place") or "", ""),
            }
        )
    progress_raw = public.get("progress") if isinstance(public.get("progress"), dict) else {}
    progress = [
        {"key": key, "label": label, "value": _int(progress_raw[key])}
        for key, label in PROGRESS_LABELS
        if _int(progress_raw.get(key)) is not None
    ]
    projects = []
    for p in public.get("projects") or []:
        if not isinstance(p, dict) or not p.get("name"):
            continue
        light = _text(p.get("light"), 10)
        rate = _float(p.get("investment_rate"))
        projects.append(
            {
                "name": _text(p.get("name"), 120),
                "unit": _text(p.get("unit"), 80),
                "stage": _text(p.get("stage"), 30),
                "light": light,
                "light_class": LIGHT_CLASSES.get(light, "secondary"),
                "planned": _wan(p.get("planned_investment")),
                "completed": _wan(p.get("completed_investment")),
                "rate": f"{rate:.1f}%" if rate is not None else "",
                "rate_width": max(0, min(100, round(rate))) if rate is not None else 0,
                "planned_value": _float(p.get("planned_investment")) if p.get("planned_investment") else None,
                "completed_value": _float(p.get("completed_investment"))
                if p.get("completed_investment")
                else None,
            }
        )
    units = _by_unit(projects)
    chart = [
        {"group": group, "units": [r["unit"] for r in rows], "totals": [_float(r["total"]) for r in rows]}
        for group, rows in groups.items()
    ]
    if any(t is None for g in chart for t in g["totals"]):
        chart = []  # a total that is not a number: the table alone
    return {
        "ranking": [
            {"group": g, "rows": rows, "chart_height": 60 + 28 * len(rows)} for g, rows in groups.items()
        ],
        "ranking_note": _text(public.get("ranking_note"), 200),
        "progress": progress,
        "projects": projects,
        "units": units,
        "chart": chart,
    }


def _by_unit(projects: list[dict]) -> list[dict]:
    """The projects grouped by responsible unit, in the order the notice lists them (units by their
    order), for the summary row of each unit on the public page (its projects fold under it): the number
    of projects and of red and yellow lights, the investment completed in the year, and the rate of the
    completed to the planned investment over the unit's projects that have a planned figure."""
    units: dict[str, dict[str, Any]] = {}
    for p in projects:
        unit = units.setdefault(
            p["unit"],
            {"unit": p["unit"] or "（未定责任单位）", "projects": [], "red": 0, "yellow": 0},
        )
        unit["projects"].append(p)
        unit["red"] += p["light"] == "红灯"
        unit["yellow"] += p["light"] == "黄灯"
    rows = []
    for unit in units.values():
        items = unit["projects"]
        completed = sum(p["completed_value"] or 0.0 for p in items)
        planned = sum(p["planned_value"] for p in items if p["planned_value"])
        reached = sum(p["completed_value"] or 0.0 for p in items if p["planned_value"])
        rate = reached * 100 / planned if planned > 0 else None
        rows.append(
            {
                **unit,
                "count": len(items),
                "planned": _wan(planned) if planned else "",
                "completed": _wan(completed),
                "rate": f"{rate:.1f}%" if rate is not None else "",
                "rate_width": max(0, min(100, round(rate))) if rate is not None else 0,
            }
        )
    return rows


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _wan(value: Any) -> str:
    """An amount in 万元 for display ("20,000", "1,250.5"); "" when it is not a number."""
    number = _float(value) if value not in (None, "") else None
    if number is None:
        return ""
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _jurisdiction(code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.only("id", "code", "name", "path"), code=code)


def publicity_basis(jurisdiction: Jurisdiction) -> dict[str, str] | None:
    """What the header cites: the name of the rule set the jurisdiction follows and the `source` of its
    [notify.publicity] sub-table (NC20 三(四)4 and 四(三) for 南昌市, DH24 六(三) for 东湖区 …). None
    without a rule set; the source is "" when the rule set has no [notify] section."""
    from tuijin.core.ruleset_selectors import ruleset_current_version, ruleset_for_jurisdiction

    rule_set = ruleset_for_jurisdiction(jurisdiction)
    if rule_set is None:
        return None
    version = ruleset_current_version(rule_set)
    data = version.data if version is not None and isinstance(version.data, dict) else {}
    notify = data.get("notify") if isinstance(data.get("notify"), dict) else {}
    publicity = notify.get("publicity") if isinstance(notify.get("publicity"), dict) else {}
    return {"name": rule_set.name, "source": _text(publicity.get("source"), 300)}


def _page(request, jurisdiction: Jurisdiction, notices: list[dict], bulletin: Bulletin | None):
    context = {
        "jurisdiction": jurisdiction,
        "basis": publicity_basis(jurisdiction),
        "notices": notices,
        "notice": bulletin,
        "view": public_view(bulletin.content) if bulletin is not None else None,
    }
    return render(request, "public/notice.html", context)


@cache_control(public=True, max_age=300)
def index(request, code: str):
    """The jurisdiction's notices, the latest one shown."""
    jurisdiction = _jurisdiction(code)
    notices = _notices(jurisdiction)
    bulletin = _published(jurisdiction).get(pk=notices[0]["id"]) if notices else None
    return _page(request, jurisdiction, notices, bulletin)


@cache_control(public=True, max_age=300)
def notice(request, code: str, pk: int):
    jurisdiction = _jurisdiction(code)
    bulletin = get_object_or_404(_published(jurisdiction), pk=pk)
    return _page(request, jurisdiction, _notices(jurisdiction), bulletin)
