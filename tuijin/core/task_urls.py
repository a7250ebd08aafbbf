from django.urls import path

from . import task_views

app_name = "tasks"
urlpatterns = [
    path("", task_views.index, name="index"),
    path("<uuid:result_id>/retry/", task_views.retry_now, name="retry_now"),
]
