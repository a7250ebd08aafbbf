"""The preferences pages (推送设置), included by `notify/urls.py`: one's own, and the office's view of a
person of its subtree."""

from django.urls import path

from . import preference_views as views

urlpatterns = [
    path("preferences/", views.own_preferences, name="preferences"),
    path("preferences/<int:person_id>/", views.person_preferences, name="preferences_person"),
]
