from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import timezone

from clinic.models import Clinic


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Send anonymous visitors of staff pages to the login page.

    The API answers 401 itself (token or session auth), so it is left to Django REST framework;
    patient links and the health check opt out with ``login_not_required``.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ClinicTimezoneMiddleware:
    """Read and show wall-clock times in the clinic's zone, not the server's.

    A time typed into a form without an offset (a datetime-local input) is clinic time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API takes and gives times with their offsets, so it needs no zone (and no query).
        if request.path_info.startswith(("/api/", "/healthz", "/static/")):
            return self.get_response(request)
        request.clinic = Clinic.load()  # the navigation reads it too: one query per page
        timezone.activate(request.clinic.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
