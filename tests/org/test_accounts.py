"""Office admins manage accounts in a page: create, disable, reset a password, assign roles."""

import re

import pytest
from django.core.exceptions import ValidationError

from tuijin.core.access import AccessDenied
from tuijin.org import services
from tuijin.org.models import Role, User


def test_create_shows_one_time_password_once_and_forces_change(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        "/org/accounts/new/",
        {
            "username": "zhangsan",
            "display_name": "张三",
            "role": "unit_reporter",
            "jurisdiction": world.district.pk,
            "unit": world.dept.pk,
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    password = re.search(r'id="one-time-password">([^<]+)<', text).group(1).strip()
    assert "只显示这一次" in text
    user = User.objects.get(username="zhangsan")
    assert user.must_change_password and user.check_password(password)
    assert user.role == Role.UNIT_REPORTER and user.unit == world.dept

    client.logout()
    assert client.post("/login/", {"username": "zhangsan", "password": password}).status_code == 302
    assert client.get("/org/units/")["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password": "Xin-mima-2026", "new_password2": "Xin-mima-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/org/units/").status_code == 200


def test_reporter_account_needs_a_unit(world, client_for):
    response = client_for(world.admin).post(
        "/org/accounts/new/",
        {"username": "nounit", "role": "unit_reporter", "jurisdiction": world.district.pk},
    )
    assert "单位负责人和填报员必须指定所在单位" in response.content.decode()
    assert not User.objects.filter(username="nounit").exists()


def test_duplicate_username_is_refused_in_chinese(world, client_for):
    response = client_for(world.admin).post(
        "/org/accounts/new/",
        {"username": "REPORTER", "role": "leader", "jurisdiction": world.district.pk},
    )
    assert "用户名“REPORTER”已被占用" in response.content.decode()


def test_unit_outside_the_jurisdiction_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.account_create(
            actor=world.admin,
            username="x1",
            display_name="",
            role="unit_head",
            jurisdiction=world.street,
            unit=world.dept,
        )
    assert "不属于辖区" in str(exc.value)


def test_admin_cannot_create_accounts_in_another_district(world):
    with pytest.raises(AccessDenied):
        services.account_create(
            actor=world.admin,
            username="spy",
            display_name="",
            role="leader",
            jurisdiction=world.other_district,
        )
    assert not User.objects.filter(username="spy").exists()


def test_reset_password_issues_new_one_and_unlocks(world, client_for):
    from django.utils import timezone

    world.reporter.locked_until = timezone.now() + timezone.timedelta(minutes=20)
    world.reporter.save()
    response = client_for(world.admin).post(f"/org/accounts/{world.reporter.pk}/reset-password/")
    password = re.search(r'id="one-time-password">([^<]+)<', response.content.decode()).group(1).strip()
    world.reporter.refresh_from_db()
    assert world.reporter.check_password(password)
    assert world.reporter.locked_until is None and world.reporter.must_change_password


def test_disable_then_enable(world, client_for):
    client = client_for(world.admin)
    client.post(f"/org/accounts/{world.reporter.pk}/toggle/")
    world.reporter.refresh_from_db()
    assert not world.reporter.is_active
    client.post(f"/org/accounts/{world.reporter.pk}/toggle/")
    world.reporter.refresh_from_db()
    assert world.reporter.is_active


def test_admin_cannot_disable_self(world):
    with pytest.raises(ValidationError):
        services.account_set_active(actor=world.admin, user=world.admin, active=False)


def test_edit_changes_role_and_keeps_history(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        f"/org/accounts/{world.reporter.pk}/",
        {
            "display_name": "升任负责人",
            "role": "unit_head",
            "jurisdiction": world.district.pk,
            "unit": world.dept.pk,
        },
    )
    assert response.status_code == 302
    world.reporter.refresh_from_db()
    assert world.reporter.role == Role.UNIT_HEAD
    page = client.get(f"/org/accounts/{world.reporter.pk}/").content.decode()
    assert "变更记录" in page and "修改账号" in page


def test_accounts_list_shows_only_own_subtree(world, client_for):
    text = client_for(world.admin).get("/org/accounts/").content.decode()
    assert "reporter" in text
    assert "foreign_admin" not in text


def test_forged_post_from_reporter_is_refused_and_logged(world, client_for):
    from tuijin.org.models import AccessDenial

    response = client_for(world.reporter).post(f"/org/accounts/{world.unit_head.pk}/reset-password/")
    assert response.status_code == 403
    assert "无权管理该账号" in response.content.decode()
    assert AccessDenial.objects.filter(user=world.reporter, action="org.manage_account").exists()
    world.unit_head.refresh_from_db()
    assert not world.unit_head.must_change_password


def test_an_office_admin_cannot_take_over_a_superuser_account(world):
    world.unit_head.is_superuser = True
    world.unit_head.save()
    with pytest.raises(AccessDenied):
        services.account_reset_password(actor=world.admin, user=world.unit_head)


def test_usernames_differing_only_in_case_are_refused(world):
    with pytest.raises(ValidationError):
        services.account_create(
            actor=world.admin, username="Leader", display_name="", role="leader", jurisdiction=world.district
        )


def test_a_one_time_password_page_loads_no_to_do_badge_into_itself(world, client):
    """The badge is fetched by htmx after each page; for an account that must set its password, that
    fetch would be redirected to the password page and swap a second password form into the menu bar."""
    world.reporter.must_change_password = True
    world.reporter.save()
    client.force_login(world.reporter)
    page = client.get("/accounts/password/").content.decode()
    assert "nav-todo-load" not in page
    fragment = client.get("/todo/count/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204 and fragment.content == b""
    assert client.get("/todo/count/").status_code == 302  # a plain request still goes to the password page
