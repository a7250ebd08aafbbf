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
    group: str = ""  # entries of one group share a drop-down (GROUP_ICONS)


GROUP_ICONS = {
    "填报": "file-pencil",
    "挂图作战": "traffic-lights",
    "问题闭环": "alert-triangle",
    "调度会议": "presentation",
    "督查问责": "eye-check",
    "考核排名": "trophy",
    "组织机构": "sitemap",
    "系统设置": "settings",
}


NAV: list[NavItem] = [
    NavItem("首页", "home", "home", None),
    NavItem("项目库", "projects:list", "building-skyscraper", "projects.view"),
    NavItem("年度计划", "projects:plans", "calendar-stats", "projects.view_plans"),
    NavItem("亮灯看板", "lights:board", "traffic-lights", "lights.view", group="挂图作战"),
    NavItem("应开未开", "lights:should_start", "clock-exclamation", "lights.view", group="挂图作战"),
    NavItem("应竣未竣", "lights:should_finish", "calendar-due", "lights.view", group="挂图作战"),
    NavItem("临期节点", "lights:due", "alarm", "lights.view", group="挂图作战"),
    NavItem("迟报缺报", "lights:reports", "file-alert", "lights.view", group="挂图作战"),
    NavItem("亮灯趋势", "lights:trend", "chart-line", "lights.view", group="挂图作战"),
    NavItem("审批时限", "chains:clocks", "hourglass", "chains.view", group="挂图作战"),
    NavItem("开工推进计划表", "chains:export", "file-spreadsheet", "chains.export_plan", group="挂图作战"),
    NavItem("大屏展示", "lights:wall", "device-desktop", "lights.view", group="挂图作战"),
    NavItem("周报填报", "reports:weekly", "file-pencil", "reports.view", group="填报"),
    NavItem("月报填报", "reports:monthly", "calendar-event", "reports.view", group="填报"),
    NavItem("本周新开工", "reports:new_starts", "shovel", "reports.view", group="填报"),
    NavItem("报告审批", "reports:approvals", "checks", "reports.approve", group="填报"),
    NavItem("周报审核", "reports:review_weekly", "clipboard-check", "reports.review", group="填报"),
    NavItem("月报审核", "reports:review_monthly", "clipboard-list", "reports.review", group="填报"),
    NavItem("新开工审核", "reports:review_new_starts", "clipboard-text", "reports.review", group="填报"),
    NavItem("导出周报一览表", "reports:export", "file-export", "reports.view", group="填报"),
    NavItem("问题清单", "problems:list", "alert-triangle", "problems.view", group="问题闭环"),
    NavItem("四单", "problems:slips", "file-certificate", "problems.view", group="问题闭环"),
    NavItem("会议日历", "meetings:calendar", "calendar-event", "meetings.view", group="调度会议"),
    NavItem("调度会议", "meetings:list", "presentation", "meetings.view", group="调度会议"),
    NavItem("会议系列", "meetings:series", "repeat", "meetings.manage", group="调度会议"),
    NavItem("议定事项", "meetings:matters", "list-check", "matters.view", group="调度会议"),
    NavItem("督查记录", "supervision:acts", "eye-check", "supervision.view", group="督查问责"),
    NavItem("巡回督导", "supervision:circuit_index", "route", "supervision.view", group="督查问责"),
    NavItem("整改要求", "supervision:actions", "checklist", "supervision.view", group="督查问责"),
    NavItem("黄牌红牌", "supervision:cards", "cards", "cards.view", group="督查问责"),
    NavItem("月度审定", "supervision:card_review_current", "gavel", "cards.review", group="督查问责"),
    NavItem("问责移送", "supervision:referrals", "send", "referrals.view", group="督查问责"),
    NavItem("推送记录", "notify:messages", "message-2-share", "notify.view", group="督查问责"),
    NavItem("考核排名", "scoring:index", "trophy", "scoring.view", group="考核排名"),
    NavItem("免扣分申请", "scoring:exemptions", "shield-check", "exemptions.view", group="考核排名"),
    NavItem("奖励加分", "scoring:bonuses", "award", "scoring.view", group="考核排名"),
    NavItem("整改报告", "scoring:rectifications", "file-alert", "scoring.view", group="考核排名"),
    NavItem("简报通报", "documents:bulletins", "news", "bulletins.view", group="考核排名"),
    NavItem("责任单位", "org:units", "building", "org.view_directory", group="组织机构"),
    NavItem("人员", "org:people", "users", "org.view_directory", group="组织机构"),
    NavItem("领导小组", "org:leading_group", "sitemap", "org.view_directory", group="组织机构"),
    NavItem("链条模板", "chains:templates", "route", "chains.view", group="系统设置"),
    NavItem("文书模板", "problems:templates", "template", "documents.manage_templates", group="系统设置"),
    NavItem("工作日历", "calendar:index", "calendar", "core.view_calendar", group="系统设置"),
    NavItem("规则集", "rulesets:index", "scale", "core.view_rulesets", group="系统设置"),
    NavItem("账号管理", "org:accounts", "user-cog", "org.view_accounts", group="系统设置"),
    NavItem("登录与访问记录", "org:audit", "shield-lock", "org.view_audit", group="系统设置"),
    NavItem("后台任务", "tasks:index", "clock-cog", "core.view_tasks", group="系统设置"),
    NavItem("群机器人", "notify:endpoints", "robot", "notify.manage_endpoints", group="系统设置"),
    NavItem("封存记录", "ledger:index", "lock", "core.view_ledger", group="系统设置"),
]


def nav_for(user, current_path: str) -> list[dict]:
    """The menu the user may open: plain entries and drop-down groups, in NAV order. The active entry
    is the longest URL the current path starts with (so /projects/plans/ lights 年度计划 only)."""
    items = []
    for item in NAV:
        if item.action is not None and not can(user, item.action):
            continue
        url = reverse(item.url_name)
        matches = current_path == url if url == "/" else current_path.startswith(url)
        items.append(
            {"label": item.label, "url": url, "icon": item.icon, "active": matches, "group": item.group}
        )
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    menu: list[dict] = []
    groups: dict[str, dict] = {}
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
        if not item["group"]:
            menu.append(item)
            continue
        if item["group"] not in groups:
            groups[item["group"]] = {
                "label": item["group"],
                "icon": GROUP_ICONS[item["group"]],
                "children": [],
            }
            menu.append(groups[item["group"]])
        group = groups[item["group"]]
        group["children"].append(item)
        group["active"] = group.get("active", False) or item["active"]
    return menu
