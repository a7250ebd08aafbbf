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
# Tasks run inside the test that enqueues them; a test that needs the real worker switches to
# django_tasks_db.DatabaseBackend with the `settings` fixture and runs call_command("worker", "--batch").
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
TASK_RETRY_DELAY_SECONDS = 0

os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
