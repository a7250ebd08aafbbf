"""Scopes and actions of the calendar pages (registered with tuijin.core.access)."""
