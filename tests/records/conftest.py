"""Courses for record tests, inserted directly so they can start in the past.

Booking refuses a start date in the past (as it should), and a session can only be recorded once
it has started, so these rows are written as a booking would have written them weeks ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Appointment, TreatmentCourse

NY = ZoneInfo("America/New_York")
# Sessions on Mondays and Thursdays at 10:00 from Monday 1 March 2027; "now" in these tests is
# Wednesday 31 March 2027 at noon, after all eight.
COURSE_START = datetime(2027, 3, 1, 10, 0, tzinfo=NY)
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=NY)


def session_starts(first: datetime, count: int) -> list[datetime]:
    """Return `count` starts, two a week: the first day and three days later."""
    starts = []
    for n in range(count):
        week, second = divmod(n, 2)
        starts.append(first + timedelta(weeks=week, days=3 * second))
    return starts


def insert_course(
    patient,
    practitioner,
    room,
    *,
    condition: str = "sciatica",
    start: datetime = COURSE_START,
    sessions: int = 8,
) -> TreatmentCourse:
    """Insert a course and its sessions (all booked), two a week from `start`."""
    course = TreatmentCourse.objects.create(
        patient=patient,
        practitioner=practitioner,
        condition=condition,
        sessions_planned=sessions,
        per_week=2,
        weekdays=[start.weekday(), (start.weekday() + 3) % 7],
        preferred_time=start.timetz().replace(tzinfo=None),
    )
    Appointment.objects.bulk_create(
        Appointment(
            course=course,
            number=number,
            patient=patient,
            practitioner=practitioner,
            room=room,
            starts_at=at,
            ends_at=at + timedelta(minutes=45),
        )
        for number, at in enumerate(session_starts(start, sessions), start=1)
    )
    return course


@pytest.fixture
def make_course(rooms):
    """Return insert_course with the first room as the default."""

    def make(patient, practitioner, *, room=None, **options) -> TreatmentCourse:
        return insert_course(patient, practitioner, room or rooms[0], **options)

    return make


@pytest.fixture
def now(time_machine):
    """Freeze the clock at NOW (after every session of the default course)."""
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def ana_course(make_course, patient, practitioner, now) -> TreatmentCourse:
    """Ana's sciatica course with Mei: eight sessions in March 2027, none recorded yet."""
    return make_course(patient, practitioner)


def session(course: TreatmentCourse, number: int) -> Appointment:
    return course.appointments.get(number=number)
