"""Claim due reminders and send each at most once, never losing one.

A row moves through these states, each change committed on its own:

    pending --claim--> claimed --mark sending--> claimed + outcome_unknown --provider--> sent
                                                              or --> pending (retry later)
                                                              or --> failed

1. Claim (`claim_due`): a batch of due pending rows becomes `claimed` with `claimed_at = now`,
   using `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL (a conditional UPDATE per row on
   SQLite), so two dispatchers (or two beats) never take the same row.
2. Check and mark sending (`send_claimed`): in one transaction, with the patient row locked so the
   daily and weekly SMS limits cannot race, re-check that the visit is still on, consent still
   given and the clock inside the sending window; then `attempts + 1`, `outcome_unknown = True` and
   a fresh `claimed_at` are committed BEFORE the provider is called. The update is conditional on
   the claim being unchanged, so only one process ever gets past it.
3. Call the provider and record the result (sent, or back to pending with a later `due_at`, or
   failed), again conditional on `claimed_at`.

If a worker dies, `recover_stale_claims` finds rows claimed longer ago than
REMINDER_CLAIM_TIMEOUT_SECONDS: one never marked as sending was never handed to the provider and
goes back to pending; one marked as sending may or may not have gone out, so it is `failed` with
`outcome_unknown` kept for staff to check, and never sent again by itself.

Log lines name reminder ids, kinds and channels only: never a name, a number or a text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import make_msgid
from smtplib import SMTPRecipientsRefused, SMTPSenderRefused

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.localtime import next_day_window_start, patient_zone, window_start_for
from clinic.models import Clinic
from clinic.roles import FRONT_DESK_ROLES
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse, is_rebooked
from scheduling.reminders import links, questionnaires, sms
from scheduling.reminders.messages import render_reminder
from scheduling.reminders.models import Reminder

log = logging.getLogger(__name__)

# Waits before trying again after a transient error, by attempts made so far. None exceeds a few
# minutes as a Celery countdown: the wait lives in `due_at`, and beat picks the row up again.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
]
STALE_UNKNOWN = "Outcome unknown: the worker stopped while the provider was being called."


class TransientSendError(Exception):
    pass


class PermanentSendError(Exception):
    pass


# -- claiming -------------------------------------------------------------------------------------


def claim_due(*, limit: int | None = None, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due pending reminders, oldest first; return their ids."""
    now = now or timezone.now()
    limit = limit or settings.REMINDER_BATCH_SIZE
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, due_at__lte=now).order_by(
        "due_at", "pk"
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.CLAIMED, claimed_at=now
            )
            return ids
        # SQLite: the IMMEDIATE transaction holds the write lock; each UPDATE still only takes a
        # row that is pending, so a claim can never be taken twice.
        return [
            pk
            for pk in due.values_list("pk", flat=True)[:limit]
            if Reminder.objects.filter(pk=pk, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CLAIMED, claimed_at=now
            )
        ]


def recover_stale_claims(*, now: datetime | None = None) -> tuple[int, int]:
    """Return stale claims never sent to pending and flag those whose send may have happened;
    return (returned, flagged)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    stale = Reminder.objects.filter(status=Reminder.Status.CLAIMED, claimed_at__lt=cutoff)
    returned = stale.filter(outcome_unknown=False).update(
        status=Reminder.Status.PENDING, claimed_at=None
    )
    # claimed_at stays: a send that was only slow can still record its real result.
    flagged = stale.filter(outcome_unknown=True).update(
        status=Reminder.Status.FAILED, last_error=STALE_UNKNOWN
    )
    if returned or flagged:
        log.warning("stale reminder claims: %d back to pending, %d flagged", returned, flagged)
    return returned, flagged


def dispatch_due(*, send: Callable[[list[int]], None] | None = None) -> int:
    """Claim due reminders in batches and hand each batch to `send` (a Celery task in
    production; inline by default). Return how many were claimed. Stale claims are recovered by
    their own task (`recover_stale_claims`), never here: a stuck dispatch must not stop them."""
    send = send or send_batch
    total = 0
    for _ in range(settings.REMINDER_MAX_BATCHES):
        ids = claim_due()
        if not ids:
            break
        total += len(ids)
        send(ids)
    return total


def send_batch(reminder_ids: list[int]) -> None:
    for reminder_id in reminder_ids:
        try:
            send_claimed(reminder_id)
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: the rest of the batch waits for stale-claim recovery
        except Exception as exc:
            # One broken row (bad data, a bug) must not hold up every other patient's messages.
            # A row already marked as sending stays flagged for staff; one not yet sent fails.
            Reminder.objects.filter(
                pk=reminder_id, status=Reminder.Status.CLAIMED, outcome_unknown=False
            ).update(
                status=Reminder.Status.FAILED,
                claimed_at=None,
                last_error=f"Could not be sent: {exc.__class__.__name__}"[:300],
            )
            log.exception("reminder %s could not be sent", reminder_id)


# -- sending one ----------------------------------------------------------------------------------


def send_claimed(reminder_id: int) -> str:
    """Check, mark as sending, send and record one claimed reminder; return what happened."""
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_related("appointment__course")
            .filter(pk=reminder_id, status=Reminder.Status.CLAIMED, outcome_unknown=False)
            .first()
        )
        if reminder is None:
            return "not claimed"  # already handled by another process, or recovered
        claim = Reminder.objects.filter(
            pk=reminder.pk,
            status=Reminder.Status.CLAIMED,
            claimed_at=reminder.claimed_at,
            outcome_unknown=False,
        )
        # Lock the patient so two workers cannot both pass the one-SMS-a-day check.
        reminder.patient = Patient.objects.select_for_update().get(pk=reminder.patient_id)
        verdict, value = _decide(reminder, now)
        if verdict == "skip":
            claim.update(status=Reminder.Status.SKIPPED, last_error=value, claimed_at=None)
            log.info("reminder %s skipped: %s", reminder.pk, value)
            return "skipped"
        if verdict == "wait":
            claim.update(status=Reminder.Status.PENDING, due_at=value, claimed_at=None)
            return "waiting"
        channel = value
        reminder.channel = channel
        try:
            rendered = render_reminder(reminder)
        except Exception as exc:
            claim.update(status=Reminder.Status.FAILED, last_error=f"Cannot render: {exc!r}"[:300])
            log.exception("reminder %s could not be rendered", reminder.pk)
            return "failed"
        marked = claim.update(
            channel=channel,
            attempts=F("attempts") + 1,
            outcome_unknown=True,
            claimed_at=now,
        )
        if marked != 1:
            return "not claimed"
    # Committed: from here a crash leaves the row flagged, never silently resent.
    sending = Reminder.objects.filter(pk=reminder.pk, claimed_at=now)
    try:
        provider_id = _deliver(reminder, rendered)
    except TransientSendError as exc:
        attempts = reminder.attempts + 1
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            sending.update(
                status=Reminder.Status.FAILED, outcome_unknown=False, last_error=str(exc)[:300]
            )
            log.warning("reminder %s failed after %d attempts", reminder.pk, attempts)
            return "failed"
        delay = RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]
        sending.update(
            status=Reminder.Status.PENDING,
            outcome_unknown=False,
            claimed_at=None,
            due_at=timezone.now() + delay,
            last_error=str(exc)[:300],
        )
        log.info("reminder %s will be retried in %s", reminder.pk, delay)
        return "retry"
    except PermanentSendError as exc:
        sending.update(
            status=Reminder.Status.FAILED, outcome_unknown=False, last_error=str(exc)[:300]
        )
        log.warning("reminder %s failed permanently", reminder.pk)
        return "failed"
    sending.update(
        status=Reminder.Status.SENT,
        outcome_unknown=False,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        last_error="",
    )
    log.info("reminder %s (%s by %s) sent", reminder.pk, reminder.kind, channel)
    return "sent"


def _decide(reminder: Reminder, now: datetime) -> tuple[str, object]:
    """Return ("skip", reason), ("wait", new due_at) or ("send", channel)."""
    appointment = reminder.appointment
    patient = reminder.patient
    reason = _stale_reason(reminder, appointment, now)
    if reason:
        return "skip", reason
    clinic = Clinic.load()
    tz = clinic.tz if reminder.channel == Reminder.Channel.STAFF else patient_zone(patient, clinic)
    opens = window_start_for(now, tz)
    if opens > now:
        if reminder.kind == Reminder.Kind.BEFORE_VISIT and opens >= appointment.starts_at:
            return "skip", "The visit starts before quiet hours end"
        return "wait", opens
    channel = reminder.channel
    if channel == Reminder.Channel.STAFF:
        return "send", channel
    if channel == Reminder.Channel.SMS and not patient.can_receive_sms:
        channel = _email_instead(reminder)
        if channel is None:
            return "skip", "No consent to text messages and no email address"
    if channel == Reminder.Channel.SMS and _sms_limit_reached(patient, now, tz):
        fallback = _email_instead(reminder)
        if fallback:
            return "send", fallback
        later = next_day_window_start(now, tz)
        if reminder.kind == Reminder.Kind.BEFORE_VISIT and later >= appointment.starts_at:
            return "skip", "Text limit reached and the visit is before the next free day"
        return "wait", later
    if channel == Reminder.Channel.EMAIL and not patient.can_receive_email:
        return "skip", "Unsubscribed from email or no email address"
    return "send", channel


def _stale_reason(reminder: Reminder, appointment: Appointment, now: datetime) -> str:
    kind = reminder.kind
    if kind in questionnaires.KINDS:
        return questionnaires.stale_reason(reminder, now)
    if kind == Reminder.Kind.BEFORE_VISIT:
        if appointment.status not in Appointment.UPCOMING_STATUSES:
            return f"The visit is {appointment.get_status_display().lower()}"
        if appointment.starts_at <= now:
            return "The visit has already started"
    elif kind == Reminder.Kind.CONFIRMATION:
        if appointment.course.status == TreatmentCourse.Status.CANCELLED:
            return "The course is cancelled"
    elif kind == Reminder.Kind.CHECK_IN:
        if appointment.status != Appointment.Status.COMPLETED:
            return "The visit was not completed"
        following = (
            appointment.course.appointments.filter(
                status__in=Appointment.ACTIVE_STATUSES, starts_at__gt=appointment.starts_at
            )
            .order_by("starts_at")
            .first()
        )
        if following and following.starts_at <= now:
            return "The next visit has already started"
    elif kind in (Reminder.Kind.MISSED_VISIT, Reminder.Kind.STAFF_ALERT):
        if appointment.status != Appointment.Status.NO_SHOW:
            return "The visit is no longer a no-show"
        if is_rebooked(appointment):
            return "The missed session has been rebooked"
    elif (
        kind == Reminder.Kind.COURSE_END
        and appointment.course.status == TreatmentCourse.Status.CANCELLED
    ):
        return "The course is cancelled"
    return ""


def _email_instead(reminder: Reminder) -> str | None:
    if not reminder.patient.can_receive_email or reminder.has_email_twin():
        return None
    return Reminder.Channel.EMAIL


def _sms_limit_reached(patient: Patient, now: datetime, tz) -> bool:
    """Return True if the patient already had SMS_MAX_PER_DAY texts this local day or
    SMS_MAX_PER_WEEK in the last seven local days (counting any whose outcome is unknown)."""
    local_midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = local_midnight.astimezone(now.tzinfo)
    week_start = (local_midnight - timedelta(days=6)).astimezone(now.tzinfo)
    texts = Reminder.objects.filter(patient=patient, channel=Reminder.Channel.SMS).filter(
        Q(status=Reminder.Status.SENT, sent_at__gte=week_start)
        | Q(outcome_unknown=True, claimed_at__gte=week_start)
    )
    times = [
        sent_at or claimed_at for sent_at, claimed_at in texts.values_list("sent_at", "claimed_at")
    ]
    today = sum(1 for moment in times if moment >= day_start)
    return today >= settings.SMS_MAX_PER_DAY or len(times) >= settings.SMS_MAX_PER_WEEK


# -- providers ------------------------------------------------------------------------------------


def _deliver(reminder: Reminder, rendered) -> str:
    if reminder.channel == Reminder.Channel.SMS:
        try:
            return sms.get_backend().send(
                sms.TextMessage(
                    to=reminder.patient.phone, body=rendered.sms, reference=str(reminder.pk)
                )
            )
        except sms.PermanentSMSError as exc:
            raise PermanentSendError(str(exc)) from None
        except sms.SMSError as exc:
            raise TransientSendError(str(exc)) from None
    if reminder.channel == Reminder.Channel.STAFF:
        recipients = _front_desk_emails()
        if not recipients:
            return "staff-page"  # shown on the Messages page only
    else:
        recipients = [reminder.patient.email]
    headers = {"X-Clinic-Reminder": str(reminder.pk), "Message-ID": make_msgid(domain="clinic")}
    if reminder.channel == Reminder.Channel.EMAIL:
        unsubscribe = links.link_url("unsubscribe", patient=reminder.patient)
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    message = EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        to=recipients,
        headers=headers,
        connection=get_connection(),
    )
    for name, content, mimetype in rendered.attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except (SMTPRecipientsRefused, SMTPSenderRefused) as exc:
        raise PermanentSendError(f"Email refused: {type(exc).__name__}") from None
    except OSError as exc:  # SMTPException is an OSError: connection trouble, try again
        raise TransientSendError(f"Email not sent: {type(exc).__name__}") from None
    return headers["Message-ID"]


def _front_desk_emails() -> list[str]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=FRONT_DESK_ROLES)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
