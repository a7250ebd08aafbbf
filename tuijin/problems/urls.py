"""URLs of problems (问题闭环) and the four slips."""

from django.urls import path

from . import export_views, views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/step/<slug:step>/", views.problem_step, name="step"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("ledger.xlsx", export_views.ledger, name="ledger"),  # 导出台账
    path("slips/", views.slip_list, name="slips"),
    path("slips/<int:pk>/acknowledge/", views.slip_acknowledge, name="slip_acknowledge"),
    path("slips/<int:pk>/docx/", views.slip_download, name="slip_docx"),
    path("templates/", views.templates_page, name="templates"),
    path("templates/<slug:key>/upload/", views.template_upload, name="template_upload"),
    path("templates/<slug:key>/revert/", views.template_revert, name="template_revert"),
    path("templates/<slug:key>/download/", views.template_download, name="template_download"),
]
