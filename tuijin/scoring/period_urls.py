"""URLs of the score pages: the periods list and compute form, a period's ranking, a unit's score page,
the exports (ranking and the WH19 附件3 score sheet, .xlsx or .docx), recompute and close."""

from django.urls import path, re_path

from . import period_views as v

urlpatterns = [
    path("", v.index, name="index"),
    path("compute/", v.compute_new, name="compute_new"),
    path("<int:pk>/", v.ranking, name="ranking"),
    path("<int:pk>/units/<int:unit_id>/", v.unit, name="unit"),
    re_path(r"^(?P<pk>[0-9]+)/ranking\.(?P<fmt>xlsx|docx)$", v.ranking_export, name="ranking_export"),
    re_path(r"^(?P<pk>[0-9]+)/sheet\.(?P<fmt>xlsx|docx)$", v.sheet_export, name="sheet_export"),
    path("<int:pk>/compute/", v.compute, name="compute"),
    path("<int:pk>/close/", v.close, name="close"),
]
