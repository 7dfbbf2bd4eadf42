"""The times a booked visit may move to: every one a staff move would accept, and no other.

Ana's course with Mei runs Mondays and Thursdays at 10:00 from Monday 1 March 2027; session 3 is
Monday 8 March, between session 2 (Thursday 4 March) and session 4 (Thursday 11 March).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from clinic.models import Closure, OpeningHours, TimeOff
from scheduling.services import BookingConflict, appointment_reschedule, course_book, move_options

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("booking_day")]

NEW_YORK = ZoneInfo("America/New_York")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=NEW_YORK)


def local_times(options) -> list[tuple[date, time]]:
    return [
        (option.start.astimezone(NEW_YORK).date(), option.start.astimezone(NEW_YORK).time())
        for option in options
    ]


def half_hours(first: time, last: time) -> list[time]:
    moment = datetime.combine(date(2027, 3, 8), first)
    times = []
    while moment.time() <= last:
        times.append(moment.time())
        moment += timedelta(minutes=30)
    return times


def on(options, day: date) -> list[time]:
    return [wall for option_day, wall in local_times(options) if option_day == day]


@pytest.fixture
def third(book):
    return book().appointments.get(number=3)


def test_it_offers_every_half_hour_between_the_neighbouring_sessions_two_days_apart(third):
    options = move_options(third)
    # After Thursday 4 March and two days before Thursday 11 March: Monday 8 and Tuesday 9 only.
    assert sorted({day for day, _ in local_times(options)}) == [date(2027, 3, 8), date(2027, 3, 9)]
    every_half_hour = half_hours(time(9), time(18))  # a 45-minute visit ends by 19:00
    assert on(options, date(2027, 3, 9)) == every_half_hour
    assert on(options, date(2027, 3, 8)) == [t for t in every_half_hour if t != time(10)]
    assert [option.start for option in options] == sorted(option.start for option in options)


def test_the_weekly_rule_leaves_out_a_week_that_already_has_its_sessions(book, receptionist):
    course = book()
    second = course.appointments.get(number=2)  # Thursday 4 March, session 1 on Monday 1
    assert {day for day, _ in local_times(move_options(second))} == {
        date(2027, 3, 3),  # two days after Monday, two a week
        date(2027, 3, 4),
        date(2027, 3, 5),
    }
    # Once a week: session 1 already fills that week, and session 3 is on Monday 8 March.
    course.per_week = 1
    course.save()
    assert move_options(second) == []


def test_a_time_another_patient_has_with_the_same_practitioner_is_not_offered(
    third, practitioner, patient_without_consent, receptionist
):
    course_book(
        patient=patient_without_consent,
        practitioner=practitioner,
        start_date=date(2027, 3, 9),
        slots=[at(3, 9, 14)],  # James with Mei, Tuesday 9 March 14:00-15:00
        sessions=1,
        condition="tendinitis",
        by=receptionist,
    )
    tuesday = on(move_options(third), date(2027, 3, 9))
    assert time(13) in tuesday and time(15) in tuesday
    assert not {time(13, 30), time(14), time(14, 30)} & set(tuesday)


def test_closures_and_time_off_are_not_offered(third, practitioner):
    Closure.objects.create(start_date=date(2027, 3, 9), end_date=date(2027, 3, 9), reason="Fumes")
    TimeOff.objects.create(practitioner=practitioner, start=at(3, 8, 9), end=at(3, 8, 13))
    options = move_options(third)
    assert on(options, date(2027, 3, 9)) == []
    assert on(options, date(2027, 3, 8)) == half_hours(time(13), time(18))


def test_opening_hours_bound_the_times(third, clinic):
    OpeningHours.objects.filter(clinic=clinic, weekday=1).update(opens=time(12), closes=time(16))
    assert on(move_options(third), date(2027, 3, 9)) == half_hours(time(12), time(15))


def test_it_offers_nothing_before_the_time_given(third):
    options = move_options(third, not_before=at(3, 9, 12))
    assert local_times(options)[0] == (date(2027, 3, 9), time(12, 30))


def test_every_time_offered_is_one_the_staff_move_accepts(third, receptionist):
    options = move_options(third)
    for option in options[::7]:
        with transaction.atomic():
            moved = appointment_reschedule(appointment=third, start=option.start, by=receptionist)
            assert moved.starts_at == option.start
            transaction.set_rollback(True)
    # ... and a time left out (the day before session 4) is one it refuses.
    with pytest.raises(BookingConflict):
        appointment_reschedule(appointment=third, start=at(3, 10, 10), by=receptionist)


def test_it_reads_the_calendars_once_however_many_times_it_tries(
    third, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        assert len(move_options(third)) == 37
