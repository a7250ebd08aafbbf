"""URLs of meeting series, the calendar, meetings, agenda, attendance, minutes and the minutes' Word."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("list/", views.meeting_list, name="list"),
    path("series/", views.series_page, name="series"),
    path("series/sync/", views.series_sync, name="series_sync"),
    path("series/new/", views.series_new, name="series_new"),
    path("series/leaders/", views.series_leaders, name="series_leaders"),
    path("series/<int:pk>/", views.series_edit, name="series_edit"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/agenda/propose/", views.agenda_propose, name="agenda_propose"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/<int:item>/remove/", views.agenda_remove, name="agenda_remove"),
    path("<int:pk>/agenda/<int:item>/move/", views.agenda_move, name="agenda_move"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/issue/", views.issue, name="issue"),
    path("<int:pk>/minutes.docx", views.minutes_download, name="minutes_docx"),
]
