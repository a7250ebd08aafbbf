"""Refusals: every AccessDenied / PermissionDenied answers 403 with a Chinese message and is logged."""

import logging

from django.core.exceptions import PermissionDenied
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

    ALLOWED = ("/accounts/password/", "/logout/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        must_change = (
            user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
        )
        if must_change and not request.path.startswith(self.ALLOWED):
            return redirect("password_change")
        return self.get_response(request)
