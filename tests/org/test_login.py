"""Log-in is locked after repeated failures, sessions expire, every login and failure is recorded."""

from django.test import override_settings

from tests.factories import PASSWORD
from tuijin.org.models import LoginEvent


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_successful_login_is_recorded(world, client):
    assert _login(client, "reporter", PASSWORD).status_code == 302
    assert LoginEvent.objects.filter(username="reporter", kind="success", user=world.reporter).exists()


def test_wrong_password_is_recorded_with_chinese_message(world, client):
    response = _login(client, "reporter", "wrong")
    assert "用户名或密码不正确" in response.content.decode()
    assert LoginEvent.objects.filter(username="reporter", kind="failure").count() == 1


def test_unknown_username_failure_is_recorded(world, client):
    _login(client, "nobody", "x")
    assert LoginEvent.objects.filter(username="nobody", kind="failure", user=None).exists()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_account_locks_after_repeated_failures_even_with_right_password(world, client):
    for _ in range(3):
        _login(client, "reporter", "wrong")
    world.reporter.refresh_from_db()
    assert world.reporter.locked_until is not None
    response = _login(client, "reporter", PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert LoginEvent.objects.filter(username="reporter", kind="locked").count() == 1
    assert LoginEvent.objects.filter(username="reporter", kind="refused").count() == 1


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_SECONDS=60)
def test_lock_expires(world, client):
    import time_machine
    from django.utils import timezone

    for _ in range(3):
        _login(client, "reporter", "wrong")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        assert _login(client, "reporter", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3)
def test_success_resets_the_failure_count(world, client):
    _login(client, "reporter", "wrong")
    _login(client, "reporter", "wrong")
    assert _login(client, "reporter", PASSWORD).status_code == 302
    client.logout()
    _login(client, "reporter", "wrong")
    _login(client, "reporter", "wrong")
    world.reporter.refresh_from_db()
    assert world.reporter.locked_until is None


def test_disabled_account_cannot_log_in(world, client):
    world.reporter.is_active = False
    world.reporter.save()
    response = _login(client, "reporter", PASSWORD)
    assert response.status_code == 200


def test_session_expires_after_idle_time(world, client, settings):
    from django.conf import settings as conf

    assert conf.SESSION_EXPIRE_AT_BROWSER_CLOSE
    _login(client, "reporter", PASSWORD)
    assert client.get("/org/units/").status_code == 200
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=conf.SESSION_COOKIE_AGE + 60)):
        assert client.get("/org/units/").status_code == 302


def test_logout_is_recorded(world, client):
    _login(client, "reporter", PASSWORD)
    client.post("/logout/")
    assert LoginEvent.objects.filter(username="reporter", kind="logout").exists()


def test_activity_keeps_the_session_alive_without_a_write_per_request(world, client):
    import time_machine
    from django.conf import settings as conf
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "reporter", PASSWORD)
        client.get("/org/units/")
        expiry = Session.objects.get().expire_date
        client.get("/org/units/")  # within a minute: nothing written
        assert Session.objects.get().expire_date == expiry
    half = timezone.timedelta(seconds=conf.SESSION_COOKIE_AGE // 2 + 120)
    with time_machine.travel(start + half, tick=False):
        assert client.get("/org/units/").status_code == 200  # renews the session
    with time_machine.travel(start + half * 2, tick=False):
        assert client.get("/org/units/").status_code == 200


def test_username_matches_whatever_the_phone_capitalised(world, client):
    assert _login(client, "Reporter", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3)
def test_failures_in_other_capitalisations_count_towards_the_same_lock(world, client):
    for name in ("reporter", "Reporter", "REPORTER"):
        _login(client, name, "wrong")
    world.reporter.refresh_from_db()
    assert world.reporter.locked_until is not None


def test_a_disabled_account_is_told_so_not_that_the_password_is_wrong(world, client):
    world.reporter.is_active = False
    world.reporter.save()
    response = _login(client, "reporter", PASSWORD)
    assert "该账号已停用" in response.content.decode()
    assert not LoginEvent.objects.filter(username="reporter", kind="failure").exists()


def test_blank_login_says_what_is_missing(db, client):
    response = client.post("/login/", {"username": "", "password": ""})
    assert "请输入用户名和密码" in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_reset_by_the_admin_clears_earlier_failures(world, client):
    from tuijin.org.services import account_reset_password

    _login(client, "reporter", "wrong")
    _login(client, "reporter", "wrong")
    password = account_reset_password(actor=world.admin, user=world.reporter)
    _login(client, "reporter", "typo")
    world.reporter.refresh_from_db()
    assert world.reporter.locked_until is None
    assert _login(client, "reporter", password).status_code == 302


def test_logins_do_not_bury_the_account_history(world, client):
    before = world.reporter.history.count()
    for _ in range(3):
        _login(client, "reporter", PASSWORD)
        client.post("/logout/")
    world.reporter.refresh_from_db()
    assert world.reporter.last_login is not None
    assert world.reporter.history.count() == before


def test_django_admin_login_goes_through_the_lock_out(world, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.post("/admin/login/", {"username": "admin", "password": "x"})
    assert not LoginEvent.objects.filter(kind="success").exists()
