"""URLs of the boards (挂图作战), their lists, the wall screen and the override form."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.board, name="board"),
    path("projects/", views.projects, name="projects"),
    path("should-start/", views.should_start, name="should_start"),
    path("should-finish/", views.should_finish, name="should_finish"),
    path("wall/", views.wall, name="wall"),
    path("trend/", views.trend, name="trend"),
    path("due/", views.due, name="due"),
    path("reports/", views.reports, name="reports"),
    path("override/project/<int:project_id>/", views.override_project, name="override_project"),
    path("override/node/<int:node_id>/", views.override_node, name="override_node"),
]
