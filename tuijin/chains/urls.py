"""Promotion chains' URLs, one module per area (pages, exports)."""

from . import export_urls, page_urls

app_name = "chains"
urlpatterns = page_urls.urlpatterns + export_urls.urlpatterns
