"""URLs of briefings and notices, under /documents/ (the lead includes this module:
`path("documents/", include("tuijin.documents.bulletin_urls"))`)."""

from django.urls import path

from . import bulletin_views as v

app_name = "documents"

urlpatterns = [
    path("bulletins/", v.bulletin_list, name="bulletins"),
    path("bulletins/new/", v.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", v.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/word/", v.bulletin_word, name="bulletin_word"),
    path("bulletins/<int:pk>/pdf/", v.bulletin_pdf, name="bulletin_pdf"),
    path("bulletins/<int:pk>/pdf/retry/", v.bulletin_pdf_retry, name="bulletin_pdf_retry"),
    path("bulletins/<int:pk>/<slug:step>/", v.bulletin_step, name="bulletin_step"),
]
