"""The front desk's Wait list page: every entry with its offers, adding, removing, and offering
a time by hand."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from scheduling.services import appointment_cancel
from scheduling.waitlist.models import Offer, WaitlistEntry
from tests.reminders.conftest import at

pytestmark = pytest.mark.django_db


def test_the_list_shows_every_entry_and_its_offers(client_as, receptionist, waiting, freed):
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        response = client_as(receptionist).get("/waitlist/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "table-stack" in body
    assert "Bea Novak" in body and "Carl Osei" in body
    assert "Thu Mar 4, 10:00 AM with Mei Chen: <strong>open</strong>" in body
    assert "Offered a time" in body
    assert "session" not in body.lower().replace("sessionid", "")


def test_an_empty_list_says_so(client_as, receptionist, clinic):
    body = client_as(receptionist).get("/waitlist/").content.decode()

    assert "Nobody is on the wait list." in body


def test_the_front_desk_adds_a_patient_in_two_steps(client_as, receptionist, bea, book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book(patient=bea, start_date=date(2027, 3, 2), weekdays=[1, 4])
        appointment_cancel(appointment=course.appointments.get(number=2), by=receptionist)
    with time_machine.travel(at(2027, 2, 16, 12), tick=False):
        client = client_as(receptionist)  # logged in at the page's time: sessions expire
        form = client.get("/waitlist/new/", {"patient": bea.pk})
        refused = client.post(
            f"/waitlist/new/?patient={bea.pk}",
            {
                "want": f"course:{course.pk}",
                "earliest_time": "12:00",
                "latest_time": "09:00",
                "until": "2027-03-31",
            },
        )
        added = client.post(
            f"/waitlist/new/?patient={bea.pk}",
            {
                "want": f"course:{course.pk}",
                "weekdays": ["1", "3"],
                "earliest_time": "09:00",
                "latest_time": "12:00",
                "until": "2027-03-31",
            },
        )

    assert "Make-up for visit 2 of 8" in form.content.decode()
    assert refused.status_code == 200
    assert "The latest time must be after the earliest." in refused.content.decode()
    assert added.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.course, entry.weekdays, entry.status) == (course, [1, 3], "waiting")


def test_removing_an_entry(client_as, receptionist, waiting):
    response = client_as(receptionist).post(f"/waitlist/{waiting[0].pk}/cancel/")

    assert response.status_code == 302
    waiting[0].refresh_from_db()
    assert waiting[0].status == "cancelled"


def test_offering_a_time_by_hand(client_as, receptionist, waiting, freed, mailoutbox):
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        client = client_as(receptionist)
        taken = client.post(
            f"/waitlist/{waiting[0].pk}/offer/", {"day": "2027-03-04", "start_time": "10:00"}
        )
        offered = client.post(
            f"/waitlist/{waiting[0].pk}/offer/", {"day": "2027-03-04", "start_time": "11:00"}
        )

    assert taken.status_code == 200
    assert "clashes" in taken.content.decode()
    assert offered.status_code == 302
    offer = Offer.objects.get()
    assert (offer.starts_at, offer.made_by) == (at(2027, 3, 4, 11), receptionist)
