"""Rule-set pages (issue 5)."""

from django.urls import path

from . import ruleset_views as views

app_name = "rulesets"
urlpatterns = [
    path("", views.index, name="index"),
    path("pick/", views.pick, name="pick"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
]
