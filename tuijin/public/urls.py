"""The public page: no login (see `views`)."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("<str:code>/", views.index, name="index"),
    path("<str:code>/<int:pk>/", views.notice, name="notice"),
]
