"""Logs never carry a condition, pain score or note: not from the code paths that handle them,
and the redaction filter catches one passed by mistake."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.logging import REDACTED, RedactClinicalFilter
from scheduling.reminders import tasks

NEW_YORK = ZoneInfo("America/New_York")
NOTE = "Needled LI4 bilaterally, patient reports zq-private-note"
CONDITION_WORDS = ("osteoarthritis", "Osteoarthritis")
PAIN_WITH_NUMBER = re.compile(r"pain\w*\W{1,5}\d", re.IGNORECASE)


def all_log_text(caplog) -> str:
    handler_output = "\n".join(caplog.messages)
    extras = "\n".join(str(record.__dict__) for record in caplog.records)
    return handler_output + "\n" + extras


def assert_no_clinical_content(caplog):
    text = all_log_text(caplog)
    for word in (*CONDITION_WORDS, "zq-private-note", "bilaterally"):
        assert word not in text, f"{word!r} was logged"
    assert not PAIN_WITH_NUMBER.search(text), PAIN_WITH_NUMBER.search(text).group(0)


def book(front_desk, clinician, patient, practitioner) -> dict:
    """Register, change, read and book for Ana as the front desk; return the booked course."""
    with time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False):
        front_desk.patch(f"/api/v1/patients/{patient.pk}/", {"phone": "2125550177"}, format="json")
        front_desk.get(f"/api/v1/patients/{patient.pk}/")
        front_desk.post("/api/v1/patients/", {"first_name": "X", "last_name": "Y"}, format="json")
        course = {
            "patient": patient.pk,
            "practitioner": practitioner.pk,
            "start_date": "2027-03-01",
            "weekdays": [0, 3],
            "time": "10:00",
            "condition": "osteoarthritis",
        }
        booked = front_desk.post("/api/v1/courses/", course, format="json")
        assert booked.status_code == 201, booked.content
        front_desk.post("/api/v1/courses/", {**course, "red_flags": ["nope"]}, format="json")
        front_desk.post("/api/v1/courses/", course, format="json")  # a 409: same slots
        clinician.get(f"/api/v1/courses/{booked.json()['id']}/")
    return booked.json()


@pytest.fixture
def people(api_as, receptionist, practitioner, patient, rooms):
    return api_as(receptionist), api_as(practitioner.user), patient, practitioner


@pytest.mark.django_db
def test_registering_and_booking_log_nothing_clinical(caplog, people):
    caplog.set_level(logging.DEBUG)

    book(*people)

    assert caplog.records, "expected some log output (at least the 400 and 409 warnings)"
    assert_no_clinical_content(caplog)


@pytest.mark.django_db
def test_recording_a_session_logs_nothing_clinical(caplog, people):
    front_desk, clinician, *_ = people
    first = book(*people)["sessions"][0]["id"]
    record_path = f"/api/v1/appointments/{first}/record/"
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    with time_machine.travel(datetime(2027, 3, 1, 11, tzinfo=NEW_YORK), tick=False):
        front_desk.post(f"/api/v1/appointments/{first}/check-in/", format="json")
        body = {"pain_before": 7, "pain_after": 4, "points": ["LI-4"], "notes": NOTE}
        assert clinician.post(record_path, body, format="json").status_code == 201
        clinician.post(record_path, {**body, "pain_before": 11}, format="json")  # a 400
        clinician.get(record_path)
        front_desk.get(record_path)  # a 403

    assert_no_clinical_content(caplog)


@pytest.mark.django_db
def test_reminding_logs_nothing_clinical(caplog, people):
    book(*people)
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    with time_machine.travel(datetime(2027, 2, 28, 12, tzinfo=NEW_YORK), tick=False):
        tasks.dispatch_due_reminders()

    assert_no_clinical_content(caplog)


# The filter itself


def make_record(msg, args=(), **extra) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_the_filter_redacts_clinical_extra_fields():
    record = make_record("recorded session", notes=NOTE, pain_before=7, appointment=3)

    assert RedactClinicalFilter().filter(record) is True
    assert record.notes == REDACTED
    assert record.pain_before == REDACTED
    assert record.appointment == 3


def test_the_filter_redacts_a_dict_of_arguments():
    record = make_record("booked %(course)s for %(condition)s", {"course": 5, "condition": "x"})

    RedactClinicalFilter().filter(record)

    assert record.getMessage() == f"booked 5 for {REDACTED}"


def test_the_filter_redacts_key_value_text_in_messages_and_arguments():
    record = make_record("saved pain_after=3 notes='sore hip' for %s", ("condition: bursitis",))

    RedactClinicalFilter().filter(record)

    message = record.getMessage()
    assert "sore hip" not in message and "bursitis" not in message and "=3" not in message
    assert message == f"saved pain_after={REDACTED} notes={REDACTED} for condition: {REDACTED}"


def test_the_filter_leaves_other_records_alone():
    record = make_record("reminder %s sent at %s", (12, "10:00"))

    RedactClinicalFilter().filter(record)

    assert record.getMessage() == "reminder 12 sent at 10:00"


def test_the_console_handler_uses_the_filter(settings):
    assert "redact_clinical" in settings.LOGGING["handlers"]["console"]["filters"]
    handler_filters = [
        f
        for h in logging.getLogger().handlers
        for f in h.filters
        if isinstance(f, RedactClinicalFilter)
    ]
    assert handler_filters, "the root logger's console handler has no redaction filter"


def test_a_log_line_through_the_console_handler_is_redacted():
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    record = make_record("pain_before=%s saved", (8,), notes=NOTE)

    assert handler.filter(record)
    line = handler.format(record)

    assert "pain_before=[redacted] saved" in line
    assert NOTE not in line and record.notes == REDACTED
