"""Reminder fixtures: a booked course, outboxes for email (Django's locmem) and SMS (the
in-memory backend), and a check that every message sent in a test says only what it may."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clinic.localtime import local_when, patient_zone
from patients.phones import display_phone
from scheduling.models import Condition
from scheduling.records.models import PainReport
from scheduling.reminders import dispatch
from scheduling.reminders.models import Reminder
from scheduling.reminders.sms import LocmemBackend

NEW_YORK = ZoneInfo("America/New_York")
SECRET_NOTE = "Patient mentioned hip clicking near the psoas"
LINK = re.compile(r"https?://\S+/")


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "scheduling.reminders.sms.LocmemBackend"
    LocmemBackend.outbox = []
    yield LocmemBackend.outbox
    LocmemBackend.outbox = []


def run_dispatch() -> int:
    """Recover stale claims, then claim and send every due reminder inline, as the worker's two
    periodic tasks would."""
    dispatch.recover_stale_claims()
    return dispatch.dispatch_due()


def message_texts(mailoutbox, sms_outbox) -> list[tuple[Reminder, str, str]]:
    """Return (reminder, channel, full text) for every message sent, email subject included."""
    found = []
    for email in mailoutbox:
        reminder = Reminder.objects.get(pk=email.extra_headers["X-Clinic-Reminder"])
        text = email.subject + "\n" + email.body
        for _name, content, _mimetype in email.attachments:
            text += "\n" + (content.decode() if isinstance(content, bytes) else content)
        found.append((reminder, "email", text))
    for text_message in sms_outbox:
        reminder = Reminder.objects.get(pk=text_message.reference)
        found.append((reminder, "sms", text_message.body))
    return found


def assert_minimum_necessary(reminder: Reminder, text: str, clinic) -> None:
    """The message names the clinic, its phone, the visit's local date and time and a link, and
    nothing clinical."""
    assert clinic.name in text
    assert display_phone(clinic.phone) in text  # (212) 555-0100, as patients read it
    assert LINK.search(text), text
    when = local_when(reminder.appointment.starts_at, patient_zone(reminder.patient, clinic))
    assert when in text, (when, text)
    lowered = text.lower()
    condition = reminder.appointment.course.condition
    for value, label in Condition.choices:
        if value != Condition.OTHER:
            assert label.lower() not in lowered, label
            assert value.replace("_", " ") not in lowered
    assert SECRET_NOTE.lower() not in lowered
    assert condition not in lowered
    lowered = re.sub(r"0 ?(\(no pain\))? ?(-|to) ?10", "", lowered)
    for score in PainReport.objects.values_list("score", flat=True):
        assert not re.search(rf"pain[^.\n]{{0,20}}\b{score}\b(?!-)", lowered), text
    assert not re.search(r"pain (score|level|was|is) \d", lowered)


@pytest.fixture
def sent(db, mailoutbox, sms_outbox, clinic):
    """Return the messages sent so far; at the end of the test check every one of them."""

    def collect():
        return message_texts(mailoutbox, sms_outbox)

    yield collect
    for reminder, _channel, text in collect():
        assert_minimum_necessary(reminder, text, clinic)


def at(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


QUESTIONNAIRE_KINDS = (Reminder.Kind.QUESTIONNAIRE, Reminder.Kind.QUESTIONNAIRE_NUDGE)


def without_questionnaire_messages(course=None):
    """Drop the hip questionnaire's invitation and nudge, which every booking also schedules:
    the tests that call this follow the visit messages (test_questionnaires.py follows those)."""
    Reminder.objects.filter(kind__in=QUESTIONNAIRE_KINDS).delete()
    return course
