"""Django admin is for office admins and reference data only (DESIGN.md); its lists are scoped too."""

from django.contrib import admin

from .access import is_office_admin, registered_scope, scope


def is_admin_user(user) -> bool:
    return bool(user.is_active and (user.is_superuser or is_office_admin(user)))


def scoped_choices(request, db_field, kwargs) -> dict:
    """Foreign-key and many-to-many choices are scoped too, so an admin cannot file a record under
    another district's jurisdiction or unit by picking it (a forged id fails the form's validation)."""
    related = db_field.remote_field.model
    if registered_scope(related):
        base = kwargs.get("queryset")
        kwargs["queryset"] = scope(request.user, base if base is not None else related._default_manager.all())
    return kwargs


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scope(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **scoped_choices(request, db_field, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **scoped_choices(request, db_field, kwargs)
        )

    def _in_scope(self, request, obj) -> bool:
        """Object-level checks too: history and revert pages look records up without the scoped queryset."""
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_user(request.user) and self._in_scope(request, obj)

    def has_add_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin_user(request.user) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_admin_user(request.user) and self._in_scope(request, obj)


class ScopedInline(admin.TabularInline):
    """An inline office admins may edit (they hold no Django model permissions), with scoped choices."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **scoped_choices(request, db_field, kwargs)
        )

    def has_view_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_add_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin_user(request.user)


def _admin_site_has_permission(request) -> bool:
    return is_admin_user(request.user)


admin.site.has_permission = _admin_site_has_permission
