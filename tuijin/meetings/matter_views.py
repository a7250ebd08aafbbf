"""Pages of decided matters (议定事项): the list (filters, overdue working days, band badges), the matter
page (content, units, deadline and lateness, raise chain, timeline, evidence, the forms its reader may
use), recording a meeting's decision (the meeting page's block posts here) and evidence downloads. Each
step form posts to `step/<name>/`, which calls one service and comes back to the matter page (or shows it
again, 400, with the errors beside the fields)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tuijin.core.access import get_for_action, get_readable, require
from tuijin.core.form_posts import post_form

from . import matter_forms as f
from . import matter_rules as mr
from . import matter_selectors as selectors
from . import matter_services as services
from .models import Matter, MatterAttachment, Meeting, MeetingSeries
from .rules import BANDS, MATTER_STATUSES
from .selectors import meeting_readable


def _matter_url(pk: int, anchor: str = "") -> str:
    return reverse("meetings:matter", args=[pk]) + (f"#{anchor}" if anchor else "")


def meeting_url(meeting: Meeting) -> str:
    """The meeting page, else the matters list of that meeting."""
    for name in ("meetings:meeting", "meetings:detail"):
        try:
            return reverse(name, args=[meeting.pk])
        except NoReverseMatch:
            continue
    return reverse("meetings:matters") + f"?meeting={meeting.pk}"


# ---------------------------------------------------------------------------------------------------
# The list


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
def matter_list(request):
    require(request.user, "matters.view")
    today = timezone.localdate()
    g = request.GET
    user = request.user
    unit_id = _int(g.get("unit", ""))
    if g.get("mine") == "1" and user.unit_id:
        unit_id = user.unit_id
    jurisdiction = user.jurisdiction
    rules, _ = selectors.rules_for(jurisdiction)
    qs = selectors.matters_for(
        user,
        today=today,
        status=g.get("status", ""),
        unit_id=unit_id,
        series_id=_int(g.get("series", "")),
        meeting_id=_int(g.get("meeting", "")),
        overdue=True if g.get("overdue") == "1" else None,
        band=g.get("band", "") if g.get("band", "") in BANDS else "",
        no_deadline=g.get("nodeadline") == "1",
        flagged=g.get("flagged") == "1",
        threshold=rules.repeat_threshold,
        q=g.get("q", "").strip(),
    )
    page = Paginator(qs, 50).get_page(g.get("page"))
    rows = selectors.matter_rows(page.object_list, today, jurisdiction)
    counts = selectors.status_counts(user, today)
    cards = [
        ("live", "未办结", counts.get("live", 0)),
        ("replied", "待销号", counts.get("replied", 0)),
        ("closed", "已销号", counts.get("closed", 0)),
        ("overdue", "超期未办结", counts.get("overdue", 0)),
    ]
    meeting = None
    if g.get("meeting", "").isdigit():
        meeting = selectors.scope_meeting(user, int(g["meeting"]))
    query = g.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "cards": cards,
        "statuses": MATTER_STATUSES,
        "bands": [(k, mr.band_label(k, rules.late_bands)) for k in BANDS],
        "units": selectors.unit_choices(jurisdiction) if jurisdiction is not None else [],
        "series": selectors.series_choices(user),
        "meeting": meeting,
        "rules": rules,
        "query": query.urlencode(),
        "f": {
            k: g.get(k, "")
            for k in (
                "status",
                "unit",
                "series",
                "meeting",
                "overdue",
                "band",
                "nodeadline",
                "flagged",
                "q",
                "mine",
            )
        },
    }
    return render(request, "meetings/matters/list.html", context)


# ---------------------------------------------------------------------------------------------------
# The matter page


def _later_meetings(matter: Matter):
    """Later meetings of the matter's level (its series, or another series of the same level)."""
    return (
        Meeting.objects.filter(
            selectors.same_level_q(matter.series, "series__"), date__gt=matter.meeting.date
        )
        .exclude(status__in=("issued", "cancelled"))
        .select_related("series")
        .order_by("date", "pk")
    )


def _higher_series(matter: Matter):
    path = matter.jurisdiction.path
    codes = [c for c in path.split("/") if c]
    return (
        MeetingSeries.objects.filter(jurisdiction__code__in=codes, is_active=True)
        .exclude(selectors.same_level_q(matter.series))
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "sort", "id")
    )


def _make_form(step: str, matter: Matter, data=None, files=None):
    cls = f.STEP_FORMS[step]
    args = () if data is None else (data, files)
    if step == "carry":
        return cls(*args, meetings=_later_meetings(matter))
    if step == "escalate":
        return cls(*args, series=_higher_series(matter))
    initial = {}
    if step == "remind":
        initial = {"content": f"请抓紧落实会议议定事项“{matter.title}”，按期报办结。"}
    elif step == "supervise":
        initial = {"content": f"会议议定事项“{matter.title}”已超期或进展缓慢，请加快落实并报办结。"}
    return cls(*args) if data is not None else cls(initial=initial)


STEP_LABELS = {key: spec.label for key, spec in mr.STEPS.items()}
UNRESOLVED_STEP = {"carry": "carry", "escalate": "escalate"}


def _ordered_steps(steps: list[str], rules: mr.MatterRules) -> list[str]:
    """The rule set's `[matters].unresolved` (转下次会议 or 提请上级) comes first of the two."""
    preferred = UNRESOLVED_STEP.get(rules.unresolved, "carry")
    other = "escalate" if preferred == "carry" else "carry"
    if preferred in steps and other in steps and steps.index(other) < steps.index(preferred):
        i, j = steps.index(other), steps.index(preferred)
        steps[i], steps[j] = steps[j], steps[i]
    return steps


def _render_matter(request, matter: Matter, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.matter_page(request.user, matter, today)
    bound = bound or {}
    steps = _ordered_steps(page.steps + [s for s in bound if s not in page.steps], page.rules)
    preferred = UNRESOLVED_STEP.get(page.rules.unresolved, "carry")
    hint = f"规则集：未办结事项{mr.UNRESOLVED.get(page.rules.unresolved, '')}（{page.rules.source}）"
    forms = [
        {
            "step": s,
            "label": STEP_LABELS[s],
            "form": bound.get(s) or _make_form(s, matter),
            "preferred": s == preferred,
            "hint": hint if s == preferred else "",
        }
        for s in steps
    ]
    context = {
        "page": page,
        "m": matter,
        "r": page.row,
        "today": today,
        "step_forms": forms,
        "meeting_url": meeting_url(matter.meeting),
    }
    return render(request, "meetings/matters/detail.html", context, status=status)


@login_required
def matter_detail(request, pk: int):
    require(request.user, "matters.view")
    return _render_matter(request, selectors.matter_readable(request.user, pk))


STEP_ACTIONS = {
    "progress": "matters.handle",
    "reply": "matters.reply",
    "close": "matters.manage",
    "return": "matters.manage",
    "remind": "matters.manage",
    "supervise": "matters.supervise",
    "carry": "matters.manage",
    "escalate": "matters.manage",
    "cancel": "matters.manage",
}


def _write(step: str, user, matter: Matter, d: dict) -> str:
    common = {"actor": user, "matter": matter, "token": d.get("token", "")}
    if step == "progress":
        services.matter_progress(**common, note=d["note"], files=d["files"])
        return "办理进展已记录。"
    if step == "reply":
        services.matter_reply(**common, note=d["note"], files=d["files"], done_on=d.get("done_on"))
        return "已报办结，等待项目办复核销号。"
    if step == "close":
        m = services.matter_close(**common, note=d["note"])
        tail = f"：{mr.lateness_text(m.late_workdays)}" if m.deadline else ""
        return f"议定事项已销号{tail}。"
    if step == "return":
        services.matter_return(**common, reason=d["reason"])
        return "已退回牵头单位继续办理。"
    if step in ("remind", "supervise"):
        service = services.matter_remind if step == "remind" else services.matter_supervise
        slip = service(**common, content=d["content"], requirement=d["requirement"])
        return f"{slip.get_kind_display()}{slip.number_text}已签发。"
    if step == "carry":
        m = services.matter_carry(**common, to_meeting=d["to_meeting"])
        return f"已转入{m.carried_to.title}（{m.carried_to.date:%Y-%m-%d}）议程。"
    if step == "escalate":
        services.matter_escalate(**common, series=d["series"], note=d["note"])
        return "已提请上一层级会议研究。"
    services.matter_cancel(**common, reason=d["reason"])
    return "议定事项已撤销。"


@login_required
def matter_step(request, pk: int, step: str):
    if request.method != "POST":
        return HttpResponse(status=405)
    if step not in STEP_ACTIONS:
        raise Http404("没有这个操作")
    matter = get_for_action(
        request.user, Matter.objects.select_related(*selectors.MATTER_RELATED), STEP_ACTIONS[step], pk=pk
    )
    form = _make_form(step, matter, request.POST, request.FILES)
    return post_form(
        request,
        form,
        write=lambda d: _write(step, request.user, matter, d),
        done=_matter_url(matter.pk, "timeline"),
        again=lambda: _render_matter(request, matter, bound={step: form}, status=400),
    )


# ---------------------------------------------------------------------------------------------------
# Recording a decision


@login_required
def matter_new(request, meeting_id: int):
    # the role first (403), then a meeting outside the user's scope is a 404 (a 403 would tell it
    # exists), then the action on that meeting's jurisdiction
    require(request.user, "meetings.decide")
    meeting = meeting_readable(request.user, meeting_id)
    require(request.user, "meetings.decide", Matter(jurisdiction=meeting.jurisdiction))
    form = f.DecideForm(request.POST or None, meeting=meeting)

    def write(d: dict) -> str:
        item = d.get("agenda_item")
        m = services.matter_decide(
            actor=request.user,
            meeting=meeting,
            title=d["title"],
            content=d["content"],
            lead_unit=d["lead_unit"],
            units=list(d.get("units") or []),
            deadline=None if d.get("no_deadline") else d.get("deadline"),
            agenda_item=item,
            token=d.get("token", ""),
        )
        extra = f"（{mr.raise_text(m.raise_count)}）" if m.raise_count > 1 else ""
        return f"已记录第{m.number}项议定事项“{m.title}”{extra}。"

    def again(notice: str = "") -> HttpResponse:
        status = 400 if form.is_bound else 200
        context = {"form": form, "meeting": meeting, "meeting_url": meeting_url(meeting), "notice": notice}
        return render(request, "meetings/matters/new.html", context, status=status)

    if request.method != "POST":
        notice = ""
        if meeting.frozen:
            notice = services._frozen_message(meeting)
        elif meeting.date > timezone.localdate():
            notice = f"会议尚未召开（{meeting.date:%Y-%m-%d}），请在会后记录议定事项。"
        return again(notice)
    return post_form(request, form, write=write, done=meeting_url(meeting) + "#meeting-matters", again=again)


# ---------------------------------------------------------------------------------------------------
# Evidence


@login_required
def attachment_download(request, pk: int):
    require(request.user, "matters.view")
    attachment = get_readable(request.user, MatterAttachment.objects.all(), pk=pk)
    missing = {"detail": "附件文件未随数据导入或已不存在，无法下载。"}
    if not attachment.file:
        return render(request, "404.html", missing, status=404)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        return render(request, "404.html", missing, status=404)
    return FileResponse(handle, as_attachment=True, filename=attachment.name)
