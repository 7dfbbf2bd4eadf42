"""Rendered messages: only the clinic, its phone, the local date and time and a link."""

from __future__ import annotations

import math

import icalendar
import pytest
import time_machine

from clinic.models import Clinic
from scheduling.models import Appointment
from scheduling.records.models import PainReport
from scheduling.records.services import pain_report_create
from scheduling.reminders.messages import render_reminder
from scheduling.reminders.models import Reminder
from scheduling.reminders.services import checkin_reminder_for
from scheduling.services import appointment_mark_no_show
from tests.reminders.conftest import (
    SECRET_NOTE,
    assert_minimum_necessary,
    at,
    run_dispatch,
    without_questionnaire_messages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book(red_flags=[], condition="osteoarthritis"))


def test_the_confirmation_carries_every_session_in_an_ics_with_its_tzid(course, sent, mailoutbox):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    [email] = mailoutbox
    name, content, mimetype = email.attachments[0]
    assert (name, mimetype) == ("visits.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 8
    assert "DTSTART;TZID=America/New_York:20270301T100000" in content
    assert "DTSTART;TZID=America/New_York:20270315T100000" in content
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert "osteo" not in content.lower()
    assert "Thu Mar 25, 2027 at 10:00 AM EDT" in email.body
    assert len(sent()) == 1


def test_every_kind_of_message_says_only_what_it_may(course, patient, receptionist, sent, settings):
    """Render each kind by SMS and email with a pain score and notes on record."""
    pain_report_create(patient=patient, score=7, source=PainReport.Source.LINK, course=course)
    first = course.appointments.get(number=1)
    Appointment.objects.filter(pk=first.pk).update(status="completed")
    first.refresh_from_db()
    checkin_reminder_for(first)
    second = course.appointments.get(number=2)
    with time_machine.travel(at(2027, 3, 4, 11), tick=False):
        appointment_mark_no_show(appointment=second, by=receptionist)
    receptionist.email = "rosa@clinic.example.com"
    receptionist.save()
    for reminder in Reminder.objects.exclude(status="cancelled"):
        for channel in ("sms", "email"):
            if reminder.channel == "staff" and channel == "sms":
                continue
            reminder.channel = channel if reminder.channel != "staff" else "staff"
            rendered = render_reminder(reminder)
            for text in (rendered.subject + "\n" + rendered.body, rendered.sms):
                if text.strip():
                    assert_minimum_necessary(reminder, text, Clinic.load())
            if channel == "email" and reminder.channel == "email":
                assert "/p/unsubscribe/" in rendered.body
            if rendered.sms:
                assert sms_segments(rendered.sms) <= 2
    assert SECRET_NOTE  # the shared check also looks for the note text


def test_messages_use_the_patients_own_time_zone(course, patient):
    patient.timezone = "Europe/Lisbon"
    patient.save()
    reminder = course.appointments.get(number=1).reminders.get(kind="before_visit")
    reminder.patient.refresh_from_db()
    rendered = render_reminder(reminder)
    assert "Mon Mar 1, 2027 at 3:00 PM WET" in rendered.sms


# GSM 03.38: the basic set costs one unit a character, the extension set two; any other character
# sends the whole text as UCS-2, with far shorter segments.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """Return how many SMS segments a provider bills for `text`."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = len(text) + sum(c in GSM7_EXTENSION for c in text)
        return 1 if units <= 160 else math.ceil(units / 153)
    return 1 if len(text) <= 70 else math.ceil(len(text) / 67)


def test_sms_segments_counts_like_a_provider():
    assert [sms_segments("a" * n) for n in (160, 161, 306, 307)] == [1, 2, 2, 3]
    assert [sms_segments("{" * 80), sms_segments("{" * 81)] == [1, 2]
    assert [sms_segments("’" * 70), sms_segments("’" * 71)] == [1, 2]


# A wait-list offer names the offered time, not its visit's: tests/waitlist/test_offers.py
# checks its length.
@pytest.mark.parametrize(
    "kind", [k for k in Reminder.Kind.values if k not in ("staff_alert", "waitlist_offer")]
)
def test_every_text_message_fits_in_two_sms_segments(kind, course, patient, settings):
    """A typical clinic: a 22-character name, a US phone number and its own domain."""
    settings.SITE_URL = "https://clinic.example.com"
    clinic = Clinic.load()
    clinic.name = "Park Slope Acupuncture"
    clinic.save()
    lengths = []
    for appointment in course.appointments.all():  # every date, so the longest one is covered
        reminder = Reminder(
            appointment=appointment,
            patient=patient,
            kind=kind,
            channel=Reminder.Channel.SMS,
            due_at=appointment.starts_at,
            questionnaire=course.questionnaires.get(stage="baseline"),
        )
        text = render_reminder(reminder).sms
        assert_minimum_necessary(reminder, text, clinic)
        assert sms_segments(text) <= 2, (len(text), text)
        lengths.append(len(text))
    print(f"{kind}: {min(lengths)}-{max(lengths)} characters")
