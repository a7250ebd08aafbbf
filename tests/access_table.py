"""DESIGN.md "Who may do what", as a table of every page and action that exists.

Each row: a name, the HTTP method, a function of the test world giving the URL (and POST data), and the
roles allowed. `tests/test_access_matrix.py` walks every row for every persona; each later capability adds
its rows here, and a test fails when a URL pattern has no row.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL = frozenset({"office_admin", "leader", "unit_head", "unit_reporter", "supervisor", "discipline"})
ADMIN = frozenset({"office_admin"})
DIRECTORY = ALL - {"discipline"}


@dataclass(frozen=True)
class Row:
    url_name: str
    method: str
    url: Callable[[Any], str]
    allowed: frozenset[str]
    data: Callable[[Any], dict] = field(default=lambda w: {})
    # status for an allowed persona (GET pages 200; POST actions usually 200 or 302)
    ok_status: tuple[int, ...] = (200,)
    # status for a refused persona: 403 for pages and actions; Django admin redirects to its login
    denied_status: tuple[int, ...] = (403,)


def _seeded_slug(w):
    from tuijin.core.ruleset_services import ruleset_seed

    ruleset_seed()
    return "wuhan-2019"


ROWS: list[Row] = [
    Row("home", "GET", lambda w: "/", ALL),
    Row("password_change", "GET", lambda w: "/accounts/password/", ALL),
    Row("org:units", "GET", lambda w: "/org/units/", DIRECTORY),
    Row("org:people", "GET", lambda w: "/org/people/", DIRECTORY),
    Row("org:leading_group", "GET", lambda w: "/org/leading-group/", DIRECTORY),
    Row("org:accounts", "GET", lambda w: "/org/accounts/", ADMIN),
    Row("org:account_create", "GET", lambda w: "/org/accounts/new/", ADMIN),
    Row(
        "org:account_create",
        "POST",
        lambda w: "/org/accounts/new/",
        ADMIN,
        data=lambda w: {
            "username": "newbie",
            "role": "unit_reporter",
            "jurisdiction": w.district.pk,
            "unit": w.dept.pk,
        },
    ),
    Row("org:account_edit", "GET", lambda w: f"/org/accounts/{w.reporter.pk}/", ADMIN),
    Row(
        "org:account_edit",
        "POST",
        lambda w: f"/org/accounts/{w.reporter.pk}/",
        ADMIN,
        data=lambda w: {
            "display_name": "改名",
            "role": "unit_reporter",
            "jurisdiction": w.district.pk,
            "unit": w.dept.pk,
        },
        ok_status=(302,),
    ),
    Row(
        "org:account_reset_password",
        "POST",
        lambda w: f"/org/accounts/{w.reporter.pk}/reset-password/",
        ADMIN,
    ),
    Row(
        "org:account_toggle",
        "POST",
        lambda w: f"/org/accounts/{w.reporter.pk}/toggle/",
        ADMIN,
        ok_status=(302,),
    ),
    Row("org:audit", "GET", lambda w: "/org/audit/", ADMIN),
    Row("admin:index", "GET", lambda w: "/admin/", ADMIN, denied_status=(302,)),
    # working-day calendar: every role reads it; office admins edit it (the calendar is national)
    Row("calendar:index", "GET", lambda w: "/calendar/", ALL),
    Row("calendar:calculate", "GET", lambda w: "/calendar/calculate/?start=2026-02-13&n=1", ALL),
    Row("calendar:template", "GET", lambda w: "/calendar/template.xlsx?year=2027", ALL),
    Row(
        "calendar:day_set",
        "POST",
        lambda w: "/calendar/day/",
        ADMIN,
        data=lambda w: {"date": "2027-03-01", "kind": "off", "name": "临时休息", "reason": "紧急通知"},
        ok_status=(302,),
    ),
    Row(
        "calendar:day_clear",
        "POST",
        lambda w: "/calendar/day/clear/",
        ADMIN,
        data=lambda w: {"date": "2027-03-01", "reason": "撤回"},
        ok_status=(400,),  # nothing to clear: the page says so
    ),
    Row(
        "calendar:import",
        "POST",
        lambda w: "/calendar/import/",
        ADMIN,
        data=lambda w: {"year": "2027", "document": "通知"},
        ok_status=(400,),  # no file chosen: the form says so
    ),
    Row(
        "calendar:enter",
        "POST",
        lambda w: "/calendar/enter/",
        ADMIN,
        data=lambda w: {"year": "2027", "text": "2027-02-05 休 春节", "document": "通知"},
        ok_status=(302,),
    ),
    Row("calendar:seed", "POST", lambda w: "/calendar/seed/", ADMIN, ok_status=(302,)),
    # rule sets: every role reads them; office admins edit and pick
    Row("rulesets:index", "GET", lambda w: "/rulesets/", ALL),
    Row("rulesets:detail", "GET", lambda w: f"/rulesets/{_seeded_slug(w)}/", ALL),
    Row("rulesets:edit", "GET", lambda w: f"/rulesets/{_seeded_slug(w)}/edit/", ADMIN),
    Row(
        "rulesets:edit",
        "POST",
        lambda w: f"/rulesets/{_seeded_slug(w)}/edit/",
        ADMIN,
        data=lambda w: {"text": "", "note": ""},
    ),
    Row(
        "rulesets:pick",
        "POST",
        lambda w: "/rulesets/pick/",
        ADMIN,
        data=lambda w: {"jurisdiction": w.district.pk, "rule_set": ""},
        ok_status=(302,),
    ),
    # background tasks: office admins only
    Row("tasks:index", "GET", lambda w: "/tasks/", ADMIN),
    Row(
        "tasks:retry_now",
        "POST",
        lambda w: "/tasks/00000000-0000-0000-0000-000000000000/retry/",
        ADMIN,
        ok_status=(302,),
    ),
]


def _more_rows() -> list[Row]:
    """Each capability keeps its rows in `tests/access_rows/<part>.py` (a module-level ROWS list)."""
    import importlib
    import pkgutil

    from tests import access_rows

    rows: list[Row] = []
    for module in pkgutil.iter_modules(access_rows.__path__):
        rows.extend(importlib.import_module(f"tests.access_rows.{module.name}").ROWS)
    return rows


ROWS.extend(_more_rows())

# URL names that need no row: public entry points and Django admin's own sub-pages (guarded by admin:index's rule).
EXEMPT_PREFIXES = ("login", "logout", "admin:")
