from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tuijin.core.admin_base import ScopedAdmin, ScopedInline

from .models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    pass


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedHistoryAdmin):
    list_display = ["name", "code", "level", "parent", "rule_set"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    # the rule set is picked on the rule-set page (with its checks); code and parent fix the tree path
    exclude = ["rule_set"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "parent"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not request.user.is_superuser:
            # an office admin adds jurisdictions below their own, never a new root
            form.base_fields["parent"].required = True
        return form

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ScopedHistoryAdmin):
    list_display = ["name", "short_name", "kind", "rank_group", "jurisdiction", "is_active"]
    list_filter = ["kind", "rank_group", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(Person)
class PersonAdmin(ScopedHistoryAdmin):
    list_display = ["name", "post", "unit", "is_leader", "jurisdiction", "is_active"]
    list_filter = ["is_leader", "is_active"]
    search_fields = ["name", "post"]
    filter_horizontal = ["units_in_charge"]


class MemberInline(ScopedInline):
    model = LeadingGroupMember
    extra = 1
    autocomplete_fields = ["person"]


@admin.register(LeadingGroup)
class LeadingGroupAdmin(ScopedHistoryAdmin):
    list_display = ["name", "jurisdiction", "office"]
    inlines = [MemberInline]
