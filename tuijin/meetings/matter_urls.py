"""Filled by the issue-6 work in progress."""

urlpatterns: list = []
