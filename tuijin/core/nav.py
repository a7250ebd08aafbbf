"""The main menu: one list, filtered by what the user may open. Capabilities add their entries here."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from tuijin.org.models import Role

ALL = frozenset(Role.values)
ADMIN = frozenset({Role.OFFICE_ADMIN})
DIRECTORY = ALL - {Role.DISCIPLINE}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str]
    section: str = ""


NAV: list[NavItem] = [
    NavItem("首页", "home", "home", ALL),
    NavItem("责任单位", "org:units", "building", DIRECTORY, "组织"),
    NavItem("人员", "org:people", "users", DIRECTORY, "组织"),
    NavItem("领导小组", "org:leading_group", "sitemap", DIRECTORY, "组织"),
    NavItem("工作日历", "calendar:index", "calendar", ALL, "设置"),
    NavItem("规则集", "rulesets:index", "scale", ALL, "设置"),
    NavItem("账号管理", "org:accounts", "user-cog", ADMIN, "设置"),
    NavItem("登录与访问记录", "org:audit", "shield-lock", ADMIN, "设置"),
    NavItem("后台任务", "tasks:index", "clock-cog", ADMIN, "设置"),
]


def nav_for(user, current_path: str) -> list[dict]:
    role = getattr(user, "role", "")
    items = []
    for item in NAV:
        if not (role in item.roles or getattr(user, "is_superuser", False)):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append(
            {"label": item.label, "url": url, "icon": item.icon, "section": item.section, "active": active}
        )
    return items
