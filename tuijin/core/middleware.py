"""Refusals: every AccessDenied / PermissionDenied answers 403 with a Chinese message and is logged."""

import logging
import time

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from .access import AccessDenied

logger = logging.getLogger("tuijin.access")


class AccessDeniedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PermissionDenied):
            return None
        message = getattr(exception, "message", "") or str(exception) or "您无权进行此操作。"
        action = getattr(exception, "action", "") if isinstance(exception, AccessDenied) else ""
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        from tuijin.org.models import AccessDenial

        AccessDenial.objects.create(
            user=user,
            action=action or "-",
            path=request.path[:255],
            method=request.method,
            message=message[:255],
        )
        logger.warning(
            "denied user=%s action=%s %s %s: %s", user, action, request.method, request.path, message
        )
        return render(request, "403.html", {"message": message}, status=403)


class PasswordChangeRequiredMiddleware:
    """An account with a one-time password must set its own before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        must_change = (
            user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
        )
        if must_change and not request.path.startswith(self._allowed()):
            if request.headers.get("HX-Request"):
                # a fragment a page loads after itself (the to-do badge) must not swap the password page in
                return HttpResponse(status=204)
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed() -> tuple[str, ...]:
        # reverse() and request.path both carry the script prefix, so a sub-path deployment works too
        from django.conf import settings
        from django.urls import reverse

        return (reverse("password_change"), reverse("logout"), settings.STATIC_URL)


class SessionRefreshMiddleware:
    """Sessions expire after SESSION_COOKIE_AGE without a request (DESIGN: sessions expire). Rather than
    writing the session row on every request (SESSION_SAVE_EVERY_REQUEST), renew it at most once a
    minute: the idle limit then holds to within a minute, and most requests write nothing."""

    RENEW_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated or session.is_empty():
            return response
        now = int(time.time())
        if now - session.get("_renewed", 0) >= self.RENEW_AFTER_SECONDS:
            session["_renewed"] = now  # marks the session modified: SessionMiddleware saves it
        return response
