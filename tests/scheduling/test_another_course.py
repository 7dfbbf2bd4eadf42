"""A patient with an active course is not given a second one by mistake, and back-to-back
sessions for one patient need the front desk to say they are meant."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Appointment, RedFlag, TreatmentCourse
from scheduling.services import BookingConflict
from scheduling.services.courses import BACK_TO_BACK
from scheduling.services.errors import ActiveCourseExists

NO_RED_FLAGS = {f"flag_{flag}": "no" for flag in RedFlag.values}
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms", "booking_day")]


@pytest.fixture
def course_input(patient, practitioner):
    return {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "start_date": "2027-03-01",
        "weekdays": [0, 3],
        "time": "14:00",
        "condition": "sciatica",
    }


@pytest.fixture
def form(patient, other_practitioner):
    return {
        "patient": patient.pk,
        "practitioner": other_practitioner.pk,
        "condition": "trochanteric_bursitis",
        "start_date": "2027-03-01",
        "weekdays": ["0", "3"],
        "time": "14:00",
        "sessions": "8",
        "per_week": "2",
        **NO_RED_FLAGS,
    }


def test_a_second_course_is_refused_while_the_first_is_active(book, receptionist, patient):
    first = book()
    with pytest.raises(ActiveCourseExists) as refused:
        book(time=time(14))
    assert refused.value.course == first
    assert TreatmentCourse.objects.filter(patient=patient).count() == 1
    assert Appointment.objects.count() == 8


def test_another_course_books_when_asked_and_keeps_the_reason(book, patient):
    book()
    second = book(time=time(14), another_course=True, another_course_reason="The other hip")
    assert second.another_course_reason == "The other hip"
    assert TreatmentCourse.objects.filter(patient=patient).count() == 2


def test_a_finished_course_does_not_block_the_next(book, patient):
    first = book()
    TreatmentCourse.objects.filter(pk=first.pk).update(status=TreatmentCourse.Status.COMPLETED)
    assert book(time=time(14)).pk != first.pk


def test_back_to_back_sessions_for_one_patient_are_refused_unless_meant(
    book, patient, other_practitioner
):
    book()  # Mondays and Thursdays at 10:00 with Mei: the first session lasts until 11:00
    with pytest.raises(BookingConflict) as refused:
        book(practitioner=other_practitioner, time=time(11), another_course=True)
    assert [(clash.number, clash.reason) for clash in refused.value.clashes] == [(1, BACK_TO_BACK)]
    assert TreatmentCourse.objects.count() == 1
    course = book(
        practitioner=other_practitioner, time=time(11), another_course=True, back_to_back=True
    )
    first = course.appointments.order_by("starts_at").first()
    assert first.starts_at == datetime(2027, 3, 1, 11, tzinfo=NEW_YORK)


def test_the_api_answers_409_with_the_existing_course(api_as, receptionist, book, course_input):
    first = book()
    response = api_as(receptionist).post("/api/v1/courses/", course_input, format="json")
    assert response.status_code == 409, response.data
    assert response.data["existing_course"]["id"] == first.pk
    assert response.data["existing_course"]["status"] == "active"
    assert "another_course" in response.data["detail"]
    assert TreatmentCourse.objects.count() == 1


def test_the_api_books_another_course_when_told(api_as, receptionist, book, course_input):
    book()
    body = course_input | {"another_course": True, "another_course_reason": "Left hip too"}
    response = api_as(receptionist).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 201, response.data
    assert TreatmentCourse.objects.get(pk=response.data["id"]).another_course_reason == (
        "Left hip too"
    )


def test_the_api_names_back_to_back_sessions_in_its_409(api_as, receptionist, book, course_input):
    book()
    body = course_input | {"time": "11:00", "another_course": True}
    response = api_as(receptionist).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 409, response.data
    assert {c["reason"] for c in response.data["conflicts"]} == {BACK_TO_BACK}
    assert TreatmentCourse.objects.count() == 1


def test_the_booking_page_names_the_active_course_with_a_link(client_as, receptionist, book, form):
    first = book()
    page = client_as(receptionist).post("/courses/new/", form | {"preview": "1"})
    text = page.content.decode()
    assert "already has an active course" in text
    assert f'href="/courses/{first.pk}/"' in text
    assert "Why another course" in text


def test_confirming_without_saying_another_course_books_nothing(
    client_as, receptionist, book, form
):
    book()
    response = client_as(receptionist).post("/courses/new/", form | {"book": "1"})
    assert response.status_code == 200
    assert "Tick this box and give a reason" in response.content.decode()
    assert TreatmentCourse.objects.count() == 1


def test_another_course_needs_a_reason_on_the_page(client_as, receptionist, book, form):
    book()
    body = form | {"book": "1", "another_course": "on"}
    response = client_as(receptionist).post("/courses/new/", body)
    assert "Say why the patient needs another course." in response.content.decode()
    assert TreatmentCourse.objects.count() == 1
    body["another_course_reason"] = "Second hip, different practitioner"
    response = client_as(receptionist).post("/courses/new/", body)
    assert response.status_code == 302
    assert TreatmentCourse.objects.count() == 2


def test_a_patient_without_a_course_sees_no_warning(client_as, receptionist, form):
    page = client_as(receptionist).post("/courses/new/", form | {"preview": "1"})
    assert "already has an active course" not in page.content.decode()
