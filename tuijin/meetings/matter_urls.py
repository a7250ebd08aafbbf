"""URLs of decided matters (议定事项), mounted under /meetings/ in the `meetings` namespace."""

from django.urls import path

from . import matter_views as views

urlpatterns = [
    path("matters/", views.matter_list, name="matters"),
    path("matters/<int:pk>/", views.matter_detail, name="matter"),
    path("matters/<int:pk>/step/<slug:step>/", views.matter_step, name="matter_step"),
    path("matters/attachments/<int:pk>/", views.attachment_download, name="matter_attachment"),
    path("<int:meeting_id>/matters/new/", views.matter_new, name="matter_new"),
]
