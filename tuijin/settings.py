"""Tuijin settings: one env-driven file (healthchecks' hc/settings.py is the model).

Every knob is an environment variable with a default that runs the embedded SQLite setup.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TUIJIN_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes", "on")


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated at first start and kept in var/ (0600),
    so no installation runs on a key published in this repository."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process (a second worker) created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", "false")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_NAME = os.environ.get("SITE_NAME", "推进 · 重大重点项目调度平台")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rules",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "tuijin.core",
    "tuijin.org",
    "tuijin.projects",
    "tuijin.chains",
    "tuijin.lights",
    "tuijin.documents",
    "tuijin.reports",
    "tuijin.problems",
    "tuijin.meetings",
    "tuijin.supervision",
    "tuijin.scoring",
    "tuijin.notify",
    "tuijin.public",
    "tuijin.dashboard",
    "tuijin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tuijin.core.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tuijin.core.middleware.PasswordChangeRequiredMiddleware",
    "tuijin.core.middleware.AccessDeniedMiddleware",
]

ROOT_URLCONF = "tuijin.urls"
WSGI_APPLICATION = "tuijin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuijin.core.context_processors.site",
            ],
        },
    },
]

# Databases: SQLite under var/ by default; PostgreSQL through DATABASE_URL.
SQLITE_PATH = Path(os.environ.get("TUIJIN_SQLITE", VAR_DIR / "tuijin.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # web, worker and scheduler share the file (DESIGN.md "Trust")
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "tuijin.org.backends.TuijinBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if envbool("TUIJIN_FAST_HASHER", "false"):  # tests only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# changes go through the pages and services, never through reverting a history row in admin
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire: after SESSION_IDLE_SECONDS without a request, and at the latest after a working day.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", 2 * 3600))
# renewed at most once a minute by tuijin.core.middleware.SessionRefreshMiddleware
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Login lock-out (org.services.login_*): this many failures within the window lock the account.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 5))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))
LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", 30 * 60))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Background work (DESIGN.md): django-tasks with the database backend; tests may use ImmediateBackend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", 3))
TASK_RETRY_DELAY_SECONDS = int(os.environ.get("TASK_RETRY_DELAY_SECONDS", 60))
TASK_KEEP_SUCCESSFUL_DAYS = int(os.environ.get("TASK_KEEP_SUCCESSFUL_DAYS", 14))
TASK_KEEP_FAILED_DAYS = int(os.environ.get("TASK_KEEP_FAILED_DAYS", 90))

# Messages (tuijin.notify): the SMTP server, the SMS gateway (创蓝 253 JSON protocol, docs/notify.md), how
# long a channel may take, how often a message is tried, and after how long a send that never reported
# back (its worker died) is looked at again. SITE_URL makes the links in messages absolute.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "false")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "重点项目办 <noreply@tuijin.local>")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_ACCOUNT = os.environ.get("SMS_ACCOUNT", "")
SMS_PASSWORD = os.environ.get("SMS_PASSWORD", "")
SMS_SIGN = os.environ.get("SMS_SIGN", "【重点项目办】")
NOTIFY_SEND_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_SEND_TIMEOUT_SECONDS", 10))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", 5))
NOTIFY_RETRY_SECONDS = int(os.environ.get("NOTIFY_RETRY_SECONDS", 60))
# The lease of a claimed message (发送中): after it, `sweep` treats the send as interrupted (结果不明). It must
# stay well above the worst-case send: every socket operation may take up to NOTIFY_SEND_TIMEOUT_SECONDS
# and an SMTP send is ~8 round trips (connect, EHLO, [STARTTLS, AUTH,] MAIL, RCPT, DATA, the body with its
# attachments, QUIT), a webhook 2–3 — so ≥ 10 × the timeout plus margin. Default: 30 × the timeout, at
# least 300 s (10 s timeout → 300 s). A success that still arrives after the lease is recorded 已发送.
NOTIFY_LEASE_SECONDS = int(
    os.environ.get("NOTIFY_LEASE_SECONDS", max(300, int(30 * NOTIFY_SEND_TIMEOUT_SECONDS)))
)
# PDF from the same Word file (LibreOffice headless)
LIBREOFFICE_BIN = os.environ.get("LIBREOFFICE_BIN", "soffice")

# current_calendar() re-checks the calendar tables' version stamp at most this often (seconds).
CALENDAR_RECHECK_SECONDS = int(os.environ.get("CALENDAR_RECHECK_SECONDS", 5))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "tuijin": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        "tuijin.access": {"level": "INFO"},
    },
}

# htmx also swaps 4xx answers so an error never vanishes silently (templates/base.html config).
X_FRAME_OPTIONS = "SAMEORIGIN"
