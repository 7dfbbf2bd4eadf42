"""Reminder pages: the staff's Messages page, the inbound-SMS webhook, and the pages patients
open from a message (confirm, cancel or move a visit, report pain, answer a questionnaire,
unsubscribe, see their visits).

Patient pages: GET shows, POST acts once; a bad link changes nothing. Each POST runs its service
inside `links.claim`, which marks the link used in the same transaction: an action that fails
(too late to cancel, a bad score) leaves the link unused.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from twilio.request_validator import RequestValidator

from clinic.localtime import local_when, patient_zone
from clinic.models import Clinic
from clinic.roles import FRONT_DESK_ROLES, role_required
from patients.phones import InvalidPhone, normalise_phone
from scheduling.models import Appointment
from scheduling.records import hoos as hoos_instrument
from scheduling.records.models import PainReport, Questionnaire
from scheduling.records.services import pain_report_create, questionnaire_answer
from scheduling.reminders import links, services
from scheduling.reminders.models import Reminder
from scheduling.schedule import needs_attention, sessions_to_move
from scheduling.services import by_patient
from scheduling.services.errors import BookingConflict, BookingError

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def failed_reminders():
    """Return reminders staff must look at: failed ones, and those whose outcome is unknown."""
    return Reminder.objects.filter(status=Reminder.Status.FAILED)


@role_required(*FRONT_DESK_ROLES)
def message_list(request):
    failed = failed_reminders().select_related("patient", "appointment").order_by("-due_at")
    # The same list as Needs attention, so the two pages never disagree.
    missed = [item for item in needs_attention() if item.kind == "no_show"]
    page = Paginator(failed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reminders/message_list.html",
        {
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "reminders": page.object_list,
            "missed": missed,
        },
    )


@require_POST
@role_required(*FRONT_DESK_ROLES)
def message_resolve(request, pk: int):
    reminder = get_object_or_404(Reminder, pk=pk)
    try:
        services.reminder_resolve(
            reminder=reminder, action=request.POST.get("action", ""), by=request.user
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Message updated.")
    return redirect("messages")


@login_not_required
@csrf_exempt
@require_POST
def sms_inbound(request):
    """Twilio's inbound-message webhook: honour opt-out words at once.

    Only requests signed with TWILIO_AUTH_TOKEN are heard: without a token to check against,
    every request is refused, since anyone could otherwise opt any patient out of texts.
    """
    if not settings.TWILIO_AUTH_TOKEN:
        return HttpResponseForbidden("Inbound texts are off: TWILIO_AUTH_TOKEN is not set.")
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, request.POST.dict(), signature
    ):
        return HttpResponseForbidden("Bad signature")
    sender = request.POST.get("From", "").strip()
    try:
        phone = normalise_phone(sender)
    except InvalidPhone:
        phone = sender  # Twilio sends E.164 already
    body = request.POST.get("Body", "")
    if phone and services.is_opt_out_message(body):
        affected = services.patient_sms_opt_out(phone=phone)
        log.info("SMS opt-out received for %d patient(s)", len(affected))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


# -- pages patients open from a message ---------------------------------------------------------


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
    return _page(
        request, "reminders/links/refused.html", {"title": title, "detail": detail}, status
    )


def _target(request, action: str, token: str):
    try:
        return links.read_token(action, token), None
    except links.LinkError as exc:
        return None, _refused(request, exc.reason)


def _visit(target) -> dict:
    tz = patient_zone(target.patient, Clinic.load())
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
    context = {**_visit(target), "to_move": bool(sessions_to_move([target.appointment]))}
    if request.method == "POST":
        try:
            with links.claim(target):
                by_patient.visit_confirm_by_patient(appointment=target.appointment)
        except by_patient.VisitToMove:
            context["to_move"] = True
            return _page(request, "reminders/links/confirm.html", context, status=409)
        except (links.LinkError, ValueError):
            return _refused(request, "used")
        return _page(request, "reminders/links/done.html", {**context, "done": "confirmed"})
    return _page(request, "reminders/links/confirm.html", context)


@patient_link
def cancel(request, token: str):
    target, refused = _target(request, "cancel", token)
    if refused:
        return refused
    context = {**_visit(target), "allowed": by_patient.cancel_allowed(target.appointment)}
    if request.method == "POST":
        if not context["allowed"]:
            return _page(request, "reminders/links/cancel.html", context, status=409)
        try:
            with links.claim(target):
                by_patient.visit_cancel_by_patient(appointment=target.appointment)
        except links.LinkError:
            return _refused(request, "used")
        except (by_patient.LateChange, BookingError):
            return _page(
                request, "reminders/links/cancel.html", {**context, "allowed": False}, status=409
            )
        return _page(request, "reminders/links/done.html", {**context, "done": "cancelled"})
    return _page(request, "reminders/links/cancel.html", context)


def _move_days(target, options) -> list[dict]:
    """Group the times offered by day, in the patient's zone: [{"label": "Thu 10 Dec",
    "times": [{"value": <the start, as posted back>, "label": "10:00"}]}]."""
    tz = patient_zone(target.patient, Clinic.load())
    days: dict[str, list[dict]] = {}
    for option in options:
        local = option.start.astimezone(tz)
        days.setdefault(f"{local:%a} {local.day} {local:%b}", []).append(
            {"value": option.start.isoformat(), "label": f"{local:%H:%M}"}
        )
    return [{"label": day, "times": times} for day, times in days.items()]


def _posted_start(raw: str) -> datetime | None:
    try:
        start = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return start if start.utcoffset() is not None else None


@patient_link
def move(request, token: str):
    """Offer the times the visit may move to, grouped by day; POST moves it to the one picked.
    Inside the late-change window the page only asks the patient to call."""
    target, refused = _target(request, "move", token)
    if refused:
        return refused
    visit = target.appointment
    context = {**_visit(target), "allowed": by_patient.cancel_allowed(visit)}
    status = 409 if request.method == "POST" and not context["allowed"] else 200
    if request.method == "POST" and context["allowed"]:
        start = _posted_start(request.POST.get("start", ""))
        try:
            with links.claim(target):
                moved = by_patient.visit_move_by_patient(appointment=visit, start=start)
        except links.LinkError:
            return _refused(request, "used")
        except by_patient.LateChange:
            context["allowed"], status = False, 409
        except BookingError:
            context["error"], status = by_patient.NOT_OFFERED, 400
        except BookingConflict:
            context["error"], status = "Someone has just taken that time. Choose another.", 409
        else:
            tz = patient_zone(target.patient, Clinic.load())
            context["when"] = local_when(moved.starts_at, tz)
            return _page(request, "reminders/links/done.html", {**context, "done": "moved"})
    if context["allowed"]:
        context["days"] = _move_days(target, by_patient.move_times(visit))
    return _page(request, "reminders/links/move.html", context, status=status)


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
            return _page(request, "reminders/links/pain.html", context, status=400)
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
            return _page(request, "reminders/links/pain.html", context, status=400)
        return _page(request, "reminders/links/done.html", {**context, "done": "pain"})
    return _page(request, "reminders/links/pain.html", context)


def _hoos_items(post=None) -> tuple[list[dict], list[int | None]]:
    """Return the items to show (with any answer already chosen) and the answers posted."""
    values: list[int | None] = []
    items = []
    for index, (key, wording) in enumerate(hoos_instrument.ITEMS):
        raw = (post or {}).get(f"item_{key}", "")
        value = int(raw) if raw in {"0", "1", "2", "3", "4"} else None
        values.append(value)
        items.append(
            {
                "key": key,
                "number": index + 1,
                "wording": wording,
                "value": value,
                "missing": post is not None and value is None,
            }
        )
    return items, values


@patient_link
def hoos(request, token: str):
    """The hip questionnaire (HOOS, JR): six questions, one tap each, sized for a phone."""
    target, refused = _target(request, "hoos", token)
    if refused:
        return refused
    items, answers = _hoos_items(request.POST if request.method == "POST" else None)
    context = {"patient": target.patient, "items": items, "answers": hoos_instrument.ANSWERS}
    if request.method == "POST":
        try:
            with links.claim(target):
                questionnaire_answer(
                    course=target.questionnaire.course,
                    stage=target.questionnaire.stage,
                    answers=answers,
                    source=Questionnaire.Source.LINK,
                )
        except links.LinkError:
            return _refused(request, "used")
        except BookingError as exc:
            context["errors"] = [m for ms in exc.errors.values() for m in ms]
            return _page(request, "reminders/links/hoos.html", context, status=400)
        return _page(request, "reminders/links/done.html", {**context, "done": "hoos"})
    return _page(request, "reminders/links/hoos.html", context)


@patient_link
def unsubscribe(request, token: str):
    target, refused = _target(request, "unsubscribe", token)
    if refused:
        return refused
    context = {"patient": target.patient}
    if request.method == "POST":
        try:
            with links.claim(target):
                services.patient_email_opt_out(patient=target.patient)
        except links.LinkError:
            return _refused(request, "used")
        return _page(request, "reminders/links/done.html", {**context, "done": "unsubscribed"})
    return _page(request, "reminders/links/unsubscribe.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET"])
def visits(request, token: str):
    target, refused = _target(request, "visits", token)
    if refused:
        return refused
    tz = patient_zone(target.patient, Clinic.load())
    upcoming = list(
        target.patient.appointments.filter(
            status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=timezone.now()
        ).order_by("starts_at")
    )
    to_move = sessions_to_move(upcoming)
    rows = [
        {
            "when": local_when(visit.starts_at, tz),
            "confirmed": visit.status == Appointment.Status.CONFIRMED,
            "to_move": visit.pk in to_move,
            "confirm_url": links.link_url("confirm", patient=target.patient, appointment=visit),
            "move_url": links.link_url("move", patient=target.patient, appointment=visit),
            "cancel_url": links.link_url("cancel", patient=target.patient, appointment=visit),
        }
        for visit in upcoming
    ]
    return _page(
        request, "reminders/links/visits.html", {"patient": target.patient, "visits": rows}
    )
