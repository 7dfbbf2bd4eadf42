from __future__ import annotations

from django.urls import path

from scheduling.records_api import SessionRecordAPIView

urlpatterns = [
    path(
        "appointments/<int:pk>/record/",
        SessionRecordAPIView.as_view(),
        name="api-appointment-record",
    ),
]
