"""A patient whose visit falls on a day the clinic has since closed opens their links on a phone
(Chromium): the page says the clinic will call to move it, and offers no Confirm for it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from clinic.models import Closure
from scheduling.models import Appointment
from scheduling.reminders import links
from scheduling.services import course_book

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_visit_on_a_closed_day_shows_the_clinic_will_call_and_cannot_be_confirmed(
    browser, live_server, receptionist, practitioner, patient, rooms
):
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    course = course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=monday,
        weekdays=[0, 3],
        condition="sciatica",
        by=receptionist,
    )
    thursday = course.appointments.get(number=2)
    Closure.objects.create(
        start_date=monday + timedelta(days=3), end_date=monday + timedelta(days=3)
    )

    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    def open_link(action, appointment=None):
        url = links.link_url(action, patient=patient, appointment=appointment)
        page.goto(f"{live_server.url}{urlsplit(url).path}")

    open_link("visits")
    visits = page.locator("li.list-group-item")
    assert visits.count() == 8
    closed = visits.nth(1)
    assert "The clinic will call you to move this visit." in closed.inner_text()
    assert closed.get_by_role("link", name="Confirm").count() == 0
    for other in (0, 2, 7):
        assert visits.nth(other).get_by_role("link", name="Confirm").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "patient-visits-to-move-phone.png"), full_page=True)

    open_link("confirm", thursday)
    page.locator("#to-move").wait_for()
    assert "The clinic will call you to move this visit." in page.locator("#to-move").inner_text()
    assert page.get_by_role("button", name="Yes, I'm coming").count() == 0
    page.screenshot(path=str(folder / "patient-confirm-to-move-phone.png"), full_page=True)
    thursday.refresh_from_db()
    assert thursday.status == Appointment.Status.BOOKED
    context.close()
