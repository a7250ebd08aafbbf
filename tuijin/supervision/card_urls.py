"""URLs of the yellow/red cards, the monthly card review, appeals and referrals."""

from django.urls import path

from . import card_views as v

urlpatterns = [
    path("cards/", v.card_list, name="cards"),
    path("cards/recompute/", v.cards_recompute, name="cards_recompute"),
    path("cards/review/", v.review_current, name="card_review_current"),
    path("cards/review/<str:month>/", v.card_review, name="card_review"),
    path("cards/unit/<int:unit_id>/", v.card_unit, name="card_unit"),
    path("cards/appeals/<int:pk>/decide/", v.appeal_decide, name="card_appeal_decide"),
    path("cards/<int:pk>/", v.card_detail, name="card"),
    path("cards/<int:pk>/<slug:step>/", v.card_step, name="card_step"),
    path("referrals/", v.referral_list, name="referrals"),
    path("referrals/<int:pk>/", v.referral_detail, name="referral"),
    path("referrals/<int:pk>/photos/<int:photo_id>/", v.referral_photo, name="referral_photo"),
    path("referrals/<int:pk>/<slug:step>/", v.referral_step, name="referral_step"),
]
