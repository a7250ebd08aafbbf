"""URLs of the project library's list pages (included by tuijin/projects/urls.py)."""

from django.urls import path

from . import list_views

urlpatterns: list = [
    path("", list_views.project_list, name="list"),
    path("export/", list_views.project_export, name="export"),
    path("filters/", list_views.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", list_views.saved_filter_delete, name="saved_filter_delete"),
]
