"""The boards (挂图作战, issue 4 part 4): light board, drill-down, 应开未开 / 应竣未竣, wall screen, trend,
nodes due soon, and the override form. Thin: parse, one access check, one selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from tuijin.chains.models import ChainNode
from tuijin.core.access import get_for_action, require
from tuijin.core.forms import apply_validation_error
from tuijin.projects.models import Project
from tuijin.reports import rules as report_rules

from . import report_selectors, rules, selectors
from .forms import LightOverrideForm

WALL_ROWS = 12  # rows per column of the wall screen's table (two columns fit a 1080p screen)


def _base(name: str, fallback: str) -> str:
    """The path prefix of a page taking an id, by name once it exists (another part builds the chain
    page), else the path it will have: "/chains/project/"."""
    try:
        return reverse(name, args=[0])[:-2]
    except NoReverseMatch:
        return fallback


def _bases() -> dict[str, str]:
    return {
        "chain_base": _base("chains:project", "/chains/project/"),
        "project_base": _base("projects:detail", "/projects/"),
    }


def _pages(page, f: selectors.LightFilter, base: str) -> dict[str, str]:
    def link(number):
        return f"{base}?{f.urlencode(page=number)}"

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
    }


def _dimension(request, choices: list[str]) -> str:
    by = request.GET.get("by", "")
    return by if by in choices else choices[0]


def _tabs(choices: list[str], by: str, base: str) -> list[dict]:
    return [
        {"key": k, "label": selectors.DIMENSIONS[k], "url": f"{base}?by={k}", "active": k == by}
        for k in choices
    ]


def _cell(color: str, count: int, url: str) -> str:
    zero = "" if count else " zero"
    return f'<td class="n {color}{zero}"><a href="{escape(url)}">{count}</a></td>'


def board_rows_html(board: selectors.Board) -> SafeString:
    """The board's table rows as HTML, built here: a city's board has hundreds of units and six cells
    each, and the template language would spend more on them than the query (DESIGN.md "Performance
    facts"). Everything but the integer counts is escaped."""
    parts = []
    for r in board.rows:
        place = f' <span class="sub">{escape(r.place)}</span>' if r.place else ""
        cells = "".join(_cell(c, r.counts[c], r.links[c]) for c in selectors.BOARD_COLORS)
        parts.append(
            f"<tr><td>{escape(r.label)}{place}</td>{cells}"
            f'<td class="n"><a href="{escape(r.total_link)}"><strong>{r.total}</strong></a></td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every string escaped above


@login_required
@require_GET
def board(request):
    """挂图作战: red / yellow / green / done counts by one dimension; every count opens its projects."""
    require(request.user, "lights.view")
    choices = selectors.dimensions_for(request.user)
    by = _dimension(request, choices)
    drill = reverse("lights:projects")
    result = selectors.light_board(request.user, by=by, drill_base=drill)
    context = {
        "board": result,
        "rows_html": board_rows_html(result),
        "tabs": _tabs(choices, by, reverse("lights:board")),
    }
    return render(request, "lights/board.html", context)


@login_required
@require_GET
def projects(request):
    """A board cell's projects: light, reason as stored, and the late nodes behind it."""
    require(request.user, "lights.view")
    f = selectors.parse_filter(request.GET, user=request.user)
    base = reverse("lights:projects")
    result = selectors.drill_page(request.user, f, **_bases())
    context = {
        "f": f,
        "title": selectors.describe_filter(request.user, f) or "全部项目",
        "result": result,
        "pages": _pages(result.page, f, base),
        "lights": [
            {"label": "全部", "url": f"{base}?{f.urlencode(light=None)}", "active": not f.light},
            *(
                {"label": rules.LIGHTS[c], "url": f"{base}?{f.urlencode(light=c)}", "active": f.light == c}
                for c in selectors.BOARD_COLORS
            ),
        ],
    }
    return render(request, "lights/projects.html", context)


def _should(request, kind: str):
    require(request.user, "lights.view")
    f = selectors.parse_filter(request.GET, user=request.user, lights=())
    name = "lights:should_start" if kind == "start" else "lights:should_finish"
    result = selectors.should_page(request.user, kind, f, **_bases())
    _flag, _field, title, planned_label = selectors.SHOULD[kind]
    context = {
        "kind": kind,
        "title": title,
        "planned_label": planned_label,
        "filter_text": selectors.describe_filter(request.user, f),
        "f": f,
        "result": result,
        "pages": _pages(result.page, f, reverse(name)),
    }
    return render(request, "lights/should.html", context)


@login_required
@require_GET
def should_start(request):
    """应开未开 (KF19 五): projects whose planned start's period has ended without a start."""
    return _should(request, "start")


@login_required
@require_GET
def should_finish(request):
    """应竣未竣 (KF19 五): projects whose planned completion's period has ended without completion."""
    return _should(request, "finish")


@login_required
@require_GET
def wall(request):
    """The meeting-room screen: full screen, large type; htmx refreshes the body every 60 s."""
    require(request.user, "lights.view")
    choices = selectors.dimensions_for(request.user)
    by = _dimension(request, choices)
    result, behind, calm = selectors.wall_board(request.user, by=by, drill_base=reverse("lights:projects"))
    shown = behind[: WALL_ROWS * 2]
    half = WALL_ROWS if len(shown) > WALL_ROWS else len(shown)
    context = {
        "board": result,
        "columns": [c for c in (shown[:half], shown[half:]) if c],
        "more": len(behind) - len(shown),
        "calm": calm,
        "now": timezone.localtime(),
        "refresh_url": f"{reverse('lights:wall')}?by={by}",
    }
    template = "lights/_wall_body.html" if request.htmx else "lights/wall.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def trend(request):
    """A unit's (or the whole scope's) lights at each week's end over the last 26 weeks."""
    require(request.user, "lights.view")
    f = selectors.parse_filter(request.GET, user=request.user, lights=())
    result = selectors.light_trend(request.user, f, today=timezone.localdate())
    chart = {"labels": result.labels, **{c: result.series[c] for c in selectors.BOARD_COLORS}}
    context = {
        "f": f,
        "filter_text": selectors.describe_filter(request.user, f),
        "trend": result,
        "chart": chart,
        "units": selectors.unit_options(request.user, f.unit),
    }
    return render(request, "lights/trend.html", context)


@login_required
@require_GET
def due(request):
    """Nodes due within the reminder window, by unit or by leader (the reminders' source)."""
    require(request.user, "lights.view")
    by = request.GET.get("by", "unit")
    by = by if by in ("unit", "leader") else "unit"
    f = selectors.parse_filter(request.GET, user=request.user, lights=())
    base = reverse("lights:due")
    result = selectors.due_nodes(
        request.user, by=by, f=f, today=timezone.localdate(), chain_base=_bases()["chain_base"]
    )
    context = {
        "due": result,
        "f": f,
        "filter_text": selectors.describe_filter(request.user, f),
        "tabs": [
            {"label": "按责任单位", "url": f"{base}?by=unit", "active": by == "unit"},
            {"label": "按挂点领导", "url": f"{base}?by=leader", "active": by == "leader"},
        ],
        "limit": selectors.DUE_LIMIT,
    }
    return render(request, "lights/due.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def reports(request):
    """迟报缺报: a week's late and missing weekly reports per unit, drilling down to the projects."""
    require(request.user, "lights.view")
    today = timezone.localdate()
    text = request.GET.get("week", "")
    if text:
        week = report_rules.parse_period("weekly", text, today=today)
    else:
        week = report_selectors.default_week(request.user, today=today)
    week = min(week, report_rules.period_start("weekly", today))  # no future week
    page = report_selectors.reports_page(
        request.user,
        week=week,
        today=today,
        unit_id=_int(request.GET.get("unit")),
        state=request.GET.get("state", ""),
    )
    context = {
        "page": page,
        "week_choices": report_rules.period_choices("weekly", week, today),
        "states": [
            {"key": k, "label": v, "dot": report_selectors.STATE_DOT[k], "count": page.totals[k]}
            for k, v in report_selectors.STATES.items()
        ],
    }
    return render(request, "lights/reports.html", context)


# ---------------------------------------------------------------------------------------------------
# Override (office admins, lights.override)


@login_required
@require_http_methods(["GET", "POST"])
def override_project(request, project_id: int):
    project = get_for_action(
        request.user, Project.objects.select_related("jurisdiction"), "lights.override", pk=project_id
    )
    back = f"{_bases()['project_base']}{project.pk}/"
    return _override(request, target={"project": project}, title=project.name, back=back)


@login_required
@require_http_methods(["GET", "POST"])
def override_node(request, node_id: int):
    node = get_for_action(
        request.user,
        ChainNode.objects.select_related("project__jurisdiction"),
        "lights.override",
        pk=node_id,
    )
    back = f"{_bases()['chain_base']}{node.project_id}/"
    return _override(request, target={"node": node}, title=f"{node.project.name} · {node.name}", back=back)


def _override(request, *, target: dict, title: str, back: str):
    project, node = target.get("project"), target.get("node")
    stored = selectors.stored_light(
        project_id=project.pk if project else None, node_id=node.pk if node else None
    )
    form = LightOverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = _write_override(request.user, target, form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="reason")
        else:
            messages.success(request, message)
            return redirect(request.path)
    context = {
        "title": title,
        "kind": "节点" if node else "项目",
        "stored": stored,
        "computed": selectors.badge(stored.color) if stored else None,
        "shown": selectors.badge(stored.shown) if stored else None,
        "override": selectors.badge(stored.override_color) if stored and stored.override_color else None,
        "form": form,
        "colors": [(c, selectors.badge(c)) for c in ("red", "yellow", "green")],
        "back": back,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "lights/override.html", context, status=status)


def _write_override(user, target: dict, data: dict) -> str:
    from . import services  # written beside this module by the lights engine

    if data["op"] == "clear":
        services.light_override_clear(actor=user, reason=data["reason"], **target)
        return "已清除人工调整，恢复显示计算亮灯。"
    services.light_override(actor=user, color=data["color"], reason=data["reason"], **target)
    return f"已人工调整为{rules.LIGHTS[data['color']]}，计算亮灯保留在旁。"
