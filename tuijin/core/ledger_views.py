"""The sealed-ledger page (/ledger/, office admins): the seals of one's subtree, a verification button
with its results, and sealing a period by hand."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tuijin.org.models import Jurisdiction

from . import ledger, ledger_selectors, ledger_services
from .access import require, scope
from .form_posts import post_form


class SealForm(forms.Form):
    kind = forms.ChoiceField(label="封存类别")
    jurisdiction = forms.ModelChoiceField(
        label="辖区", queryset=Jurisdiction.objects.none(), empty_label=None
    )
    period = forms.CharField(label="期间", max_length=20, help_text="周写作 2024-W23，月写作 2024-06")
    reason = forms.CharField(
        label="说明", max_length=200, required=False, help_text="重新封存（更正后）时必填"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(s.kind, s.label) for s in ledger.sealables()]
        self.fields["jurisdiction"].queryset = scope(user, Jurisdiction.objects.order_by("path"))
        if user.jurisdiction_id and not self.is_bound:
            self.initial["jurisdiction"] = user.jurisdiction_id


def _render(request, *, form=None, result=None, status=200):
    seals = ledger_selectors.seals_for(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        seals = seals.filter(kind=kind)
    page = Paginator(seals, 50).get_page(request.GET.get("page"))
    for seal in page.object_list:
        seal.kind_label = ledger.kind_label(seal.kind)
    context = {
        "page": page,
        "kind": kind,
        "kinds": [(s.kind, s.label) for s in ledger.sealables()],
        "form": form or SealForm(user=request.user),
        "result": result,
    }
    return render(request, "core/ledger/index.html", context, status=status)


@login_required
def index(request):
    require(request.user, "core.view_ledger")
    return _render(request)


@login_required
@require_POST
def verify(request):
    require(request.user, "core.verify_ledger")
    result = ledger_selectors.ledger_verify(
        seals=ledger_selectors.seals_for(request.user),
        jurisdictions=scope(request.user, Jurisdiction.objects.all()),
    )
    return _render(request, result=result)


@login_required
@require_POST
def seal(request):
    require(request.user, "core.view_ledger")
    form = SealForm(request.POST, user=request.user)

    def write(data) -> str:
        made = ledger_services.seal_period(
            kind=data["kind"],
            jurisdiction=data["jurisdiction"],
            period_key=data["period"],
            by=request.user,
            reason=data["reason"],
        )
        return (
            f"已封存：{data['jurisdiction'].name} {made.period_key} {ledger.kind_label(made.kind)}，"
            f"第 {made.sequence} 次封存，{made.record_count} 条记录。"
        )

    return post_form(
        request, form, write=write, done="ledger:index", again=lambda: _render(request, form=form, status=400)
    )
