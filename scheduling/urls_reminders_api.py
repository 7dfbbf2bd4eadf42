from __future__ import annotations

from django.urls import path

from scheduling.reminders_api import ReminderList

urlpatterns = [
    path("reminders/", ReminderList.as_view(), name="api-reminders"),
]
