"""Briefings and notices as Word documents (公文 look: red issuer line, number 通报〔2024〕6号, 黑体 title,
仿宋 body). Three documents are registered with `tuijin.documents.registry` (`bulletin_weekly_briefing`,
`bulletin_monthly_notice`, `bulletin_quarterly_report`), so an office may upload its own template on
文书模板; the defaults are built by `tuijin/documents/docx/build_bulletins.py` and committed.

Rendering is strict: a template tag naming a field the context lacks is refused with a Chinese error naming
the field (the lenient default of `documents.services.render_document` stays as it is for the others).

    bulletin_docx_from_content(kind, content, number="通报〔2024〕6号") -> bytes   # the bench calls this
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from tuijin.documents.registry import DocumentSpec, register_document
from tuijin.documents.services import template_bytes

from . import bulletin_rules as rules

DOCX_DIR = Path(__file__).resolve().parent / "docx"
KEYS = {kind: f"bulletin_{kind}" for kind in rules.KIND_LABELS}
DEFAULTS = {kind: DOCX_DIR / f"{key}.docx" for kind, key in KEYS.items()}
PLACES = {"first": "首位", "last": "末位"}

COMMON_FIELDS = (
    "{{ title }} {{ number }} {{ draft }}（送审稿为真） {{ issuer }} {{ jurisdiction }} {{ period_label }} "
    "{{ date }}（成文日期） {{ signer }}（签发人） {{ summary }}（段落列表） {{ flagged }}（红黄灯项目：no、"
    "project、unit、light、reason） "
)
FIELDS = {
    rules.WEEKLY: COMMON_FIELDS
    + "{{ starts }}（no、project、unit、investment、on） {{ problems }}（no、title、project、unit、due、days） "
    "{{ matters }}（no、title、unit、meeting、due、days） {{ meetings }}（date、title、place、status）",
    rules.MONTHLY: COMMON_FIELDS
    + "{{ by_unit }}（no、unit、projects、started、red、yellow） {{ ranking }}（group、rank、unit、total、place） "
    "{{ ranking_note }} {{ first }} {{ last }} {{ cards }}（no、color、unit、number、reason、issued_on） "
    "月通报的 {{ flagged }} 只列红灯项目；{{ yellow_total }}（黄灯项目数） {{ yellow_note }}（黄灯项目按单位"
    "计数的一段话） {{ yellow_units }}（黄灯项目按单位计数：no、unit、count）",
    rules.QUARTERLY: COMMON_FIELDS
    + "{{ signed }} {{ registered }} {{ starts }}（no、project、unit、investment、on） {{ land_storage }} "
    "{{ land_transfer }}（no、project、unit、node、on） {{ handovers }} {{ handovers_overdue }}（no、kind、"
    "project、from_unit、to_unit、due、on）",
}


def _d(iso: str) -> str:
    return rules.date_text(date.fromisoformat(iso)) if iso else ""


def _md(iso: str) -> str:
    value = date.fromisoformat(iso) if iso else None
    return f"{value.month}月{value.day}日" if value else ""


def _wan(text: str) -> str:
    try:
        return f"{Decimal(text):,.0f}"
    except (ArithmeticError, ValueError, TypeError):
        return text or ""


def _numbered(rows: list[dict], build) -> list[dict]:
    return [{"no": str(i), **build(r)} for i, r in enumerate(rows, start=1)]


def _flagged(content: dict) -> list[dict]:
    return _numbered(
        content.get("flagged", []),
        lambda r: {
            "project": r["project"],
            "unit": r["unit"],
            "light": r["light_label"],
            "reason": r["reason"],
        },
    )


def _moves(rows: list[dict]) -> list[dict]:
    return _numbered(
        rows,
        lambda r: {
            "project": r["project"],
            "unit": r["unit"],
            "investment": _wan(r["investment"]),
            "on": _md(r["on"]),
        },
    )


def _lights_text(lights: dict) -> str:
    return (
        f"红灯 {lights.get('red', 0)} 个、黄灯 {lights.get('yellow', 0)} 个、绿灯 {lights.get('green', 0)} 个"
    )


def _weekly(content: dict) -> dict[str, Any]:
    starts, problems, matters = content["starts"], content["problems_overdue"], content["matters_overdue"]
    summary = [
        f"本周（{content['period_label']}）新开工项目 {len(starts)} 个；截至{_d(content['as_of'])}，"
        f"项目亮灯{_lights_text(content['lights'])}。",
        f"逾期未办结的问题 {len(problems)} 个，逾期未办结的会议议定事项 {len(matters)} 项。",
    ]
    return {
        "summary": summary,
        "starts": _moves(starts),
        "problems": _numbered(
            problems,
            lambda r: {
                "title": r["title"],
                "project": r["project"],
                "unit": r["unit"],
                "due": _md(r["due"]),
                "days": str(r["days"]),
            },
        ),
        "matters": _numbered(
            matters,
            lambda r: {
                "title": r["title"],
                "unit": r["unit"],
                "meeting": r["meeting"],
                "due": _md(r["due"]),
                "days": str(r["days"]),
            },
        ),
        "meetings": [
            {"date": _md(m["date"]), "title": m["title"], "place": m["place"] or "——", "status": m["status"]}
            for m in content["meetings"]
        ],
    }


def _rank_text(r: dict) -> str:
    return f"{r['rank']}（并列）" if r["tied"] else str(r["rank"] or "")


def _units(rows: list[dict]) -> str:
    return "、".join(f"{r['unit']}（{r['group']}）" for r in rows) or "——"


def _yellow(content: dict) -> dict[str, Any]:
    """The monthly notice's yellow projects as a count per responsible unit (from `by_unit`), not listed
    one by one: a city has a couple of thousand; the names are on the lights board (亮灯看板)."""
    units = [r for r in content["by_unit"] if r.get("yellow")]
    total = sum(r["yellow"] for r in units)
    if total:
        counts = "、".join(f"{r['unit']} {r['yellow']} 个" for r in units)
        note = f"黄灯项目共 {total} 个，分布在 {len(units)} 个责任单位：{counts}。黄灯项目名单详见亮灯看板。"
    else:
        note = "没有亮黄灯的项目。"
    return {
        "yellow_total": str(total),
        "yellow_note": note,
        "yellow_units": _numbered(units, lambda r: {"unit": r["unit"], "count": str(r["yellow"])}),
    }


def _monthly(content: dict) -> dict[str, Any]:
    p, ranking = content["progress"], content["ranking"]
    summary = [
        f"截至{_d(content['as_of'])}，纳入调度的重大重点项目 {p['projects']} 个，{content['period_label']}"
        f"新开工 {p['started']} 个、竣工 {p['completed']} 个；亮灯红灯 {p['red']} 个、黄灯 {p['yellow']} 个。",
    ]
    if ranking["computed"]:
        summary.append(
            f"{content['period_label']}考核排名首位：{_units(content['first'])}；末位：{_units(content['last'])}。"
        )
    cards = content["cards"]
    summary.append(
        f"本月发出黄牌 {sum(c['color'] == 'yellow' for c in cards)} 张、红牌 {sum(c['color'] == 'red' for c in cards)} 张。"
    )
    return {
        "summary": summary,
        # the red projects with their reasons (a notice drafted before the yellow ones were only counted
        # still has them in its content: left out here too)
        "flagged": [
            {**r, "no": str(i)}
            for i, r in enumerate((r for r in _flagged(content) if r["light"] == "红灯"), start=1)
        ],
        **_yellow(content),
        "by_unit": _numbered(
            content["by_unit"],
            lambda r: {k: str(r[k]) for k in ("unit", "projects", "started", "red", "yellow")},
        ),
        "ranking": [
            {
                "group": r["group"],
                "rank": _rank_text(r),
                "unit": r["unit"],
                "total": r["total"],
                "place": PLACES.get(r["place"], ""),
            }
            for r in ranking["rows"]
        ],
        "ranking_note": ranking["note"],
        "first": _units(content["first"]),
        "last": _units(content["last"]),
        "cards": _numbered(
            cards,
            lambda r: {
                "color": r["color_label"],
                "unit": r["unit"],
                "number": r["number"],
                "reason": r["reason"],
                "issued_on": _md(r["issued_on"]),
            },
        ),
    }


def _handover_rows(rows: list[dict]) -> list[dict]:
    return _numbered(
        rows,
        lambda r: {
            "kind": r["kind"],
            "project": r["project"],
            "from_unit": r["from_unit"],
            "to_unit": r["to_unit"],
            "due": _md(r["due"]),
            "on": _md(r["on"]),
        },
    )


def _land_rows(rows: list[dict]) -> list[dict]:
    return _numbered(
        rows, lambda r: {"project": r["project"], "unit": r["unit"], "node": r["node"], "on": _md(r["on"])}
    )


def _quarterly(content: dict) -> dict[str, Any]:
    land, handovers = content["land"], content["handovers"]
    summary = [
        f"{content['period_label']}，新签约项目 {len(content['signed'])} 个，新注册 {len(content['registered'])} 个，"
        f"新开工 {len(content['starts'])} 个；完成土地收储 {len(land['storage'])} 宗、出让 {len(land['transfer'])} 宗；"
        f"完成项目移交 {len(handovers['done'])} 个，逾期未移交 {len(handovers['overdue'])} 个。",
        f"截至{_d(content['as_of'])}，项目亮灯{_lights_text(content['lights'])}。",
    ]
    return {
        "summary": summary,
        "signed": _moves(content["signed"]),
        "registered": _moves(content["registered"]),
        "starts": _moves(content["starts"]),
        "land_storage": _land_rows(land["storage"]),
        "land_transfer": _land_rows(land["transfer"]),
        "handovers": _handover_rows(handovers["done"]),
        "handovers_overdue": _handover_rows(handovers["overdue"]),
    }


_BODY = {rules.WEEKLY: _weekly, rules.MONTHLY: _monthly, rules.QUARTERLY: _quarterly}


def bulletin_context(
    kind: str, content: dict, *, title: str = "", number: str = "", signer: str = "", on: date | None = None
) -> dict[str, Any]:
    """What the Word template is filled with: the header, and the content as display rows (text only)."""
    return {
        "title": title or f"{content['jurisdiction']}{rules.TITLE_WORDS[kind]}（{content['period_label']}）",
        "number": number or "（未编号）",
        "draft": not number,
        "issuer": content["issuer"],
        "jurisdiction": content["jurisdiction"],
        "period_label": content["period_label"],
        "date": rules.date_text(on) if on else _d(content["as_of"]),
        "signer": signer,
        "flagged": _flagged(content),
        **_BODY[kind](content),
    }


# --- strict rendering ----------------------------------------------------------------------------

_MISSING = (re.compile(r"'([^']+)' is undefined"), re.compile(r"has no attribute '([^']+)'"))


def _missing_field(exc: UndefinedError) -> str:
    for pattern in _MISSING:
        if match := pattern.search(str(exc)):
            return match[1]
    return str(exc)


_FIX = "请在文书模板中改正或恢复默认模板。"


def _template_problem(exc: TemplateError) -> str:
    """The Chinese message of any Jinja error a Word template raises while it is filled (an unknown field,
    a malformed tag, an unsafe expression the sandbox refuses, anything else), naming what is wrong."""
    if isinstance(exc, UndefinedError):
        return f"Word 模板使用了字段“{_missing_field(exc)}”，但本文书没有这个字段，无法生成。{_FIX}"
    detail = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).strip()
    if isinstance(exc, TemplateSyntaxError):
        return f"Word 模板的标签写法有误（{detail}），无法生成。{_FIX}"
    if isinstance(exc, SecurityError):
        return f"Word 模板使用了不允许的写法（{detail}），无法生成。{_FIX}"
    return f"Word 模板无法填写（{type(exc).__name__}：{detail}），无法生成。{_FIX}"


def render_strict(source: bytes, context: dict[str, Any]) -> bytes:
    """docxtpl with any template error refused: a Chinese ValidationError naming the field or the problem."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(source))
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    try:
        template.render(context, jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise ValidationError(_template_problem(exc)) from exc
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def bulletin_docx_from_content(
    kind: str,
    content: dict,
    *,
    jurisdiction: Any = None,
    title: str = "",
    number: str = "",
    signer: str = "",
    on: date | None = None,
) -> bytes:
    """The Word file of a bulletin from its content (the office's template when the jurisdiction has one)."""
    context = bulletin_context(kind, content, title=title, number=number, signer=signer, on=on)
    return render_strict(template_bytes(KEYS[kind], jurisdiction), context)


# --- samples (the template check on upload, the bench) ---------------------------------------------


def sample_content(kind: str, *, units: int = 3) -> dict[str, Any]:
    """Content of the shape `bulletin_facts` gathers, with `units` responsible units (and one red or yellow
    project, one start, one card … per unit), for the upload check and the benchmark."""
    period = rules.period_parse(kind, rules.PERIOD_HINTS[kind])
    names = [f"示例单位{i:03d}" for i in range(1, units + 1)]
    move = [
        {
            "project": f"{n}重点项目",
            "unit": n,
            "investment": "120000.00",
            "stage": "started",
            "on": period.start.isoformat(),
        }
        for n in names
    ]
    flagged = [
        {
            "project": f"{n}重点项目",
            "unit": n,
            "light": "red",
            "light_label": "红灯",
            "reason": "用地规划许可证超期 5 个工作日",
            "days": 5,
        }
        for n in names
    ]
    head = {
        "kind": kind,
        "period": period.key,
        "period_label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_of": period.end.isoformat(),
        "jurisdiction": "东湖区",
        "issuer": "东湖区重大重点项目推进工作领导小组办公室",
        "flagged": flagged,
        "lights": {"red": units, "yellow": 0, "green": units, "done": 0, "exempt": 0},
    }
    if kind == rules.WEEKLY:
        overdue = {
            "title": "红线调整",
            "project": "示例项目",
            "unit": names[0],
            "due": period.start.isoformat(),
            "days": 3,
        }
        return {
            **head,
            "starts": move,
            "problems_overdue": [overdue],
            "matters_overdue": [{**overdue, "meeting": "区月度调度会"}],
            "meetings": [
                {
                    "title": "区月度调度会",
                    "date": period.end.isoformat(),
                    "place": "区政府",
                    "status": "计划",
                    "ahead": False,
                }
            ],
        }
    if kind == rules.MONTHLY:
        rows = [
            {
                "group": "区直单位",
                "rank": i,
                "unit": n,
                "total": f"{100 - i * 0.01:.2f}",
                "tied": False,
                "place": "first" if i == 1 else ("last" if i == units else ""),
            }
            for i, n in enumerate(names, start=1)
        ]
        progress = {
            "projects": units * 3,
            "started": units,
            "completed": 0,
            "red": units,
            "yellow": units,
            "green": units,
        }
        ranking = {"computed": True, "closed": True, "note": "", "rows": rows}
        return {
            **head,
            "progress": progress,
            "by_unit": [{"unit": n, "projects": 3, "started": 1, "red": 1, "yellow": 1} for n in names],
            "started": move,
            "ranking": ranking,
            "first": rows[:1],
            "last": rows[-1:],
            "cards": [
                {
                    "color": "yellow",
                    "color_label": "黄牌",
                    "unit": n,
                    "number": f"黄牌〔2024〕第{i}号",
                    "reason": "督办单逾期未办结",
                    "issued_on": period.end.isoformat(),
                }
                for i, n in enumerate(names, start=1)
            ],
            "public": {"ranking": rows, "ranking_note": "", "progress": progress, "projects": []},
        }
    land = [
        {"project": f"{n}重点项目", "unit": n, "node": "签订土地出让合同", "on": period.end.isoformat()}
        for n in names
    ]
    hand = [
        {
            "kind": "招商部门移交项目办",
            "project": f"{n}重点项目",
            "from_unit": "区招商局",
            "to_unit": "区项目办",
            "due": period.end.isoformat(),
            "on": period.end.isoformat(),
        }
        for n in names
    ]
    return {
        **head,
        "signed": move,
        "registered": move,
        "starts": move,
        "land": {"storage": land, "transfer": land},
        "handovers": {"done": hand, "overdue": [{**hand[0], "on": ""}]},
    }


def _sample(kind: str):
    return lambda: bulletin_context(
        kind, sample_content(kind), number=f"{rules.NUMBER_WORDS[kind]}〔2024〕6号", signer="林志远"
    )


for _kind, _key in KEYS.items():
    register_document(
        DocumentSpec(
            key=_key,
            label=rules.KIND_LABELS[_kind],
            default=DEFAULTS[_kind],
            sample=_sample(_kind),
            fields=FIELDS[_kind],
        )
    )
