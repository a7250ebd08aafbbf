"""Scopes and actions of the ruleset pages (registered with tuijin.core.access)."""
