"""The midpoint check (session 4 of 8) and the end-of-course review (session 8)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from scheduling.models import Appointment, TreatmentCourse
from scheduling.records.models import CourseReview
from scheduling.records.services import SessionValues, course_review_decide, session_record_create
from scheduling.services import BookingError
from tests.records.conftest import NY, session


def record_sessions(course, scores, by):
    for number, (before, after) in enumerate(scores, start=1):
        session_record_create(
            appointment=session(course, number),
            values=SessionValues(pain_before=before, pain_after=after, points="GB30"),
            by=by,
        )


NON_RESPONDER = [(8, 7), (8, 7), (8, 7), (7, 7), (8, 7), (7, 7), (8, 7), (7, 7)]


def test_a_non_responder_is_flagged_at_the_end_review_and_extending_books_the_next_week(
    client_as, practitioner, ana_course, now
):
    record_sessions(ana_course, NON_RESPONDER, practitioner.user)
    client = client_as(practitioner.user)
    page = client.get(f"/courses/{ana_course.pk}/progress/").content.decode()
    assert "End-of-course review due" in page
    # Baseline S1 before 8; latest S8 before 7 (its 7 after does not count): -1, not a responder.
    assert "Non-responder after 8 sessions: pain went from 8 to 7" in page

    response = client.post(
        f"/courses/{ana_course.pk}/review/",
        {"stage": "end", "decision": "extend", "note": "One more course, then reassess"},
    )
    ana_course.refresh_from_db()
    new = TreatmentCourse.objects.get(previous_course=ana_course)
    assert response["Location"] == f"/courses/{new.pk}/progress/"
    assert (ana_course.status, ana_course.decision) == ("completed", "extend")
    assert ana_course.decision_note == "One more course, then reassess"
    assert (new.patient, new.practitioner, new.condition) == (
        ana_course.patient,
        ana_course.practitioner,
        "sciatica",
    )
    first = new.appointments.order_by("starts_at").first().starts_at.astimezone(NY)
    # Decided on Wednesday 31 March: the new course starts the next week, at the usual time.
    assert first.date() >= date(2027, 4, 5) and first.date() < date(2027, 4, 12)
    assert first.time() == time(10)
    assert new.appointments.count() == 8
    review = CourseReview.objects.get()
    assert (review.stage, review.responder, review.next_course) == ("end", False, new)


@pytest.fixture
def after_session_4(time_machine):
    time_machine.move_to(datetime(2027, 3, 11, 12, tzinfo=NY), tick=False)


def test_discharging_at_the_midpoint_cancels_the_sessions_still_to_come(
    make_course, patient, practitioner, after_session_4
):
    course = make_course(patient, practitioner)
    record_sessions(course, [(8, 5), (6, 3), (4, 2), (3, 1)], practitioner.user)
    course_review_decide(
        course=course,
        stage="midpoint",
        decision="discharge",
        note="Pain-free",
        by=practitioner.user,
    )
    course.refresh_from_db()
    assert (course.status, course.decision) == ("completed", "discharge")
    statuses = list(course.appointments.order_by("number").values_list("status", flat=True))
    assert statuses == ["completed"] * 4 + ["cancelled"] * 4
    # Baseline 8; latest S4 on arrival 3 (not its 1 after): -5, -62.5%: a responder.
    assert CourseReview.objects.get().responder is True


def test_relief_just_after_needling_does_not_make_a_responder_at_the_midpoint(
    make_course, patient, practitioner, after_session_4
):
    course = make_course(patient, practitioner)
    record_sessions(course, [(8, 4), (8, 4), (8, 3), (7, 2)], practitioner.user)
    course_review_decide(course=course, stage="midpoint", decision="continue", by=practitioner.user)
    # Every session eases the pain for a while, but on arrival at S4 it is 7: 7 - 8 = -1, -12.5%.
    assert CourseReview.objects.get().responder is False


def test_continue_at_the_midpoint_keeps_the_course_and_the_review_is_then_done(
    client_as, make_course, patient, practitioner, after_session_4
):
    course = make_course(patient, practitioner)
    record_sessions(course, [(8, 6), (7, 6), (7, 5), (6, 5)], practitioner.user)
    page = client_as(practitioner.user).get(f"/courses/{course.pk}/progress/").content.decode()
    assert "Midpoint check due" in page
    course_review_decide(course=course, stage="midpoint", decision="continue", by=practitioner.user)
    course.refresh_from_db()
    assert course.status == "active"
    assert course.appointments.filter(status=Appointment.Status.BOOKED).count() == 4
    page = client_as(practitioner.user).get(f"/courses/{course.pk}/progress/").content.decode()
    assert "Midpoint check due" not in page
    with pytest.raises(BookingError):
        course_review_decide(
            course=course, stage="midpoint", decision="continue", by=practitioner.user
        )


def test_extend_is_not_a_midpoint_decision(make_course, patient, practitioner, after_session_4):
    course = make_course(patient, practitioner)
    with pytest.raises(BookingError):
        course_review_decide(
            course=course, stage="midpoint", decision="extend", by=practitioner.user
        )
    assert TreatmentCourse.objects.count() == 1
    assert CourseReview.objects.count() == 0
