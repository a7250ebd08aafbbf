"""Scoring's URLs: periods, rankings, unit score pages, exports, exemptions, bonuses, rectifications."""

app_name = "scoring"
urlpatterns: list = []
