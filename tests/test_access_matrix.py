"""Walks every cell of DESIGN.md's "who may do what" table for every page and action that exists."""

import pytest
from django.urls import get_resolver

from tests.access_table import EXEMPT_PREFIXES, ROWS
from tuijin.org.models import AccessDenial


def _cells():
    for row in ROWS:
        for role in sorted(
            {"office_admin", "leader", "unit_head", "unit_reporter", "supervisor", "discipline"}
        ):
            yield pytest.param(row, role, id=f"{row.method} {row.url_name} as {role}")


@pytest.mark.parametrize(("row", "role"), list(_cells()))
def test_cell(row, role, world, client_for):
    client = client_for(world.personas()[role])
    url = row.url(world)
    response = client.get(url) if row.method == "GET" else client.post(url, row.data(world))
    if role in row.allowed:
        assert response.status_code in row.ok_status, response.content.decode()[:500]
    else:
        assert response.status_code in row.denied_status
        if response.status_code == 403:
            text = response.content.decode()
            assert "无权" in text
            assert AccessDenial.objects.filter(user=world.personas()[role], path=url).exists()


# Pages aimed at one account: the admin of another district is refused (list and create are scoped instead).
ONE_ACCOUNT = [
    r for r in ROWS if r.url_name in ("org:account_edit", "org:account_reset_password", "org:account_toggle")
]


@pytest.mark.parametrize("row", ONE_ACCOUNT, ids=lambda r: f"{r.method} {r.url_name}")
def test_admin_of_another_district_cannot_touch_accounts_here(row, world, client_for):
    client = client_for(world.foreign_admin)
    response = (
        client.get(row.url(world)) if row.method == "GET" else client.post(row.url(world), row.data(world))
    )
    assert response.status_code == 403


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            ns = pattern.namespace or ""
            yield from _named_patterns(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_page_has_a_row():
    covered = {row.url_name for row in ROWS}
    missing = sorted(
        name
        for name in set(_named_patterns())
        if name not in covered and not name.startswith(EXEMPT_PREFIXES)
    )
    assert missing == [], f"pages without a row in tests/access_table.py: {missing}"
