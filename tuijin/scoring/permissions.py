"""Scopes and actions of scoring (DESIGN.md "Who may do what")."""
