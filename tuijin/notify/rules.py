"""Pure rules of pushes (REQ J2, C6; NC20 四(二)): the `[notify]` rule-set section, the days a deadline
is reminded on, and the text of each push (a leader's Monday digest, a unit's to-dos, a reminder).
Standard library only: no Django (dataclasses in, text out; `today` is an argument, no clock).

The `[notify]` section has four sub-tables, each with its own `source` / `basis` / `reading`:

    [notify.digest]       weekday = 1, time = "08:00", window_days = 7, meeting_days = 7, unit_todos = true
    [notify.reminders]    workdays_before = [3, 1], on_lapse = true, time = "09:00"
    [notify.quiet_hours]  start = "22:00", end = "07:30"
    [notify.publicity]    monthly_public = true

NC20 四(二) gives the Monday push ("每周一向……进行手机短信推送"); the other notices have no push, so their
presets take NC20's as the default and say so. Without a `[notify]` section `notify_rules` gives `DEFAULT`.

Reminder days. A deadline that falls on a day off moves to the next working day first (民法典第二百零三条,
as the matters module counts it): that is the lapse day (到期日). A reminder goes out N working days before
it for each N of `workdays_before`, and on the lapse day itself when `on_lapse`. `reminder_windows(today)`
inverts that: for today it gives, per offset, the range of deadlines whose reminder day is today, so the
gathering is one query per kind whatever the number of items.

Text. Every body starts with a one-line summary and then a blank line: an SMS carries that first paragraph
(`channels.sms.summary`); e-mail and robots send the whole body. No body carries the link: each channel
adds the message's link once (e-mail "详见", robots a link line), so a cut body never loses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Protocol

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import WEEKDAYS, noted

TIME_PATTERN = r"([01]\d|2[0-3]):[0-5]\d"
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯"}
REMINDER_KINDS = {"node": "链条节点", "report": "报表报送", "problem": "问题办理", "matter": "议定事项"}
MAX_LINES = 10  # items listed per part of a digest; the rest are counted ("另有 3 项")
SMS_LIMIT = 120  # characters of the summary an SMS carries (the channel adds the link)


class Calendar(Protocol):
    def add_workdays(self, d: date, n: int) -> date: ...

    def is_workday(self, d: date) -> bool: ...

    def workday_on_or_after(self, d: date) -> date: ...


# ---------------------------------------------------------------------------------------------------
# The rule-set section


def _check_reminders(table: dict, data: dict) -> list[tuple[str, str]]:
    days = table.get("workdays_before")
    if not isinstance(days, list) or not days:
        return []
    if any(not isinstance(d, int) or isinstance(d, bool) for d in days):
        return []
    if sorted(set(days), reverse=True) != days:
        return [("workdays_before", "提前提醒的工作日数应从大到小排列且不重复，如 [3, 1]")]
    return []


def _check_quiet(table: dict, data: dict) -> list[tuple[str, str]]:
    if table.get("start") is not None and table.get("start") == table.get("end"):
        return [("end", "免打扰结束时间不能与开始时间相同")]
    return []


DIGEST = Table(
    "周一推送",
    keys=noted(
        {
            "weekday": Key("推送日", "int", required=True, lo=1, hi=7, names=WEEKDAYS, help="1 为周一"),
            "time": Key("推送时间", required=True, pattern=TIME_PATTERN, help='24 小时制，如 "08:00"'),
            "window_days": Key(
                "列入推送的节点到期天数", "int", required=True, lo=1, hi=31, help="今天起几天内到期的节点"
            ),
            "meeting_days": Key(
                "列入推送的会议天数", "int", required=True, lo=1, hi=31, help="今天起几天内的会议"
            ),
            "unit_todos": Key("同时向各单位推送待办", "bool"),
        }
    ),
    help="每周推送给领导的项目摘要：红黄灯项目及原因、近期到期节点、逾期问题和议定事项、近期会议",
)

REMINDERS = Table(
    "到期提醒",
    keys=noted(
        {
            "workdays_before": Key(
                "提前几个工作日提醒",
                "ints",
                required=True,
                lo=1,
                hi=20,
                help="从大到小，如 [3, 1]：到期前 3 个和 1 个工作日各提醒一次",
            ),
            "on_lapse": Key("到期当日提醒", "bool", required=True),
            "time": Key("提醒时间", required=True, pattern=TIME_PATTERN, help='24 小时制，如 "09:00"'),
        }
    ),
    check=_check_reminders,
    help="链条节点、报表报送、问题办理、议定事项的时限到期前和到期当日提醒责任单位；按工作日历计算",
)

QUIET_HOURS = Table(
    "免打扰时段",
    keys=noted(
        {
            "start": Key("开始", required=True, pattern=TIME_PATTERN, help='如 "22:00"'),
            "end": Key("结束", required=True, pattern=TIME_PATTERN, help='如 "07:30"；早于开始表示跨夜'),
        }
    ),
    check=_check_quiet,
    help="本人未设置时采用；此时段内生成的消息顺延到结束时发送",
)

PUBLICITY = Table(
    "向社会公布",
    keys=noted({"monthly_public": Key("月通报默认向社会公布", "bool", required=True)}),
    help="发布月通报时“向社会公布”选项的默认值",
)

NOTIFY = Table(
    "消息推送",
    keys={
        "digest": Key("周一推送", "table", required=True, table=DIGEST),
        "reminders": Key("到期提醒", "table", required=True, table=REMINDERS),
        "quiet_hours": Key("免打扰时段", "table", required=True, table=QUIET_HOURS),
        "publicity": Key("向社会公布", "table", required=True, table=PUBLICITY),
    },
    help="NC20 四(二) 每周一手机短信推送、督查问责办跟踪问效；到期提醒与免打扰；NC20 四(三) 每月向社会公布排名",
)

register_section("notify", NOTIFY)


def parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class NotifyRules:
    digest_weekday: int = 1  # ISO weekday, 1 = Monday
    digest_time: time = time(8, 0)
    window_days: int = 7
    meeting_days: int = 7
    unit_todos: bool = True
    reminder_workdays: tuple[int, ...] = (3, 1)
    remind_on_lapse: bool = True
    reminder_time: time = time(9, 0)
    quiet_start: time | None = time(22, 0)
    quiet_end: time | None = time(7, 30)
    monthly_public: bool = False
    source: str = "NC20 四(二)"


DEFAULT = NotifyRules()


def notify_rules(data: Mapping[str, Any] | None) -> NotifyRules:
    """The `[notify]` section of a rule set's data (its whole parsed TOML); `DEFAULT` without one. Each
    sub-table may be missing (its defaults then)."""
    section = (data or {}).get("notify")
    if not section:
        return DEFAULT
    digest = section.get("digest") or {}
    reminders = section.get("reminders") or {}
    quiet = section.get("quiet_hours") or {}
    publicity = section.get("publicity") or {}
    return NotifyRules(
        digest_weekday=int(digest.get("weekday", DEFAULT.digest_weekday)),
        digest_time=parse_time(digest["time"]) if digest.get("time") else DEFAULT.digest_time,
        window_days=int(digest.get("window_days", DEFAULT.window_days)),
        meeting_days=int(digest.get("meeting_days", DEFAULT.meeting_days)),
        unit_todos=bool(digest.get("unit_todos", DEFAULT.unit_todos)),
        reminder_workdays=tuple(int(n) for n in reminders.get("workdays_before", DEFAULT.reminder_workdays)),
        remind_on_lapse=bool(reminders.get("on_lapse", DEFAULT.remind_on_lapse)),
        reminder_time=parse_time(reminders["time"]) if reminders.get("time") else DEFAULT.reminder_time,
        quiet_start=parse_time(quiet["start"]) if quiet.get("start") else DEFAULT.quiet_start,
        quiet_end=parse_time(quiet["end"]) if quiet.get("end") else DEFAULT.quiet_end,
        monthly_public=bool(publicity.get("monthly_public", DEFAULT.monthly_public)),
        source=str(digest.get("source", "")),
    )


# ---------------------------------------------------------------------------------------------------
# When


def week_monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def digest_due(rules: NotifyRules, today: date, now_time: time) -> bool:
    """Whether this week's digest is due at (today, now_time): on the rule's weekday once its time has
    come (later the same day too, so a scheduler that was down catches up)."""
    return today.isoweekday() == rules.digest_weekday and now_time >= rules.digest_time


def reminders_due(rules: NotifyRules, now_time: time) -> bool:
    return now_time >= rules.reminder_time


def in_quiet_hours(moment: time, start: time | None, end: time | None) -> bool:
    """Whether a local time lies in [start, end), the span crossing midnight when end < start."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(frozen=True)
class Window:
    """Deadlines in [first, last] (calendar days) have their reminder `offset` working days before their
    lapse day `lapse` today (offset 0: today is the lapse day)."""

    offset: int
    first: date
    last: date
    lapse: date


def lapse_day(deadline: date, calendar: Calendar) -> date:
    """The day a deadline lapses: the deadline, or the next working day when it falls on a day off."""
    return calendar.workday_on_or_after(deadline)


def reminder_windows(today: date, rules: NotifyRules, calendar: Calendar) -> list[Window]:
    """For today, per reminder offset, the deadlines reminded today. Nothing on a day off: every reminder
    day is a working day (a deadline N working days away is reminded on the working day N before)."""
    if not calendar.is_workday(today):
        return []
    offsets = list(rules.reminder_workdays) + ([0] if rules.remind_on_lapse else [])
    windows = []
    for n in offsets:
        lapse = calendar.add_workdays(today, n) if n else today
        # every deadline after the working day before `lapse` up to `lapse` lapses on `lapse`
        first = calendar.add_workdays(lapse, -1) + timedelta(days=1)
        windows.append(Window(offset=n, first=first, last=lapse, lapse=lapse))
    return windows


def reminder_offset(deadline: date, today: date, rules: NotifyRules, calendar: Calendar) -> int | None:
    """The offset a deadline is reminded with today, or None when today is not one of its days."""
    for window in reminder_windows(today, rules, calendar):
        if window.first <= deadline <= window.last:
            return window.offset
    return None


# ---------------------------------------------------------------------------------------------------
# The leader's digest


@dataclass(frozen=True)
class LightItem:
    project_id: int
    project: str
    unit: str
    color: str  # "red" | "yellow"
    reason: str


@dataclass(frozen=True)
class NodeItem:
    node_id: int
    project: str
    node: str
    unit: str
    deadline: date
    late_workdays: int | None = None  # overdue nodes: working days past the deadline (None: not known)


@dataclass(frozen=True)
class OverdueItem:
    """An overdue problem (kind "problem", deadline = its 办结期限) or decided matter ("matter")."""

    kind: str
    id: int
    title: str
    unit: str
    deadline: date
    project: str = ""


@dataclass(frozen=True)
class MeetingItem:
    id: int
    title: str
    day: date
    start: time | None = None
    place: str = ""


@dataclass(frozen=True)
class LeaderDigest:
    person_id: int
    name: str
    post: str = ""
    projects: int = 0  # projects led or of the units in charge
    lights: tuple[LightItem, ...] = ()
    nodes: tuple[NodeItem, ...] = ()  # unfinished, due in the window
    overdue_nodes: tuple[NodeItem, ...] = ()  # unfinished, deadline before today (已超期节点)
    problems: tuple[OverdueItem, ...] = ()
    matters: tuple[OverdueItem, ...] = ()
    meetings: tuple[MeetingItem, ...] = ()

    @property
    def reds(self) -> int:
        return sum(1 for item in self.lights if item.color == "red")

    @property
    def yellows(self) -> int:
        return sum(1 for item in self.lights if item.color == "yellow")

    @property
    def empty(self) -> bool:
        """Nothing to tell: no projects and every part empty (no digest is sent then)."""
        return not (
            self.projects
            or self.lights
            or self.nodes
            or self.overdue_nodes
            or self.problems
            or self.matters
            or self.meetings
        )


@dataclass(frozen=True)
class Text:
    subject: str
    body: str  # first paragraph: the summary (SMS); then the details (e-mail, robots)

    @property
    def summary(self) -> str:
        return self.body.strip().split("\n\n", 1)[0]


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _weekday(day: date) -> str:
    return WEEKDAYS[day.isoweekday()]


def _more(items: Sequence[Any], lines: list[str]) -> list[str]:
    if len(items) > MAX_LINES:
        lines.append(f"……另有 {len(items) - MAX_LINES} 项")
    return lines


def _part(title: str, items: Sequence[Any], line) -> list[str]:
    if not items:
        return []
    lines = [f"{title}（{len(items)}）"]
    lines += [f"{n}. {line(item)}" for n, item in enumerate(items[:MAX_LINES], 1)]
    return _more(items, lines)


def _late_days(today: date, deadline: date) -> str:
    return f"逾期 {(today - deadline).days} 天"


def _late_node(item: NodeItem, today: date) -> str:
    if item.late_workdays is not None:
        return f"超期 {item.late_workdays} 个工作日"
    return _late_days(today, item.deadline)


def digest_text(digest: LeaderDigest, *, today: date, url: str = "") -> Text:
    """A leader's Monday digest: subject, a one-line summary (the SMS) and the details. A leader without
    projects (only meetings or matters of the units in charge) is told so in the summary."""
    who = f"{digest.name}同志"
    subject = f"项目推进周报推送（{_md(today)}）：红灯{digest.reds}个、黄灯{digest.yellows}个"
    counts = [f"红灯{digest.reds}个、黄灯{digest.yellows}个"] if digest.projects else []
    if digest.overdue_nodes:
        counts.append(f"已超期节点{len(digest.overdue_nodes)}个")
    if digest.nodes:
        counts.append(f"近期到期节点{len(digest.nodes)}个")
    if digest.problems:
        counts.append(f"逾期问题{len(digest.problems)}个")
    if digest.matters:
        counts.append(f"逾期议定事项{len(digest.matters)}项")
    if digest.meetings:
        counts.append(f"近期会议{len(digest.meetings)}场")
    if digest.projects:
        summary = f"{who}：您挂点和分管的{digest.projects}个项目，" + "，".join(counts) + "。"
    else:
        subject = f"项目推进周报推送（{_md(today)}）"
        summary = (
            f"{who}：您目前没有挂点和分管的在建项目" + ("，" + "，".join(counts) if counts else "") + "。"
        )
    if len(summary) > SMS_LIMIT:
        summary = summary[: SMS_LIMIT - 1] + "…"
    parts: list[list[str]] = [
        _part(
            "一、红黄灯项目",
            sorted(digest.lights, key=lambda i: (i.color != "red", i.project)),
            lambda i: f"【{LIGHT_NAMES.get(i.color, i.color)}】{i.project}（{i.unit}）：{i.reason}",
        ),
        _part(
            "二、已超期节点",
            sorted(digest.overdue_nodes, key=lambda i: (i.deadline, i.project)),
            lambda i: f"{i.project}—{i.node}（{i.unit}），{_md(i.deadline)}到期，{_late_node(i, today)}",
        ),
        _part(
            "三、近期到期节点",
            sorted(digest.nodes, key=lambda i: (i.deadline, i.project)),
            lambda i: f"{i.project}—{i.node}（{i.unit}），{_md(i.deadline)}{_weekday(i.deadline)}到期",
        ),
        _part(
            "四、逾期问题",
            sorted(digest.problems, key=lambda i: (i.deadline, i.id)),
            lambda i: (
                f"{i.title}（{i.unit}{'，' + i.project if i.project else ''}），{_late_days(today, i.deadline)}"
            ),
        ),
        _part(
            "五、逾期议定事项",
            sorted(digest.matters, key=lambda i: (i.deadline, i.id)),
            lambda i: f"{i.title}（{i.unit}），{_late_days(today, i.deadline)}",
        ),
        _part(
            "六、近期会议",
            sorted(digest.meetings, key=lambda i: (i.day, i.start or time(0), i.id)),
            lambda i: (
                f"{_md(i.day)}{_weekday(i.day)}"
                + (f" {i.start:%H:%M}" if i.start else "")
                + f" {i.title}"
                + (f"（{i.place}）" if i.place else "")
            ),
        ),
    ]
    details = [line for part in parts for line in ([*part, ""] if part else [])]
    if not details:
        details = ["本周没有红黄灯项目、已超期和近期到期节点、逾期问题和议定事项，也没有近期会议。", ""]
    body = "\n".join([summary, "", *details]).rstrip() + "\n"  # the channel adds the link
    return Text(subject=subject, body=body)


# ---------------------------------------------------------------------------------------------------
# A unit's to-dos


@dataclass(frozen=True)
class TodoLine:
    title: str
    due_on: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class TodoGroupFacts:
    title: str
    items: tuple[TodoLine, ...] = ()


@dataclass(frozen=True)
class UnitTodos:
    unit_id: int
    unit: str
    groups: tuple[TodoGroupFacts, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def overdue(self) -> int:
        return sum(1 for g in self.groups for i in g.items if i.overdue)


def todos_text(todos: UnitTodos, *, today: date, url: str = "") -> Text:
    subject = f"本周待办（{_md(today)}）：{todos.unit} {todos.count} 项"
    summary = f"{todos.unit}：本周共有待办 {todos.count} 项" + (
        f"，其中已逾期 {todos.overdue} 项。" if todos.overdue else "。"
    )
    lines = [summary, ""]
    for group in todos.groups:
        lines.append(f"{group.title}（{len(group.items)}）")
        for n, item in enumerate(group.items[:MAX_LINES], 1):
            due = ""
            if item.due_on is not None:
                due = f"，{'已逾期，' if item.overdue else ''}期限 {_md(item.due_on)}"
            lines.append(f"{n}. {item.title}{due}")
        _more(group.items, lines)
        lines.append("")
    return Text(subject=subject, body="\n".join(lines).rstrip() + "\n")  # the channel adds the link


# ---------------------------------------------------------------------------------------------------
# A reminder


@dataclass(frozen=True)
class ReminderItem:
    kind: str  # REMINDER_KINDS key
    id: int  # the node's, problem's, matter's id; for "report": the unit's
    title: str  # node: "项目—节点"; report: "2024年第23周周报（3 个项目未报送）"; problem/matter: its title
    unit_id: int
    unit: str
    deadline: date
    offset: int  # working days before the lapse day; 0 = the lapse day
    lapse: date | None = None  # the deadline moved to a working day (None: the deadline itself)
    ref: str = ""  # "node:17", "report:weekly:2024-06-03", "problem:9", "matter:5"


def reminder_key(item: ReminderItem) -> str:
    """The content key: the item, its deadline (a moved deadline reminds again) and the reminder day's
    offset (each reminder once)."""
    when = f"d{item.offset}" if item.offset else "due"
    return f"reminder:{item.ref or item.kind + ':' + str(item.id)}:{item.deadline.isoformat()}:{when}"


def reminder_text(item: ReminderItem, *, url: str = "") -> Text:
    what = REMINDER_KINDS.get(item.kind, item.kind)
    lapse = item.lapse or item.deadline
    if item.offset:
        when = f"将于 {_md(lapse)}{_weekday(lapse)}到期（还有 {item.offset} 个工作日）"
        subject = f"到期提醒：{item.title}"
    else:
        when = "今天到期，请今日内办结"
        subject = f"今日到期：{item.title}"
    moved = f"（时限 {_md(item.deadline)} 为休息日，顺延至 {_md(lapse)}）" if lapse != item.deadline else ""
    summary = f"{item.unit}：{what}“{item.title}”{when}{moved}。"
    lines = [summary, ""]
    return Text(subject=subject[:200], body="\n".join(lines).rstrip() + "\n")
