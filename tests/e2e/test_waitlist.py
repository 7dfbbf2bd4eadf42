"""The front desk puts a patient on the wait list and sees a cancelled visit's time offered to
them, in Chromium, on a desk screen and a phone."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from patients.models import Patient
from scheduling.services import appointment_cancel, course_book
from scheduling.waitlist import links
from scheduling.waitlist.models import Offer, WaitlistEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def next_weekday(weekday: int) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def shot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_front_desk_adds_a_patient_and_sees_a_freed_time_offered(
    log_in, live_server, receptionist, practitioner, patient, rooms
):
    monday = next_weekday(0)
    ana = course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=monday,
        weekdays=[0, 3],
        time=time(10),
        condition="sciatica",
        by=receptionist,
    )
    bea = Patient.objects.create(
        first_name="Bea", last_name="Novak", email="bea@example.com", preferred_channel="email"
    )
    beas = course_book(
        patient=bea,
        practitioner=practitioner,
        start_date=monday + timedelta(days=1),
        weekdays=[1, 4],
        time=time(14),
        condition="sciatica",
        by=receptionist,
    )
    appointment_cancel(appointment=beas.appointments.get(number=2), by=receptionist)

    page = log_in("rosa")
    page.get_by_role("link", name="Wait list").click()
    page.get_by_text("Nobody is on the wait list.").wait_for()
    page.get_by_role("link", name="Add to the wait list").click()
    page.locator("#id_patient").select_option(label="Bea Novak")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Waiting for").select_option(index=0)
    page.get_by_label("Thu").check()
    page.get_by_label("From").fill("09:00")
    page.locator("#id_latest_time").fill("12:00")
    page.get_by_label("Wait until").fill((monday + timedelta(days=21)).isoformat())
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"waitlist-add-{name}")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Add to the wait list").click()
    page.get_by_text("Bea Novak is on the wait list.").wait_for()
    assert WaitlistEntry.objects.get().status == "waiting"

    # Ana cancels her Thursday visit: its time goes to Bea.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}{ana.get_absolute_url()}")
    visit = ana.appointments.get(number=2)
    page.locator(f"form[action='/appointments/{visit.pk}/cancel/'] button").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/waitlist/")
    row = page.locator("#waitlist tbody tr").first
    offer = row.locator(".offer")
    offer.wait_for()
    assert "with Mei Chen: open" in offer.inner_text()
    assert "Offered a time" in row.inner_text()
    assert Offer.objects.get().starts_at == visit.starts_at
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"waitlist-offered-{name}")

    # Bea opens her link on her phone and claims the time.
    page.goto(f"{live_server.url}/p/offer/{links.offer_token(Offer.objects.get())}/")
    page.get_by_role("button", name="Claim this time").wait_for()
    shot(page, "waitlist-claim-phone")
    page.get_by_role("button", name="Claim this time").click()
    page.get_by_text("Booked: see you then").wait_for()
    assert beas.appointments.active().get(number=2).starts_at == visit.starts_at
