"""URLs of the weekly-table export (included by `tuijin/reports/urls.py`)."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("export/", export_views.weekly_export, name="export"),
]
