"""Scopes and actions of the task pages (registered with tuijin.core.access)."""
