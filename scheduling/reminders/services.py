"""Reminder rows: which messages a booking, a visit or a no-show schedules, consent changes, and
what staff do about a failed message.

The rows are the schedule; `scheduling.reminders.dispatch` sends them. The booking services
announce each change through `scheduling.signals`; the receivers at the end of this module keep
the rows in step, inside the booking's transaction, so a booking, a reschedule or a
cancellation and its reminders commit or roll back together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.localtime import local_time_on, patient_zone, window_start_for
from clinic.models import Clinic
from patients.models import Channel, Patient
from scheduling import signals
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records import services as record_services
from scheduling.records.models import Questionnaire
from scheduling.records.progress import review_stage_at
from scheduling.reminders.models import Reminder
from scheduling.reminders.tasks import dispatch_due_reminders

log = logging.getLogger(__name__)

# Words that withdraw consent to texts (CTIA / Twilio's standard opt-out keywords).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "QUIT", "END", "REVOKE", "OPT OUT", "OPTOUT", "CANCEL", "UNSUBSCRIBE"}
)


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
    tz = patient_zone(appointment.patient, Clinic.load())
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
    tz = patient_zone(patient, Clinic.load())
    day_after = appointment.starts_at.astimezone(tz).date() + timedelta(days=1)
    checkin_at = local_time_on(day_after, settings.CHECKIN_LOCAL_TIME, tz)
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
                due_at=window_start_for(due, patient_zone(appointment.patient, Clinic.load())),
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


def questionnaire_reminders(
    questionnaire: Questionnaire, appointment: Appointment, *, at: datetime | None = None
) -> list[Reminder]:
    """Schedule the invitation to answer a HOOS, JR (now, or when quiet hours end) and one
    nudge QUESTIONNAIRE_NUDGE_DAYS later; none for a patient we may not message. Return the
    rows created."""
    patient = appointment.patient
    channel = patient_channel(patient)
    if channel is None:
        return []
    tz = patient_zone(patient, Clinic.load())
    invite_at = window_start_for(at or timezone.now(), tz)
    nudge_at = window_start_for(invite_at + timedelta(days=settings.QUESTIONNAIRE_NUDGE_DAYS), tz)
    rows = [
        Reminder(
            appointment=appointment,
            patient=patient,
            kind=kind,
            channel=channel,
            due_at=due,
            questionnaire=questionnaire,
        )
        for kind, due in (
            (Reminder.Kind.QUESTIONNAIRE, invite_at),
            (Reminder.Kind.QUESTIONNAIRE_NUDGE, nudge_at),
        )
    ]
    return _insert_new(rows)


def questionnaire_invite_for(appointment: Appointment, stage: str) -> list[Reminder]:
    """Ask the course's HOOS, JR at `stage` (a booking's first session: baseline; the midpoint
    or last session recorded: midpoint or end) and schedule its messages."""
    questionnaire = record_services.questionnaire_invite(course=appointment.course, stage=stage)
    if questionnaire is None:
        return []
    return questionnaire_reminders(questionnaire, appointment)


def questionnaires_cancel(course: TreatmentCourse) -> int:
    """Close the cancelled course's unanswered questionnaires and cancel their pending
    messages; return how many messages."""
    record_services.questionnaires_expire(course=course)
    return Reminder.objects.filter(
        questionnaire__course=course, status=Reminder.Status.PENDING
    ).update(status=Reminder.Status.CANCELLED, last_error="The course is cancelled")


# -- after the transaction ------------------------------------------------------------------------


def enqueue_dispatch() -> None:
    """Ask a worker to dispatch due reminders as soon as the current transaction commits.

    Nothing is enqueued if it rolls back. If the broker is down the booking still stands: beat's
    next tick sends the rows, which are the schedule.
    """
    transaction.on_commit(_dispatch_now)


def _dispatch_now() -> None:
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
        if patient.can_receive_email and not reminder.has_email_twin():
            reminder.channel = Reminder.Channel.EMAIL
            reminder.save(update_fields=["channel"])
        else:
            reminder.status = Reminder.Status.CANCELLED
            reminder.last_error = "No consent to text messages"
            reminder.save(update_fields=["status", "last_error"])


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


# -- keeping rows in step with the bookings (receivers of scheduling.signals) ---------------------


def cancel_reminders(appointments: Iterable[Appointment]) -> int:
    """Cancel the pending reminders of these appointments; return how many.

    A questionnaire's messages only hang off a session: they belong to the course and end with
    it (`questionnaires_cancel`), not with one session cancelled or missed."""
    return (
        Reminder.objects.filter(appointment__in=list(appointments), status=Reminder.Status.PENDING)
        .exclude(kind__in=[Reminder.Kind.QUESTIONNAIRE, Reminder.Kind.QUESTIONNAIRE_NUDGE])
        .update(status=Reminder.Status.CANCELLED)
    )


def move_reminders(appointment: Appointment) -> None:
    """Re-time the reminders before a moved visit; any already sent are not sent again."""
    pending = appointment.reminders.filter(
        kind=Reminder.Kind.BEFORE_VISIT, status=Reminder.Status.PENDING
    )
    for reminder in pending:
        reminder.due_at = appointment.starts_at - timedelta(minutes=reminder.offset_minutes)
        reminder.save(update_fields=["due_at"])
    # A reminder already sent (or given up on) named the old time: keep it for the patient's
    # message log and the SMS caps, and schedule a fresh one for the new time. One being sent
    # right now is left alone: dispatch renders the visit's current time.
    done = appointment.reminders.filter(
        kind=Reminder.Kind.BEFORE_VISIT,
        superseded=False,
        status__in=[Reminder.Status.SENT, Reminder.Status.FAILED, Reminder.Status.SKIPPED],
    )
    done_offsets = set(done.values_list("offset_minutes", flat=True))
    channel = patient_channel(appointment.patient)
    if channel and done_offsets:
        done.update(superseded=True)
        Reminder.objects.bulk_create(
            r
            for r in before_visit_reminders(appointment, channel)
            if r.offset_minutes in done_offsets
        )


def _on_course_booked(*, course, appointments, **kwargs) -> None:
    Reminder.objects.bulk_create(reminders_for_booking(course, appointments))
    if appointments:
        # The baseline HOOS, JR goes with the confirmation and is due before session 1.
        questionnaire_invite_for(appointments[0], Questionnaire.Stage.BASELINE)
    enqueue_dispatch()


def _on_appointment_added(*, appointment, **kwargs) -> None:
    channel = patient_channel(appointment.patient)
    if channel:
        Reminder.objects.bulk_create(before_visit_reminders(appointment, channel))


def _on_appointment_moved(*, appointment, **kwargs) -> None:
    move_reminders(appointment)


def _on_appointments_cancelled(*, appointments, **kwargs) -> None:
    cancel_reminders(appointments)


def _on_appointment_missed(*, appointment, **kwargs) -> None:
    cancel_reminders([appointment])
    missed_visit_reminders(appointment)


def _on_appointment_completed(*, appointment, **kwargs) -> None:
    # The patient is asked for a pain score the next day, in the recording's transaction.
    checkin_reminder_for(appointment)
    # After the midpoint session (4 of 8) and the last one, the hip questionnaire again.
    stage = review_stage_at(appointment.number, appointment.course.sessions_planned)
    if stage:
        questionnaire_invite_for(appointment, stage)


def _on_course_cancelled(*, course, **kwargs) -> None:
    questionnaires_cancel(course)


def connect_booking_signals() -> None:
    """Keep reminder rows in step with every booking change (called from AppConfig.ready)."""
    for signal, receiver in [
        (signals.course_booked, _on_course_booked),
        (signals.appointment_added, _on_appointment_added),
        (signals.appointment_moved, _on_appointment_moved),
        (signals.appointments_cancelled, _on_appointments_cancelled),
        (signals.appointment_missed, _on_appointment_missed),
        (signals.appointment_completed, _on_appointment_completed),
        (signals.course_cancelled, _on_course_cancelled),
    ]:
        signal.connect(receiver, sender=Appointment, dispatch_uid=f"reminders.{receiver.__name__}")
