"""The claim link: signed, single use, expiring; GET shows, POST books through the booking
services, and of two patients claiming one time at once exactly one gets it."""

from __future__ import annotations

import threading
from datetime import date, time
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connections
from django.test import Client

from scheduling.models import Appointment
from scheduling.reminders import links as reminder_links
from scheduling.reminders.models import Reminder
from scheduling.services import appointment_cancel
from scheduling.waitlist import links, services
from scheduling.waitlist.models import Offer, WaitlistEntry
from tests.reminders.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(waiting, freed, receptionist):
    """Ana cancelled visit 2 on Saturday 20 February at noon: Bea is offered its time."""
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
    return Offer.objects.get()


def claim_path(offer) -> str:
    return urlsplit(links.claim_url(offer)).path


def bookings_at(moment):
    return Appointment.objects.active().filter(starts_at=moment)


def test_the_link_names_no_id_and_opens_a_page_that_changes_nothing(offered, client):
    path = claim_path(offered)
    token = path.removeprefix("/p/offer/").removesuffix("/")
    key, signature = token.split(".")
    assert (len(key), len(signature)) == (12, 12)
    # The key is the offer's own random key, not its id (a random key may hold any digit).
    assert key == offered.key and Offer.objects.get(key=key) == offered
    assert key != str(offered.pk)

    with time_machine.travel(at(2027, 2, 20, 12, 30), tick=False):
        response = client.get(path)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Thu Mar 4, 2027 at 10:00 AM EST" in body
    assert "Claim this time" in body
    offered.refresh_from_db()
    assert offered.status == Offer.Status.OPEN
    assert bookings_at(offered.starts_at).count() == 0


def test_claiming_books_the_missing_visit_once(offered, client, bea):
    path = claim_path(offered)
    with time_machine.travel(at(2027, 2, 20, 12, 30), tick=False):
        response = client.post(path)
        again = client.post(path)

    assert response.status_code == 200
    assert "Booked" in response.content.decode()
    booked = bookings_at(offered.starts_at).get()
    assert (booked.patient, booked.number, booked.practitioner_id) == (
        bea,
        2,
        offered.practitioner_id,
    )
    offered.refresh_from_db()
    entry = WaitlistEntry.objects.get(pk=offered.entry_id)
    assert (offered.status, entry.status, entry.booked) == ("claimed", "booked", booked)
    # The booking services scheduled its reminder, as for any make-up.
    assert booked.reminders.filter(kind=Reminder.Kind.BEFORE_VISIT).exists()
    # Single use: the second submit is refused and books nothing more.
    assert again.status_code == 410
    assert "already claimed" in again.content.decode()
    assert bookings_at(offered.starts_at).count() == 1


def test_a_tampered_or_foreign_link_is_refused_and_changes_nothing(offered, client, bea):
    token = links.offer_token(offered)
    key, signature = token.split(".")
    forged = f"{key}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    # A reminders link's signature for the same key (another salt) is no claim link either.
    foreign = reminder_links._signature("confirm", key)
    with time_machine.travel(at(2027, 2, 20, 12, 30), tick=False):
        for bad in (forged, f"{key}.{foreign}", key, "nonsense"):
            assert client.post(f"/p/offer/{bad}/").status_code == 400, bad

    offered.refresh_from_db()
    assert offered.status == Offer.Status.OPEN
    assert bookings_at(offered.starts_at).count() == 0


def test_the_link_expires_with_the_hold(offered, client):
    path = claim_path(offered)
    with time_machine.travel(at(2027, 2, 20, 14), tick=False):
        shown = client.get(path)
        posted = client.post(path)

    assert (shown.status_code, posted.status_code) == (410, 410)
    assert "This offer has expired" in posted.content.decode()
    assert bookings_at(offered.starts_at).count() == 0


def test_an_earlier_time_for_a_booked_visit_moves_it(
    book, ana_course, freed, patient_without_consent, receptionist, client
):
    james = patient_without_consent
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book(patient=james, start_date=date(2027, 3, 8), weekdays=[0, 3], time=time(15))
        first = course.appointments.get(number=1)
        entry = services.entry_create(
            patient=james,
            appointment=first,
            weekdays=[3],
            earliest_time=time(9),
            latest_time=time(12),
            until=date(2027, 3, 7),
            by=receptionist,
        )
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        offer = Offer.objects.get(entry=entry)
        assert client.post(claim_path(offer)).status_code == 200

    first.refresh_from_db()
    assert first.starts_at == freed.starts_at
    assert first.status == Appointment.Status.BOOKED


@pytest.mark.django_db(transaction=True)
def test_two_patients_claiming_one_time_at_once_leave_exactly_one_booked(
    waiting, freed, receptionist
):
    bea_entry, carl_entry = waiting
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        # The front desk offers Carl the same time by hand while Bea still holds it.
        services.offer_by_hand(entry=carl_entry, start=freed.starts_at, by=receptionist)
    offers = list(Offer.objects.order_by("pk"))
    assert [o.entry_id for o in offers] == [bea_entry.pk, carl_entry.pk]
    barrier = threading.Barrier(2)
    answers: dict[int, tuple[int, str]] = {}
    lock = threading.Lock()

    def claim(offer):
        try:
            barrier.wait(timeout=30)
            response = Client().post(claim_path(offer))
            with lock:
                answers[offer.entry_id] = (response.status_code, response.content.decode())
        finally:
            connections.close_all()

    with time_machine.travel(at(2027, 2, 20, 12, 30), tick=False):
        threads = [threading.Thread(target=claim, args=(offer,)) for offer in offers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(status for status, _body in answers.values()) == [200, 410]
    booked = bookings_at(freed.starts_at).get()  # exactly one
    winner = bea_entry if booked.patient_id == bea_entry.patient_id else carl_entry
    loser = carl_entry if winner == bea_entry else bea_entry
    assert answers[winner.pk][0] == 200
    assert "Sorry, this time has gone" in answers[loser.pk][1]
    statuses = {o.entry_id: o.status for o in Offer.objects.all()}
    assert statuses == {winner.pk: "claimed", loser.pk: "gone"}
    assert WaitlistEntry.objects.get(pk=loser.pk).status == "waiting"
    assert WaitlistEntry.objects.get(pk=winner.pk).status == "booked"
