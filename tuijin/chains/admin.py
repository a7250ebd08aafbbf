"""Chains in Django admin: read-only (writes go through the services, which check the order of deadlines,
keep baselines and refresh lights; the office edits chains and templates on their own pages)."""

from django.contrib import admin

from tuijin.core.admin_base import ScopedAdmin

from .models import Chain, ChainTemplate


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChainTemplate)
class ChainTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "jurisdiction", "source", "is_active", "sort"]
    list_filter = ["is_active"]


@admin.register(Chain)
class ChainAdmin(ReadOnlyAdmin):
    list_display = ["project", "template", "target", "clock_class", "signed_by", "confirmed_at"]
    list_select_related = ["project", "template"]
    search_fields = ["project__name"]
