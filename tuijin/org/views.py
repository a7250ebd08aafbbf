from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import get_for_action, require
from tuijin.core.forms import apply_validation_error

from . import selectors, services
from .forms import AccountForm, LoginForm, PasswordChangeForm
from .models import Person, Role, UnitKind, User


class TuijinLoginView(LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="new_password")
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("home")
    return render(request, "org/password_change.html", {"form": form})


@login_required
def accounts(request):
    require(request.user, "org.view_accounts")
    qs = selectors.accounts_for(
        request.user,
        query=request.GET.get("q", "").strip(),
        role=request.GET.get("role", ""),
        status=request.GET.get("status", ""),
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = selectors.account_rows(page.object_list, now=timezone.now())
    context = {"page": page, "rows": rows, "roles": Role.choices, "base": reverse("org:accounts")}
    return render(request, "org/accounts.html", context)


def _account_form(request, *, data=None, initial=None, editing=False):
    return AccountForm(
        data,
        initial=initial,
        jurisdictions=selectors.jurisdictions_for(request.user),
        units=selectors.units_for(request.user),
        people=selectors.people_for(request.user),
        editing=editing,
    )


@login_required
def account_create(request):
    require(request.user, "org.view_accounts")
    form = _account_form(
        request, data=request.POST or None, initial={"jurisdiction": request.user.jurisdiction}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.account_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                role=data["role"],
                jurisdiction=data["jurisdiction"],
                unit=data["unit"],
                person=data["person"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return render(
                request,
                "org/one_time_password.html",
                {"account": user, "password": password, "created": True},
            )
    return render(request, "org/account_form.html", {"form": form, "creating": True})


@login_required
def account_edit(request, pk: int):
    account = get_for_action(request.user, User.objects.all(), "org.manage_account", pk=pk)
    initial = {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "jurisdiction": account.jurisdiction,
        "unit": account.unit,
        "person": account.person,
    }
    form = _account_form(request, data=request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.account_update(
                actor=request.user,
                user=account,
                display_name=data["display_name"],
                role=data["role"],
                jurisdiction=data["jurisdiction"],
                unit=data["unit"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"账号“{account.username}”已保存。")
            return redirect("org:accounts")
    history = account.history.select_related("history_user")[:20]
    return render(request, "org/account_form.html", {"form": form, "account": account, "history": history})


@login_required
@require_POST
def account_reset_password(request, pk: int):
    account = get_for_action(request.user, User.objects.all(), "org.manage_account", pk=pk)
    password = services.account_reset_password(actor=request.user, user=account)
    return render(request, "org/one_time_password.html", {"account": account, "password": password})


@login_required
@require_POST
def account_toggle(request, pk: int):
    account = get_for_action(request.user, User.objects.all(), "org.manage_account", pk=pk)
    try:
        services.account_set_active(actor=request.user, user=account, active=not account.is_active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"账号“{account.username}”已{'启用' if account.is_active else '停用'}。")
    return redirect("org:accounts")


@login_required
def audit(request):
    require(request.user, "org.view_audit")
    return render(
        request,
        "org/audit.html",
        {
            "events": selectors.login_events_for(request.user),
            "denials": selectors.access_denials_for(request.user),
        },
    )


@login_required
def units(request):
    require(request.user, "org.view_directory")
    qs = selectors.units_for(
        request.user, query=request.GET.get("q", "").strip(), kind=request.GET.get("kind", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "org/units.html", {"page": page, "kinds": UnitKind.choices})


@login_required
def people(request):
    require(request.user, "org.view_directory")
    qs = selectors.people_for(
        request.user, query=request.GET.get("q", "").strip(), leaders_only=request.GET.get("leaders") == "1"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "org/people.html", {"page": page, "person_model": Person})


@login_required
def leading_group(request):
    require(request.user, "org.view_directory")
    return render(request, "org/leading_group.html", {"groups": selectors.leading_groups_for(request.user)})
