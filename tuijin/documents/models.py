"""Models of documents."""

from django.db import models  # noqa: F401
