"""Pages patients open from a message: GET shows, POST acts once; a bad link changes nothing.

Each POST runs its service inside `links.claim`, which marks the link used in the same
transaction: an action that fails (too late to cancel, a bad score) leaves the link unused.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.models import Clinic
from scheduling import links
from scheduling.messages import local_when
from scheduling.models import Appointment, PainReport
from scheduling.services import reminders
from scheduling.services.errors import BookingError
from scheduling.services.records import pain_report_create
from scheduling.services.reminders import patient_zone

REFUSALS = {
    "invalid": (400, "This link is not valid", "It may have been copied incompletely."),
    "expired": (410, "This link has expired", "Links in our messages work for a limited time."),
    "used": (
        410,
        "This link has already been used",
        "It was used already, or the visit has changed since we sent it.",
    ),
}


def _page(request, template: str, context: dict, status: int = 200):
    clinic = Clinic.load()
    return render(request, template, {"clinic": clinic, **context}, status=status)


def _refused(request, reason: str):
    status, title, detail = REFUSALS[reason]
    return _page(request, "links/refused.html", {"title": title, "detail": detail}, status)


def _target(request, action: str, token: str):
    try:
        return links.read_token(action, token), None
    except links.LinkError as exc:
        return None, _refused(request, exc.reason)


def _visit(target) -> dict:
    tz = patient_zone(target.patient)
    return {
        "when": local_when(target.appointment.starts_at, tz),
        "patient": target.patient,
        "late_cancel_hours": settings.LATE_CANCEL_HOURS,
    }


def patient_link(view):
    return login_not_required(never_cache(require_http_methods(["GET", "POST"])(view)))


@patient_link
def confirm(request, token: str):
    target, refused = _target(request, "confirm", token)
    if refused:
        return refused
    context = _visit(target)
    if request.method == "POST":
        try:
            with links.claim(target):
                reminders.visit_confirm_by_patient(appointment=target.appointment)
        except (links.LinkError, ValueError):
            return _refused(request, "used")
        return _page(request, "links/done.html", {**context, "done": "confirmed"})
    return _page(request, "links/confirm.html", context)


@patient_link
def cancel(request, token: str):
    target, refused = _target(request, "cancel", token)
    if refused:
        return refused
    context = {**_visit(target), "allowed": reminders.cancel_allowed(target.appointment)}
    if request.method == "POST":
        if not context["allowed"]:
            return _page(request, "links/cancel.html", context, status=409)
        try:
            with links.claim(target):
                reminders.visit_cancel_by_patient(appointment=target.appointment)
        except links.LinkError:
            return _refused(request, "used")
        except (reminders.LateCancel, BookingError):
            return _page(request, "links/cancel.html", {**context, "allowed": False}, status=409)
        return _page(request, "links/done.html", {**context, "done": "cancelled"})
    return _page(request, "links/cancel.html", context)


@patient_link
def pain(request, token: str):
    target, refused = _target(request, "pain", token)
    if refused:
        return refused
    context = {**_visit(target), "scores": range(11)}
    if request.method == "POST":
        raw = request.POST.get("score", "")
        if raw not in {str(score) for score in range(11)}:
            context["error"] = "Please choose a number from 0 to 10."
            return _page(request, "links/pain.html", context, status=400)
        try:
            with links.claim(target):
                pain_report_create(
                    patient=target.patient,
                    score=int(raw),
                    source=PainReport.Source.LINK,
                    course=target.appointment.course,
                    at=timezone.now(),
                )
        except links.LinkError:
            return _refused(request, "used")
        except BookingError:
            context["error"] = "Please choose a number from 0 to 10."
            return _page(request, "links/pain.html", context, status=400)
        return _page(request, "links/done.html", {**context, "done": "pain"})
    return _page(request, "links/pain.html", context)


@patient_link
def unsubscribe(request, token: str):
    target, refused = _target(request, "unsubscribe", token)
    if refused:
        return refused
    context = {"patient": target.patient}
    if request.method == "POST":
        try:
            with links.claim(target):
                reminders.patient_email_opt_out(patient=target.patient)
        except links.LinkError:
            return _refused(request, "used")
        return _page(request, "links/done.html", {**context, "done": "unsubscribed"})
    return _page(request, "links/unsubscribe.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET"])
def visits(request, token: str):
    target, refused = _target(request, "visits", token)
    if refused:
        return refused
    tz = patient_zone(target.patient)
    upcoming = target.patient.appointments.filter(
        status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=timezone.now()
    ).order_by("starts_at")
    rows = [
        {
            "when": local_when(visit.starts_at, tz),
            "confirmed": visit.status == Appointment.Status.CONFIRMED,
            "confirm_url": links.link_url("confirm", patient=target.patient, appointment=visit),
            "cancel_url": links.link_url("cancel", patient=target.patient, appointment=visit),
        }
        for visit in upcoming
    ]
    return _page(request, "links/visits.html", {"patient": target.patient, "visits": rows})
