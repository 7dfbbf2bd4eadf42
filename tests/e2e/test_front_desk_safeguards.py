"""What a real front desk would trip over, tried in Chromium: booking a second course for a
patient who already has one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from scheduling.models import TreatmentCourse
from scheduling.services import course_book

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def shot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def fill_course(page, monday: date, practitioner: str, time: str) -> None:
    page.get_by_label("Condition").select_option("sciatica")
    page.get_by_label("Practitioner", exact=True).select_option(label=practitioner)
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Mon").check()
    page.get_by_label("Thu").check()
    page.get_by_label("Time").fill(time)
    for answer in page.locator("#screening input[value=no]").all():
        answer.check()
    page.get_by_role("button", name="Preview sessions").click()


def test_a_second_course_asks_why_and_books_only_when_told(
    log_in, live_server, receptionist, practitioner, other_practitioner, patient, rooms
):
    monday = next_monday()
    first = course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=monday,
        weekdays=[0, 3],
        condition="sciatica",
        by=receptionist,
    )
    page = log_in("rosa")
    page.goto(f"{live_server.url}/courses/new/?patient={patient.pk}")
    fill_course(page, monday, "David Okafor", "15:00")

    warning = page.locator("#existing-course")
    warning.wait_for()
    assert "already has an active course" in warning.inner_text()
    assert warning.get_by_role("link").get_attribute("href") == f"/courses/{first.pk}/"
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"booking-preview-another-course-{name}")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Tick this box and give a reason").wait_for()
    assert TreatmentCourse.objects.filter(patient=patient).count() == 1

    page.get_by_label("Book another course alongside the active one").check()
    page.get_by_label("Why another course").fill("The other hip")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Booked 8 sessions.").wait_for()
    second = TreatmentCourse.objects.exclude(pk=first.pk).get(patient=patient)
    assert second.another_course_reason == "The other hip"


def test_a_new_patient_like_one_registered_is_shown_before_saving(
    log_in, live_server, receptionist, patient
):
    page = log_in("rosa")
    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("First name").fill("ana")
    page.get_by_label("Last name").fill("lopez")
    page.get_by_label("Preferred channel").select_option("none")
    page.get_by_label("Phone").fill("212-555-CALL")
    page.get_by_role("button", name="Save patient").click()
    page.get_by_text("has letters in it: type the number in digits").wait_for()

    page.get_by_label("Phone").fill(patient.phone)
    page.get_by_role("button", name="Save patient").click()
    duplicates = page.locator("#possible-duplicates")
    duplicates.wait_for()
    assert duplicates.get_by_role("link").get_attribute("href") == f"/patients/{patient.pk}/"
    assert "same phone" in duplicates.inner_text()
    shot(page, "new-patient-possible-duplicate-desktop")
    assert patient.__class__.objects.count() == 1

    page.get_by_label("This is a different person from everyone listed above").check()
    page.get_by_role("button", name="Save patient").click()
    page.get_by_role("heading", name="Ana Lopez").wait_for()
    assert patient.__class__.objects.count() == 2


def test_enter_in_a_session_keeps_the_edit_and_errors_sit_on_their_rows(
    log_in, live_server, receptionist, practitioner, patient, rooms
):
    monday = next_monday()
    page = log_in("rosa")
    page.goto(f"{live_server.url}/courses/new/?patient={patient.pk}")
    fill_course(page, monday, "Mei Chen", "10:00")
    third = page.get_by_label("Session 3 date and time")
    wanted = f"{(monday + timedelta(days=7)).isoformat()}T07:00"  # before the clinic opens
    third.fill(wanted)
    third.press("Enter")
    page.get_by_text("outside opening hours: the clinic is open").wait_for()
    assert page.get_by_label("Session 3 date and time").input_value() == wanted
    row = page.locator("#preview tbody tr").nth(2)
    assert "07:00: outside opening hours" in row.inner_text()
    assert TreatmentCourse.objects.count() == 0
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"booking-preview-row-error-{name}")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_label("Session 3 date and time").fill(f"{wanted[:-5]}10:00")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Booked 8 sessions.").wait_for()

    course = TreatmentCourse.objects.get()
    fourth = course.appointments.get(number=4)
    page.locator(f"#sessions button[data-bs-target='#move-{fourth.pk}']").click()
    moved = page.locator(f"#start-{fourth.pk}")
    moved.wait_for()
    friday = monday + timedelta(days=4)  # a third session in the first week
    moved.fill(f"{friday.isoformat()}T10:00")
    page.locator(f"#move-{fourth.pk}").get_by_role("button", name="Save").click()
    error = page.locator(f"#move-{fourth.pk} [role=alert]")
    error.wait_for()
    assert "The session was not moved" in error.inner_text()
    assert "that week would have more than 2 sessions" in error.inner_text()
    assert page.locator(f"#start-{fourth.pk}").input_value() == f"{friday.isoformat()}T10:00"
    shot(page, "course-move-refused-desktop")
    fourth.refresh_from_db()
    assert fourth.starts_at.astimezone(timezone.get_current_timezone()).day != friday.day


def test_home_attention_and_messages_agree_on_the_day(
    log_in, live_server, receptionist, practitioner, patient, rooms
):
    course = course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=next_monday(),
        weekdays=[0, 3],
        condition="sciatica",
        by=receptionist,
    )
    # Session 1 took place yesterday and nobody checked the patient in; session 2 was missed.
    yesterday = timezone.now() - timedelta(days=1)
    first, second = course.appointments.order_by("number")[:2]
    first.starts_at, first.ends_at = yesterday, yesterday + timedelta(hours=1)
    first.save()
    second.starts_at = yesterday - timedelta(days=2)
    second.ends_at = second.starts_at + timedelta(minutes=45)
    second.status = "no_show"
    second.save()

    page = log_in("rosa")
    card = page.locator(".card", has_text="Needs attention")
    assert card.locator(".display-6").inner_text() == "1"
    page.get_by_role("link", name="See the list").click()
    settle = page.locator("tr", has_text="was never checked in")
    settle.wait_for()
    assert "no outcome" in settle.inner_text()
    missed = page.locator("tr", has_text="Missed session 2")
    assert missed.count() == 1
    shot(page, "needs-attention-desktop")
    page.get_by_role("link", name="Messages").click()
    assert page.locator("#missed li", has_text="Missed session 2").count() == 1
