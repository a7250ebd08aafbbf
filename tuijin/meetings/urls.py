"""The meetings' URLs, one module per area: meeting series, calendar, meetings and minutes
(`meeting_urls`); decided matters (`matter_urls`)."""

from . import matter_urls, meeting_urls

app_name = "meetings"
urlpatterns = meeting_urls.urlpatterns + matter_urls.urlpatterns
