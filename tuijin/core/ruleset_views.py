"""Pages of the rule sets (issue 5): the list with each jurisdiction's choice, one rule set's current
version rendered readably with its history and diffs, and the admin's TOML editor."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_readable, require, scope
from tuijin.core.rules import ruleset_schema as schema
from tuijin.org.models import Jurisdiction

from . import ruleset_selectors as selectors
from . import ruleset_services as services
from .models import RuleSet


class RuleSetEditForm(forms.Form):
    text = forms.CharField(
        label="规则集内容（TOML）",
        strip=False,
        widget=forms.Textarea,
        error_messages={"required": "规则集内容不能为空。"},
    )
    note = forms.CharField(
        label="修改说明",
        max_length=200,
        help_text="说明本次修改的内容和依据，如“按 2024 年新文件把月报截止日改为 20 日”。",
        error_messages={
            "required": "请填写修改说明（说明本次修改的内容和依据）。",
            "max_length": "修改说明最多 200 字。",
        },
    )


@login_required
def index(request):
    require(request.user, "core.view_rulesets")
    rows, mine, picked_by = selectors.ruleset_index(request.user)
    own = request.user.jurisdiction
    pickable = [
        j
        for j in scope(request.user, Jurisdiction.objects.all())
        if can(request.user, "core.pick_ruleset", j)
    ]
    context = {"rows": rows, "mine": mine, "picked_by": picked_by, "own": own, "pickable": pickable}
    return render(request, "core/rulesets/index.html", context)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
def pick(request):
    # The target is loaded unscoped on purpose: the action's predicate checks the subtree, so a refusal is
    # a logged 403 with the reason rather than a silent 404.
    jurisdiction = get_object_or_404(Jurisdiction, pk=_int_or_none(request.POST.get("jurisdiction")) or 0)
    rule_set_id = _int_or_none(request.POST.get("rule_set"))
    rule_set = get_readable(request.user, RuleSet.objects.all(), pk=rule_set_id) if rule_set_id else None
    try:
        services.jurisdiction_pick_ruleset(actor=request.user, jurisdiction=jurisdiction, rule_set=rule_set)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        chosen = f"采用规则集“{rule_set.name}”" if rule_set else "改为沿用上级辖区的规则集"
        messages.success(request, f"{jurisdiction.name}已{chosen}。")
    return redirect("rulesets:index")


def _chosen_version(versions, number: str | None):
    if not versions:
        return None
    if not number:
        return versions[0]
    wanted = _int_or_none(number)
    for version in versions:
        if version.number == wanted:
            return version
    raise Http404("该版本不存在")


@login_required
def detail(request, slug: str):
    require(request.user, "core.view_rulesets")
    rule_set = get_readable(request.user, RuleSet.objects.all(), slug=slug)
    versions = list(selectors.ruleset_versions(rule_set))
    version = _chosen_version(versions, request.GET.get("v"))
    previous = selectors.ruleset_predecessor(version) if version else None
    context = {
        "rule_set": rule_set,
        "versions": versions,
        "version": version,
        "is_current": bool(versions) and version == versions[0],
        "previous": previous,
        "changes": selectors.ruleset_version_diff(previous, version) if version else [],
        "sections": schema.describe(version.data) if version else [],
        "text": selectors.ruleset_version_text(version),
        "can_edit": can(request.user, "core.edit_ruleset", rule_set),
    }
    return render(request, "core/rulesets/detail.html", context)


@login_required
def edit(request, slug: str):
    rule_set = get_readable(request.user, RuleSet.objects.all(), slug=slug)
    require(request.user, "core.edit_ruleset", rule_set)
    current = selectors.ruleset_current_version(rule_set)
    form = RuleSetEditForm(request.POST or None, initial={"text": selectors.ruleset_version_text(current)})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = services.ruleset_edit_from_toml(
                actor=request.user,
                rule_set=rule_set,
                text=form.cleaned_data["text"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request, f"已保存为规则集“{rule_set.name}”第 {version.number} 版（v{version.number}）。"
            )
            return redirect("rulesets:detail", slug=rule_set.slug)
    context = {"rule_set": rule_set, "current": current, "form": form, "errors": errors}
    return render(request, "core/rulesets/edit.html", context, status=400 if errors else 200)
