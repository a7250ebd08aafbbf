"""Lights' URLs: boards, lists, wall screen, overrides."""

from . import board_urls

app_name = "lights"
urlpatterns = board_urls.urlpatterns
