"""Scoring's URLs, one module per area: periods, rankings, unit score pages and exports (`period_urls`;
its views import `documents`, which registers the Word templates score_ranking and score_sheet);
exemptions, bonuses and rectification reports (`exemption_urls`)."""

from . import exemption_urls, period_urls

app_name = "scoring"
urlpatterns = period_urls.urlpatterns + exemption_urls.urlpatterns
