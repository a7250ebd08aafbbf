"""The main menu: one list, each entry shown when the access module lets the user open it."""

from dataclasses import dataclass

from django.urls import reverse

from .access import can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    action: str | None  # the access action that opens the page; None: every signed-in user


NAV: list[NavItem] = [
    NavItem("首页", "home", "home", None),
    NavItem("责任单位", "org:units", "building", "org.view_directory"),
    NavItem("人员", "org:people", "users", "org.view_directory"),
    NavItem("领导小组", "org:leading_group", "sitemap", "org.view_directory"),
    NavItem("工作日历", "calendar:index", "calendar", "core.view_calendar"),
    NavItem("规则集", "rulesets:index", "scale", "core.view_rulesets"),
    NavItem("账号管理", "org:accounts", "user-cog", "org.view_accounts"),
    NavItem("登录与访问记录", "org:audit", "shield-lock", "org.view_audit"),
    NavItem("后台任务", "tasks:index", "clock-cog", "core.view_tasks"),
]


def nav_for(user, current_path: str) -> list[dict]:
    items = []
    for item in NAV:
        if item.action is not None and not can(user, item.action):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
