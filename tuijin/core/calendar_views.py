"""The working-day calendar page (工作日历): every internal role reads it; office admins enter a year's
schedule (spreadsheet or text), make emergency changes and fill in the packaged years. The calendar is
national reference data, so any office admin may edit it, whatever their jurisdiction."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import calendar_selectors as selectors
from . import calendar_services as services
from .access import can, require
from .calendar_forms import AddWorkdaysForm, BetweenForm, DayClearForm, DaySetForm, ImportForm, TextEntryForm
from .calendar_sheets import ScheduleRow, schedule_template_xlsx
from .forms import apply_validation_error
from .rules.workdays import CALENDAR_FIRST, CALENDAR_LAST

TEMPLATE = "core/calendar/index.html"


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if CALENDAR_FIRST.year <= year <= CALENDAR_LAST.year else default


def _label(form, name: str) -> str:
    return form.fields[name].label if name in form.fields else "输入"


def _calculations(params) -> dict:
    """The calculator's forms, answers and input errors for whatever the GET parameters ask."""
    add = AddWorkdaysForm(params) if "start" in params else AddWorkdaysForm()
    between = BetweenForm(params) if "date_from" in params else BetweenForm()
    results, errors = [], []
    if add.is_bound and add.is_valid():
        results.append(selectors.calendar_add_workdays(add.cleaned_data["start"], add.cleaned_data["n"]))
    if between.is_bound and between.is_valid():
        data = between.cleaned_data
        results.append(selectors.calendar_workdays_between(data["date_from"], data["date_to"]))
    for form in (add, between):
        if form.is_bound:
            errors += [
                f"{_label(form, name)}：{e}"
                for name, field_errors in form.errors.items()
                for e in field_errors
            ]
    return {"add_form": add, "between_form": between, "calc_results": results, "calc_errors": errors}


def _page(request, year: int, *, status: int = 200, **extra):
    today = timezone.localdate()
    can_edit = can(request.user, "core.edit_calendar")
    context = {
        "overview": selectors.calendar_year_overview(request.user, year),
        "years": selectors.calendar_year_choices(today, year),
        "weekdays": selectors.WEEKDAYS_ZH,
        "provisional_rule": selectors.PROVISIONAL_RULE,
        "can_edit": can_edit,
        "missing_years": selectors.calendar_missing_package_years() if can_edit else [],
        "day_form": DaySetForm(),
        "clear_form": DayClearForm(),
        "import_form": ImportForm(initial={"year": year}),
        "text_form": TextEntryForm(initial={"year": year}),
        **_calculations(request.GET),
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def _back(year: int):
    return redirect(f"{reverse('calendar:index')}?year={year}")


@login_required
@require_GET
def index(request):
    require(request.user, "core.view_calendar")
    return _page(request, _year(request.GET.get("year"), timezone.localdate().year))


@login_required
@require_GET
def calculate(request):
    """The calculator's answers alone (htmx swaps them into the page)."""
    require(request.user, "core.view_calendar")
    return render(request, "core/calendar/_calculator_result.html", _calculations(request.GET))


@login_required
@require_GET
def template_xlsx(request):
    """A template for the year, filled with what the calendar has for it now."""
    require(request.user, "core.view_calendar")
    year = _year(request.GET.get("year"), timezone.localdate().year)
    overview = selectors.calendar_year_overview(request.user, year)
    rows = [ScheduleRow(d.date, d.kind, d.name) for d in overview.special_days]
    note = (
        "以下为临时日历按法定节假日推算的休息日：请按国务院办公厅通知核对，补充调休的休息日和补班日后导入。"
        if overview.provisional
        else "以下为系统中现有的安排；修改后导入将整体替换该年的安排。"
    )
    response = HttpResponse(
        schedule_template_xlsx(year, rows, note=note),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="calendar-{year}.xlsx"'
    return response


def _failed(request, year: int, **forms_and_errors):
    """Re-show the page with the form's errors (400, so htmx and tests see the refusal)."""
    return _page(request, year, status=400, **forms_and_errors)


@login_required
@require_POST
def day_set(request):
    require(request.user, "core.edit_calendar")
    form = DaySetForm(request.POST)
    if form.is_valid():
        try:
            row = services.calendar_day_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="date")
        else:
            messages.success(
                request, f"已将 {row.date.isoformat()} 设为{row.get_kind_display()}（{row.name}）。"
            )
            return _back(row.date.year)
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else timezone.localdate().year
    return _failed(request, _year(year, timezone.localdate().year), day_form=form, panel="day")


@login_required
@require_POST
def day_clear(request):
    require(request.user, "core.edit_calendar")
    form = DayClearForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            services.calendar_day_clear(actor=request.user, date=day, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="date")
        else:
            messages.success(request, f"已清除 {day.isoformat()} 的休息/补班设置，该日按正常周历计算。")
            return _back(day.year)
    year = form.cleaned_data["date"].year if form.cleaned_data.get("date") else timezone.localdate().year
    return _failed(request, _year(year, timezone.localdate().year), clear_form=form, panel="day")


@login_required
@require_POST
def import_xlsx(request):
    require(request.user, "core.edit_calendar")
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.calendar_import_xlsx(
                actor=request.user, year=data["year"], file=data["file"], document=data["document"]
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, result.message)
            return _back(result.year)
    year = _year(request.POST.get("year"), timezone.localdate().year)
    return _failed(request, year, import_form=form, import_errors=errors, panel="import")


@login_required
@require_POST
def enter_text(request):
    require(request.user, "core.edit_calendar")
    form = TextEntryForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.calendar_year_enter_text(actor=request.user, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_validation_error(form, exc)
            else:
                errors = exc.messages
        else:
            messages.success(request, f"已录入 {entry.year} 年放假安排（依据：{entry.document}）。")
            return _back(entry.year)
    year = _year(request.POST.get("year"), timezone.localdate().year)
    return _failed(request, year, text_form=form, text_errors=errors, panel="text")


@login_required
@require_POST
def seed(request):
    require(request.user, "core.edit_calendar")
    years = services.calendar_seed(actor=request.user)
    if years:
        messages.success(
            request, f"已载入 chinesecalendar 数据中的 {len(years)} 个年份（{years[0]}–{years[-1]}）。"
        )
    else:
        messages.info(request, "内置数据中的年份均已录入，无需载入。")
    return _back(_year(request.POST.get("year"), timezone.localdate().year))
