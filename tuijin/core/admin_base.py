"""Django admin is for office admins and reference data only (DESIGN.md); its lists are scoped too."""

from django.contrib import admin

from .access import scope


def is_admin_user(user) -> bool:
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == "office_admin"))


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scope(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_add_permission(self, request):
        return is_admin_user(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin_user(request.user)


def _admin_site_has_permission(request) -> bool:
    return is_admin_user(request.user)


admin.site.has_permission = _admin_site_has_permission
