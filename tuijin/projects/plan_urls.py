"""URLs of the project library's plan pages (included by tuijin/projects/urls.py)."""

from django.urls import path

from . import plan_views as views

urlpatterns: list = [
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/add/", views.plan_add, name="plan_add"),
    path("plans/<int:pk>/rollover/", views.plan_rollover, name="plan_rollover"),
    path("plans/<int:pk>/entries/<int:entry_pk>/", views.plan_entry, name="plan_entry"),
    path("plans/<int:pk>/entries/<int:entry_pk>/replan/", views.plan_replan, name="plan_replan"),
    path("plans/<int:pk>/entries/<int:entry_pk>/remove/", views.plan_remove, name="plan_remove"),
]
