"""Browser-test harness: Playwright driving Debian's chromium against Django's live server.

`page_as("office_admin")` gives a page logged in through the real login form as that persona of the
`world` fixture. Screenshots go to var/screenshots/ so a person can look at them.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--lang=zh-CN",  # native controls (date and file inputs) in Chinese, as users see them
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# On SQLite the test database lives in memory and Django's live server shares the test's one connection
# with its request threads (Django's docs warn that simultaneous queries on it "may sometimes randomly cause
# the tests to fail"). A page's htmx requests (the 待办 badge after every page) run while the test reads the
# database, and twice such an overlap hung both threads inside SQLite. One lock around every call into the
# shared connection lets only one thread at a time into SQLite.
_SHARED_CONNECTION = threading.RLock()
_CURSOR_CALLS = ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "close")
_CONNECTION_CALLS = (
    "_commit",
    "_rollback",
    "_set_autocommit",
    "_start_transaction_under_autocommit",
    "create_cursor",
)


def _one_at_a_time(method):
    def call(*args, **kwargs):
        with _SHARED_CONNECTION:
            return method(*args, **kwargs)

    return call


@pytest.fixture(scope="session", autouse=True)
def _sqlite_one_query_at_a_time():
    from django.db.backends.sqlite3 import base

    originals = []
    for cls, names in ((base.SQLiteCursorWrapper, _CURSOR_CALLS), (base.DatabaseWrapper, _CONNECTION_CALLS)):
        for name in names:
            originals.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, _one_at_a_time(getattr(cls, name)))
    yield
    for cls, name, original in originals:
        if original is None:
            delattr(cls, name)
        else:
            setattr(cls, name, original)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"找不到 chromium（{CHROMIUM}）：请先运行 ./run test，它会安装 Debian 的 chromium 软件包")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _seed_level_tags() -> None:
    import importlib

    from tuijin.projects.models import ProjectTag

    seed = importlib.import_module("tuijin.projects.migrations.0002_seed_tags")
    for sort, (name, must, source) in enumerate(seed.TAGS, start=1):
        ProjectTag.objects.get_or_create(
            name=name, defaults={"must_be_listed": must, "source": source, "sort": sort}
        )


@pytest.fixture
def world_live(transactional_db, live_server):
    from tests.factories import build_world
    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed

    # transactional tests flush the tables after each test, migration data included: seed it again
    calendar_seed()
    calendar_refresh()
    _seed_level_tags()
    return build_world()


@pytest.fixture
def page_as(browser, live_server, world_live):
    from tests.factories import PASSWORD

    contexts = []

    def open_as(role: str, *, mobile: bool = False):
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        user = world_live.personas()[role]
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
