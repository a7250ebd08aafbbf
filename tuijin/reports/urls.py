"""URLs of reports."""

from django.urls import path

from . import export_urls, views

app_name = "reports"
urlpatterns: list = [
    path("weekly/", views.weekly, name="weekly"),
    path("monthly/", views.monthly, name="monthly"),
    path("new-starts/", views.new_starts, name="new_starts"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<str:kind>/", views.approvals, name="approvals"),
    path("review/weekly/", views.review, {"kind": "weekly"}, name="review_weekly"),
    path("review/monthly/", views.review, {"kind": "monthly"}, name="review_monthly"),
    path("review/new-starts/", views.review, {"kind": "new_starts"}, name="review_new_starts"),
    path("review/<str:kind>/", views.review, name="review"),
    path("review/<str:kind>/<int:unit_id>/", views.review_unit, name="review_unit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/upload/<int:project_id>/", views.photo_upload, name="photo_upload"),
    path("cameras/add/<int:project_id>/", views.camera_add, name="camera_add"),
    path("cameras/<int:pk>/delete/", views.camera_delete, name="camera_delete"),
]
urlpatterns += export_urls.urlpatterns  # 导出周报一览表
