"""Smaller holes found by trying to break in: clinical words, dead accounts' feeds, audited list
reads, the schema behind a login, no caching of patient data, and idle sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from clinic.ical import calendar_feed_create
from clinic.models import AuditEntry
from scheduling.models import Appointment
from tests.clinic.test_access import API_PATHS, STAFF_PAGES

pytestmark = pytest.mark.django_db
OVERRIDE = "zq-override: fever settled, GP letter seen"


@pytest.fixture
def flagged_course(booked_course):
    booked_course.red_flags = ["infection"]
    booked_course.red_flag_override = OVERRIDE
    booked_course.save(update_fields=["red_flags", "red_flag_override"])
    return booked_course


@pytest.mark.parametrize(
    ("who", "sees_it"),
    [("practitioner", True), ("manager", True), ("other_practitioner", False)],
)
def test_the_red_flag_override_shows_only_to_the_treating_practitioner_and_the_manager(
    client_as, flagged_course, practitioner, other_practitioner, manager, who, sees_it
):
    user = {
        "practitioner": practitioner.user,
        "other_practitioner": other_practitioner.user,
        "manager": manager,
    }[who]

    page = client_as(user).get(f"/courses/{flagged_course.pk}/").content.decode()

    assert (OVERRIDE in page) is sees_it
    assert "red flag" in page.lower()


def test_the_ical_feed_dies_when_its_owner_is_deactivated(client, practitioner, booked_course):
    feed = calendar_feed_create(practitioner=practitioner)
    assert client.get(f"/ical/{feed.token}.ics").status_code == 200

    practitioner.user.is_active = False
    practitioner.user.save()

    assert client.get(f"/ical/{feed.token}.ics").status_code == 404


def test_listing_patients_through_the_api_writes_one_entry_naming_the_filter(
    api_as, receptionist, patient, patient_without_consent
):
    api = api_as(receptionist)

    everyone = api.get("/api/v1/patients/")
    searched = api.get("/api/v1/patients/", {"q": "lopez"})

    assert everyone.status_code == searched.status_code == 200
    entries = list(AuditEntry.objects.filter(object_type="patients.patient").order_by("pk"))
    assert [(e.action, e.object_id, e.user) for e in entries] == [
        ("view", "list", receptionist),
        ("view", "list", receptionist),
    ]
    assert entries[0].detail == "list, all patients, page 1, 2 found"
    assert entries[1].detail == "list, q='lopez', page 1, 1 found"


def test_anonymous_users_cannot_read_the_api_schema_or_docs(client, api_as, receptionist):
    assert client.get("/api/v1/schema/").status_code == 401
    assert client.get("/api/v1/docs/").status_code == 401
    assert api_as(receptionist).get("/api/v1/schema/").status_code == 200


def test_every_staff_page_and_api_response_says_no_store(client_as, api_as, manager, patient):
    client, api = client_as(manager), api_as(manager)
    missing = []
    for path, name in STAFF_PAGES + API_PATHS:
        if name in {"logout"}:
            continue
        response = (api if path.startswith("/api/") else client).get(path)
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"{path} ({response.status_code})")

    assert not missing, f"cacheable: {missing}"
    assert "no-store" in client.get("/login/")["Cache-Control"]


def test_a_session_idle_for_thirty_minutes_is_logged_out(client_as, receptionist):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_as(receptionist)
        assert client.get("/patients/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/patients/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/patients/").status_code == 200  # 29 minutes since the last request
    with time_machine.travel(start + timedelta(minutes=89), tick=False):
        response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_eight_hours_after_log_in(client_as, receptionist):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_as(receptionist)
    for minutes in range(20, 8 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/patients/").status_code == 200
    with time_machine.travel(start + timedelta(hours=8, minutes=5), tick=False):
        response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_visit_cancelled_before_it_happened_opens_no_record_of_the_patient(
    client_as, booked_course, other_practitioner
):
    visit = booked_course.appointments.get(number=3)
    Appointment.objects.filter(pk=visit.pk).update(
        practitioner=other_practitioner, status="cancelled"
    )

    response = client_as(other_practitioner.user).get(f"/courses/{booked_course.pk}/progress/")

    assert response.status_code == 403
