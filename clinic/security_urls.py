"""Two-factor, audit log and calendar feed pages, plus the two API routes they harden.

Included first in clinic/urls.py, so its `api/v1/auth/token/` (which asks managers for a TOTP
code) and `api/v1/docs/` (Swagger UI without inline scripts, served from this site) take the
place of the plain ones registered there under the same names.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from clinic import security_views as views

urlpatterns = [
    path("api/v1/auth/token/", views.TwoFactorObtainToken.as_view(), name="api-token"),
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("security/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("security/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("audit/export.csv", views.audit_export_csv, name="audit-export"),
    path("ical/", views.calendar_feed_page, name="ical-page"),
    path("ical/<str:token>.ics", views.calendar_feed, name="ical-feed"),
]
