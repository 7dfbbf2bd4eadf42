"""Sixteen receptionists press "Book" at the same instant: exactly one course gets the time.

Runs on PostgreSQL, where the exclusion constraints settle the race; threads meet at a
barrier so their transactions really overlap.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from clinic.models import Practitioner, Room, WorkingHours
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.services import BookingConflict, course_book

NEW_YORK = ZoneInfo("America/New_York")
THREADS = 16
SLOTS = [datetime(2027, 3, d, 10, tzinfo=NEW_YORK) for d in (1, 4, 8, 11, 15, 18, 22, 25)]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(bookings) -> dict[str, list]:
    """Run each booking in its own thread, all released at once; collect what happened."""
    barrier = threading.Barrier(len(bookings))
    outcome: dict[str, list] = {"booked": [], "conflict": [], "error": []}
    lock = threading.Lock()

    def run(booking):
        try:
            barrier.wait(timeout=30)
            course = booking()
            result = ("booked", course)
        except BookingConflict as exc:
            result = ("conflict", exc)
        except Exception as exc:  # anything else would be a 500: the test reports it
            result = ("error", exc)
        finally:
            connections.close_all()
        with lock:
            outcome[result[0]].append(result[1])

    with time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False):
        threads = [threading.Thread(target=run, args=(b,)) for b in bookings]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return outcome


def overlapping_pairs(field: str) -> int:
    """Count pairs of active appointments sharing `field` whose times overlap, in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM scheduling_appointment a
            JOIN scheduling_appointment b ON a.{field}_id = b.{field}_id AND a.id < b.id
            WHERE a.status IN ('booked', 'confirmed', 'checked_in', 'completed')
              AND b.status IN ('booked', 'confirmed', 'checked_in', 'completed')
              AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')
            """
        )
        return cursor.fetchone()[0]


def practitioner_named(name: str) -> Practitioner:
    practitioner = Practitioner.objects.create(name=name)
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, weekday=d, start=time(9), end=time(19))
        for d in range(5)
    )
    return practitioner


def patients(count: int) -> list[Patient]:
    return [
        Patient.objects.create(first_name=f"Patient{n}", last_name="Race", preferred_channel="none")
        for n in range(count)
    ]


def booking(patient, practitioner, by, *, slots=SLOTS, another_course=False):
    return lambda: course_book(
        patient=patient,
        practitioner=practitioner,
        start_date=date(2027, 3, 1),
        condition="sciatica",
        slots=slots,
        by=by,
        another_course=another_course,
    )


def assert_exactly_one_wins(outcome):
    assert outcome["error"] == []
    assert len(outcome["booked"]) == 1
    assert len(outcome["conflict"]) == THREADS - 1
    for conflict in outcome["conflict"]:
        assert conflict.conflicts, "a conflict must name the clashing sessions"
    assert TreatmentCourse.objects.count() == 1
    assert Appointment.objects.count() == 8


def test_sixteen_bookings_for_one_practitioner_one_wins(clinic, rooms, practitioner, receptionist):
    for room_number in range(3, 3 + THREADS):  # plenty of rooms: only the practitioner clashes
        Room.objects.create(name=f"Room {room_number}")
    outcome = race([booking(p, practitioner, receptionist) for p in patients(THREADS)])
    assert_exactly_one_wins(outcome)
    assert overlapping_pairs("practitioner") == 0


def test_one_patient_with_sixteen_practitioners_one_wins(clinic, rooms, patient, receptionist):
    for room_number in range(3, 3 + THREADS):
        Room.objects.create(name=f"Room {room_number}")
    practitioners = [practitioner_named(f"Practitioner {n}") for n in range(THREADS)]
    outcome = race([booking(patient, p, receptionist, another_course=True) for p in practitioners])
    assert_exactly_one_wins(outcome)
    assert overlapping_pairs("patient") == 0


def test_two_first_courses_for_one_patient_at_once_leave_one(clinic, rooms, patient, receptionist):
    later = [slot + timedelta(hours=3) for slot in SLOTS]
    first, second = practitioner_named("Practitioner A"), practitioner_named("Practitioner B")
    outcome = race(
        [
            booking(patient, first, receptionist),
            booking(patient, second, receptionist, slots=later),
        ]
    )
    assert len(outcome["booked"]) == 1
    assert [type(e).__name__ for e in outcome["error"]] == ["ActiveCourseExists"]
    assert TreatmentCourse.objects.filter(patient=patient).count() == 1


def test_one_room_shared_by_sixteen_bookings_one_wins(clinic, receptionist):
    Room.objects.create(name="The only room")
    practitioners = [practitioner_named(f"Practitioner {n}") for n in range(THREADS)]
    outcome = race(
        [
            booking(patient, p, receptionist)
            for patient, p in zip(patients(THREADS), practitioners, strict=True)
        ]
    )
    assert_exactly_one_wins(outcome)
    assert overlapping_pairs("room") == 0
