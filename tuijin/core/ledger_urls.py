from django.urls import path

from . import ledger_views

app_name = "ledger"
urlpatterns = [
    path("", ledger_views.index, name="index"),
    path("verify/", ledger_views.verify, name="verify"),
    path("seal/", ledger_views.seal, name="seal"),
]
