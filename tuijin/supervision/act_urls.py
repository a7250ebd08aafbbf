"""URLs of supervision acts (督查记录), findings, photos, required actions (整改要求) and the monthly
circuit supervision (巡回督导)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.act_list, name="acts"),
    path("new/", views.act_new, name="act_new"),
    path("<int:pk>/", views.act_detail, name="act"),
    path("<int:pk>/edit/", views.act_edit, name="act_edit"),
    path("<int:pk>/step/<slug:step>/", views.act_step, name="act_step"),
    path("reported/", views.reported_panel, name="reported"),
    path("findings/<int:pk>/resolve/", views.finding_resolve, name="finding_resolve"),
    path("photos/<int:pk>/", views.photo_file, name="photo"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/<slug:step>/", views.action_step, name="action_step"),
    path("circuit/", views.circuit_index, name="circuit_index"),
    path("circuit/<str:month>/", views.circuit_month, name="circuit"),
    path("circuit/<str:month>/prepare/", views.circuit_prepare, name="circuit_prepare"),
]
