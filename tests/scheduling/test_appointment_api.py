"""Moving, cancelling, checking in and marking no-shows through the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.services import course_book

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db
BOOKED_ON = datetime(2027, 2, 15, 12, tzinfo=NEW_YORK)


@pytest.fixture
def course(rooms, practitioner, patient, receptionist):
    with time_machine.travel(BOOKED_ON, tick=False):
        return course_book(
            patient=patient,
            practitioner=practitioner,
            start_date=date(2027, 3, 1),
            weekdays=[0, 3],
            time=time(10),
            condition="piriformis_syndrome",
            by=receptionist,
        )


def session(course, number: int) -> Appointment:
    return course.appointments.get(number=number)


@time_machine.travel(BOOKED_ON, tick=False)
def test_list_filters_by_patient_dates_and_status(api_as, receptionist, course, patient):
    client = api_as(receptionist)
    response = client.get(
        "/api/v1/appointments/",
        {"patient": patient.pk, "date_from": "2027-03-08", "date_to": "2027-03-11"},
    )
    assert response.status_code == 200
    assert [row["number"] for row in response.data["results"]] == [3, 4]
    assert response.data["results"][0]["start"] == "2027-03-08T10:00:00-05:00"
    assert client.get("/api/v1/appointments/", {"status": "cancelled"}).data["count"] == 0
    assert client.get("/api/v1/appointments/", {"status": "nonsense"}).status_code == 400
    assert client.get("/api/v1/appointments/", {"date_from": "March"}).status_code == 400


@time_machine.travel(BOOKED_ON, tick=False)
def test_reschedule_moves_the_session_and_its_reminder(api_as, receptionist, course):
    third = session(course, 3)
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{third.pk}/reschedule/",
        {"start": "2027-03-09T14:00:00-05:00"},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.data["start"] == "2027-03-09T14:00:00-05:00"
    reminder = Reminder.objects.get(appointment=third, kind="before_visit")
    assert reminder.due_at == datetime(2027, 3, 8, 14, tzinfo=NEW_YORK)


@time_machine.travel(BOOKED_ON, tick=False)
def test_reschedule_that_breaks_two_a_week_is_a_409(api_as, receptionist, course):
    third = session(course, 3)  # Monday 8 March; week 2 already has Thursday 11 March
    before = third.starts_at
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{third.pk}/reschedule/",
        {"start": "2027-03-05T10:00:00-05:00"},  # Friday of week 1: a third session that week
        format="json",
    )
    assert response.status_code == 409
    assert "ISO week" in str(response.data["conflicts"]) or "days after" in str(
        response.data["conflicts"]
    )
    third.refresh_from_db()
    assert third.starts_at == before


@time_machine.travel(BOOKED_ON, tick=False)
def test_reschedule_onto_another_booking_is_a_409(
    api_as, receptionist, course, other_practitioner, patient_without_consent
):
    other = course_book(
        patient=patient_without_consent,
        practitioner=course.practitioner,
        start_date=date(2027, 3, 2),
        weekdays=[1],
        per_week=1,
        sessions=1,
        time=time(15),
        condition="tendinitis",
        by=receptionist,
    )
    taken = other.appointments.get().starts_at
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{session(course, 1).pk}/reschedule/",
        {"start": taken.isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.data["conflicts"][0]["reason"] in ("practitioner busy", "patient busy")


@time_machine.travel(BOOKED_ON, tick=False)
def test_reschedule_into_the_past_or_without_offset_is_a_400(api_as, receptionist, course):
    client = api_as(receptionist)
    first = session(course, 1)
    past = client.post(
        f"/api/v1/appointments/{first.pk}/reschedule/",
        {"start": "2027-02-01T10:00:00-05:00"},
        format="json",
    )
    assert past.status_code == 400
    garbage = client.post(
        f"/api/v1/appointments/{first.pk}/reschedule/", {"start": "soon"}, format="json"
    )
    assert garbage.status_code == 400
    assert "start" in garbage.data


@time_machine.travel(BOOKED_ON, tick=False)
def test_cancel_cancels_reminders_and_offers_makeups_in_the_same_or_next_week(
    api_as, receptionist, course
):
    fourth = session(course, 4)  # Thursday 11 March
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{fourth.pk}/cancel/", {"reason": "Flu"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["status"] == "cancelled"
    assert not Reminder.objects.filter(appointment=fourth, status="pending").exists()
    offers = response.data["makeup_slots"]
    assert offers, "expected at least one make-up slot"
    for offer in offers:
        day = datetime.fromisoformat(offer["start"]).date()
        assert date(2027, 3, 8) <= day <= date(2027, 3, 21)


@time_machine.travel(BOOKED_ON, tick=False)
def test_check_in_only_on_the_day_and_no_show_only_after_start(api_as, receptionist, course):
    client = api_as(receptionist)
    first = session(course, 1)
    assert client.post(f"/api/v1/appointments/{first.pk}/check-in/").status_code == 400
    assert client.post(f"/api/v1/appointments/{first.pk}/no-show/").status_code == 400
    with time_machine.travel(datetime(2027, 3, 1, 9, 50, tzinfo=NEW_YORK), tick=False):
        response = client.post(f"/api/v1/appointments/{first.pk}/check-in/")
        assert response.status_code == 200
        assert response.data["status"] == "checked_in"
    second = session(course, 2)
    with time_machine.travel(datetime(2027, 3, 4, 10, 30, tzinfo=NEW_YORK), tick=False):
        response = client.post(f"/api/v1/appointments/{second.pk}/no-show/")
        assert response.status_code == 200
        assert response.data["status"] == "no_show"
        before_visit = Reminder.objects.filter(appointment=second, kind="before_visit")
        assert set(before_visit.values_list("status", flat=True)) == {"cancelled"}


@time_machine.travel(BOOKED_ON, tick=False)
def test_a_cancelled_session_cannot_be_moved(api_as, receptionist, course):
    client = api_as(receptionist)
    first = session(course, 1)
    client.post(f"/api/v1/appointments/{first.pk}/cancel/", {}, format="json")
    response = client.post(
        f"/api/v1/appointments/{first.pk}/reschedule/",
        {"start": (first.starts_at + timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "cancelled" in str(response.data)


@time_machine.travel(BOOKED_ON, tick=False)
def test_practitioners_read_appointments_but_cannot_change_them(api_as, practitioner, course):
    client = api_as(practitioner.user)
    assert client.get("/api/v1/appointments/").status_code == 200
    first = session(course, 1)
    assert (
        client.post(f"/api/v1/appointments/{first.pk}/cancel/", {}, format="json").status_code
        == 403
    )


@time_machine.travel(BOOKED_ON, tick=False)
def test_moving_a_session_ahead_into_a_full_week_is_a_409(api_as, receptionist, book):
    course = book(weekdays=[2, 4])  # Wednesdays and Fridays: week of 8 March has the 10th and 12th
    eighth = course.appointments.get(number=8)
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{eighth.pk}/reschedule/",
        {"start": "2027-03-08T10:00:00-05:00"},
        format="json",
    )
    assert response.status_code == 409
    assert "more than 2 sessions in ISO week 2027-W10" in str(response.data["conflicts"])


@time_machine.travel(BOOKED_ON, tick=False)
def test_moving_a_session_years_ahead_is_a_400(api_as, receptionist, course):
    first = session(course, 1)
    for start, message in (
        ("2031-03-03T10:00:00-05:00", "two years ahead"),
        ("9999-12-31T23:30:00+00:00", "between 2000 and 2100"),
    ):
        response = api_as(receptionist).post(
            f"/api/v1/appointments/{first.pk}/reschedule/", {"start": start}, format="json"
        )
        assert response.status_code == 400, start
        assert message in str(response.data["start"])
    first.refresh_from_db()
    assert first.starts_at == datetime(2027, 3, 1, 10, tzinfo=NEW_YORK)


@time_machine.travel(BOOKED_ON, tick=False)
def test_a_move_months_ahead_is_checked_against_bookings_then(
    api_as, receptionist, course, patient_without_consent
):
    later = course_book(
        patient=patient_without_consent,
        practitioner=course.practitioner,
        start_date=date(2027, 9, 6),
        weekdays=[0],
        per_week=1,
        sessions=1,
        time=time(15),
        condition="tendinitis",
        by=receptionist,
    )
    taken = later.appointments.get().starts_at
    response = api_as(receptionist).post(
        f"/api/v1/appointments/{session(course, 8).pk}/reschedule/",
        {"start": taken.isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert "practitioner busy" in str(response.data["conflicts"])


@time_machine.travel(BOOKED_ON, tick=False)
def test_a_session_cannot_move_before_an_earlier_one_and_keeps_its_length(
    api_as, receptionist, course
):
    client = api_as(receptionist)
    fifth = session(course, 5)  # Monday 15 March
    early = client.post(
        f"/api/v1/appointments/{fifth.pk}/reschedule/",
        {"start": "2027-02-24T10:00:00-05:00"},
        format="json",
    )
    assert early.status_code == 409
    assert "session 5 must come after session 4" in str(early.data["conflicts"])
    first = session(course, 1)
    moved = client.post(
        f"/api/v1/appointments/{first.pk}/reschedule/",
        {"start": "2027-03-02T11:00:00-05:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.data
    first.refresh_from_db()
    assert first.ends_at - first.starts_at == timedelta(minutes=60)
