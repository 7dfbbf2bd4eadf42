"""Booking a course: eight sessions at two a week, right across DST, all or nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Closure, OpeningHours, WorkingHours
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders.models import Reminder
from scheduling.services import BookingConflict, BookingError, course_plan

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def local(moment: datetime) -> datetime:
    return moment.astimezone(NEW_YORK)


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_it_keeps_ten_oclock_local_across_spring_forward(book):
    course = book()
    sessions = list(course.appointments.order_by("number"))
    assert [local(s.starts_at).date() for s in sessions] == [
        date(2027, 3, d) for d in (1, 4, 8, 11, 15, 18, 22, 25)
    ]
    assert {local(s.starts_at).time() for s in sessions} == {time(10)}
    offsets = [local(s.starts_at).utcoffset() for s in sessions]
    assert offsets == [timedelta(hours=-5)] * 4 + [timedelta(hours=-4)] * 4
    assert [s.number for s in sessions] == list(range(1, 9))
    assert sessions[0].ends_at - sessions[0].starts_at == timedelta(minutes=60)
    assert sessions[1].ends_at - sessions[1].starts_at == timedelta(minutes=45)


@time_machine.travel(datetime(2026, 10, 1, 12, tzinfo=NEW_YORK), tick=False)
def test_it_keeps_ten_oclock_local_across_fall_back(book):
    course = book(start_date=date(2026, 10, 19))
    sessions = list(course.appointments.order_by("number"))
    assert {local(s.starts_at).time() for s in sessions} == {time(10)}
    assert [local(s.starts_at).utcoffset().total_seconds() / 3600 for s in sessions] == [
        -4,
        -4,
        -4,
        -4,
        -5,
        -5,
        -5,
        -5,
    ]


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_it_refuses_a_local_time_that_does_not_exist(book, clinic, practitioner):
    OpeningHours.objects.create(clinic=clinic, weekday=6, opens=time(0), closes=time(23, 59))
    WorkingHours.objects.create(practitioner=practitioner, weekday=6, start=time(0), end=time(23))
    with pytest.raises(BookingError) as refused:
        book(start_date=date(2027, 3, 8), weekdays=[2, 6], time=time(2, 30), sessions=2)
    assert "02:30 does not exist on 2027-03-14" in str(refused.value)
    assert TreatmentCourse.objects.count() == 0


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_a_clash_in_week_three_leaves_nothing_behind(
    book, other_practitioner, patient_without_consent, rooms
):
    clash_at = datetime(2027, 3, 15, 10, tzinfo=NEW_YORK)
    # Someone else's session with Mei on Monday of week 3.
    existing = _existing_session(clash_at, patient_without_consent)
    before = (
        TreatmentCourse.objects.count(),
        Appointment.objects.count(),
        Reminder.objects.count(),
    )
    slots = [datetime(2027, 3, d, 10, tzinfo=NEW_YORK) for d in (1, 4, 8, 11, 15, 18, 22, 25)]
    with pytest.raises(BookingConflict) as conflict:
        book(slots=slots)
    assert conflict.value.conflicts == [
        {"number": 5, "start": "2027-03-15T10:00:00-04:00", "reason": "practitioner busy"}
    ]
    after = (TreatmentCourse.objects.count(), Appointment.objects.count(), Reminder.objects.count())
    assert after == before
    assert existing.status == "booked"


def _existing_session(start: datetime, patient: Patient) -> Appointment:
    from clinic.models import Practitioner, Room

    course = TreatmentCourse.objects.create(
        patient=patient, practitioner=Practitioner.objects.get(name="Mei Chen"), condition="other"
    )
    return Appointment.objects.create(
        course=course,
        number=1,
        patient=patient,
        practitioner=course.practitioner,
        room=Room.objects.first(),
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
    )


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_the_planner_moves_a_busy_session_and_says_why(book, patient_without_consent):
    _existing_session(datetime(2027, 3, 4, 10, tzinfo=NEW_YORK), patient_without_consent)
    course = book()
    second = course.appointments.get(number=2)
    assert local(second.starts_at) != datetime(2027, 3, 4, 10, tzinfo=NEW_YORK)
    assert course.appointments.count() == 8


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_a_closed_week_moves_the_end_of_the_course_back(book):
    Closure.objects.create(
        start_date=date(2027, 3, 8), end_date=date(2027, 3, 13), reason="Retreat"
    )
    course = book()
    days = [local(s.starts_at).date() for s in course.appointments.order_by("number")]
    assert days == [date(2027, 3, d) for d in (1, 4, 15, 18, 22, 25, 29)] + [date(2027, 4, 1)]


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_a_course_that_cannot_be_caught_up_is_a_conflict_naming_the_weeks(book, practitioner):
    from clinic.models import TimeOff

    TimeOff.objects.create(
        practitioner=practitioner,
        start=datetime(2027, 3, 8, tzinfo=NEW_YORK),
        end=datetime(2027, 6, 1, tzinfo=NEW_YORK),
        reason="Sabbatical",
    )
    with pytest.raises(BookingConflict) as conflict:
        book()
    assert conflict.value.conflicts[0]["start"] == "2027-03-08"
    assert "practitioner busy" in conflict.value.conflicts[0]["reason"]
    assert TreatmentCourse.objects.count() == 0


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_booking_writes_a_confirmation_and_a_reminder_before_each_visit(book):
    course = book()
    reminders = Reminder.objects.filter(appointment__course=course)
    assert reminders.filter(kind="confirmation").count() == 1
    before = reminders.filter(kind="before_visit").order_by("due_at")
    assert before.count() == 8
    for reminder in before:
        assert reminder.appointment.starts_at - reminder.due_at == timedelta(hours=24)
        assert reminder.channel == "sms"


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_only_a_clinician_can_book_past_a_red_flag_with_a_reason(book, practitioner):
    with pytest.raises(BookingError) as receptionist_override:
        book(red_flags=["infection"], red_flag_override="Seen by GP, no infection")
    assert "red_flag_override" in receptionist_override.value.errors
    assert TreatmentCourse.objects.count() == 0
    course = book(
        red_flags=["infection"], red_flag_override="Seen by GP, no infection", by=practitioner.user
    )
    assert course.red_flag_override == "Seen by GP, no infection"


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_any_practitioner_keeps_one_practitioner_for_the_course(book, other_practitioner):
    course = book(practitioner=None)
    assert course.appointments.values("practitioner").distinct().count() == 1


def _bulk_appointments(count: int, patients: list[Patient]) -> None:
    """Fill the course's weeks with `count` sessions for other patients: Mei is busy from 11:00
    and David holds Room 2 all day, so every one of them is loaded while planning."""
    from clinic.models import Practitioner, Room

    mei, david = (
        Practitioner.objects.get(name="Mei Chen"),
        Practitioner.objects.get(name="David Okafor"),
    )
    room_1, room_2 = Room.objects.order_by("name")[:2]
    rows = []
    day = date(2027, 2, 22)
    while len(rows) < count:
        if day.weekday() < 5:
            for who, room, patient, hours in (
                (mei, room_1, patients[0], range(11, 19)),
                (david, room_2, patients[1], range(9, 19)),
            ):
                for hour in hours:
                    start = datetime.combine(day, time(hour), tzinfo=NEW_YORK)
                    rows.append((who, room, patient, start))
        day += timedelta(days=1)
    courses = {
        who.pk: TreatmentCourse.objects.create(patient=patient, practitioner=who, condition="other")
        for who, _, patient, _ in rows[:1] + rows[8:9]
    }
    Appointment.objects.bulk_create(
        Appointment(
            course=courses[who.pk],
            number=n + 1,
            patient=patient,
            practitioner=who,
            room=room,
            starts_at=start,
            ends_at=start + timedelta(minutes=45),
        )
        for n, (who, room, patient, start) in enumerate(rows[:count])
    )


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_planning_and_booking_take_the_same_queries_with_500_appointments(
    book,
    patient,
    practitioner,
    other_practitioner,
    patient_without_consent,
    django_assert_max_num_queries,
):
    def plan():
        return course_plan(
            patient=patient,
            practitioner=practitioner,
            start_date=date(2027, 3, 1),
            weekdays=[0, 3],
            time=time(10),
        )

    plan_empty = _queries(plan)
    book_empty = _queries(lambda: book(start_date=date(2027, 3, 1)))
    TreatmentCourse.objects.all().delete()
    grace = Patient.objects.create(first_name="Grace", last_name="Kim", email="g@example.com")
    _bulk_appointments(500, [patient_without_consent, grace])
    with django_assert_max_num_queries(plan_empty):
        assert len(plan().sessions) == 8
    with django_assert_max_num_queries(book_empty):
        book(start_date=date(2027, 3, 1))
    assert Appointment.objects.count() == 508


def _plan_reading_every_week(patient, practitioner):
    """The plan made with the catch-up weeks read from the start, as before two-step reading."""
    from scheduling.calendars import CATCH_UP_WEEKS, course_rule, plan_request
    from scheduling.planner import plan_course_with_catch_up

    request = plan_request(
        patient=patient,
        practitioners=[practitioner],
        start_date=date(2027, 3, 1),
        today=date(2027, 2, 15),
        rule=course_rule(),
        weekdays=[0, 3],
        preferred_time=time(10),
        since=date(2027, 3, 1),
    )
    return plan_course_with_catch_up(request, extra_weeks=CATCH_UP_WEEKS)


def _plan_with_its_reads(patient, practitioner) -> tuple[object, list[str]]:
    """Plan Ana's course with Mei, Mondays and Thursdays at 10:00 from 1 March; return the plan
    and the SQL of each read of appointments it made."""
    with CaptureQueriesContext(connection) as captured:
        plan = course_plan(
            patient=patient,
            practitioner=practitioner,
            start_date=date(2027, 3, 1),
            weekdays=[0, 3],
            time=time(10),
        )
    sqls = [q["sql"] for q in captured.captured_queries]
    return plan, [sql for sql in sqls if 'FROM "scheduling_appointment"' in sql]


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_a_course_that_fits_its_weeks_is_planned_from_one_read_of_them(
    rooms, patient, practitioner, patient_without_consent
):
    # Mei is busy at the preferred time in a week after the course: it changes nothing.
    _existing_session(datetime(2027, 4, 5, 10, tzinfo=NEW_YORK), patient_without_consent)
    plan, reads = _plan_with_its_reads(patient, practitioner)
    assert plan.complete and len(reads) == 1
    # Up to the end of the course's fourth week (Sunday 28 March), not the catch-up weeks.
    assert "2027-03-29" in reads[0] and "2027-04" not in reads[0]
    assert plan == _plan_reading_every_week(patient, practitioner)


@time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=NEW_YORK), tick=False)
def test_a_closed_week_has_the_weeks_after_the_course_read_and_the_course_planned_again(
    rooms, patient, practitioner, patient_without_consent
):
    Closure.objects.create(
        start_date=date(2027, 3, 8), end_date=date(2027, 3, 13), reason="Retreat"
    )
    # Mei is busy at the preferred time in the week the closed week's sessions move into.
    _existing_session(datetime(2027, 3, 29, 10, tzinfo=NEW_YORK), patient_without_consent)
    plan, reads = _plan_with_its_reads(patient, practitioner)
    assert len(reads) == 2 and len(plan.sessions) == 8 and not plan.complete
    assert plan == _plan_reading_every_week(patient, practitioner)
    moved = [s for s in plan.sessions if s.start.astimezone(NEW_YORK).date() == date(2027, 3, 29)]
    assert moved and moved[0].start.astimezone(NEW_YORK).time() != time(10)
