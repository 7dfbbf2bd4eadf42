from __future__ import annotations

from django.urls import path

from scheduling import link_views, reminder_views

urlpatterns = [
    path("messages/", reminder_views.message_list, name="messages"),
    path("messages/<int:pk>/resolve/", reminder_views.message_resolve, name="message-resolve"),
    path("hooks/sms/inbound/", reminder_views.sms_inbound, name="sms-inbound"),
    path("p/confirm/<str:token>/", link_views.confirm, name="link-confirm"),
    path("p/cancel/<str:token>/", link_views.cancel, name="link-cancel"),
    path("p/pain/<str:token>/", link_views.pain, name="link-pain"),
    path("p/unsubscribe/<str:token>/", link_views.unsubscribe, name="link-unsubscribe"),
    path("p/visits/<str:token>/", link_views.visits, name="link-visits"),
]
