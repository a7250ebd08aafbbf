"""Writes of the organisation app: accounts, log-in book-keeping, the directory."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tuijin.core.access import require

from .models import Jurisdiction, LoginEvent, Person, Role, Unit, User, admin_site_access

# Letters and digits that cannot be confused when read aloud or copied from a screen.
_OTP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def one_time_password(length: int = 12) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))


def _validate_account_links(*, role: str, jurisdiction: Jurisdiction | None, unit: Unit | None) -> None:
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "请选择角色。"
    if jurisdiction is None:
        errors["jurisdiction"] = "请选择账号所属辖区。"
    if role in (Role.UNIT_HEAD, Role.UNIT_REPORTER) and unit is None:
        errors["unit"] = "单位负责人和填报员必须指定所在单位。"
    if (
        unit is not None
        and jurisdiction is not None
        and not unit.jurisdiction.path.startswith(jurisdiction.path)
    ):
        errors["unit"] = f"单位“{unit.name}”不属于辖区“{jurisdiction.name}”。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    role: str,
    jurisdiction: Jurisdiction | None,
    unit: Unit | None = None,
    person: Person | None = None,
) -> tuple[User, str]:
    """Create an account with a one-time password, shown once to the admin; the user must change it."""
    require(actor, "org.manage_account", jurisdiction)
    _validate_account_links(role=role, jurisdiction=jurisdiction, unit=unit)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被占用。"})
    password = one_time_password()
    user = User(
        username=username,
        display_name=display_name or (person.name if person else ""),
        role=role,
        jurisdiction=jurisdiction,
        unit=unit,
        person=person,
        must_change_password=True,
        is_staff=admin_site_access(role),
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user._change_reason = f"{actor} 创建账号"
    user.save()
    return user, password


@transaction.atomic
def account_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    role: str,
    jurisdiction: Jurisdiction | None,
    unit: Unit | None,
) -> User:
    require(actor, "org.manage_account", user)
    require(actor, "org.manage_account", jurisdiction)
    _validate_account_links(role=role, jurisdiction=jurisdiction, unit=unit)
    user.display_name = display_name
    user.role = role
    user.jurisdiction = jurisdiction
    user.unit = unit
    user.is_staff = admin_site_access(role)
    user._change_reason = f"{actor} 修改账号"
    user.save()
    return user


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool) -> User:
    require(actor, "org.manage_account", user)
    if user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    user.is_active = active
    if active:
        user.locked_until = None
        login_record(kind=LoginEvent.Kind.UNLOCKED, username=user.username, user=user)
    user._change_reason = f"{actor} {'启用' if active else '停用'}账号"
    user.save(update_fields=["is_active", "locked_until"])
    return user


@transaction.atomic
def account_reset_password(*, actor: User, user: User) -> str:
    """A new one-time password (no e-mail needed); it also lifts a lock-out."""
    require(actor, "org.manage_account", user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.locked_until = None
    user._change_reason = f"{actor} 重置密码"
    user.save(update_fields=["password", "must_change_password", "locked_until"])
    # failures before the reset no longer count towards a lock-out
    login_record(kind=LoginEvent.Kind.UNLOCKED, username=user.username, user=user)
    return password


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确。"})
    if old_password == new_password:
        raise ValidationError({"new_password": "新密码不能与原密码相同。"})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user._change_reason = "本人修改密码"
    user.save(update_fields=["password", "must_change_password"])


# ---------------------------------------------------------------------------------------------------
# Log-in book-keeping and lock-out


def login_is_locked(user: User | None, *, now=None) -> bool:
    now = now or timezone.now()
    return bool(user and user.locked_until and user.locked_until > now)


def login_record(*, kind: str, username: str, user: User | None, request: Any = None) -> LoginEvent:
    meta = getattr(request, "META", {}) if request is not None else {}
    return LoginEvent.objects.create(
        kind=kind,
        username=username[:150],
        user=user,
        ip=meta.get("REMOTE_ADDR") or None,
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:255],
    )


@transaction.atomic
def login_failed(*, username: str, request: Any = None) -> User | None:
    """Record a failure; lock the account after LOGIN_MAX_FAILURES failures within the window."""
    user = User.objects.select_for_update().filter(username__iexact=username).first()
    login_record(kind=LoginEvent.Kind.FAILURE, username=username, user=user, request=request)
    if user is None:
        return None
    now = timezone.now()
    since = max(
        now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS),
        _last_success_or_unlock(user) or now - timedelta(days=3650),
    )
    failures = LoginEvent.objects.filter(user=user, kind=LoginEvent.Kind.FAILURE, at__gt=since).count()
    if failures >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = now + timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        # a plain update: the lock is log-in book-keeping (LoginEvent), not an account change for history
        User.objects.filter(pk=user.pk).update(locked_until=user.locked_until)
        login_record(kind=LoginEvent.Kind.LOCKED, username=username, user=user, request=request)
    return user


def _last_success_or_unlock(user: User):
    """Failures count from the last success, lock or admin unlock, whichever is latest."""
    ends = [LoginEvent.Kind.SUCCESS, LoginEvent.Kind.LOCKED, LoginEvent.Kind.UNLOCKED]
    event = (
        LoginEvent.objects.filter(user=user, kind__in=ends)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return event
