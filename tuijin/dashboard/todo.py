"""Every user's to-do list (待办, issue 5 part 7): what waits for them, gathered from the apps.

Each app registers a `TodoSource` (reports due, returns to fix, slips to acknowledge, problems assigned or
overdue, approvals to sign …) from its `apps.py` `ready()`; this module only gathers them. A source says
which roles can have it, lists the user's items and counts them cheaply (one COUNT query): the home page
and /todo/ show the items, every page's navigation shows the sum of the counts.

    from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source

    register_todo_source(TodoSource(
        key="reports.due", title="待填报的周报", icon="file-pencil",
        roles=frozenset({Role.UNIT_REPORTER, Role.UNIT_HEAD}),
        items=lambda user, today: [...TodoItem...], count=lambda user, today: 3,
    ))

`today` is the server's date (`timezone.localdate()`, pinned by time-machine in tests); sources never
read the clock themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class TodoItem:
    """One thing waiting for the user: a title, where to act on it, and its due date (if any)."""

    title: str
    url: str
    due_on: date | None
    overdue: bool
    detail: str = ""


@dataclass(frozen=True)
class TodoSource:
    """A kind of to-do, registered by the app that owns it.

    key: unique, "<app>.<what>" (registering the same key again replaces the source).
    title: the group's Chinese title, e.g. "待签收的交办单".
    icon: a Tabler icon name without the "ti-" prefix, e.g. "file-pencil".
    roles: the Role values who can have it at all (others are never asked).
    items: (user, today) -> all the user's items, most urgent first (overdue, then by due date).
    count: (user, today) -> how many items `items` would return; one cheap query (the navigation badge
        calls it on every page).
    url: optional page listing them all (a "全部" link under the group).
    order: groups are shown by order, then registration order.
    """

    key: str
    title: str
    icon: str
    roles: frozenset[str]
    items: Callable[[Any, date], list[TodoItem]]
    count: Callable[[Any, date], int]
    url: str = ""
    order: int = 100


@dataclass(frozen=True)
class TodoGroup:
    """A source's items for one user, as the pages show them."""

    key: str
    title: str
    icon: str
    count: int
    items: list[TodoItem] = field(default_factory=list)
    url: str = ""

    @property
    def anchor(self) -> str:
        """The group's HTML id: "todo-" + the key with dots as dashes."""
        return "todo-" + self.key.replace(".", "-").replace("_", "-")

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)


_SOURCES: dict[str, TodoSource] = {}


def register_todo_source(source: TodoSource) -> None:
    """Add (or replace, by key) a to-do source. Call from the owning app's `ready()`."""
    _SOURCES[source.key] = source


def unregister_todo_source(key: str) -> None:
    """Remove a source (tests)."""
    _SOURCES.pop(key, None)


def todo_sources() -> list[TodoSource]:
    """The registered sources in display order."""
    keys = list(_SOURCES)
    return sorted(_SOURCES.values(), key=lambda s: (s.order, keys.index(s.key)))


def sources_for(user: Any) -> list[TodoSource]:
    """The sources the user's role can have (inactive or anonymous users have none)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    role = getattr(user, "role", "") or ""
    return [s for s in todo_sources() if role in s.roles]


def server_today() -> date:
    """The server's date in Asia/Shanghai: the `today` every source receives."""
    return timezone.localdate()


def todo_for(user: Any, today: date | None = None) -> list[TodoGroup]:
    """The user's non-empty to-do groups, each with its count and items."""
    today = today or server_today()
    groups = []
    for source in sources_for(user):
        items = list(source.items(user, today))
        if not items:
            continue
        groups.append(
            TodoGroup(
                key=source.key,
                title=source.title,
                icon=source.icon,
                count=len(items),
                items=items,
                url=source.url,
            )
        )
    return groups


def todo_count(user: Any, today: date | None = None) -> int:
    """How many things wait for the user: the sum of the sources' counts (one query per source)."""
    today = today or server_today()
    return sum(int(source.count(user, today)) for source in sources_for(user))


def todo_count_for_request(request: Any) -> int:
    """`todo_count` computed once per request (the navigation badge); a page that already gathered the
    groups sets `request._todo_count` so the badge costs nothing more."""
    cached = getattr(request, "_todo_count", None)
    if cached is None:
        cached = todo_count(request.user)
        request._todo_count = cached
    return cached
