"""Render reminder texts: email subject and body, SMS text, and the course's .ics calendar.

Minimum necessary: a message names the clinic and its phone, the visit's local date and time
(in the patient's time zone) and a link. The templates get only those values, never the course's
condition, a pain score or notes, so no template can leak them by mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from clinic.localtime import local_when, patient_zone
from clinic.models import Clinic
from patients.phones import display_phone
from scheduling.models import Appointment
from scheduling.reminders import kinds, links, questionnaires
from scheduling.reminders.models import Reminder
from scheduling.schedule import sessions_to_move

# Said of a visit on a closure or in the practitioner's time off, instead of asking to confirm it.
TO_MOVE = "the clinic will call you to move this visit"


@dataclass
class RenderedMessage:
    subject: str
    body: str
    sms: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def next_visit(
    appointment: Appointment, course_sessions: list[Appointment] | None = None
) -> Appointment | None:
    """Return the course's next upcoming visit after `appointment`, from `course_sessions` (the
    course's active visits by start) when given, else from the database."""
    if course_sessions is not None:
        return next(
            (
                s
                for s in course_sessions
                if s.status in Appointment.UPCOMING_STATUSES and s.starts_at > appointment.starts_at
            ),
            None,
        )
    return (
        appointment.course.appointments.filter(
            status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=appointment.starts_at
        )
        .order_by("starts_at")
        .first()
    )


def render_reminder(
    reminder: Reminder,
    *,
    clinic: Clinic | None = None,
    course_sessions: list[Appointment] | None = None,
    link: Callable[..., str] = links.link_url,
    to_move: set[int] | None = None,
) -> RenderedMessage:
    """Return the texts the reminder's channel sends: the SMS text for a text message, else the
    email subject, body and attachments (patient or staff).

    `course_sessions` are the course's active visits ordered by start (read when not given);
    `link(action, patient=..., appointment=...)` makes each link URL (dispatch passes a
    `LinkBatch`, so only links a text shows are made). `to_move` holds the ids of the visits
    that fall on a closure or the practitioner's time off (read when not given): the message says
    the clinic will call to move them and never asks the patient to confirm them.
    """
    clinic = clinic or Clinic.load()
    appointment = reminder.appointment
    patient = reminder.patient
    kind = reminder.kind
    by_sms = reminder.channel == Reminder.Channel.SMS
    tz = patient_zone(patient, clinic)
    context = {
        "clinic_name": clinic.name,
        "clinic_phone": display_phone(clinic.phone) if clinic.phone else "the clinic",
        "first_name": patient.first_name,
        "when": local_when(appointment.starts_at, tz),
        "channel": reminder.channel,
    }
    if kind != Reminder.Kind.STAFF_ALERT:
        context["visits_url"] = link("visits", patient=patient)
    attachments: list[tuple[str, bytes, str]] = []
    if kind in (Reminder.Kind.CONFIRMATION, Reminder.Kind.CHECK_IN) and course_sessions is None:
        course_sessions = list(appointment.course.appointments.active().order_by("starts_at"))
    if kind == Reminder.Kind.CONFIRMATION:
        sessions = [s for s in course_sessions if s.starts_at >= appointment.starts_at]
        moving = sessions_to_move(sessions, tz=clinic.tz) if to_move is None else to_move
        context["sessions"] = [
            local_when(s.starts_at, tz) + (f" ({TO_MOVE})" if s.pk in moving else "")
            for s in sessions
        ]
        context["to_move_count"] = sum(1 for s in sessions if s.pk in moving)
        context["to_move"] = TO_MOVE
        if reminder.channel == Reminder.Channel.EMAIL:
            attachments.append(("visits.ics", course_ics(sessions, clinic), "text/calendar"))
    elif kind == Reminder.Kind.BEFORE_VISIT:
        moving = sessions_to_move([appointment], tz=clinic.tz) if to_move is None else to_move
        context["to_move"] = TO_MOVE if appointment.pk in moving else ""
        if not by_sms and not context["to_move"]:
            context["confirm_url"] = link("confirm", patient=patient, appointment=appointment)
            context["move_url"] = link("move", patient=patient, appointment=appointment)
            context["cancel_url"] = link("cancel", patient=patient, appointment=appointment)
    elif kind == Reminder.Kind.CHECK_IN:
        context["pain_url"] = link("pain", patient=patient, appointment=appointment)
        following = next_visit(appointment, course_sessions)
        context["next_when"] = local_when(following.starts_at, tz) if following else ""
    elif kind in questionnaires.KINDS:
        context.update(questionnaires.message_context(reminder, tz))
    elif hooks := kinds.hooks_for(kind):
        context.update(hooks.message_context(reminder, tz))
    elif kind == Reminder.Kind.STAFF_ALERT:
        context["patient_name"] = patient.full_name
        context["session_number"] = appointment.number
        context["patient_url"] = settings.SITE_URL + reverse("patient-detail", args=[patient.pk])
    if reminder.channel == Reminder.Channel.EMAIL:
        context["unsubscribe_url"] = link("unsubscribe", patient=patient)
    if by_sms:
        sms = " ".join(render_to_string(f"reminders/sms/{kind}.txt", context).split())
        return RenderedMessage(subject="", body="", sms=sms)
    subject = render_to_string(f"reminders/emails/{kind}_subject.txt", context).strip()
    body = render_to_string(f"reminders/emails/{kind}.txt", context).strip() + "\n"
    return RenderedMessage(subject=subject, body=body, sms="", attachments=attachments)


def course_ics(sessions: list[Appointment], clinic: Clinic) -> bytes:
    """Return an iCalendar file with every session, in the clinic's zone with its TZID."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Clinic scheduler//reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", f"{links.appointment_ref(session)}@{settings.SITE_URL.split('//')[-1]}")
        event.add("summary", f"Visit at {clinic.name}")
        event.add("dtstart", session.starts_at.astimezone(clinic.tz))
        event.add("dtend", session.ends_at.astimezone(clinic.tz))
        event.add("dtstamp", session.changed_at)
        if clinic.address:
            event.add("location", clinic.address)
        phone = display_phone(clinic.phone) if clinic.phone else clinic.name
        event.add("description", f"Questions or changes: call {phone}.")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
