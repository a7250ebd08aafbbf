from django.contrib import admin

from tuijin.core.admin_base import ScopedAdmin

from .models import ProjectTag


@admin.register(ProjectTag)
class ProjectTagAdmin(ScopedAdmin):
    """Level tags are reference data shared by every jurisdiction (REQ B1, B7)."""

    list_display = ["name", "must_be_listed", "source", "sort"]
    list_editable = ["must_be_listed", "sort"]
