"""The project library's URLs, one module per area so each reads on its own."""

from . import detail_urls, list_urls, plan_urls, sheet_urls

app_name = "projects"
urlpatterns = list_urls.urlpatterns + sheet_urls.urlpatterns + plan_urls.urlpatterns + detail_urls.urlpatterns
