from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponseBadRequest, JsonResponse
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


NUL_MESSAGE = "Null characters are not allowed."


class RejectNullCharactersMiddleware:
    """Answer 400, naming the field, for a NUL byte in the path, the query string or a posted
    form: PostgreSQL cannot store or compare text holding one, and no person types it.

    API bodies (JSON) are left to the serializers, whose text fields refuse it themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self.field_with_nul(request)
        if field is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({field: [NUL_MESSAGE]}, status=400)
        return HttpResponseBadRequest(f"{field}: {NUL_MESSAGE}", content_type="text/plain")

    @staticmethod
    def field_with_nul(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        sources = [request.GET]
        if request.method == "POST" and not request.path_info.startswith("/api/"):
            sources.append(request.POST)
        for source in sources:
            for name, values in source.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "") or "field"
        return None
