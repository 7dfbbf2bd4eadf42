"""A receptionist logs in, registers a patient, books a course from the preview and finds its
sessions on the week calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from scheduling.models import Appointment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def test_receptionist_books_a_course_and_sees_it_on_the_calendar(
    log_in, live_server, receptionist, practitioner, rooms
):
    page = log_in("rosa")

    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Kim")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Phone").fill("(347) 555-0103")
    page.get_by_role("button", name="Save patient").click()
    page.get_by_role("heading", name="Grace Kim").wait_for()

    page.get_by_role("link", name="Book course").click()
    monday = next_monday()
    page.get_by_label("Condition").select_option("sciatica")
    page.get_by_label("Practitioner", exact=True).select_option(label="Mei Chen")
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Mon").check()
    page.get_by_label("Thu").check()
    page.get_by_label("Time").fill("10:00")
    for answer in page.locator("#screening input[value=no]").all():
        answer.check()
    page.get_by_role("button", name="Preview sessions").click()

    preview = page.locator("#preview tbody tr")
    preview.first.wait_for()
    assert preview.count() == 8
    first_slot = page.get_by_label("Session 1 date and time")
    assert first_slot.input_value() == f"{monday.isoformat()}T10:00"

    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Booked 8 sessions.").wait_for()
    assert page.locator("#sessions tbody tr:not(.collapse)").count() == 8
    assert Appointment.objects.filter(patient__last_name="Kim").count() == 8

    page.get_by_role("link", name="Calendar", exact=True).click()
    page.locator("#day-view").wait_for()  # the front desk's calendar opens on the day
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_label("Practitioner", exact=True).select_option(label="Mei Chen")
    page.get_by_label("Date").fill(monday.isoformat())
    page.get_by_role("button", name="Go").click()
    events = page.locator("#calendar .cal-event", has_text="Grace Kim")
    events.first.wait_for()
    assert events.count() == 2  # Monday and Thursday of the first week
    assert re.search(r"10:00", events.first.inner_text())
    page.screenshot(path=str(_shots() / "booking-calendar.png"), full_page=True)


def test_cancelling_a_session_asks_first(
    log_in, live_server, receptionist, practitioner, patient, rooms
):
    from scheduling.services import course_book

    course = course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=next_monday(),
        weekdays=[0, 3],
        condition="sciatica",
        by=receptionist,
    )
    page = log_in("rosa")
    page.goto(f"{live_server.url}/courses/{course.pk}/")
    last = page.locator("#sessions tbody tr:not(.collapse)").nth(7)

    page.once("dialog", lambda dialog: dialog.dismiss())
    last.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(300)  # a dismissed confirm sends nothing; give a stray submit time
    assert course.appointments.get(number=8).status == "booked"

    page.once("dialog", lambda dialog: dialog.accept())
    last.get_by_role("button", name="Cancel").click()
    page.get_by_text("Session 8 cancelled.").wait_for()
    assert course.appointments.get(number=8).status == "cancelled"


def _shots():
    from django.conf import settings

    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
