"""Scopes and actions of the calendar pages (registered with tuijin.core.access).

The working-day calendar is national reference data (the State Council's schedule applies everywhere):
every internal role reads it whole, and any office admin may edit it, whatever their jurisdiction.
"""

from tuijin.core.access import ScopeSpec, is_internal, is_office_admin, register_action, register_scope

from .models import CalendarDay, CalendarYear

register_scope(CalendarYear, ScopeSpec(jurisdiction_field="", everyone_reads=True))
register_scope(CalendarDay, ScopeSpec(jurisdiction_field="", everyone_reads=True))

register_action("core.view_calendar", "查看工作日历", is_internal)
register_action("core.edit_calendar", "修改工作日历", is_office_admin)
