"""Push records (推送记录), group robots (群机器人) and, from `preference_urls` (H2), the preferences page."""

from django.urls import path

from . import views
from .preference_urls import urlpatterns as preference_patterns

app_name = "notify"
urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/follow-up/", views.message_follow_up, name="message_follow_up"),
    path("messages/<int:pk>/review/<str:step>/", views.message_review, name="message_review"),
    path("endpoints/", views.endpoint_list, name="endpoints"),
    path("endpoints/new/", views.endpoint_create, name="endpoint_create"),
    path("endpoints/<int:pk>/", views.endpoint_edit, name="endpoint_edit"),
    path("endpoints/<int:pk>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("endpoints/<int:pk>/test/", views.endpoint_send_test, name="endpoint_test"),
    *preference_patterns,
]
