from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tuijin.core.admin_base import ScopedAdmin

from .models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    pass


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedHistoryAdmin):
    list_display = ["name", "code", "level", "parent", "rule_set"]
    list_filter = ["level"]
    search_fields = ["name", "code"]

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


class MemberInline(admin.TabularInline):
    model = LeadingGroupMember
    extra = 1
    autocomplete_fields = ["person"]


@admin.register(LeadingGroup)
class LeadingGroupAdmin(ScopedHistoryAdmin):
    list_display = ["name", "jurisdiction", "office"]
    inlines = [MemberInline]
