"""The courses and appointments API: plan, book, read, cancel; clear 400s and 409s."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders.models import Reminder

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms", "booking_day")]


@pytest.fixture
def course_input(patient, practitioner):
    return {
        "patient": patient.pk,
        "practitioner": practitioner.pk,
        "start_date": "2027-03-01",
        "weekdays": [0, 3],
        "time": "10:00",
        "condition": "sciatica",
    }


def counts():
    return (TreatmentCourse.objects.count(), Appointment.objects.count(), Reminder.objects.count())


def test_plan_proposes_eight_sessions_and_stores_nothing(api_as, receptionist, course_input):
    response = api_as(receptionist).post("/api/v1/courses/plan/", course_input, format="json")
    assert response.status_code == 200, response.data
    starts = [s["start"] for s in response.data["sessions"]]
    assert starts[0] == "2027-03-01T10:00:00-05:00"
    assert starts[-1] == "2027-03-25T10:00:00-04:00"
    assert response.data["unfilled"] == []
    assert counts() == (0, 0, 0)


def test_book_returns_the_course_with_its_sessions(api_as, receptionist, course_input):
    response = api_as(receptionist).post("/api/v1/courses/", course_input, format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == "active"
    assert [s["number"] for s in response.data["sessions"]] == list(range(1, 9))
    assert response.data["progress"] is None  # pain scores are clinical: not for the front desk
    course = api_as(receptionist).get(f"/api/v1/courses/{response.data['id']}/")
    assert course.status_code == 200
    assert len(course.data["sessions"]) == 8


def test_practitioners_see_progress_on_the_course(api_as, receptionist, practitioner, course_input):
    booked = api_as(receptionist).post("/api/v1/courses/", course_input, format="json").data
    response = api_as(practitioner.user).get(f"/api/v1/courses/{booked['id']}/")
    assert response.data["progress"]["baseline"] is None
    assert response.data["progress"]["series"] == []


def test_booking_the_same_slots_twice_is_a_409_listing_each_clash(
    api_as, receptionist, course_input, patient_without_consent
):
    client = api_as(receptionist)
    assert client.post("/api/v1/courses/", course_input, format="json").status_code == 201
    plan = client.post("/api/v1/courses/plan/", course_input, format="json").data
    # James wants exactly Ana's times with Mei.
    taken = [
        "2027-03-01T10:00:00-05:00",
        "2027-03-04T10:00:00-05:00",
        "2027-03-08T10:00:00-05:00",
        "2027-03-11T10:00:00-05:00",
        "2027-03-15T10:00:00-04:00",
        "2027-03-18T10:00:00-04:00",
        "2027-03-22T10:00:00-04:00",
        "2027-03-25T10:00:00-04:00",
    ]
    assert plan["sessions"][0]["start"] != taken[0]  # the planner itself steers around them
    before = counts()
    response = client.post(
        "/api/v1/courses/",
        course_input | {"patient": patient_without_consent.pk, "slots": taken},
        format="json",
    )
    assert response.status_code == 409
    assert [c["number"] for c in response.data["conflicts"]] == list(range(1, 9))
    assert {c["reason"] for c in response.data["conflicts"]} == {"practitioner busy"}
    assert counts() == before


BAD_COURSE_INPUT = {
    "start-in-past": ({"start_date": "2027-02-01"}, "start_date"),
    "weekday-7": ({"weekdays": [0, 7]}, "weekdays"),
    "three-a-week-two-days": ({"per_week": 3}, "weekdays"),
    "unknown-patient": ({"patient": 999999}, "patient"),
    "outside-opening-hours": ({"time": "07:00"}, "non_field_errors"),
    "bad-time": ({"time": "25:00"}, "time"),
    "no-sessions": ({"sessions": 0}, "sessions"),
}
BAD_BOOKING_ONLY = {
    "unknown-condition": ({"condition": "broken heart"}, "condition"),
    "too-few-slots": ({"slots": ["2027-03-01T10:00:00-05:00"]}, "slots"),
}


def assert_clear_400(response, field):
    assert response.status_code == 400, response.data
    assert field in response.data, response.data
    message = " ".join(str(m) for m in response.data[field])
    assert len(message) > 10, message
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(("change", "field"), BAD_COURSE_INPUT.values(), ids=BAD_COURSE_INPUT)
@pytest.mark.parametrize("path", ["/api/v1/courses/", "/api/v1/courses/plan/"])
def test_bad_course_input_is_a_clear_400_and_stores_nothing(
    api_as, receptionist, course_input, change, field, path
):
    assert_clear_400(api_as(receptionist).post(path, course_input | change, format="json"), field)


@pytest.mark.parametrize(("change", "field"), BAD_BOOKING_ONLY.values(), ids=BAD_BOOKING_ONLY)
def test_bad_booking_input_is_a_clear_400_and_stores_nothing(
    api_as, receptionist, course_input, change, field
):
    response = api_as(receptionist).post("/api/v1/courses/", course_input | change, format="json")
    assert_clear_400(response, field)


def test_time_outside_opening_hours_says_so(api_as, receptionist, course_input):
    response = api_as(receptionist).post(
        "/api/v1/courses/plan/", course_input | {"time": "07:00"}, format="json"
    )
    assert "outside opening hours" in str(response.data["non_field_errors"])


def test_malformed_json_is_a_400(api_as, receptionist):
    response = api_as(receptionist).post(
        "/api/v1/courses/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_practitioners_cannot_book_or_cancel(api_as, practitioner, course_input):
    response = api_as(practitioner.user).post("/api/v1/courses/", course_input, format="json")
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def test_cancel_course_cancels_future_sessions_and_their_reminders(
    api_as, receptionist, course_input
):
    client = api_as(receptionist)
    course = client.post("/api/v1/courses/", course_input, format="json").data
    response = client.post(f"/api/v1/courses/{course['id']}/cancel/")
    assert response.status_code == 200
    assert response.data["status"] == "cancelled"
    assert {s["status"] for s in response.data["sessions"]} == {"cancelled"}
    assert not Reminder.objects.filter(status="pending").exists()
    again = client.post(f"/api/v1/courses/{course['id']}/cancel/")
    assert again.status_code == 400


def test_unknown_course_is_a_404(api_as, receptionist):
    assert api_as(receptionist).get("/api/v1/courses/424242/").status_code == 404
    assert api_as(receptionist).post("/api/v1/courses/424242/cancel/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "9999-12-25"}, "start_date"),
        ({"start_date": "2031-01-06"}, "start_date"),
        ({"slots": ["2027-03-01T10:00:00"] * 8}, "slots"),
        ({"slots": ["9999-12-31T23:30:00+00:00"] * 8}, "slots"),
        ({"weekdays": "0,3"}, "weekdays"),
        ({"patient": "Ana"}, "patient"),
    ],
    ids=[
        "year-9999",
        "five-years-ahead",
        "slot-without-offset",
        "slot-year-9999",
        "weekdays-as-text",
        "patient-as-name",
    ],
)
def test_absurd_input_is_a_400_not_a_crash(api_as, receptionist, course_input, change, field):
    response = api_as(receptionist).post("/api/v1/courses/", course_input | change, format="json")
    assert_clear_400(response, field)


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"patient": "99999999999999999999"},
        {"practitioner": "²"},
    ],
)
def test_absurd_filters_are_a_400(api_as, receptionist, query):
    response = api_as(receptionist).get("/api/v1/appointments/", query)
    assert response.status_code == 400
    assert set(response.data) == set(query)


def test_other_practitioners_do_not_see_progress(
    api_as, receptionist, other_practitioner, course_input
):
    booked = api_as(receptionist).post("/api/v1/courses/", course_input, format="json").data
    response = api_as(other_practitioner.user).get(f"/api/v1/courses/{booked['id']}/")
    assert response.status_code == 200
    assert response.data["progress"] is None
