"""Reminder rows: which messages a booking, a visit or a no-show schedules, consent changes, and
what staff do about a failed message.

The rows are the schedule; `scheduling.dispatch` sends them. Every function here that writes is
meant to run inside the caller's transaction, so a booking, a reschedule or a cancellation and its
reminders commit or roll back together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic
from patients.models import Channel, Patient
from scheduling.models import Appointment, Reminder, TreatmentCourse

log = logging.getLogger(__name__)

# Words that withdraw consent to texts (CTIA / Twilio's standard opt-out keywords).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "QUIT", "END", "REVOKE", "OPT OUT", "OPTOUT", "CANCEL", "UNSUBSCRIBE"}
)


# -- quiet hours (pure) ---------------------------------------------------------------------------


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def window_start_for(moment: datetime, tz: ZoneInfo, *, start: str = "", end: str = "") -> datetime:
    """Return `moment` if it lies in the sending window (QUIET_HOURS_END to QUIET_HOURS_START,
    local to `tz`), else the next time the window opens.

    Local wall times are built then converted, so the window opens at 08:00 local on the day of a
    DST change too.
    """
    opens = _hhmm(end or settings.QUIET_HOURS_END)
    closes = _hhmm(start or settings.QUIET_HOURS_START)
    local = moment.astimezone(tz)
    wall = local.time()
    if opens <= closes:
        if opens <= wall < closes:
            return moment
        day = local.date() if wall < opens else local.date() + timedelta(days=1)
    else:  # a window that spans midnight, e.g. 22:00-06:00 of quiet hours reversed
        if wall >= opens or wall < closes:
            return moment
        day = local.date()
    return datetime.combine(day, opens, tzinfo=tz).astimezone(moment.tzinfo)


def next_day_window_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Return when the window opens on the local day after `moment`."""
    day = moment.astimezone(tz).date() + timedelta(days=1)
    opens = _hhmm(settings.QUIET_HOURS_END)
    return datetime.combine(day, opens, tzinfo=tz).astimezone(moment.tzinfo)


def patient_zone(patient: Patient, clinic: Clinic | None = None) -> ZoneInfo:
    """Return the patient's zone; blank means the clinic's."""
    if patient.timezone:
        return ZoneInfo(patient.timezone)
    return (clinic or Clinic.load()).tz


# -- which rows to create -------------------------------------------------------------------------


def patient_channel(patient: Patient) -> str | None:
    """Return the channel to reach the patient on: their choice when allowed, else email."""
    if patient.preferred_channel == Channel.NONE:
        return None
    if patient.preferred_channel == Channel.SMS and patient.can_receive_sms:
        return Reminder.Channel.SMS
    if patient.can_receive_email:
        return Reminder.Channel.EMAIL
    return None


def before_visit_reminders(appointment: Appointment, channel: str) -> list[Reminder]:
    """Return unsaved reminders before the visit, one per REMINDER_OFFSETS_HOURS, each moved out
    of quiet hours; none that would go after the visit has started."""
    tz = patient_zone(appointment.patient)
    rows = []
    for hours in settings.REMINDER_OFFSETS_HOURS:
        due = window_start_for(appointment.starts_at - timedelta(hours=hours), tz)
        if due >= appointment.starts_at:
            continue
        rows.append(
            Reminder(
                appointment=appointment,
                patient_id=appointment.patient_id,
                kind=Reminder.Kind.BEFORE_VISIT,
                channel=channel,
                offset_minutes=hours * 60,
                due_at=due,
            )
        )
    return rows


def reminders_for_booking(
    course: TreatmentCourse, appointments: Iterable[Appointment]
) -> list[Reminder]:
    """Return the unsaved reminder rows for a new course: a confirmation now (by email when
    possible, since it carries the calendar file), and a reminder before each visit."""
    appointments = list(appointments)
    channel = patient_channel(course.patient)
    if channel is None or not appointments:
        return []
    confirmation_channel = Reminder.Channel.EMAIL if course.patient.can_receive_email else channel
    rows = [
        Reminder(
            appointment=appointments[0],
            patient=course.patient,
            kind=Reminder.Kind.CONFIRMATION,
            channel=confirmation_channel,
            due_at=timezone.now(),
        )
    ]
    for appointment in appointments:
        appointment.patient = course.patient
        rows += before_visit_reminders(appointment, channel)
    return rows


def checkin_reminder_for(appointment: Appointment) -> list[Reminder]:
    """Schedule the pain check-in for the day after an attended session, at CHECKIN_LOCAL_TIME in
    the patient's zone, and after the course's last session the nudge to book a review.

    Call it in the transaction that marks the appointment completed. Calling it twice creates
    nothing new. Return the rows it created.
    """
    patient = appointment.patient
    channel = patient_channel(patient)
    if channel is None:
        return []
    tz = patient_zone(patient)
    day_after = appointment.starts_at.astimezone(tz).date() + timedelta(days=1)
    checkin_at = datetime.combine(day_after, _hhmm(settings.CHECKIN_LOCAL_TIME), tzinfo=tz)
    rows = [
        Reminder(
            appointment=appointment,
            patient=patient,
            kind=Reminder.Kind.CHECK_IN,
            channel=channel,
            due_at=window_start_for(checkin_at, tz),
        )
    ]
    later = appointment.course.appointments.filter(
        status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=appointment.starts_at
    )
    if not later.exists():
        # Two days after the last visit, so it does not share a day (and the one-SMS-a-day
        # limit) with the check-in.
        review_at = checkin_at + timedelta(days=1)
        rows.append(
            Reminder(
                appointment=appointment,
                patient=patient,
                kind=Reminder.Kind.COURSE_END,
                channel=channel,
                due_at=window_start_for(review_at, tz),
            )
        )
    return _insert_new(rows)


def missed_visit_reminders(appointment: Appointment) -> list[Reminder]:
    """Schedule, for a day after a no-show, a message to the patient and an alert to the front
    desk; both are skipped if the session has been rebooked by then."""
    due = timezone.now() + timedelta(days=1)
    rows = [
        Reminder(
            appointment=appointment,
            patient=appointment.patient,
            kind=Reminder.Kind.STAFF_ALERT,
            channel=Reminder.Channel.STAFF,
            due_at=due,
        )
    ]
    channel = patient_channel(appointment.patient)
    if channel:
        rows.append(
            Reminder(
                appointment=appointment,
                patient=appointment.patient,
                kind=Reminder.Kind.MISSED_VISIT,
                channel=channel,
                due_at=window_start_for(due, patient_zone(appointment.patient)),
            )
        )
    return _insert_new(rows)


def _insert_new(rows: list[Reminder]) -> list[Reminder]:
    created = []
    for row in rows:
        exists = Reminder.objects.filter(
            appointment=row.appointment,
            kind=row.kind,
            channel=row.channel,
            offset_minutes=row.offset_minutes,
        ).exists()
        if not exists:
            row.save()
            created.append(row)
    if created:
        enqueue_dispatch()
    return created


def is_rebooked(appointment: Appointment) -> bool:
    """Return True if the course has another active session with this session's number."""
    return (
        appointment.course.appointments.active()
        .filter(number=appointment.number)
        .exclude(pk=appointment.pk)
        .exists()
    )


# -- after the transaction ------------------------------------------------------------------------


def enqueue_dispatch() -> None:
    """Ask a worker to dispatch due reminders as soon as the current transaction commits.

    Nothing is enqueued if it rolls back. If the broker is down the booking still stands: beat's
    next tick sends the rows, which are the schedule.
    """
    transaction.on_commit(_dispatch_now)


def _dispatch_now() -> None:
    from scheduling.tasks import dispatch_due_reminders

    try:
        dispatch_due_reminders.delay()
    except Exception:
        log.warning(
            "could not enqueue reminder dispatch; beat will pick the rows up", exc_info=True
        )


# -- consent --------------------------------------------------------------------------------------


def is_opt_out_message(body: str) -> bool:
    return " ".join(body.upper().split()).strip(" .!") in OPT_OUT_WORDS


def patient_sms_opt_out(*, phone: str, at: datetime | None = None) -> list[Patient]:
    """Record that the owner of `phone` withdrew consent to texts; their pending texts go by
    email instead where allowed, else are cancelled. Return the patients affected."""
    at = at or timezone.now()
    with transaction.atomic():
        patients = list(Patient.objects.select_for_update().filter(phone=phone))
        for patient in patients:
            if patient.sms_opted_out_at is None:
                patient.sms_opted_out_at = at
                patient.save(update_fields=["sms_opted_out_at"])
            reroute_pending_sms(patient)
    return patients


def patient_email_opt_out(*, patient: Patient, at: datetime | None = None) -> Patient:
    """Record that the patient unsubscribed from email; cancel their pending emails."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        if patient.email_opted_out_at is None:
            patient.email_opted_out_at = at or timezone.now()
            patient.save(update_fields=["email_opted_out_at"])
        patient.reminders.filter(
            status=Reminder.Status.PENDING, channel=Reminder.Channel.EMAIL
        ).update(status=Reminder.Status.CANCELLED, last_error="Patient unsubscribed from email")
    return patient


def reroute_pending_sms(patient: Patient) -> None:
    """Move the patient's pending texts to email when they can no longer get texts."""
    if patient.can_receive_sms:
        return
    for reminder in patient.reminders.filter(
        status=Reminder.Status.PENDING, channel=Reminder.Channel.SMS
    ):
        if patient.can_receive_email and not _email_twin_exists(reminder):
            reminder.channel = Reminder.Channel.EMAIL
            reminder.save(update_fields=["channel"])
        else:
            reminder.status = Reminder.Status.CANCELLED
            reminder.last_error = "No consent to text messages"
            reminder.save(update_fields=["status", "last_error"])


def _email_twin_exists(reminder: Reminder) -> bool:
    return Reminder.objects.filter(
        appointment_id=reminder.appointment_id,
        kind=reminder.kind,
        channel=Reminder.Channel.EMAIL,
        offset_minutes=reminder.offset_minutes,
    ).exists()


# -- staff ----------------------------------------------------------------------------------------


def reminder_resolve(*, reminder: Reminder, action: str, by) -> Reminder:
    """Settle a failed or flagged reminder: `sent` (staff checked it went out) or `retry`."""
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.status != Reminder.Status.FAILED:
            raise ValueError("Only a failed or flagged message can be settled.")
        note = f" (by {by.get_username()})" if by else ""
        if action == "sent":
            reminder.status = Reminder.Status.SENT
            reminder.sent_at = reminder.sent_at or reminder.claimed_at or timezone.now()
            reminder.last_error = f"Marked as sent by staff{note}"
        elif action == "retry":
            reminder.status = Reminder.Status.PENDING
            reminder.due_at = timezone.now()
            reminder.last_error = f"Retry asked by staff{note}"
            enqueue_dispatch()
        else:
            raise ValueError(f"unknown action {action!r}")
        reminder.outcome_unknown = False
        reminder.save()
    return reminder


# -- what patients do through links --------------------------------------------------------------


class LateCancel(Exception):
    """Too close to the visit to cancel by link: the patient should call."""


def visit_confirm_by_patient(*, appointment: Appointment) -> Appointment:
    """Mark a booked visit confirmed by the patient; a visit no longer booked is left alone."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if (
            appointment.status != Appointment.Status.BOOKED
            or appointment.starts_at <= timezone.now()
        ):
            raise ValueError("This visit can no longer be confirmed.")
        appointment.set_status(Appointment.Status.CONFIRMED, by=None)
        appointment.save(update_fields=["status", "changed_by", "changed_at"])
    return appointment


def cancel_allowed(appointment: Appointment, now: datetime | None = None) -> bool:
    """Return True if the visit is far enough away (LATE_CANCEL_HOURS) to cancel by link."""
    now = now or timezone.now()
    return appointment.starts_at - now >= timedelta(hours=settings.LATE_CANCEL_HOURS)


def visit_cancel_by_patient(*, appointment: Appointment) -> Appointment:
    """Cancel an upcoming visit for the patient, outside the late-cancel window."""
    from scheduling.services.appointments import appointment_cancel

    if not cancel_allowed(appointment):
        raise LateCancel()
    appointment_cancel(appointment=appointment, by=None, reason="Cancelled by the patient by link")
    appointment.refresh_from_db()
    return appointment
