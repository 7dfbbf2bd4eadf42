from __future__ import annotations

from django.urls import path

from scheduling.reminders import api, views

urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/resolve/", views.message_resolve, name="message-resolve"),
    path("hooks/sms/inbound/", views.sms_inbound, name="sms-inbound"),
    path("p/confirm/<str:token>/", views.confirm, name="link-confirm"),
    path("p/cancel/<str:token>/", views.cancel, name="link-cancel"),
    path("p/move/<str:token>/", views.move, name="link-move"),
    path("p/pain/<str:token>/", views.pain, name="link-pain"),
    path("p/hoos/<str:token>/", views.hoos, name="link-hoos"),
    path("p/unsubscribe/<str:token>/", views.unsubscribe, name="link-unsubscribe"),
    path("p/visits/<str:token>/", views.visits, name="link-visits"),
]

# Mounted under /api/v1/ by clinic/urls.py.
api_urlpatterns = [
    path("reminders/", api.ReminderList.as_view(), name="api-reminders"),
]
