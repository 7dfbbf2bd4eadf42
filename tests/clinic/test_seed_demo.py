"""`manage.py seed_demo` loads a demo clinic, and running it again changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from clinic.models import OpeningHours, Practitioner, Room
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders.models import Reminder

pytestmark = pytest.mark.django_db


def counts():
    models = (
        User,
        Practitioner,
        Room,
        OpeningHours,
        Patient,
        TreatmentCourse,
        Appointment,
        Reminder,
    )
    return {model.__name__: model.objects.count() for model in models}


@time_machine.travel(datetime(2027, 2, 17, 9, tzinfo=ZoneInfo("America/New_York")), tick=False)
def test_seeding_twice_changes_nothing_and_books_two_demo_courses():
    call_command("seed_demo", stdout=None)
    first = counts()
    assert first["User"] == 5 and first["Practitioner"] == 3 and first["Room"] == 4
    assert first["TreatmentCourse"] == 2 and first["Appointment"] == 16
    assert Appointment.objects.order_by("starts_at").first().starts_at.date() == date(2027, 2, 22)
    call_command("seed_demo")
    assert counts() == first


def test_seeding_survives_a_namesake_registered_by_staff():
    call_command("seed_demo")
    Patient.objects.create(first_name="Ana", last_name="Lopez", date_of_birth=date(1961, 4, 12))
    call_command("seed_demo")
    assert Patient.objects.filter(last_name="Lopez").count() == 2
