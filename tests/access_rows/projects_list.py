"""Access rows of the project list, its saved filters and its export (issue 3 parts 5 and 6)."""

import uuid

from tests.access_table import ALL, Row

READERS = ALL - {"discipline"}  # DESIGN.md: the discipline viewer reads referrals only


def _admins_filter(w) -> str:
    """A saved filter of the office admin: only its owner may delete it (others: 403, logged)."""
    from tuijin.projects.list_services import saved_filter_save

    saved = saved_filter_save(user=w.admin, name=f"筛选{uuid.uuid4().hex[:8]}", query="stage=signed")
    return f"/projects/filters/{saved.pk}/delete/"


ROWS = [
    Row("projects:list", "GET", lambda w: "/projects/", READERS),
    Row("projects:export", "GET", lambda w: "/projects/export/", READERS),
    Row(
        "projects:saved_filter_save",
        "POST",
        lambda w: "/projects/filters/",
        READERS,
        data=lambda w: {"name": "在建项目", "query": "library=construction"},
        ok_status=(302,),
    ),
    Row(
        "projects:saved_filter_delete", "POST", _admins_filter, frozenset({"office_admin"}), ok_status=(302,)
    ),
]
