"""URLs of exemptions (免扣分), bonuses (奖励加分) and rectification reports (整改报告), under /scoring/."""

from django.urls import path

from . import exemption_views as v

urlpatterns = [
    path("exemptions/", v.exemption_list, name="exemptions"),
    path("exemptions/new/", v.exemption_apply, name="exemption_apply"),
    path("exemptions/<int:pk>/", v.exemption_detail, name="exemption"),
    path("exemptions/<int:pk>/renew/", v.exemption_renew, name="exemption_renew"),
    path("exemptions/<int:pk>/<slug:step>/", v.exemption_step, name="exemption_step"),
    path("bonuses/", v.bonus_list, name="bonuses"),
    path("bonuses/propose/", v.bonus_propose, name="bonus_propose"),
    path("bonuses/<int:pk>/<slug:step>/", v.bonus_step, name="bonus_step"),
    path("rectifications/", v.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", v.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/submit/", v.rectification_submit, name="rectification_submit"),
    path("rectifications/<int:pk>/file/", v.rectification_file, name="rectification_file"),
    path("rectifications/<int:pk>/<slug:step>/", v.rectification_step, name="rectification_step"),
]
