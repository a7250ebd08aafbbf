"""URLs of the project page and the create/edit pages (included by tuijin/projects/urls.py)."""

from django.urls import path

from . import detail_views as views

urlpatterns: list = [
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/stage/", views.move_stage, name="move_stage"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("<int:pk>/investment/", views.investment, name="investment"),
]
