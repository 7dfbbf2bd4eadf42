"""Request-level security: two-factor enforcement, the Content-Security-Policy and client addresses.

Two-factor: staff whose role is in ``OTP_REQUIRED_ROLES`` (managers by default), or every staff
member when ``OTP_REQUIRED_FOR_ALL`` is on, must verify a TOTP code after logging in. Until they do,
every staff page redirects to the set-up or verify page and session-authenticated API calls get a
403. API tokens are issued only against a password *and* a current TOTP code for such users (see
``clinic.security_views.TwoFactorObtainToken``), so holding a token proves the second factor was
given when it was issued; token requests themselves are not asked for a code again.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlencode

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection, models
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django_otp import device_classes, user_has_device

from clinic.roles import ALL_ROLES, Role, user_roles

TWO_FACTOR_MESSAGE = (
    "Two-factor authentication is required for your role. Verify your authenticator code in "
    "the staff web pages, or request an API token with your code (otp_token)."
)

# Pages a logged-in user needs before verifying the second factor.
TWO_FACTOR_EXEMPT_NAMES = frozenset(
    {
        "login",
        "logout",
        "two-factor-setup",
        "two-factor-verify",
        "healthz",
        "ical-feed",
        "api-token",
    }
)


def two_factor_required_by_role(user) -> bool:
    """Return True if the user's role (or OTP_REQUIRED_FOR_ALL) makes two-factor compulsory."""
    if not getattr(user, "is_authenticated", False):
        return False
    if settings.OTP_REQUIRED_FOR_ALL:
        return True
    return bool(user_roles(user) & set(settings.OTP_REQUIRED_ROLES))


def two_factor_required(user) -> bool:
    """Return True if this user must have verified a TOTP code to use staff pages and the API:
    their role needs it, or they chose to set up an authenticator app themselves."""
    if two_factor_required_by_role(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    known = getattr(user, "_clinic_has_device", None)  # read with the user by StaffBackend
    return known if known is not None else user_has_device(user, confirmed=True)


class StaffBackend(ModelBackend):
    """Django's model backend, reading the signed-in user of each request together with their
    roles and whether they have a confirmed authenticator: one query instead of three, on every
    staff page. What it reads is the request's own; nothing is kept between requests."""

    def get_user(self, user_id):
        sql, devices = _staff_user_sql(connection.vendor)
        user = next(iter(get_user_model()._default_manager.raw(sql, [user_id])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        roles = set((user.group_names or "").split(",")) & ALL_ROLES
        if user.is_superuser:
            roles.add(Role.MANAGER)
        user._clinic_roles = frozenset(roles)
        user._clinic_has_device = any(getattr(user, f"has_device_{n}") for n in range(devices))
        return user


@cache
def _staff_user_sql(vendor: str) -> tuple[str, int]:
    """Return the query for a user row with the names of their groups and an EXISTS flag per
    kind of authenticator, and how many kinds of authenticator there are. Written as SQL
    because it runs on every staff request, and the ORM's compiling of the same query cost more
    than the two queries it saves."""
    User = get_user_model()
    memberships = User.groups.through._meta.db_table
    joined = "string_agg(g.name, ',')" if vendor == "postgresql" else "group_concat(g.name, ',')"
    columns = [
        f"(SELECT {joined} FROM {memberships} m JOIN {Group._meta.db_table} g "
        "ON g.id = m.group_id WHERE m.user_id = u.id) AS group_names"
    ]
    devices = list(device_classes())
    columns += [
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} d "
        f"WHERE d.user_id = u.id AND d.confirmed) AS has_device_{n}"
        for n, model in enumerate(devices)
    ]
    sql = f"SELECT u.*, {', '.join(columns)} FROM {User._meta.db_table} u WHERE u.id = %s"
    return sql, len(devices)


def two_factor_pending(user) -> bool:
    """Return True if the user must verify a code and has not done so in this session."""
    return two_factor_required(user) and not user.is_verified()


class TwoFactorRequiredMiddleware:
    """Keep staff who must use two-factor out of everything until they have verified a code.

    Runs after django-otp's OTPMiddleware (which sets ``user.is_verified``). Public views
    (``login_not_required``: health check, patient links, the iCal feed) are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not two_factor_pending(user):
            return None
        if request.resolver_match and request.resolver_match.url_name in TWO_FACTOR_EXEMPT_NAMES:
            return None
        if request.path_info.startswith("/api/"):
            # DRF marks every API view login_not_required (it authenticates by itself), so the
            # API is checked before that marker. Token requests never reach here as a user.
            return JsonResponse({"detail": TWO_FACTOR_MESSAGE}, status=403)
        if not getattr(view_func, "login_required", True):
            return None
        target = (
            "two-factor-verify" if user_has_device(user, confirmed=True) else "two-factor-setup"
        )
        response = redirect(target)
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response


_STYLE_BLOCK = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def style_hashes(html: bytes) -> list[str]:
    """Return CSP hash sources for each inline <style> block, so it may load without
    'unsafe-inline' (Swagger UI's page carries one)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block).digest()).decode() + "'"
        for block in _STYLE_BLOCK.findall(html)
    ]


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from ``settings.CONTENT_SECURITY_POLICY`` on every page.

    Views that ship an inline style block (the API docs) get that exact block allowed by hash.
    """

    HASH_STYLES_FOR = frozenset({"api-docs"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        policy = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
        match = getattr(request, "resolver_match", None)
        if match and match.url_name in self.HASH_STYLES_FOR and not response.streaming:
            policy["style-src"] = policy.get("style-src", []) + style_hashes(response.content)
        response["Content-Security-Policy"] = "; ".join(
            " ".join([name, *sources]) for name, sources in policy.items()
        )
        return response


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    X-Forwarded-For entry the outermost trusted proxy added (entries left of it are spoofable)."""
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return _valid_ip(hops[-count])
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


LOCKED_MESSAGE = (
    "This account is locked after too many failed log-ins. Ask the clinic manager to unlock it, "
    "or try again in {minutes} minutes."
)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """Answer a locked-out log-in: a page for people, JSON for the API (django-axes callable)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    message = LOCKED_MESSAGE.format(minutes=minutes)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    context = {"message": message, "cooloff_minutes": minutes}
    return render(request, "security/locked.html", context, status=403)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes, counting failures two ways (AXES_LOCKOUT_PARAMETERS lists them in this
    order): per username *and* address, locked at AXES_FAILURE_LIMIT, so a stranger's guesses
    cannot lock a colleague out from elsewhere; and per address across usernames, locked at
    AXES_ADDRESS_FAILURE_LIMIT, so one address cannot try name after name."""

    def get_failures(self, request, credentials=None) -> int:
        by_username_and_address, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(by_username_and_address, settings.AXES_FAILURE_LIMIT)
        return by_username_and_address

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A good password clears that username's failures from that address only: a colleague
        # logging in at the same desk must not wipe the count of an address guessing names.
        username_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = username_and_address.delete()
        return count


@dataclass(frozen=True)
class Lockout:
    """A username locked from one address (`username` set), or an address locked whole."""

    username: str
    ip: str
    failures: int
    last_failure: datetime
    unlocks_at: datetime


def lockouts_current(*, now: datetime) -> list[Lockout]:
    """Return the log-ins locked right now, most recent first: username and address pairs at
    AXES_FAILURE_LIMIT, and addresses at AXES_ADDRESS_FAILURE_LIMIT across usernames."""
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cooloff)
    found = [
        Lockout(
            row.username or "",
            row.ip_address or "",
            row.failures_since_start,
            row.attempt_time,
            row.attempt_time + cooloff,
        )
        for row in recent.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    ]
    by_address = (
        recent.values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=models.Max("attempt_time"))
        .filter(failures__gte=settings.AXES_ADDRESS_FAILURE_LIMIT)
    )
    found += [
        Lockout("", row["ip_address"] or "", row["failures"], row["last"], row["last"] + cooloff)
        for row in by_address
    ]
    return sorted(found, key=lambda lockout: lockout.last_failure, reverse=True)


def lockout_release(*, username: str, ip: str) -> int:
    """Unlock a username at an address, or (no username) every failure from the address;
    return how many failure records were cleared."""
    if username:
        return axes_reset(username=username, ip=ip or None)
    return axes_reset(ip=ip)
