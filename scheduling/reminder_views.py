"""Staff pages about messages (failed and flagged reminders) and the inbound-SMS webhook."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinic.roles import FRONT_DESK_ROLES
from clinic.views import role_required
from patients.phones import InvalidPhone, normalise_phone
from scheduling.models import Reminder
from scheduling.services import reminders

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def failed_reminders():
    """Return reminders staff must look at: failed ones, and those whose outcome is unknown."""
    return Reminder.objects.filter(status=Reminder.Status.FAILED)


@role_required(*FRONT_DESK_ROLES)
def message_list(request):
    failed = failed_reminders().select_related("patient", "appointment").order_by("-due_at")
    alerts = (
        Reminder.objects.filter(
            kind=Reminder.Kind.STAFF_ALERT,
            status=Reminder.Status.SENT,
            sent_at__gte=timezone.now() - timedelta(days=7),
        )
        .select_related("patient", "appointment")
        .order_by("-sent_at")
    )
    page = Paginator(failed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reminders/message_list.html",
        {
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "reminders": page.object_list,
            "alerts": alerts,
        },
    )


@require_POST
@role_required(*FRONT_DESK_ROLES)
def message_resolve(request, pk: int):
    reminder = get_object_or_404(Reminder, pk=pk)
    try:
        reminders.reminder_resolve(
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
    """Twilio's inbound-message webhook: honour opt-out words at once."""
    if settings.TWILIO_AUTH_TOKEN:
        from twilio.request_validator import RequestValidator

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
    if phone and reminders.is_opt_out_message(body):
        affected = reminders.patient_sms_opt_out(phone=phone)
        log.info("SMS opt-out received for %d patient(s)", len(affected))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
