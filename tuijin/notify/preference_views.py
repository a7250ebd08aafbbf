"""推送设置 (REQ J2: people choose their channels; quiet hours are respected). Thin: one access check,
the form, `pushes.preference_save`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from tuijin.core.access import AccessDenied, can, get_readable, require
from tuijin.org.models import Person

from . import pushes
from .preference_forms import PreferenceForm


def _page(request, person: Person, *, own: bool):
    choices = pushes.channel_choices(person)
    pref = pushes.preference_of(person)
    if request.method == "POST":
        form = PreferenceForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                pushes.preference_save(
                    actor=request.user,
                    person=person,
                    channels=form.cleaned_data["channels"],
                    quiet_start=form.cleaned_data["quiet_start"],
                    quiet_end=form.cleaned_data["quiet_end"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"已保存{'' if own else person.name + '的'}推送设置")
                url = (
                    reverse("notify:preferences")
                    if own
                    else reverse("notify:preferences_person", args=[person.pk])
                )
                return redirect(url)
    else:
        initial = {
            "channels": pushes.effective_channels(person, pref),
            "quiet_start": pref.quiet_start if pref else None,
            "quiet_end": pref.quiet_end if pref else None,
        }
        form = PreferenceForm(initial=initial, choices=choices)
    rules = pushes.notify_rules_for(person.jurisdiction)
    return render(
        request,
        "notify/preferences.html",
        {
            "person": person,
            "own": own,
            "form": form,
            "pref": pref,
            "choices": choices,
            "rules": rules,
            "selected": set(form["channels"].value() or []),
        },
    )


@login_required
def own_preferences(request):
    """One's own channels and quiet hours (an account linked to a person)."""
    require(request.user, "notify.preferences")
    person = Person.objects.select_related("jurisdiction").get(pk=request.user.person_id)
    return _page(request, person, own=True)


@login_required
def person_preferences(request, person_id: int):
    """A person's preferences: the office for anyone of its subtree; anyone for their own."""
    qs = Person.objects.select_related("jurisdiction")
    if getattr(request.user, "person_id", None) == person_id and can(request.user, "notify.preferences"):
        return _page(request, qs.get(pk=person_id), own=False)
    require(request.user, "notify.manage_preferences")
    person = get_readable(request.user, qs, pk=person_id)
    if not can(request.user, "notify.manage_preferences", person):
        raise AccessDenied("您无权设置该人员的推送方式。", action="notify.manage_preferences")
    return _page(request, person, own=False)
