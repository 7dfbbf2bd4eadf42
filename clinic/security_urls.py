"""Two-factor, audit log and calendar feed pages."""

from __future__ import annotations

from django.urls import path

from clinic import security_views as views

urlpatterns = [
    path("security/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("security/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("security/lockouts/", views.lockout_list, name="lockouts"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("audit/export.csv", views.audit_export_csv, name="audit-export"),
    path("ical/", views.calendar_feed_page, name="ical-page"),
    path("ical/<str:token>.ics", views.calendar_feed, name="ical-feed"),
]
