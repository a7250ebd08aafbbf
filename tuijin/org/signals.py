"""Successful log-ins and log-outs are recorded here; failures are recorded by the login view."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from .models import LoginEvent, User
from .services import login_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    # Django's update_last_login (disconnected in OrgConfig.ready) would save the account and add a
    # history row per log-in, burying real changes; a plain update records the time without one.
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)
    login_record(kind=LoginEvent.Kind.SUCCESS, username=user.username, user=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        login_record(kind=LoginEvent.Kind.LOGOUT, username=user.username, user=user, request=request)
