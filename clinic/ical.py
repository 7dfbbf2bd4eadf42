"""A practitioner's appointments as an iCalendar feed for their phone.

Minimum necessary: each event says only the patient's initials and the session number
("AL · session 3"), with times and the room. No name, condition, notes or pain score.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import icalendar
from django.db import transaction
from django.utils import timezone

from clinic.models import CalendarFeed, Clinic, Practitioner
from scheduling.models import Appointment

# Past appointments are kept for a month so a phone still shows last week's sessions.
FEED_HISTORY = timedelta(days=31)


def calendar_feed_create(*, practitioner: Practitioner) -> CalendarFeed:
    """Revoke the practitioner's current feed, if any, and return a new one with a fresh token."""
    with transaction.atomic():
        calendar_feed_revoke(practitioner=practitioner)
        return CalendarFeed.objects.create(
            practitioner=practitioner, token=secrets.token_urlsafe(32)
        )


def calendar_feed_revoke(*, practitioner: Practitioner) -> int:
    """Revoke the practitioner's active feed; its address answers 404 from now on."""
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def event_summary(appointment) -> str:
    """Return the event title: the patient's initials and the session number, nothing else."""
    return f"{appointment.patient.initials} · session {appointment.number}"


def calendar_feed_ical(*, feed: CalendarFeed, now: datetime, host: str) -> bytes:
    """Return the feed's active appointments from a month ago on, as iCalendar bytes."""

    clinic = Clinic.load()
    tz = clinic.tz
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Clinic scheduler//Practitioner calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{clinic.name}: {feed.practitioner.name}")
    calendar.add("x-wr-timezone", clinic.timezone)
    appointments = (
        Appointment.objects.active()
        .filter(practitioner=feed.practitioner, starts_at__gte=now - FEED_HISTORY)
        .select_related("patient", "room")
        .order_by("starts_at")
    )
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at.astimezone(tz))
        event.add("dtend", appointment.ends_at.astimezone(tz))
        event.add("summary", event_summary(appointment))
        event.add("location", appointment.room.name)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
