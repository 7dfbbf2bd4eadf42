"""Staff pages for two-factor set-up and verification, the audit log, and the iCal feed."""

from __future__ import annotations

import base64
import csv
from datetime import datetime, time, timedelta

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django.views.generic import ListView
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.audit import audit_log
from clinic.ical import calendar_feed_create, calendar_feed_ical
from clinic.inputs import as_id, validate_reasonable_date
from clinic.models import AuditEntry, CalendarFeed, Clinic, Practitioner
from clinic.roles import ALL_ROLES, ManagerRequiredMixin, Role, has_role, role_required
from clinic.security import (
    lockout_release,
    lockout_response,
    lockouts_current,
    two_factor_required,
    two_factor_required_by_role,
)
from clinic.tokens import api_token_issue
from patients.selectors import patient_search

# ----- Two-factor ---------------------------------------------------------------------------


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isascii() and code.isdigit()):
            raise forms.ValidationError("The code is made of digits only.")
        return code


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _staff_or_403(request) -> None:
    if not has_role(request.user, *ALL_ROLES):
        raise PermissionDenied


def two_factor_setup(request):
    """Add an authenticator app: show its QR code and secret, confirm it with one code."""
    _staff_or_403(request)
    has_confirmed = user_has_device(request.user, confirmed=True)
    # Adding a device while one exists needs this session verified: a stolen password alone
    # must not be enough to enrol the thief's phone.
    if has_confirmed and not request.user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={_next_url(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_next_url(request))
        form.add_error("code", "That code did not match. Check the phone's clock and try again.")
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2),
        "secret": _spaced(base64.b32encode(device.bin_key).decode()),
        "replacing": has_confirmed,
        "required": two_factor_required_by_role(request.user),
        "next": _next_url(request),
    }
    return render(request, "security/two_factor_setup.html", context)


def two_factor_verify(request):
    """Ask for the current code from the user's authenticator app after logging in."""
    _staff_or_403(request)
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('two-factor-setup')}?next={_next_url(request)}")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", "That code did not match, or was used already. Wait for the next.")
    return render(
        request, "security/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class TwoFactorTokenSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, max_length=4096, style={"input_type": "password"}
    )
    otp_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The current code from the authenticator app: required for roles that use "
        "two-factor authentication (managers).",
    )
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(
        read_only=True, help_text="When the token stops working (API_TOKEN_AGE after issue)."
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TwoFactorObtainToken(APIView):
    """Exchange a staff username and password (plus a TOTP code where the role needs
    two-factor) for an API token that expires. Without the code such users get a 403 naming
    what is missing."""

    authentication_classes = ()
    permission_classes = ()

    def get_serializer(self, *args, **kwargs):
        # What the schema shows; the password check itself is DRF's AuthTokenSerializer.
        kwargs.setdefault("context", {"request": self.request})
        return TwoFactorTokenSerializer(*args, **kwargs)

    @extend_schema(
        responses={
            200: TwoFactorTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password"),
            403: OpenApiResponse(
                DetailSerializer,
                description="Two-factor code missing or wrong, or the account is locked",
            ),
        }
    )
    def post(self, request, *args, **kwargs):
        # The fields' shape first (a 400 naming the field: missing, not text, a NUL byte).
        fields = TwoFactorTokenSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        # django-axes only answers for the login form itself: refuse a locked username here.
        credentials = {"username": fields.validated_data["username"]}
        if AxesProxyHandler.is_locked(request._request, credentials=credentials):
            return lockout_response(request._request, credentials=credentials)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor_required(user):
            if not user_has_device(user, confirmed=True):
                return Response(
                    {
                        "detail": "Two-factor authentication is required for your role: set up "
                        "an authenticator app on the staff site first."
                    },
                    status=status.HTTP_403_FORBIDDEN,
                )
            code = fields.validated_data.get("otp_token", "").replace(" ", "")
            if not code or match_token(user, code) is None:
                return Response(
                    {
                        "detail": "Two-factor authentication is required for your role: send "
                        "the current code from your authenticator app as otp_token."
                    },
                    status=status.HTTP_403_FORBIDDEN,
                )
        row, token = api_token_issue(user=user, two_factor=two_factor_required(user))
        return Response({"token": token, "expiry": row.expiry})


# ----- Locked log-ins -----------------------------------------------------------------------


class UnlockForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    ip = forms.GenericIPAddressField()


@role_required(Role.MANAGER)
def lockout_list(request):
    """Show the log-ins locked after failed attempts; a manager unlocks one with a button."""
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if not form.is_valid():
            return render(request, "security/lockouts.html", {"form": form}, status=400)
        username, ip = form.cleaned_data["username"], form.cleaned_data["ip"]
        lockout_release(username=username, ip=ip)
        messages.success(
            request, f"{username} can log in again from {ip}." if username else f"{ip} unlocked."
        )
        return redirect("lockouts")
    context = {
        "lockouts": lockouts_current(now=timezone.now()),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "clinic_tz": Clinic.load().timezone,
    }
    return render(request, "security/lockouts.html", context)


# ----- Audit log ----------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        required=False, label="Patient", help_text="Name, phone or email, or #id"
    )
    user = forms.ModelChoiceField(
        required=False,
        label="Staff member",
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        empty_label="Anyone",
    )
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, entries):
        """Return `entries` narrowed to the valid filters (all of them when nothing is set)."""
        if not self.is_valid():
            return entries.none() if self.errors else entries
        data = self.cleaned_data
        tz = Clinic.load().tz
        query = data["patient"].strip()
        if query.startswith("#") and as_id(query[1:]):
            entries = entries.filter(patient_id=as_id(query[1:]))
        elif query:
            entries = entries.filter(patient__in=patient_search(query))
        if data["user"]:
            entries = entries.filter(user=data["user"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(at__gte=datetime.combine(data["date_from"], time(), tz))
        if data["date_to"]:
            end = datetime.combine(data["date_to"] + timedelta(days=1), time(), tz)
            entries = entries.filter(at__lt=end)
        return entries


def _audit_entries(request):
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("user", "patient")
    return form, form.filter(entries)


class AuditLogView(ManagerRequiredMixin, ListView):
    """The audit log for managers, newest first, filtered by patient, staff member and dates."""

    template_name = "security/audit_log.html"
    paginate_by = 50

    def get_queryset(self):
        self.form, entries = _audit_entries(self.request)
        return entries

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, clinic_tz=Clinic.load().timezone, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        if self.form.errors:
            response_kwargs["status"] = 400
        return super().render_to_response(context, **response_kwargs)


CSV_COLUMNS = ["at", "user", "action", "object_type", "object_id", "patient_id", "patient"]
CSV_COLUMNS += ["ip", "user_agent", "detail"]


@role_required(Role.MANAGER)
def audit_export_csv(request):
    """Download the filtered audit entries as CSV (all pages)."""
    form, entries = _audit_entries(request)
    if form.errors:
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(problems, content_type="text/plain")
    tz = Clinic.load().tz
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=1000):
        writer.writerow(
            _csv_safe(value)
            for value in [
                entry.at.astimezone(tz).isoformat(),
                entry.user.username if entry.user else "",
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.patient_id or "",
                entry.patient.full_name if entry.patient else "",
                entry.ip or "",
                entry.user_agent,
                entry.detail,
            ]
        )
    return response


def _csv_safe(value) -> str:
    # A user agent is whatever the client sent: keep spreadsheets from running it as a formula.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ----- iCal feed ----------------------------------------------------------------------------


def _own_practitioner(request) -> Practitioner:
    practitioner = Practitioner.objects.filter(user=request.user).first()
    if practitioner is None or not has_role(request.user, *ALL_ROLES):
        raise PermissionDenied("Only practitioners have a calendar feed.")
    return practitioner


def calendar_feed_page(request):
    """Show the practitioner's secret calendar address; make one, or revoke it for a new one."""
    practitioner = _own_practitioner(request)
    feed = CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()
    if request.method == "POST":
        feed = calendar_feed_create(practitioner=practitioner)
        messages.success(
            request,
            "New calendar address made. The old one, if any, no longer works: "
            "subscribe your phone to the new one.",
        )
        return redirect("ical-page")
    url = request.build_absolute_uri(reverse("ical-feed", args=[feed.token])) if feed else ""
    context = {
        "feed": feed,
        "feed_url": url,
        "webcal_url": url.replace("https://", "webcal://").replace("http://", "webcal://"),
        "confirm": request.GET.get("confirm") == "rotate" and feed is not None,
    }
    return render(request, "security/calendar_feed.html", context)


@login_not_required
@require_GET
def calendar_feed(request, token: str):
    """Serve a practitioner's appointments as iCalendar; unknown or revoked tokens, and the
    feeds of deactivated accounts, get 404."""
    feed = (
        CalendarFeed.objects.select_related("practitioner__user")
        .filter(token=token, revoked_at__isnull=True, practitioner__user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    body = calendar_feed_ical(feed=feed, now=timezone.now(), host=request.get_host())
    audit_log(
        user=feed.practitioner.user,
        action="view",
        obj=feed,
        request=request,
        detail="iCal feed read",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
