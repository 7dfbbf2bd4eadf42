from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

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


class NoStoreMiddleware:
    """Keep pages and API answers out of browser and proxy caches (`Cache-Control: no-store`):
    they carry patients' details. A response that sets its own policy keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


SESSION_STARTED = "clinic_session_started"
SESSION_SEEN = "clinic_session_seen"
# The last-seen time is written at most this often, so a busy page does not save the session
# on every request; the idle limit is therefore accurate to this many seconds.
SEEN_WRITE_EVERY = 60


def mark_session_start(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the 8-hour limit counts from the log-in itself."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class SessionIdleTimeoutMiddleware:
    """Log a staff session out after SESSION_IDLE_TIMEOUT seconds without a request, and
    SESSION_COOKIE_AGE seconds after it started whatever happened since (saving the session
    would otherwise push Django's own expiry back on every visit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    @staticmethod
    def check(request) -> None:
        session = request.session
        now = time.time()
        started = session.get(SESSION_STARTED) or now
        seen = session.get(SESSION_SEEN) or now
        if (
            now - seen > settings.SESSION_IDLE_TIMEOUT
            or now - started > settings.SESSION_COOKIE_AGE
        ):
            logout(request)
            return
        if SESSION_STARTED not in session:
            session[SESSION_STARTED] = started
        if now - session.get(SESSION_SEEN, 0) >= SEEN_WRITE_EVERY:
            session[SESSION_SEEN] = now
