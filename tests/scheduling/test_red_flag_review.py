"""A red flag at screening holds the course for the treating practitioner's review: sessions
booked, no message sent, nothing started, until the practitioner treats (with a reason) or
refers out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduling.models import Appointment, RedFlag, TreatmentCourse
from scheduling.records.services import SessionValues, session_record_create
from scheduling.reminders.models import Reminder
from scheduling.services import BookingError, appointment_check_in, course_red_flag_review

NEW_YORK = ZoneInfo("America/New_York")
NO_RED_FLAGS = {f"flag_{flag}": "no" for flag in RedFlag.values}
HELD = TreatmentCourse.Status.AWAITING_REVIEW
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms", "booking_day")]


@pytest.fixture
def held(book):
    return book(red_flags=["infection"])


@pytest.fixture
def form(patient, practitioner):
    return {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "condition": "osteoarthritis",
        "start_date": "2027-03-01",
        "weekdays": ["0", "3"],
        "time": "10:00",
        "sessions": "8",
        "per_week": "2",
        **NO_RED_FLAGS,
    }


def test_a_red_flag_holds_the_course_and_sends_nothing(held):
    assert held.status == HELD
    assert held.appointments.filter(status="booked").count() == 8
    assert Reminder.objects.count() == 0


def test_the_practitioner_treats_with_a_reason_and_the_messages_start(held, practitioner):
    course = course_red_flag_review(
        course=held, decision="treat", reason="Seen by GP: no infection", by=practitioner.user
    )
    assert course.status == TreatmentCourse.Status.ACTIVE
    assert course.red_flag_override == "Seen by GP: no infection"
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {"confirmation", "before_visit", "questionnaire"} <= kinds


def test_referring_out_cancels_the_held_sessions(held, practitioner):
    course = course_red_flag_review(
        course=held, decision="refer", reason="To the GP for blood tests", by=practitioner.user
    )
    assert course.status == TreatmentCourse.Status.CANCELLED
    assert course.decision == TreatmentCourse.Decision.REFER
    assert not Appointment.objects.filter(status="booked").exists()


@pytest.mark.parametrize(
    ("decision", "reason", "field"),
    [("treat", " ", "reason"), ("refer", "", "reason"), ("maybe", "x", "decision")],
)
def test_a_review_needs_a_decision_and_a_reason(held, practitioner, decision, reason, field):
    with pytest.raises(BookingError) as refused:
        course_red_flag_review(course=held, decision=decision, reason=reason, by=practitioner.user)
    assert field in refused.value.errors
    held.refresh_from_db()
    assert held.status == HELD


def test_another_practitioner_or_the_front_desk_cannot_review(
    held, other_practitioner, receptionist
):
    for user in (other_practitioner.user, receptionist):
        with pytest.raises(BookingError, match="Only the course's practitioner"):
            course_red_flag_review(course=held, decision="treat", reason="fine", by=user)
    held.refresh_from_db()
    assert held.status == HELD


def test_a_held_course_cannot_start(held, receptionist, practitioner):
    first = held.appointments.get(number=1)
    morning = datetime(2027, 3, 1, 9, 30, tzinfo=NEW_YORK)
    with (
        time_machine.travel(morning, tick=False),
        pytest.raises(BookingError, match="red-flag review"),
    ):
        appointment_check_in(appointment=first, by=receptionist)
    later = datetime(2027, 3, 1, 10, 30, tzinfo=NEW_YORK)
    with time_machine.travel(later, tick=False), pytest.raises(BookingError) as refused:
        session_record_create(
            appointment=first,
            values=SessionValues(pain_before=6, pain_after=4),
            by=practitioner.user,
        )
    assert "red flag" in str(refused.value.errors["appointment"])
    assert Appointment.objects.get(pk=first.pk).status == "booked"


def test_screening_must_be_answered_before_the_preview(client_as, receptionist, form):
    unanswered = {k: v for k, v in form.items() if not k.startswith("flag_")}
    response = client_as(receptionist).post("/courses/new/", unanswered | {"preview": "1"})
    page = response.content.decode()
    assert page.count("Ask the patient and answer yes or no.") == len(RedFlag.values)
    assert 'name="slot-1"' not in page


def test_a_flagged_preview_says_the_course_will_be_held_and_books_it_held(
    client_as, receptionist, form
):
    flagged = form | {"flag_infection": "yes"}
    client = client_as(receptionist)
    preview = client.post("/courses/new/", flagged | {"preview": "1"}).content.decode()
    assert 'id="held-for-review"' in preview
    response = client.post("/courses/new/", flagged | {"book": "1"})
    assert response.status_code == 302
    course = TreatmentCourse.objects.get()
    assert (course.status, course.red_flags) == (HELD, ["infection"])


def test_the_practitioner_reviews_from_today_and_the_course_page(client_as, practitioner, held):
    client = client_as(practitioner.user)
    today = client.get("/today/?day=2027-02-15").content.decode()
    assert 'id="held-courses"' in today and held.get_absolute_url() in today
    page = client.get(held.get_absolute_url()).content.decode()
    assert "Fever or a hot, swollen joint" in page
    response = client.post(
        f"/courses/{held.pk}/red-flag-review/",
        {"decision": "treat", "reason": "Temperature normal today"},
        follow=True,
    )
    assert "The course is active" in response.content.decode()
    held.refresh_from_db()
    assert held.status == TreatmentCourse.Status.ACTIVE


def test_the_front_desk_sees_the_hold_without_the_clinical_detail(client_as, receptionist, held):
    page = client_as(receptionist).get(held.get_absolute_url()).content.decode()
    assert "reviews it before the course starts" in page
    assert "Fever or a hot, swollen joint" not in page
    attention = client_as(receptionist).get("/attention/").content.decode()
    assert "red-flag review" in attention


def test_the_api_books_a_flagged_course_held(api_as, receptionist, patient, practitioner):
    body = {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "start_date": "2027-03-01",
        "weekdays": [0, 3],
        "time": "10:00",
        "condition": "sciatica",
        "red_flags": ["cancer"],
    }
    response = api_as(receptionist).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == "awaiting_review"
    assert Reminder.objects.count() == 0
