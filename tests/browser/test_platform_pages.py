"""Main flows of the platform in a real browser, as the people who use them."""

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

ROLES = ["office_admin", "leader", "unit_head", "unit_reporter", "supervisor", "discipline"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_sees_its_menu(role, page_as):
    page = page_as(role)
    assert "重大重点项目工作台" in page.inner_text("h2.page-title")
    menu = page.text_content("#navbar-menu")  # drop-down entries count while closed
    assert ("账号管理" in menu) == (role == "office_admin")
    assert ("责任单位" in menu) == (role != "discipline")
    screenshot(page, f"home-{role}")


def test_admin_creates_an_account_and_the_new_user_sets_a_password(page_as, browser, live_server):
    page = page_as("office_admin")
    page.click("#navbar-menu >> text=系统设置")
    page.click("#navbar-menu >> text=账号管理")
    page.click("text=新建账号")
    page.fill("#id_username", "liming")
    page.fill("#id_display_name", "李明")
    page.select_option("#id_role", "unit_reporter")
    page.select_option("#id_unit", label="区发改委")
    page.click("button:has-text('保存')")
    otp = page.inner_text("#one-time-password").strip()
    assert re.fullmatch(r"[A-Za-z0-9]{12}", otp)
    screenshot(page, "account-created")

    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    newbie = context.new_page()
    newbie.goto("/login/")
    newbie.fill("#id_username", "liming")
    newbie.fill("#id_password", otp)
    newbie.click("button[type=submit]")
    newbie.wait_for_url("**/accounts/password/")
    assert "一次性密码" in newbie.inner_text("body")
    newbie.fill("#id_old_password", otp)
    newbie.fill("#id_new_password", "Liming-2026!")
    newbie.fill("#id_new_password2", "Liming-2026!")
    newbie.click("button:has-text('保存新密码')")
    newbie.wait_for_url(f"{live_server.url}/")
    assert "密码已修改" in newbie.inner_text("body")
    context.close()


def test_wrong_password_shows_chinese_error(browser, live_server, world_live):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "reporter")
    page.fill("#id_password", "not-it")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("#login-error")
    screenshot(page, "login-error")
    context.close()


def test_reporter_forging_an_admin_page_gets_chinese_403(page_as, live_server):
    page = page_as("unit_reporter")
    response = page.goto("/org/accounts/")
    assert response.status == 403
    assert "无权管理账号" in page.inner_text("#denied-message")
    screenshot(page, "denied-reporter")


def test_home_and_menu_work_on_a_phone(page_as):
    page = page_as("unit_reporter", mobile=True)
    page.click(".navbar-toggler")
    page.wait_for_selector("#navbar-menu.show")  # the collapse has finished opening
    page.click("#navbar-menu >> text=组织机构")
    item = page.locator("#navbar-menu .dropdown-menu.show >> text=责任单位")
    item.wait_for(state="visible")
    with page.expect_navigation(url="**/org/units/"):
        item.click()
    assert "责任单位" in page.inner_text("h2.page-title")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "units-mobile")


def test_admin_resets_a_password_after_confirming(page_as):
    page = page_as("office_admin")
    page.goto("/org/accounts/?q=reporter")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#accounts-table button:has-text('重置密码')")
    assert page.url.endswith("/org/accounts/?q=reporter")  # dismissed: nothing happened
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#accounts-table button:has-text('重置密码')")
    page.wait_for_selector("#one-time-password")
    assert "密码已重置" in page.inner_text("h2.page-title")
    screenshot(page, "password-reset")
