"""URLs of the approval clocks and the start-plan export (included by tuijin/chains/urls.py)."""

from django.urls import path

from . import export_views as views

urlpatterns: list = [
    path("clocks/", views.clocks, name="clocks"),
    path("export/", views.export_plan, name="export"),
]
