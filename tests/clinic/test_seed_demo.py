"""`manage.py seed_demo` builds a clinic alive today; running it again resets the demo and never
touches what staff entered."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from clinic.models import OpeningHours, Practitioner, Room
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records.models import Questionnaire
from scheduling.reminders.models import Reminder

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
TUESDAY = datetime(2027, 2, 16, 8, 30, tzinfo=NY)


def counts():
    models = (User, Practitioner, Room, OpeningHours, Patient, TreatmentCourse, Appointment)
    return {model.__name__: model.objects.count() for model in models} | {
        "Questionnaire": Questionnaire.objects.count(),
        "Reminder": Reminder.objects.count(),
    }


@pytest.fixture
def seeded(client):
    with time_machine.travel(TUESDAY, tick=False):
        call_command("seed_demo", stdout=None)
        yield


def login(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_has_courses_at_every_stage(seeded):
    courses = {c.patient.last_name: c for c in TreatmentCourse.objects.select_related("patient")}
    assert courses["Kim"].status == "completed" and courses["Kim"].decision == "discharge"
    assert courses["Brown"].condition == "osteoarthritis" and courses["Brown"].status == "completed"
    today = Appointment.objects.filter(starts_at__date=date(2027, 2, 16))
    statuses = sorted(today.values_list("status", flat=True))
    assert statuses.count("checked_in") == 2 and "completed" in statuses and "no_show" in statuses
    assert set(today.values_list("practitioner__user__username", flat=True)) == {
        "mei",
        "david",
        "sofia",
    }
    answered = Questionnaire.objects.filter(status="answered")
    assert set(answered.values_list("course__patient__last_name", flat=True)) >= {"Lopez", "Miller"}
    assert Reminder.objects.filter(status="failed", outcome_unknown=False).count() == 1
    assert Reminder.objects.filter(status="failed", outcome_unknown=True).count() == 1


def test_the_front_desk_sees_the_demo_on_its_pages(seeded, client):
    client = login(client, "reception")
    home = client.get("/").content.decode()  # the front desk's day
    for name in ("Ana Lopez", "James Miller", "Priya Shah", "Tom Rivera", "Helen Park"):
        assert name in home, name
    mei = Practitioner.objects.get(user__username="mei")
    calendar = client.get(f"/calendar/?practitioner={mei.pk}&date=2027-02-16").content.decode()
    assert "Ana Lopez" in calendar and "Helen Park" in calendar
    messages = client.get("/messages/").content.decode()
    assert "21614" in messages and "May or may not have gone out" in messages
    attention = client.get("/attention/").content.decode()
    assert "Tom Rivera" in attention and "not rebooked" in attention


@pytest.mark.parametrize(
    "username, patients",
    [
        ("mei", ["Ana Lopez", "Helen Park"]),
        ("david", ["James Miller", "Tom Rivera"]),
        ("sofia", ["Priya Shah", "Linda Evans"]),
    ],
)
def test_each_practitioner_has_patients_today(seeded, client, username, patients):
    html = login(client, username).get("/today/").content.decode()
    for name in patients:
        assert name in html


def test_a_mid_course_progress_chart_shows_pain_and_hoos_jr(seeded, client):
    course = TreatmentCourse.objects.get(patient__last_name="Lopez", patient__is_demo=True)
    html = login(client, "mei").get(f"/courses/{course.pk}/progress/").content.decode()
    # The chart is drawn twice, wide and for phones (CSS shows one): each has sessions 1-4.
    charts = re.findall(r'<svg[^>]*class="pain-chart[^"]*".*?</svg>', html, flags=re.S)
    assert len(charts) == 2
    assert [len(re.findall(r'class="pt pt-before"', chart)) for chart in charts] == [4, 4]
    assert "<title>Baseline: 43.335/100</title>" in html
    assert "<title>Midpoint: 61.815/100</title>" in html


def test_seeding_again_resets_the_demo_and_keeps_what_staff_entered(seeded):
    first = counts()
    assert first["User"] == 5 and first["Practitioner"] == 3 and first["Room"] == 4
    staff_patient = Patient.objects.create(
        first_name="Ana", last_name="Lopez", date_of_birth=date(1961, 4, 12)
    )
    demo_ana = Patient.objects.get(is_demo=True, last_name="Lopez")
    Appointment.objects.filter(patient=demo_ana, number=6).update(status="cancelled")
    with time_machine.travel(datetime(2027, 2, 23, 9, tzinfo=NY), tick=False):
        call_command("seed_demo", stdout=None)
    again = counts()
    assert again == first | {"Patient": first["Patient"] + 1}
    assert Patient.objects.filter(pk=staff_patient.pk).exists()
    assert not Patient.objects.filter(pk=demo_ana.pk).exists()  # the demo was made afresh
    # Dated from the new today: a week later, today's sessions are a week later too.
    assert Appointment.objects.filter(starts_at__date=date(2027, 2, 23)).count() == 6
    assert not Appointment.objects.filter(status="cancelled").exists()
