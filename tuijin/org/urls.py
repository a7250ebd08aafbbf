from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/reset-password/", views.account_reset_password, name="account_reset_password"),
    path("accounts/<int:pk>/toggle/", views.account_toggle, name="account_toggle"),
    path("audit/", views.audit, name="audit"),
    path("units/", views.units, name="units"),
    path("people/", views.people, name="people"),
    path("leading-group/", views.leading_group, name="leading_group"),
]
