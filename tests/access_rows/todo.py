"""Access rows of the to-do page (待办) and the navigation badge's count: every signed-in role has a
to-do list (possibly empty)."""

from tests.access_table import ALL, Row

ROWS = [
    Row("todo", "GET", lambda w: "/todo/", ALL),
    Row("todo_count", "GET", lambda w: "/todo/count/", ALL),
]
