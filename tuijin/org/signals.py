"""Successful log-ins and log-outs are recorded here; failures are recorded by the login view."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .models import LoginEvent
from .services import login_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    login_record(kind=LoginEvent.Kind.SUCCESS, username=user.username, user=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        login_record(kind=LoginEvent.Kind.LOGOUT, username=user.username, user=user, request=request)
