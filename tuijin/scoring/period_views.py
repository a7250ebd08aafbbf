"""The score pages (issue 7 part 5): the periods list with the compute form, a period's ranking per group,
a unit's score page (each category and entry, every point linked to its evidence), and the exports
(ranking and WH19 附件3 score sheet, Excel and Word). Thin: parse, one access check, one selector or
service, render. Computing and closing are `services.score_run` / `services.period_close` (H3)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tuijin.core.access import can, get_readable, require
from tuijin.core.form_posts import errors_beside_fields
from tuijin.core.rules.ledger import parse_period
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

from . import documents
from . import page_selectors as ps
from .models import ScorePeriod, UnitScore

FORMATS = {"xlsx": documents.XLSX, "docx": documents.DOCX}


class ComputeForm(forms.Form):
    """The period to compute: the select offers the rule set's periods around today; any well-formed key
    is accepted (an older quarter), and the service refuses a kind the rule set does not compute or a
    period not yet begun."""

    period = forms.CharField(
        label="考核期间", max_length=10, error_messages={"required": "请选择要计算的考核期间"}
    )
    reason = forms.CharField(
        label="说明（可选）",
        required=False,
        max_length=200,
        help_text="已关账期间重新计算时，写入每条更正记录的理由",
        error_messages={"max_length": "说明不能超过 200 字"},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = list(choices)

    def clean_period(self) -> str:
        key = self.cleaned_data["period"].strip()
        try:
            return parse_period(key).key
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


def _services():
    from . import services  # H3's module; imported when used so the pages load without it

    return services


# ---------------------------------------------------------------------------------------------------
# Periods


def _compute_panel(request, *, form: ComputeForm | None = None, errors=()) -> dict:
    user = request.user
    jurisdiction = user.jurisdiction
    today = timezone.localdate()
    version = ruleset_version_for_jurisdiction(jurisdiction) if jurisdiction is not None else None
    problem = ""
    if jurisdiction is None:
        problem = "账号未设置辖区，不能计算考评。"
    elif version is None:
        problem = f"{jurisdiction.name}未选用规则集，不能计算考评：请先在 系统设置 › 规则集 选用。"
    elif not ps.scoring_section(version):
        problem = f"规则集《{version.rule_set.name}》没有计分规则 [scoring]，不能计算考评。"
    choices = ps.period_choices(version, today) if not problem else []
    if form is None:
        form = ComputeForm(initial={"period": ps.default_choice(version, today)}, choices=choices)
    return {
        "form": form,
        "problem": problem,
        "version": ps.version_label(version) if version is not None else "",
        "compute_errors": list(errors),
        "can_compute": jurisdiction is not None and can(user, "scoring.compute", jurisdiction),
    }


def _year(request) -> int | None:
    """`?year=2024`: the year of periods to list (else the latest year with a period)."""
    raw = request.GET.get("year", "").strip()
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


def _index(request, *, status: int = 200, row_errors=None, year: int | None = None, **panel):
    user = request.user
    listing = ps.periods_for(user, year if year is not None else _year(request))
    row_errors = row_errors or {}
    context = {
        "rows": [
            {
                "row": r,
                "can_compute": can(user, "scoring.compute", r.period.jurisdiction),
                "can_close": r.period.status == "open" and can(user, "scoring.close", r.period.jurisdiction),
                "errors": row_errors.get(r.period.pk, []),
            }
            for r in listing.rows
        ],
        "years": listing.years,
        "year": listing.year,
        "panel": _compute_panel(request, **panel),
    }
    return render(request, "scoring/period_list.html", context, status=status)


@login_required
@require_GET
def index(request):
    require(request.user, "scoring.view")
    return _index(request)


def _done(request, outcome) -> None:
    """What the run did; its warnings are the period's notes, shown above the ranking it redirects to."""
    label = ps.period_label(outcome.period.key)
    if outcome.period.status == "closed":
        text = f"{label}已关账：重新计算新增更正记录 {outcome.corrections} 条"
        text += "，原计分记录不变。" if outcome.corrections else "，与关账时一致，没有变化。"
    else:
        units = getattr(outcome, "units", 0)
        text = (
            f"已计算{label}：写入 {outcome.created} 条计分记录"
            + (f"，{units} 个单位" if units else "")
            + "。"
        )
    if outcome.warnings:
        text += f"计算说明 {len(outcome.warnings)} 条，见下方。"
    messages.success(request, text)


@login_required
@require_POST
def compute_new(request):
    user = request.user
    require(user, "scoring.view")
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        raise Http404("账号未设置辖区")
    require(user, "scoring.compute", jurisdiction)
    panel = _compute_panel(request)
    form = ComputeForm(request.POST, choices=panel["form"].choices)
    errors: list[str] = []
    if form.is_valid():
        try:
            outcome = _services().score_run(
                jurisdiction=jurisdiction,
                period_key=form.cleaned_data["period"],
                by=user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)  # the rest become the form's non-field errors
        except ValueError as exc:
            errors = [str(exc)]
        else:
            _done(request, outcome)
            url = reverse("scoring:ranking", args=[outcome.period.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        context = {"panel": _compute_panel(request, form=form, errors=errors)}
        return render(request, "scoring/period_compute.html", context, status=400)
    return _index(request, status=400, form=form, errors=errors)


def _period_for_write(request, pk: int, action: str) -> ScorePeriod:
    require(request.user, "scoring.view")
    period = get_readable(
        request.user, ScorePeriod.objects.select_related("jurisdiction", "rule_version"), pk=pk
    )
    require(request.user, action, period.jurisdiction)
    return period


@login_required
@require_POST
def compute(request, pk: int):
    """重新计算: an open period is replaced; a closed one gets correction entries (with the reason)."""
    period = _period_for_write(request, pk, "scoring.compute")
    reason = request.POST.get("reason", "").strip()[:200]
    try:
        outcome = _services().score_run(
            jurisdiction=period.jurisdiction, period_key=period.key, by=request.user, reason=reason
        )
    except (ValidationError, ValueError) as exc:
        return _index(request, status=400, row_errors={period.pk: _errors(exc)}, year=period.start.year)
    _done(request, outcome)
    return redirect("scoring:ranking", pk=period.pk)


@login_required
@require_POST
def close(request, pk: int):
    """关账: seals the period's ledger; afterwards changes are correction entries only."""
    period = _period_for_write(request, pk, "scoring.close")
    try:
        closed = _services().period_close(period=period, by=request.user)
    except (ValidationError, ValueError) as exc:
        return _index(request, status=400, row_errors={period.pk: _errors(exc)}, year=period.start.year)
    messages.success(
        request,
        f"{ps.period_label(closed.key)}已关账，计分记录已封存；之后补录的情况将以更正记录计入，原记录不再改变。",
    )
    return redirect("scoring:ranking", pk=period.pk)


# ---------------------------------------------------------------------------------------------------
# Ranking and unit pages


def _readable_period(request, pk: int) -> ScorePeriod:
    require(request.user, "scoring.view")
    return get_readable(
        request.user,
        ScorePeriod.objects.select_related(
            "jurisdiction", "rule_version__rule_set", "computed_by", "closed_by"
        ),
        pk=pk,
    )


def _rank_cell(row: ps.RankRow) -> str:
    if row.rank is None:
        return '<td class="rank text-secondary">—</td>'
    tied = '<span class="badge bg-azure-lt ms-1 tied">并列</span>' if row.tied else ""
    return f'<td class="rank"><strong>{row.rank}</strong>{tied}</td>'


def _marks_cell(row: ps.RankRow) -> str:
    marks = []
    if row.place == "首位席":
        marks.append('<span class="badge bg-green-lt place" data-place="first">首位席</span>')
    elif row.place:
        marks.append('<span class="badge bg-red-lt place" data-place="last">末位席</span>')
    if row.rectify:
        label = '<i class="ti ti-file-alert"></i>整改报告'
        if row.rectification_url:
            marks.append(
                f'<a class="badge bg-orange-lt rectify" href="{escape(row.rectification_url)}">{label}</a>'
            )
        else:
            marks.append(f'<span class="badge bg-orange-lt rectify">{label}</span>')
    return f'<td class="marks">{" ".join(marks)}</td>'


def _year_cells(r: ps.RankRow, year: ps.YearHead) -> str:
    """A year period's cells (WH19 四(四)): 季度平均分, 折算分 (when the rule set converts), 奖励加分, other
    adjustments (when some unit has them), before 总分."""
    y = r.year
    if y is None:
        return ""
    cells = f'<td class="n d-none d-sm-table-cell year-average">{escape(y.average)}</td>'
    if year.review_label:
        cells += f'<td class="n year-review">{escape(y.review)}</td>'
    cells += f'<td class="n d-none d-sm-table-cell year-bonus">{escape(y.bonus)}</td>'
    if year.other:
        cells += f'<td class="n d-none d-md-table-cell adj">{escape(y.other)}</td>'
    return cells


def ranking_rows_html(group: ps.RankGroup, year: ps.YearHead | None = None) -> SafeString:
    """A group's table rows as HTML, built here: a city's ranking has hundreds of units and a cell per
    category, and the template language would spend more on them than the query (DESIGN.md "Performance
    facts"). Every string is escaped; category cells are hidden on phones (名次, 单位, 总分 stay). A year
    period (quarter average) shows its year figures instead of the category and 加减分 cells."""
    parts = []
    for r in group.rows:
        name = escape(r.name)
        unit = f'<a href="{escape(r.url)}">{name}</a>' if r.url else name
        if year is not None:
            scores = _year_cells(r, year)
        else:
            scores = "".join(f'<td class="n d-none d-md-table-cell">{v}</td>' for v in r.categories)
            scores += f'<td class="n d-none d-sm-table-cell adj">{r.adjustments}</td>'
        parts.append(
            f'<tr class="rank-row" data-unit="{r.unit_id}">{_rank_cell(r)}<td class="unit">{unit}</td>{scores}'
            f'<td class="n total"><strong>{r.total}</strong></td>{_marks_cell(r)}</tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every string escaped above


@login_required
@require_GET
def ranking(request, pk: int):
    period = _readable_period(request, pk)
    result = ps.ranking_for(period, user=request.user)
    user = request.user
    context = {
        "period": period,
        "ranking": result,
        "groups": [{"group": g, "rows_html": ranking_rows_html(g, result.year)} for g in result.groups],
        "can_compute": can(user, "scoring.compute", period.jurisdiction),
        "can_close": period.status == "open" and can(user, "scoring.close", period.jurisdiction),
        "rectifications_url": ps.page_url("scoring:rectifications"),
    }
    return render(request, "scoring/ranking.html", context)


def _unit_score(request, period: ScorePeriod, unit_id: int) -> UnitScore:
    score = get_object_or_404(UnitScore.objects.select_related("unit"), period=period, unit_id=unit_id)
    score.period = period  # the access check follows it to the jurisdiction
    require(request.user, "scoring.view_unit", score)
    return score


@login_required
@require_GET
def unit(request, pk: int, unit_id: int):
    period = _readable_period(request, pk)
    score = _unit_score(request, period, unit_id)
    page = ps.unit_page(period, score)
    return render(request, "scoring/unit.html", {"period": period, "page": page, "score": score})


# ---------------------------------------------------------------------------------------------------
# Exports


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def ranking_export(request, pk: int, fmt: str):
    period = _readable_period(request, pk)
    result = ps.ranking_for(period)
    today = timezone.localdate()
    if fmt == "xlsx":
        content = documents.ranking_xlsx(result, today=today)
    else:
        content = documents.ranking_docx(result, today=today)
    return _download(content, fmt, documents.export_filename(period, "ranking", fmt))


@login_required
@require_GET
def sheet_export(request, pk: int, fmt: str):
    """附件3 score sheet: `?unit=` one unit, else every unit the user may open (unit staff: their own)."""
    period = _readable_period(request, pk)
    user = request.user
    raw = request.GET.get("unit", "")
    unit_id = int(raw) if raw.isdigit() else None
    scores = [s for s in documents.sheet_scores(period, unit_id) if can(user, "scoring.view_unit", s)]
    if unit_id is not None and not scores:
        raise Http404("该单位没有本期考评结果或无权查看")
    sheets = documents.sheet_for(period, scores)
    today = timezone.localdate()
    if fmt == "xlsx":
        content = documents.sheet_xlsx(period, sheets, today=today)
    else:
        content = documents.sheet_docx(period, sheets, today=today)
    name = scores[0].unit.name if unit_id is not None else ""
    return _download(content, fmt, documents.export_filename(period, "sheet", fmt, name))
