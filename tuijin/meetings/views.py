"""Pages of scheduling meetings: the calendar (会议日历), the meetings list, the series page, preparing a
meeting, the meeting page (info, agenda with its proposal, attendance, minutes, decided matters, issuing)
and the minutes as Word. Each form posts to its own URL, which calls one service and comes back to the
meeting page (or shows it again, 400, with the errors and what was typed)."""

from __future__ import annotations

import contextlib
from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, require
from tuijin.core.form_posts import errors_beside_fields, post_form
from tuijin.org.models import Person, Unit

from . import forms as f
from . import rules, selectors, services
from .documents import issued_minutes, minutes_docx, minutes_filename
from .models import Meeting, MeetingSeries

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _meeting_url(pk: int, anchor: str = "") -> str:
    return reverse("meetings:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _units(jurisdiction):
    codes = [c for c in jurisdiction.path.split("/") if c]
    return Unit.objects.filter(jurisdiction__code__in=codes, is_active=True).order_by(
        "jurisdiction__path", "sort", "id"
    )


# ---------------------------------------------------------------------------------------------------
# The calendar and the list


def _level_filter_choices(user) -> list[tuple[str, str]]:
    return services.level_choices(user.jurisdiction) if user.jurisdiction_id else []


@login_required
def calendar(request):
    require(request.user, "meetings.view")
    today = timezone.localdate()
    g = request.GET
    year, month = today.year, today.month
    if len(g.get("month", "")) == 7 and g["month"][:4].isdigit() and g["month"][5:].isdigit():
        year, month = int(g["month"][:4]), int(g["month"][5:])
        if not (1 <= month <= 12 and 2004 <= year <= 2099):
            year, month = today.year, today.month
    # only chairs of series the user reads: a foreign or unknown leader id is ignored (review item 18)
    leaders = list(selectors.calendar_leaders(request.user, g.get("level", "")))
    leader_id = _int(g.get("leader"))
    if leader_id not in {p.pk for p in leaders}:
        leader_id = None
    view = selectors.calendar_view(
        request.user, year=year, month=month, today=today, level=g.get("level", ""), leader_id=leader_id
    )
    context = {
        "view": view,
        "today": today,
        "levels": _level_filter_choices(request.user),
        "leaders": leaders,
        "f": {"level": g.get("level", ""), "leader": str(leader_id or ""), "month": f"{year}-{month:02d}"},
        "can_manage": can(request.user, "meetings.manage"),
        "weekdays": "一二三四五六日",
    }
    return render(request, "meetings/calendar.html", context)


@login_required
def meeting_list(request):
    require(request.user, "meetings.view")
    g = request.GET
    qs = selectors.meetings_for(
        request.user,
        status=g.get("status", ""),
        series_id=_int(g.get("series")),
        level=g.get("level", ""),
        year=_int(g.get("year")),
        q=g.get("q", "").strip(),
    )
    page = Paginator(qs, 50).get_page(g.get("page"))
    context = {
        "page": page,
        "rows": [{"m": m, "number": selectors.minutes_number(m)} for m in page],
        "statuses": rules.MEETING_STATUSES,
        "series": selectors.series_for(request.user),
        "levels": _level_filter_choices(request.user),
        "f": {k: g.get(k, "") for k in ("status", "series", "level", "year", "q")},
        "can_manage": can(request.user, "meetings.manage"),
    }
    return render(request, "meetings/list.html", context)


# ---------------------------------------------------------------------------------------------------
# Series


def _series_form(request, jurisdiction, data=None, series: MeetingSeries | None = None):
    initial = {}
    if series is not None:
        initial = {
            "name": series.name,
            "kind": series.kind,
            "frequency": series.frequency,
            "times": series.times,
            "weekday": str(series.weekday or ""),
            "chair": series.chair,
            "chair_person": series.chair_person_id,
            "level_key": series.level_key,
            "member_units": list(series.member_units.values_list("pk", flat=True)),
            "source": series.source,
            "sort": series.sort,
            "is_active": series.is_active,
        }
    return f.SeriesForm(
        data,
        initial=initial,
        units=_units(jurisdiction),
        leaders=selectors.leader_choices(jurisdiction),
        levels=services.level_choices(jurisdiction),
    )


def _series_page(request, *, form=None, leaders_form=None, status=200):
    jurisdiction = request.user.jurisdiction
    series = list(selectors.series_for(request.user))
    levels = dict(services.level_choices(jurisdiction)) if jurisdiction else {}
    context = {
        "rows": [
            {
                "s": s,
                "level": levels.get(s.level_key, s.level_key),
                "weekday": f"周{'一二三四五六日'[s.weekday - 1]}" if s.weekday else "",
            }
            for s in series
        ],
        "form": form or _series_form(request, jurisdiction),
        "leaders_form": leaders_form
        or f.LeadersForm(
            leaders=selectors.leader_choices(jurisdiction), levels=services.level_choices(jurisdiction)
        ),
    }
    return render(request, "meetings/series.html", context, status=status)


@login_required
def series_page(request):
    require(request.user, "meetings.manage")
    return _series_page(request)


@login_required
@require_POST
def series_sync(request):
    require(request.user, "meetings.manage")
    try:
        created, updated = services.series_sync(actor=request.user, jurisdiction=request.user.jurisdiction)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已按规则集同步会议系列：新建 {created} 个，更新 {updated} 个。")
    return redirect("meetings:series")


def _series_data(d: dict) -> dict:
    return {
        "name": d["name"],
        "kind": d["kind"],
        "frequency": d["frequency"],
        "times": d["times"],
        "weekday": d["weekday"],
        "chair": d["chair"],
        "level_key": d["level_key"],
        "source": d["source"],
        "sort": d["sort"] or 0,
    }


@login_required
@require_POST
def series_new(request):
    require(request.user, "meetings.manage")
    jurisdiction = request.user.jurisdiction
    form = _series_form(request, jurisdiction, request.POST)

    def write(d) -> str:
        series = services.series_save(
            actor=request.user,
            jurisdiction=jurisdiction,
            chair_person=d["chair_person"],
            member_units=d["member_units"],
            is_active=d["is_active"],
            **_series_data(d),
        )
        return f"已新建会议系列“{series.name}”。"

    return post_form(
        request,
        form,
        write=write,
        done=reverse("meetings:series"),
        again=lambda: _series_page(request, form=form, status=400),
    )


@login_required
@require_POST
def series_leaders(request):
    require(request.user, "meetings.manage")
    jurisdiction = request.user.jurisdiction
    form = f.LeadersForm(
        request.POST,
        leaders=selectors.leader_choices(jurisdiction),
        levels=services.level_choices(jurisdiction),
    )

    def write(d) -> str:
        made = services.series_for_leaders(
            actor=request.user,
            jurisdiction=jurisdiction,
            name=d["name"],
            persons=d["persons"],
            frequency=d["frequency"],
            level_key=d["level_key"],
            source="项目办自设（分领导调度）",
        )
        return f"已为 {len(made)} 位领导各建一个会议系列。" if made else "所选领导已有同名会议系列，未新建。"

    return post_form(
        request,
        form,
        write=write,
        done=reverse("meetings:series"),
        again=lambda: _series_page(request, leaders_form=form, status=400),
    )


@login_required
def series_edit(request, pk: int):
    series = get_for_action(
        request.user, MeetingSeries.objects.select_related("jurisdiction"), "meetings.manage", pk=pk
    )
    form = _series_form(request, series.jurisdiction, request.POST or None, series)
    if request.method == "POST":

        def write(d) -> str:
            services.series_save(
                actor=request.user,
                jurisdiction=series.jurisdiction,
                series=series,
                chair_person=d["chair_person"],
                member_units=d["member_units"],
                is_active=d["is_active"],
                **_series_data(d),
            )
            return f"会议系列“{d['name']}”已保存。"

        return post_form(
            request,
            form,
            write=write,
            done=reverse("meetings:series"),
            again=lambda: render(
                request, "meetings/series_edit.html", {"s": series, "form": form}, status=400
            ),
        )
    return render(request, "meetings/series_edit.html", {"s": series, "form": form})


# ---------------------------------------------------------------------------------------------------
# Preparing a meeting


def _manageable_series(user):
    return (
        selectors.series_for(user, active=True).filter(jurisdiction=user.jurisdiction)
        if user.jurisdiction_id
        else MeetingSeries.objects.none()
    )


@login_required
def meeting_new(request):
    require(request.user, "meetings.manage")
    series_qs = _manageable_series(request.user)
    initial = {}
    g = request.GET
    if _int(g.get("series")):
        initial["series"] = int(g["series"])
    if g.get("date"):
        with contextlib.suppress(ValueError):
            initial["date"] = date.fromisoformat(g["date"])
    chosen = series_qs.filter(pk=initial.get("series")).first() if initial.get("series") else None
    if chosen is not None and initial.get("date"):
        initial["title"] = rules.default_title(chosen.name, initial["date"])
    form = f.MeetingForm(request.POST or None, series=series_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=request.user,
                series=d["series"],
                date=d["date"],
                start_time=d["start_time"],
                place=d["place"],
                chair=d["chair"],
                title=d["title"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"已创建“{meeting.title}”，请拟定议程。")
            return redirect(_meeting_url(meeting.pk, "agenda"))
    status = 400 if form.is_bound else 200
    return render(request, "meetings/new.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------------
# The meeting page


def _attendance_rows(page: selectors.MeetingPage) -> list[dict]:
    rows = [
        {
            "unit": a.unit_id or "",
            "person": a.person_id or "",
            "label": selectors.attendee_label(a),
            "name": a.name,
            "post": a.post,
            "status": a.status,
            "note": a.note,
        }
        for a in page.attendance
    ]
    return (
        rows
        + [{"unit": "", "person": "", "label": "", "name": "", "post": "", "status": "present", "note": ""}]
        * 3
    )


def _render_meeting(request, meeting: Meeting, *, bound: dict | None = None, status: int = 200):
    from tuijin.meetings.matter_selectors import matters_of_meeting

    bound = bound or {}
    page = selectors.meeting_page(meeting)
    manage = can(request.user, "meetings.manage", meeting) and not meeting.frozen
    info_initial = {
        "version": meeting.version,
        "title": meeting.title,
        "date": meeting.date,
        "start_time": meeting.start_time,
        "place": meeting.place,
        "chair": meeting.chair,
        "recorder": meeting.recorder,
    }
    context = {
        "m": meeting,
        "meeting": meeting,
        "page": page,
        "manage": manage,
        "can_manage": can(request.user, "meetings.manage", meeting),
        "info_form": bound.get("info") or f.InfoForm(initial=info_initial),
        "item_form": bound.get("item") or f.ItemForm(),
        "minutes_form": bound.get("minutes")
        or f.MinutesForm(
            agenda=page.agenda,
            initial={"version": meeting.version, "summary": meeting.summary, "recorder": meeting.recorder},
        ),
        "attendance_rows": bound.get("attendance_rows") or _attendance_rows(page),
        "attendance_errors": bound.get("attendance_errors", []),
        "attendance_version": bound.get("attendance_version", meeting.version),
        "attendance_units": _units(meeting.jurisdiction),
        "attendance_statuses": rules.ATTENDANCE,
        "issue_errors": bound.get("issue_errors", []),
        "page_errors": _hidden_errors(meeting, bound),
        "minutes_conflict": bound.get("minutes_conflict", False),
        "cancel_form": bound.get("cancel") or f.CancelForm(),
        "matters": matters_of_meeting(request.user, meeting),
        "can_decide": can(request.user, "meetings.decide", meeting),
    }
    return render(request, "meetings/detail.html", context, status=status)


def _fresh(meeting: Meeting, form) -> Meeting:
    """The meeting as saved now, and the form shown again at its current version: the editor who was
    told of a save in between sees their text and may save it deliberately."""
    meeting.refresh_from_db()
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = meeting.version
    return meeting


def _hidden_errors(meeting: Meeting, bound: dict) -> list[str]:
    """Errors of a form the page no longer shows (the meeting was issued meanwhile): shown on top."""
    if not meeting.frozen:
        return []
    errors: list[str] = []
    for key in ("info", "item", "minutes", "cancel"):
        form = bound.get(key)
        if form is not None:
            errors += form.non_field_errors()
    errors += bound.get("attendance_errors", []) + bound.get("issue_errors", [])
    return list(dict.fromkeys(errors))


@login_required
def meeting_detail(request, pk: int):
    require(request.user, "meetings.view")
    return _render_meeting(request, selectors.meeting_readable(request.user, pk))


def _managed(request, pk: int) -> Meeting:
    return get_for_action(
        request.user, Meeting.objects.select_related(*selectors.MEETING_RELATED), "meetings.manage", pk=pk
    )


@login_required
@require_POST
def meeting_edit(request, pk: int):
    meeting = _managed(request, pk)
    form = f.InfoForm(request.POST)

    def write(d) -> str:
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            version=d["version"],
            title=d["title"],
            date=d["date"],
            start_time=d["start_time"],
            place=d["place"],
            chair=d["chair"],
            recorder=d["recorder"],
        )
        return "会议信息已保存。"

    return post_form(
        request,
        form,
        write=write,
        done=_meeting_url(meeting.pk),
        again=lambda: _render_meeting(request, _fresh(meeting, form), bound={"info": form}, status=400),
    )


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    meeting = _managed(request, pk)
    form = f.CancelForm(request.POST)

    def write(d) -> str:
        services.meeting_cancel(actor=request.user, meeting=meeting, reason=d["reason"])
        return "会议已取消。"

    return post_form(
        request,
        form,
        write=write,
        done=_meeting_url(meeting.pk),
        again=lambda: _render_meeting(request, meeting, bound={"cancel": form}, status=400),
    )


# --- agenda


@login_required
def agenda_propose(request, pk: int):
    meeting = _managed(request, pk)
    today = timezone.localdate()
    errors: list[str] = []
    if request.method == "POST":
        try:
            added = services.agenda_add_candidates(
                actor=request.user, meeting=meeting, keys=request.POST.getlist("keys"), today=today
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, f"已将 {len(added)} 项列入议程。" if added else "所选议题已在议程中，未重复添加。"
            )
            return redirect(_meeting_url(meeting.pk, "agenda"))
    candidates = selectors.agenda_proposal(meeting, today)
    groups = []
    for kind, label in rules.AGENDA_KINDS.items():
        rows = [c for c in candidates if c["kind"] == kind]
        if rows or kind in ("problem", "red_project"):
            groups.append({"kind": kind, "label": label, "rows": rows})
    chosen = set(request.POST.getlist("keys")) if request.method == "POST" else set()
    context = {
        "m": meeting,
        "groups": groups,
        "count": len(candidates),
        "new_count": sum(1 for c in candidates if not c["added"]),
        "errors": errors,
        "chosen": chosen,
        "frozen": meeting.frozen,
        "level_name": selectors.level_names(meeting.jurisdiction).get(meeting.series.level_key, ""),
    }
    return render(request, "meetings/propose.html", context, status=400 if errors else 200)


@login_required
@require_POST
def agenda_add(request, pk: int):
    meeting = _managed(request, pk)
    form = f.ItemForm(request.POST)

    def write(d) -> str:
        item = services.agenda_add_item(
            actor=request.user,
            meeting=meeting,
            title=d["title"],
            presenter=d["presenter"],
            reason=d["reason"],
        )
        return f"已增加议题“{item.title}”。"

    return post_form(
        request,
        form,
        write=write,
        done=_meeting_url(meeting.pk, "agenda"),
        again=lambda: _render_meeting(request, meeting, bound={"item": form}, status=400),
    )


def _agenda_step(request, pk: int, call) -> HttpResponse:
    meeting = _managed(request, pk)
    try:
        message = call(meeting)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect(_meeting_url(meeting.pk, "agenda"))


@login_required
@require_POST
def agenda_remove(request, pk: int, item: int):
    def call(meeting):
        services.agenda_remove(actor=request.user, meeting=meeting, item=item)
        return "议题已移出议程。"

    return _agenda_step(request, pk, call)


@login_required
@require_POST
def agenda_move(request, pk: int, item: int):
    direction = request.POST.get("direction", "")

    def call(meeting):
        services.agenda_move(actor=request.user, meeting=meeting, item=item, direction=direction)
        return "议程顺序已调整。"

    return _agenda_step(request, pk, call)


# --- attendance and minutes


def _posted_attendance(request, meeting: Meeting) -> tuple[list[dict], list[dict]]:
    """The attendance table as posted: rows for the service and rows to show again."""
    units = {u.pk: u for u in _units(meeting.jurisdiction)}
    p = request.POST
    count = _int(p.get("rows")) or 0
    persons_ids = {_int(p.get(f"row-{i}-person")) for i in range(count)} - {None}
    persons = {x.pk: x for x in Person.objects.filter(pk__in=persons_ids)}
    rows, shown = [], []
    for i in range(min(count, 500)):
        unit_id, person_id = _int(p.get(f"row-{i}-unit")), _int(p.get(f"row-{i}-person"))
        if p.get(f"row-{i}-delete"):
            continue
        values = {k: p.get(f"row-{i}-{k}", "").strip() for k in ("name", "post", "status", "note")}
        rows.append({"unit": units.get(unit_id), "person": persons.get(person_id), **values})
        shown.append(
            {"unit": unit_id or "", "person": person_id or "", "label": p.get(f"row-{i}-label", ""), **values}
        )
    return rows, shown


@login_required
@require_POST
def attendance(request, pk: int):
    meeting = _managed(request, pk)
    rows, shown = _posted_attendance(request, meeting)
    try:
        services.attendance_save(
            actor=request.user, meeting=meeting, rows=rows, version=request.POST.get("version")
        )
    except ValidationError as exc:
        meeting.refresh_from_db()
        bound = {
            "attendance_rows": shown,
            "attendance_errors": exc.messages,
            "attendance_version": meeting.version,
        }
        return _render_meeting(request, meeting, bound=bound, status=400)
    messages.success(request, "参会情况已保存。")
    return redirect(_meeting_url(meeting.pk, "attendance"))


@login_required
@require_POST
def minutes(request, pk: int):
    meeting = _managed(request, pk)
    agenda = list(meeting.agenda.order_by("order", "id"))
    form = f.MinutesForm(request.POST, agenda=agenda)

    def write(d) -> str:
        services.minutes_save(
            actor=request.user,
            meeting=meeting,
            version=d["version"],
            summary=d["summary"],
            recorder=d["recorder"],
            items=form.items(),
        )
        return "会议纪要已保存。"

    def again():
        conflict = str(form.data.get("version", "")) != str(Meeting.objects.get(pk=meeting.pk).version)
        bound = {"minutes": form, "minutes_conflict": conflict}
        return _render_meeting(request, _fresh(meeting, form), bound=bound, status=400)

    return post_form(request, form, write=write, done=_meeting_url(meeting.pk, "minutes"), again=again)


@login_required
@require_POST
def issue(request, pk: int):
    meeting = _managed(request, pk)
    try:
        issued = services.meeting_issue(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        meeting.refresh_from_db()
        return _render_meeting(request, meeting, bound={"issue_errors": exc.messages}, status=400)
    messages.success(  # from the issued meeting the service returns (it numbered its own locked copy)
        request,
        f"会议纪要{rules.minutes_number_text(issued.minutes_year, issued.minutes_number)}已印发，内容已锁定。",
    )
    return redirect(_meeting_url(meeting.pk))


@login_required
def minutes_download(request, pk: int):
    require(request.user, "meetings.view")
    meeting = selectors.meeting_readable(request.user, pk)
    if not meeting.frozen and not can(request.user, "meetings.manage", meeting):
        return render(
            request,
            "404.html",
            {"detail": "会议纪要尚未印发；征求意见稿只供项目办预览。"},
            status=404,
        )
    data = issued_minutes(meeting) if meeting.frozen else minutes_docx(meeting)  # the draft stays live
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(minutes_filename(meeting))}"
    return response
