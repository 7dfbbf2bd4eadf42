"""GET/POST /api/v1/waitlist/, POST /api/v1/waitlist/{id}/cancel/, GET .../offers/."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from scheduling.services import appointment_cancel
from scheduling.waitlist.models import WaitlistEntry
from tests.reminders.conftest import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/waitlist/"


@pytest.fixture
def bea_course(book, bea, receptionist):
    """Bea's course with Mei, visit 2 cancelled and not rebooked."""
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book(patient=bea, start_date=date(2027, 3, 2), weekdays=[1, 4])
        appointment_cancel(appointment=course.appointments.get(number=2), by=receptionist)
    return course


def body(who, wanted, **changes):
    return {
        "patient": who.pk,
        "course": wanted.pk,
        "weekdays": [1, 3],
        "earliest_time": "09:00",
        "latest_time": "12:30",
        "until": "2027-03-31",
    } | changes


@time_machine.travel(at(2027, 2, 16, 12), tick=False)
def test_the_front_desk_adds_an_entry(api_as, receptionist, bea, bea_course):
    response = api_as(receptionist).post(URL, body(bea, bea_course), format="json")

    assert response.status_code == 201, response.json()
    entry = response.json()
    assert set(entry) == {
        "id",
        "patient",
        "course",
        "appointment",
        "practitioner",
        "weekdays",
        "earliest_time",
        "latest_time",
        "until",
        "status",
        "created_at",
    }
    assert entry["status"] == "waiting"
    assert (entry["course"], entry["appointment"], entry["practitioner"]) == (
        bea_course.pk,
        None,
        None,
    )
    assert (entry["earliest_time"], entry["latest_time"]) == ("09:00", "12:30")
    assert entry["weekdays"] == [1, 3]
    assert WaitlistEntry.objects.get().created_by == receptionist


@time_machine.travel(at(2027, 2, 16, 12), tick=False)
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"until": None}, "until"),
        ({"until": "2027-02-01"}, "until"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": [1, 1]}, "weekdays"),
        ({"earliest_time": "13:00"}, "latest_time"),
        ({"earliest_time": "9am"}, "earliest_time"),
        ({"course": None}, "course"),
        ({"patient": 999999}, "patient"),
        ({"practitioner": "david"}, "practitioner"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    api_as, receptionist, bea, bea_course, other_practitioner, changes, field
):
    if changes.get("practitioner") == "david":
        changes = {"practitioner": other_practitioner.pk}  # visit 2 is with Mei
    data = body(bea, bea_course, **changes)
    data = {k: v for k, v in data.items() if v is not None or k == "course"}

    response = api_as(receptionist).post(URL, data, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert WaitlistEntry.objects.count() == 0


@time_machine.travel(at(2027, 2, 16, 12), tick=False)
def test_a_course_with_nothing_missing_or_another_patients_is_refused(
    api_as, receptionist, bea, bea_course, ana_course
):
    client = api_as(receptionist)
    whole = client.post(URL, body(bea, ana_course, patient=ana_course.patient_id), format="json")
    other = client.post(URL, body(bea, ana_course), format="json")
    both = client.post(
        URL, body(bea, bea_course, appointment=bea_course.appointments.first().pk), format="json"
    )

    assert whole.status_code == other.status_code == both.status_code == 400
    assert "no missing session" in whole.json()["course"][0]
    assert "another patient" in other.json()["course"][0]
    assert "course" in both.json()
    assert WaitlistEntry.objects.count() == 0


@time_machine.travel(at(2027, 2, 16, 12), tick=False)
def test_the_list_is_oldest_first_and_filters(api_as, receptionist, waiting, bea):
    client = api_as(receptionist)
    everyone = client.get(URL).json()
    beas = client.get(URL, {"patient": bea.pk}).json()
    offered = client.get(URL, {"status": "offered"}).json()

    assert [e["id"] for e in everyone["results"]] == [w.pk for w in waiting]
    assert everyone["count"] == 2
    assert [e["patient"] for e in beas["results"]] == [bea.pk]
    assert offered["count"] == 0
    assert client.get(URL, {"status": "soon"}).status_code == 400
    assert "patient" in client.get(URL, {"patient": "x"}).json()


def test_cancel_takes_an_entry_off_the_list(api_as, receptionist, waiting):
    client = api_as(receptionist)
    with time_machine.travel(at(2027, 2, 16, 12), tick=False):
        response = client.post(f"{URL}{waiting[0].pk}/cancel/")
        again = client.post(f"{URL}{waiting[0].pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert again.status_code == 400
    assert client.post(f"{URL}999999/cancel/").status_code == 404


def test_offers_lists_what_was_offered(api_as, receptionist, waiting, freed):
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        response = api_as(receptionist).get(f"{URL}{waiting[0].pk}/offers/")
        none = api_as(receptionist).get(f"{URL}{waiting[1].pk}/offers/")

    assert response.status_code == 200
    [offer] = response.json()
    assert set(offer) == {
        "id",
        "start",
        "end",
        "practitioner",
        "room",
        "sent_at",
        "expires_at",
        "status",
    }
    assert offer["start"].startswith("2027-03-04T")
    assert (offer["status"], offer["sent_at"]) == ("open", None)
    assert offer["practitioner"] == freed.practitioner_id
    assert none.json() == []


@pytest.mark.parametrize("who", ["practitioner", "anonymous"])
def test_practitioners_and_strangers_get_nothing(api, api_as, practitioner, waiting, who):
    client = api_as(practitioner.user) if who == "practitioner" else api
    expected = 403 if who == "practitioner" else 401

    assert client.get(URL).status_code == expected
    assert client.post(f"{URL}{waiting[0].pk}/cancel/").status_code == expected
    assert client.get(f"{URL}{waiting[0].pk}/offers/").status_code == expected
    assert WaitlistEntry.objects.filter(status="waiting").count() == 2
