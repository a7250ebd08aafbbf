"""URLs of the project list import and its blank template (included by tuijin/projects/urls.py)."""

from django.urls import path

from . import sheet_views as views

urlpatterns: list = [
    path("import/", views.import_start, name="import"),
    path("import/template.xlsx", views.import_template, name="template"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
    path("import/<str:token>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<str:token>/discard/", views.import_discard, name="import_discard"),
]
