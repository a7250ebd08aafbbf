"""Supervision's URLs, one module per area: supervision acts, findings, required actions and circuit
supervision (`act_urls`); cards, the monthly card review, appeals and referrals (`card_urls`)."""

from . import act_urls, card_urls

app_name = "supervision"
urlpatterns = act_urls.urlpatterns + card_urls.urlpatterns
