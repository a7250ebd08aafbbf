"""Models of problems."""

from django.db import models  # noqa: F401
