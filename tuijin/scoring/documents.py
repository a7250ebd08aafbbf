"""The assessment's documents (issue 7 part 5): a period's ranking and the WH19 附件3 score sheet, each as
Excel (xlsxwriter, as the problem ledger) and Word (docxtpl templates under `scoring/docx/`, registered
with `tuijin.documents` as `score_ranking` and `score_sheet`, so an office can upload its own on
系统设置 › 文书模板).

The score sheet keeps 附件3's columns word for word — 序号、考评内容、考评指标、过程管理、指标权重、分类权重 —
and adds 扣分/加分明细 (each ledger entry: date, sentence, points) and 得分; one worksheet (Excel) or one
section (Word) per unit. Everything comes from `page_selectors` (the stored results); nothing is computed
here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter

from tuijin.documents.registry import DocumentSpec, register_document
from tuijin.documents.services import render_document

from . import page_selectors as ps
from . import rules
from .docx.build_template import RANKING, SHEET
from .models import ScoreEntry, ScorePeriod, UnitScore
from .selectors import year_review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RANKING_KEY = "score_ranking"
SHEET_KEY = "score_sheet"
RANKING_FIELDS = (
    "{{ title }} {{ subtitle }} {{ categories }}（分类名称列表，表头用 {%tc for c in categories %}；年度考核"
    "为季度平均分、折算分） {{ adjustments_label }}（加减分一栏的表头：加减分，年度为奖励加分） "
    "{{ groups }}（分组：heading、marks、rows：rank、unit、scores（分类得分列表）、adjustments、total、"
    "remark） {{ notes }}（说明段落列表） {{ issuer }} {{ printed_on }}"
)
SHEET_FIELDS = (
    "{{ title }} {{ sheets }}（每个单位一节：unit、group、rank、total、page_break、notes、rows：number、"
    "name、indicator（段落列表）、process、base、weight、details（明细段落列表）、empty、score） "
    "{{ issuer }} {{ printed_on }}"
)
RANKING_HEADERS_TAIL = ("加减分", "总分", "首末位", "整改报告")


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _issuer(period: ScorePeriod) -> str:
    from tuijin.org.models import LeadingGroup

    group = LeadingGroup.objects.filter(jurisdiction=period.jurisdiction).first()
    return f"{group.name}办公室" if group is not None else period.jurisdiction.name


def _status_text(period: ScorePeriod) -> str:
    if period.status == "closed" and period.closed_at:
        return f"已关账（{period.closed_at:%Y-%m-%d}）"
    if period.computed_at:
        return f"计算中，未关账（{period.computed_at:%Y-%m-%d %H:%M} 计算）"
    return "尚未计算"


# ---------------------------------------------------------------------------------------------------
# The ranking


def ranking_title(period: ScorePeriod) -> str:
    return f"{period.jurisdiction.name}{ps.period_label(period.key)}项目推进目标考评排名"


def _ranking_notes(ranking: ps.Ranking) -> list[str]:
    notes = [f"排名规则：{ranking.tie_break}"]
    if ranking.year is not None:
        notes.append(f"年度考核：{ranking.year.explanation}")
        notes.append(f"计分规则：{ranking.version}；总分 = 季度平均分 + 奖励加分（及其它加减分）。")
    else:
        notes.append(f"计分规则：{ranking.version}；各类得分为 {_weights(ranking)}，加减分直接计入总分。")
    notes += [f"计算说明：{n}" for n in ranking.notes]
    return notes


def _weights(ranking: ps.Ranking) -> str:
    return "、".join(f"{c.name}（分类权重 {ps.number(c.weight, 0)}）" for c in ranking.categories) or "—"


def _remark(row: ps.RankRow) -> str:
    parts = [row.place] if row.place else []
    if row.rectify:
        parts.append("须提交整改报告")
    return "、".join(parts)


def _rank_text(row: ps.RankRow) -> str:
    if row.rank is None:
        return "—"
    return f"{row.rank}（并列）" if row.tied else str(row.rank)


def _columns(ranking: ps.Ranking, *, weights: bool) -> tuple[list[str], str]:
    """The score columns between 单位 and 总分: a quarter's categories then 加减分; a year period (quarter
    average, WH19 四(四)) 季度平均分, 折算分 (when the rule set converts), 奖励加分 — the last column is the one
    the templates call "adjustments" (奖励加分, or 其它加减分 when some unit has other adjustments)."""
    year = ranking.year
    if year is None:
        if weights:
            return [f"{c.name}（{ps.number(c.weight, 0)}）" for c in ranking.categories], "加减分"
        return [c.name for c in ranking.categories], "加减分"
    labels = ["季度平均分（百分制）"]
    if year.review_label:
        labels.append(f"折算分（{year.review_label}）")
    if year.other:
        return [*labels, "奖励加分"], "其它加减分"
    return labels, "奖励加分"


def _values(ranking: ps.Ranking, r: ps.RankRow) -> tuple[list[str], str]:
    """A row's values for `_columns`."""
    year, y = ranking.year, r.year
    if year is None or y is None:
        return list(r.categories), r.adjustments
    values = [y.average]
    if year.review_label:
        values.append(y.review)
    if year.other:
        return [*values, y.bonus], y.other
    return values, y.bonus


def ranking_context(ranking: ps.Ranking, *, today: date) -> dict[str, Any]:
    period = ranking.period
    labels, adjustments_label = _columns(ranking, weights=False)
    groups = []
    for g in ranking.groups:
        rows = []
        for r in g.rows:
            scores, adjustments = _values(ranking, r)
            rows.append(
                {
                    "rank": _rank_text(r),
                    "unit": r.name,
                    "scores": scores,
                    "adjustments": adjustments,
                    "total": r.total,
                    "remark": _remark(r),
                }
            )
        marks = "；".join(f"{r.name}：{_remark(r)}" for r in g.rows if _remark(r))
        groups.append({"heading": f"{g.name}（{g.ranked} 个单位参加排名）", "marks": marks, "rows": rows})
    return {
        "title": ranking_title(period),
        "subtitle": f"{ps.period_label(period.key)} · {_status_text(period)}",
        "categories": labels,
        "adjustments_label": adjustments_label,
        "groups": groups,
        "notes": _ranking_notes(ranking),
        "issuer": _issuer(period),
        "printed_on": _cn_date(today),
    }


def ranking_docx(ranking: ps.Ranking, *, today: date) -> bytes:
    return render_document(RANKING_KEY, ranking.period.jurisdiction, ranking_context(ranking, today=today))


def _formats(book) -> dict[str, Any]:
    base = {"font_name": "仿宋", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    return {
        "title": book.add_format(
            {"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"}
        ),
        "info": book.add_format({"font_name": "仿宋", "font_size": 10}),
        "note": book.add_format({"font_name": "仿宋", "font_size": 10, "text_wrap": True, "valign": "top"}),
        "header": book.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"}),
        "text": book.add_format(base),
        "center": book.add_format({**base, "align": "center"}),
        "number": book.add_format({**base, "align": "right", "num_format": "0.00"}),
        "points": book.add_format({**base, "align": "right", "num_format": "+0.####;-0.####;0"}),
        "total": book.add_format({**base, "bold": True, "align": "right", "num_format": "0.00"}),
        "bold": book.add_format({**base, "bold": True, "align": "center"}),
    }


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "排名"
    candidate, n = clean, 2
    while candidate in used:
        candidate, n = f"{clean[:25]}({n})", n + 1
    used.add(candidate)
    return candidate


def _write_number(sheet, row: int, col: int, text: str, fmt) -> None:
    try:
        sheet.write_number(row, col, float(text), fmt)  # a cell value; the text is the exact Decimal
    except ValueError:
        sheet.write_string(row, col, text, fmt)


def ranking_xlsx(ranking: ps.Ranking, *, today: date) -> bytes:
    """One worksheet per ranking group: 名次, 单位, each category's score, 加减分, 总分, 首末位, 整改报告;
    the tie-break rule, the rule-set version and the notes under the table."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    f = _formats(book)
    labels, adjustments_label = _columns(ranking, weights=True)
    headers = ["名次", "单位", *labels, adjustments_label, *RANKING_HEADERS_TAIL[1:]]
    last = len(headers) - 1
    used: set[str] = set()
    notes = _ranking_notes(ranking)
    for g in ranking.groups or [ps.RankGroup(key="", name="排名")]:
        sheet = book.add_worksheet(_sheet_name(g.name, used))
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, last, f"{ranking_title(ranking.period)}（{g.name}）", f["title"])
        sheet.merge_range(
            1,
            0,
            1,
            last,
            f"{ps.period_label(ranking.period.key)} · {_status_text(ranking.period)} · 导出日期 {today:%Y-%m-%d}",
            f["info"],
        )
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, 1, 28)
        sheet.set_column(2, last, 12)
        for col, name in enumerate(headers):
            sheet.write_string(2, col, name, f["header"])
        sheet.repeat_rows(2)
        line = 2
        for r in g.rows:
            line += 1
            sheet.write_string(line, 0, _rank_text(r), f["center"])
            sheet.write_string(line, 1, r.name, f["text"])
            values, adjustments = _values(ranking, r)
            for i, value in enumerate(values):
                fmt = f["points"] if ranking.year is not None and labels[i] == "奖励加分" else f["number"]
                _write_number(sheet, line, 2 + i, value, fmt)
            col = 2 + len(values)
            _write_number(sheet, line, col, adjustments, f["points"])
            _write_number(sheet, line, col + 1, r.total, f["total"])
            sheet.write(line, col + 2, r.place or None, f["center"])
            sheet.write(line, col + 3, "是" if r.rectify else None, f["center"])
        sheet.freeze_panes(3, 2)
        for note in notes:
            line += 1
            sheet.merge_range(line, 0, line, last, note, f["note"])
            sheet.set_row(line, 30)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------
# The WH19 附件3 score sheet: its rows per unit, from the ledger


SHEET_HEADERS = ("序号", "考评内容", "考评指标", "过程管理", "指标权重", "分类权重")
SHEET_EXTRA = ("扣分/加分明细", "得分")


@dataclass(frozen=True)
class SheetRow:
    number: str
    name: str
    indicator: str
    process: str
    base: str
    weight: str
    details: tuple[str, ...]
    score: str


@dataclass
class Sheet:
    unit_name: str
    group_name: str
    rank: str
    rows: list[SheetRow]
    total: str
    year: str = ""  # year periods: "年度考核：季度平均分 …；折算分 …；奖励加分 …"


def sheet_title(period: ScorePeriod) -> str:
    """附件3's title with the jurisdiction and period: "东湖区重大产业项目推进目标季度考评计分细则（2024年第2季度）"."""
    kind = {"month": "月度", "quarter": "季度", "year": "年度"}.get(period.kind, "")
    return (
        f"{period.jurisdiction.name}重大产业项目推进目标{kind}考评计分细则（{ps.period_label(period.key)}）"
    )


def sheet_for(period: ScorePeriod, scores: list[UnitScore]) -> list[Sheet]:
    """One sheet per unit: the rows of 附件3 (one per category, then 其它情况 for the adjustments), each with
    its entries as "扣分/加分明细" lines and the category's score. Entries in one query for all units."""
    version = period.rule_version
    places = ps.decimals(version)
    columns = ps.categories_for(version, period.kind)
    lines = ps.rule_lines(version, period.kind)
    unit_ids = [s.unit_id for s in scores]
    review = year_review(version, period.kind)
    by_unit: dict[int, list[ScoreEntry]] = {u: [] for u in unit_ids}
    for e in ScoreEntry.objects.filter(period=period, unit_id__in=unit_ids).order_by(
        "unit_id", "category", "on", "rule_index", "pk"
    ):
        by_unit[e.unit_id].append(e)
    sheets = []
    for s in scores:
        entries = by_unit.get(s.unit_id, [])
        rows = [
            SheetRow(
                number=str(i),
                name=c.name,
                indicator=_indicator(c.indicator, lines, c.key),
                process=c.process,
                base=ps.number(c.base, 0),
                weight=ps.number(c.weight, 0),
                details=tuple(_detail(e) for e in entries if e.category == c.key),
                score=ps.number(s.categories.get(c.key), places),
            )
            for i, c in enumerate(columns, start=1)
        ]
        adjustment_lines = [ln for ln in lines if ln.category == rules.ADJUSTMENT]
        adjustments = [e for e in entries if e.category == rules.ADJUSTMENT]
        if adjustment_lines or adjustments:
            rows.append(
                SheetRow(
                    number=str(len(rows) + 1),
                    name="其它情况",
                    indicator=_indicator("", lines, rules.ADJUSTMENT),
                    process=_adjustment_process(version),
                    base="/",
                    weight=_adjustment_weight(period),
                    details=tuple(_detail(e) for e in adjustments),
                    score=ps.points(s.adjustments),
                )
            )
        rank = ""
        if s.rank is not None:
            rank = f"第 {s.rank} 名{'（并列）' if s.tied else ''}"
        sheets.append(
            Sheet(
                unit_name=s.unit.name,
                group_name=s.group_name,
                rank=rank,
                rows=rows,
                total=ps.number(s.total, places),
                year=_year_line(review, s, entries),
            )
        )
    return sheets


def _adjustment_weight(period: ScorePeriod) -> str:
    """附件3 第4行's 分类权重 cell: "下个季度考评总分扣分、加分", and its 注 in the fourth quarter."""
    if period.kind != "quarter":
        return "总分扣分、加分"
    text = "下个季度考评总分扣分、加分"
    if period.key.endswith("Q4"):
        text += "（注：第四季度实行当季扣分或加分）"
    return text


def _year_line(review: Any, score: UnitScore, entries: list[ScoreEntry]) -> str:
    """A year period's figures for the annual review (WH19 四(四)), under the unit's sheet."""
    if review is None:
        return ""
    bonus = sum((e.points for e in entries if e.kind == "bonus"), Decimal(0))
    y = ps.year_cells(review, score.categories, score.adjustments, bonus)
    head = ps.year_head(review, [y])
    parts = [f"季度平均分 {y.average}（百分制）"]
    if head.review_label:
        parts.append(f"折算分 {y.review}（{head.review_label}）")
    cap = f"，每年最多 {head.bonus_max} 分" if head.bonus_max else ""
    parts.append(f"奖励加分 {y.bonus}（另计，不折算{cap}）")
    if head.other:
        parts.append(f"其它加减分 {y.other}")
    return "年度考核：" + "；".join(parts) + "。"


def _indicator(text: str, lines: list[ps.RuleLine], category: str) -> str:
    """附件3's 考评指标 cell: the category's wording from the rule set (`indicator`), then each rule that
    scores it with the points and the clause the computation used: "（1）延期开工 -4 分（WH19 附件3 第1行 1(1)）"."""
    parts = [text] if text else []
    mine = [ln for ln in lines if ln.category == category]
    for i, ln in enumerate(mine, start=1):
        value = f" {ln.points} 分" if ln.points else ""
        source = f"（{ln.source}）" if ln.source else ""
        parts.append(f"（{i}）{ln.label}{value}{source}")
    return "\n".join(parts)


def _adjustment_process(version: Any) -> str:
    return str(ps.scoring_section(version).get("adjustment_process", ""))


def _detail(e: ScoreEntry) -> str:
    text = f"{e.on:%Y-%m-%d} {e.sentence}（{ps.points(e.points)}）"
    if e.exemption_id or e.exempted_points is not None:
        text += "［已免扣分］"
    if e.origin == "correction" and e.reason:
        text += f"［更正：{e.reason}］"
    return text


# ---------------------------------------------------------------------------------------------------
# The WH19 附件3 score sheet


def sheet_scores(period: ScorePeriod, unit_id: int | None) -> list[UnitScore]:
    """The scores to print, in the ranking's order: groups as the rule set lists them, then by rank; units
    in no group last."""
    qs = UnitScore.objects.filter(period=period).select_related("unit", "period__jurisdiction")
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    order = {key: i for i, key in enumerate(ps.group_order(period.rule_version))}
    scores = list(qs.order_by("group", "rank", "unit__sort", "unit_id"))
    return sorted(scores, key=lambda s: (not s.group, order.get(s.group, len(order))))  # stable


def sheet_context(period: ScorePeriod, sheets: list[Sheet], *, today: date) -> dict[str, Any]:
    version_text = ps.version_label(period.rule_version)
    return {
        "title": sheet_title(period),
        "sheets": [
            {
                "unit": s.unit_name,
                "group": s.group_name or "—",
                "rank": s.rank or "不参加排名",
                "total": s.total,
                "page_break": i < len(sheets) - 1,
                "notes": [
                    *([s.year] if s.year else []),
                    f"计分规则：{version_text}；{_status_text(period)}。",
                ],
                "rows": [
                    {
                        "number": r.number,
                        "name": r.name,
                        "indicator": [t for t in r.indicator.split("\n") if t] or [""],
                        "process": r.process,
                        "base": r.base,
                        "weight": r.weight,
                        "details": list(r.details),
                        "empty": "" if r.details else "无",
                        "score": r.score,
                    }
                    for r in s.rows
                ],
            }
            for i, s in enumerate(sheets)
        ],
        "issuer": _issuer(period),
        "printed_on": _cn_date(today),
    }


def sheet_docx(period: ScorePeriod, sheets: list[Sheet], *, today: date) -> bytes:
    return render_document(SHEET_KEY, period.jurisdiction, sheet_context(period, sheets, today=today))


SHEET_WIDTHS = (6, 14, 48, 16, 9, 12, 56, 9)


def sheet_xlsx(period: ScorePeriod, sheets: list[Sheet], *, today: date) -> bytes:
    """One worksheet per unit in 附件3's layout, its entries under 扣分/加分明细."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    f = _formats(book)
    headers = (*SHEET_HEADERS, *SHEET_EXTRA)
    last = len(headers) - 1
    used: set[str] = set()
    title = sheet_title(period)
    for s in sheets or [Sheet(unit_name="（无）", group_name="", rank="", rows=[], total="")]:
        sheet = book.add_worksheet(_sheet_name(s.unit_name, used))
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, last, title, f["title"])
        unit_line = f"单位：{s.unit_name}　排名分组：{s.group_name or '—'}　名次：{s.rank or '不参加排名'}　总分：{s.total}"
        sheet.merge_range(1, 0, 1, last, unit_line, f["info"])
        for col, width in enumerate(SHEET_WIDTHS):
            sheet.set_column(col, col, width)
        for col, name in enumerate(headers):
            sheet.write_string(2, col, name, f["header"])
        line = 2
        for r in s.rows:
            line += 1
            details = "\n".join(r.details) or "无"
            sheet.write_string(line, 0, r.number, f["center"])
            sheet.write_string(line, 1, r.name, f["center"])
            sheet.write_string(line, 2, r.indicator, f["text"])
            sheet.write_string(line, 3, r.process, f["center"])
            sheet.write_string(line, 4, r.base, f["center"])
            sheet.write_string(line, 5, r.weight, f["center"])
            sheet.write_string(line, 6, details, f["text"])
            _write_number(sheet, line, 7, r.score, f["points"] if r.base == "/" else f["number"])
            sheet.set_row(line, max(45, 15 * max(r.indicator.count("\n"), details.count("\n") + 1)))
        line += 1
        sheet.merge_range(
            line, 0, line, last - 1, "总分（各类得分 × 分类权重之和，加减分计入总分）", f["bold"]
        )
        _write_number(sheet, line, last, s.total, f["total"])
        if s.year:
            line += 1
            sheet.merge_range(line, 0, line, last, s.year, f["note"])
        line += 1
        note = f"计分规则：{ps.version_label(period.rule_version)}；{_status_text(period)}；导出日期 {today:%Y-%m-%d}。"
        sheet.merge_range(line, 0, line, last, note, f["note"])
    book.close()
    return buffer.getvalue()


def export_filename(period: ScorePeriod, what: str, ext: str, unit_name: str = "") -> str:
    label = ps.period_label(period.key)
    if what == "ranking":
        return f"{period.jurisdiction.name}{label}考评排名.{ext}"
    who = f"（{unit_name}）" if unit_name else "（全部单位）"
    return f"{period.jurisdiction.name}{label}考评计分表{who}.{ext}"


# ---------------------------------------------------------------------------------------------------
# Samples the uploaded templates must render with


def _ranking_sample() -> dict[str, Any]:
    return {
        "title": "东湖区2024年第2季度项目推进目标考评排名",
        "subtitle": "2024年第2季度 · 已关账（2024-07-10）",
        "categories": ["新开工项目情况", "在建项目推进情况", "会议议定事项限期办结"],
        "adjustments_label": "加减分",
        "groups": [
            {
                "heading": "区直单位（2 个单位参加排名）",
                "marks": "区发改委：首位席；区住建局：末位席、须提交整改报告",
                "rows": [
                    {
                        "rank": "1",
                        "unit": "区发展和改革委员会",
                        "scores": ["100.00", "100.00", "100.00"],
                        "adjustments": "0",
                        "total": "100.00",
                        "remark": "首位席",
                    },
                    {
                        "rank": "2",
                        "unit": "区住房和城乡建设局",
                        "scores": ["96.00", "100.00", "92.00"],
                        "adjustments": "-1",
                        "total": "95.00",
                        "remark": "末位席、须提交整改报告",
                    },
                ],
            }
        ],
        "notes": ["排名规则：总分相同时，依次比较各类得分，高者在前；仍相同的并列。"],
        "issuer": "东湖区重大重点项目推进工作领导小组办公室",
        "printed_on": "2024年7月10日",
    }


def _sheet_sample() -> dict[str, Any]:
    return {
        "title": "东湖区重大产业项目推进目标季度考评计分细则（2024年第2季度）",
        "sheets": [
            {
                "unit": "区住房和城乡建设局",
                "group": "区直单位",
                "rank": "第 2 名",
                "total": "95.00",
                "page_break": False,
                "notes": ["计分规则：《武汉临空港 2019》第 1 版（wuhan-2019@1）；已关账（2024-07-10）。"],
                "rows": [
                    {
                        "number": "1",
                        "name": "新开工项目情况",
                        "indicator": [
                            "1.计划新开工项目严格按照计划开工时间落地。",
                            "(1) 延期开工的，一个项目扣4分。",
                        ],
                        "process": "区重大项目办（发改委）提供数据",
                        "base": "100",
                        "weight": "40",
                        "details": [
                            "2024-06-01 项目《东湖区数字经济产业园》计划 2024年5月 开工，截至 2024-06-01 未开工，延期开工扣 4 分（-4）"
                        ],
                        "empty": "",
                        "score": "96.00",
                    }
                ],
            }
        ],
        "issuer": "东湖区重大重点项目推进工作领导小组办公室",
        "printed_on": "2024年7月10日",
    }


register_document(
    DocumentSpec(
        key=RANKING_KEY, label="考核排名表", default=RANKING, sample=_ranking_sample, fields=RANKING_FIELDS
    )
)
register_document(
    DocumentSpec(
        key=SHEET_KEY,
        label="季度考评计分表（WH19 附件3）",
        default=SHEET,
        sample=_sheet_sample,
        fields=SHEET_FIELDS,
    )
)
