"""Reminder rows: which messages a booking schedules, and moving or cancelling them with it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from patients.models import Channel, Patient
from scheduling.models import Appointment, Reminder, TreatmentCourse


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
    return [
        Reminder(
            appointment=appointment,
            patient_id=appointment.patient_id,
            kind=Reminder.Kind.BEFORE_VISIT,
            channel=channel,
            offset_minutes=hours * 60,
            due_at=appointment.starts_at - timedelta(hours=hours),
        )
        for hours in settings.REMINDER_OFFSETS_HOURS
    ]


def reminders_for_booking(
    course: TreatmentCourse, appointments: Iterable[Appointment]
) -> list[Reminder]:
    """Return the unsaved reminder rows for a new course: a confirmation now, and a reminder
    before each visit."""
    appointments = list(appointments)
    channel = patient_channel(course.patient)
    if channel is None or not appointments:
        return []
    rows = [
        Reminder(
            appointment=appointments[0],
            patient=course.patient,
            kind=Reminder.Kind.CONFIRMATION,
            channel=channel,
            due_at=timezone.now(),
        )
    ]
    for appointment in appointments:
        rows += before_visit_reminders(appointment, channel)
    return rows
