"""Test settings: the real settings with a fast hasher and tasks run by the test itself unless a test
starts a real worker. DATABASE_URL still picks PostgreSQL, so the same suite runs on both databases."""

import os

os.environ.setdefault("TUIJIN_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from tuijin.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
