"""Wait-list people: Ana's course with Mei (Mondays and Thursdays at 10:00 from 1 March 2027),
and two patients waiting for a missed visit with Mei: Bea (by email, on the list first) and
Carl (by text, second). Each has cancelled visit 2 of a Tuesday-and-Friday course."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine
from django.utils import timezone

from patients.models import Patient
from scheduling.reminders.models import Reminder
from scheduling.services import appointment_cancel
from scheduling.waitlist import services
from tests.reminders.conftest import at, sms_outbox  # noqa: F401  (a fixture)


@pytest.fixture
def bea(db) -> Patient:
    return Patient.objects.create(
        first_name="Bea",
        last_name="Novak",
        email="bea@example.com",
        phone="+12125550103",
        preferred_channel="email",
    )


@pytest.fixture
def carl(db) -> Patient:
    return Patient.objects.create(
        first_name="Carl",
        last_name="Osei",
        email="",
        phone="+12125550104",
        preferred_channel="sms",
        sms_consent_at=timezone.now(),
    )


def waiting_for_a_missed_visit(book, who, hour, receptionist):
    """Book `who` a Tuesday-and-Friday course with Mei at `hour`, cancel visit 2 (Fri 5 March)
    and put them on the wait list for it: any weekday, 09:00 to 12:00, until the end of March."""
    course = book(patient=who, start_date=date(2027, 3, 2), weekdays=[1, 4], time=time(hour))
    appointment_cancel(appointment=course.appointments.get(number=2), by=receptionist)
    return services.entry_create(
        patient=who,
        course=course,
        weekdays=[],
        earliest_time=time(9),
        latest_time=time(12),
        until=date(2027, 3, 31),
        by=receptionist,
    )


@pytest.fixture
def ana_course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return book()


@pytest.fixture
def waiting(ana_course, book, bea, carl, receptionist):
    """Bea's entry, then Carl's, an hour apart; no message of the bookings left pending."""
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        first = waiting_for_a_missed_visit(book, bea, 14, receptionist)
    with time_machine.travel(at(2027, 2, 15, 13), tick=False):
        second = waiting_for_a_missed_visit(book, carl, 16, receptionist)
    Reminder.objects.all().delete()
    return first, second


@pytest.fixture
def freed(ana_course):
    """Ana's visit 2: Thursday 4 March 2027 at 10:00 with Mei."""
    return ana_course.appointments.get(number=2)
