"""Finding a patient from the top bar, and a red flag found at screening, tried in Chromium."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from scheduling.models import RedFlag, TreatmentCourse
from scheduling.reminders.models import Reminder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def shot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_top_bar_finds_a_patient_from_another_page(
    log_in, live_server, receptionist, patient, patient_without_consent
):
    page = log_in("rosa")
    page.goto(f"{live_server.url}/attention/")
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))

    page.get_by_label("Find a patient").fill("lopez")
    page.get_by_label("Find a patient").press("Enter")
    result = page.locator("main").get_by_role("link", name="Lopez, Ana")
    result.wait_for()
    assert result.get_attribute("href") == f"/patients/{patient.pk}/"
    assert page.locator("main").get_by_role("link", name="Miller, James").count() == 0
    # The name went in the body of a POST: never into a URL, and so never into an access log.
    assert ("POST", f"{live_server.url}/patients/") in requests
    assert not any("lopez" in url.lower() for _, url in requests)

    result.click()
    page.get_by_role("heading", name="Ana Lopez").wait_for()


def test_a_red_flag_holds_the_course_until_its_practitioner_reviews_it(
    log_in, live_server, receptionist, practitioner, patient, rooms
):
    monday = next_monday()
    page = log_in("rosa")
    page.goto(f"{live_server.url}/courses/new/?patient={patient.pk}")
    page.get_by_label("Condition").select_option("sciatica")
    page.get_by_label("Practitioner", exact=True).select_option(label="Mei Chen")
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Mon").check()
    page.get_by_label("Thu").check()
    page.get_by_label("Time").fill("10:00")

    # Every question must be answered before there is a preview.
    screening = page.locator("#screening")
    for answer in screening.locator("input[value=no]").all()[1:]:
        answer.check()
    page.get_by_role("button", name="Preview sessions").click()
    page.get_by_text("Ask the patient and answer yes or no.").wait_for()
    assert page.locator("#preview").count() == 0
    assert page.get_by_text("Ask the patient and answer yes or no.").count() == 1

    first_flag = page.get_by_role("radiogroup", name=RedFlag.TRAUMA.label)
    first_flag.get_by_label("Yes").check()
    page.get_by_role("button", name="Preview sessions").click()
    held = page.locator("#held-for-review")
    held.wait_for()
    assert f"Red flag answered yes: {RedFlag.TRAUMA.label}." in held.inner_text()
    assert "waits for Mei Chen's review" in held.inner_text()
    assert page.locator("#preview tbody tr").count() == 8
    # The reason to treat belongs to the practitioner: the front desk is never asked for it.
    assert page.get_by_label("override", exact=False).count() == 0
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"booking-preview-red-flag-{name}")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Booked 8 sessions.").wait_for()
    course = TreatmentCourse.objects.get(patient=patient)
    assert course.status == TreatmentCourse.Status.AWAITING_REVIEW
    assert course.red_flags == [RedFlag.TRAUMA.value]
    assert Reminder.objects.filter(appointment__course=course).count() == 0
    review = page.locator("#red-flag-review")
    assert "Awaiting the practitioner's red-flag review" in review.inner_text()
    assert "Mei Chen reviews it" in review.inner_text()
    assert review.locator("textarea").count() == 0
    assert review.get_by_role("button").count() == 0

    page.context.clear_cookies()
    page = log_in("mei")
    page.goto(f"{live_server.url}/today/")
    page.locator("#held-courses").get_by_role("link", name="Ana Lopez: Sciatica").click()
    review = page.locator("#red-flag-review")
    review.wait_for()
    assert RedFlag.TRAUMA.label in review.inner_text()
    shot(page, "course-red-flag-review-desktop")
    review.get_by_label("Your reason").fill("Fall was a month ago; examined, weight bearing fine")
    review.get_by_role("button", name="Treat despite the red flag").click()
    page.get_by_text("The course is active: its messages are scheduled.").wait_for()
    course.refresh_from_db()
    assert course.status == TreatmentCourse.Status.ACTIVE
    assert course.red_flag_override == "Fall was a month ago; examined, weight bearing fine"
    assert Reminder.objects.filter(appointment__course=course).count() > 0
    assert page.locator("#red-flag-review").count() == 0
