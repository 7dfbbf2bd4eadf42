"""The front desk's day: counts of courses, sessions left without an outcome, check-in time,
and the home, Needs attention and Messages pages agreeing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.models import TimeOff
from scheduling.models import Appointment
from scheduling.schedule import courses_needing_attention, needs_attention
from scheduling.services import BookingError, appointment_check_in, appointment_mark_no_show

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]


@pytest.fixture
def course(book, booking_day):
    return book()


def at(day: int, hour: int, minute: int = 0):
    return time_machine.travel(datetime(2027, 3, day, hour, minute, tzinfo=NEW_YORK), tick=False)


def test_a_past_session_nobody_checked_in_is_listed_to_settle(course):
    with at(1, 12):
        items = [i for i in needs_attention() if i.kind == "unsettled"]
    assert [(i.appointment.number, i.label) for i in items] == [(1, "no outcome")]
    assert "was never checked in" in items[0].message


def test_a_session_checked_in_but_never_recorded_is_listed_the_next_day(course, receptionist):
    first = course.appointments.get(number=1)
    with at(1, 9, 30):
        appointment_check_in(appointment=first, by=receptionist)
    with at(1, 18):
        assert not [i for i in needs_attention() if i.kind == "unsettled"]
    with at(2, 9):
        (item,) = [i for i in needs_attention() if i.kind == "unsettled"]
    assert "checked in but never recorded" in item.message


def test_check_in_opens_an_hour_before_the_session(course, receptionist, settings):
    settings.CHECK_IN_OPENS_MINUTES = 60
    first = course.appointments.get(number=1)  # 10:00
    with at(1, 3), pytest.raises(BookingError, match="opens at 09:00, 60 minutes before"):
        appointment_check_in(appointment=first, by=receptionist)
    assert Appointment.objects.get(pk=first.pk).status == "booked"
    with at(1, 9):
        assert appointment_check_in(appointment=first, by=receptionist).status == "checked_in"


def test_the_home_card_counts_courses_not_rows(course, client_as, receptionist, practitioner):
    TimeOff.objects.create(
        practitioner=practitioner,
        start=datetime(2027, 3, 15, 0, tzinfo=NEW_YORK),
        end=datetime(2027, 3, 19, 23, tzinfo=NEW_YORK),
    )
    with at(1, 12):
        items = needs_attention()
        client = client_as(receptionist)
        home = client.get("/").content.decode()
    assert len(items) >= 3  # the unsettled first session and two sessions in the time off
    assert courses_needing_attention(items) == 1
    assert '<p class="display-6 mb-1">1</p>' in home
    assert "course with a session to settle" in home


def test_time_off_says_whose_and_is_not_called_a_closure(
    course, client_as, receptionist, practitioner
):
    TimeOff.objects.create(
        practitioner=practitioner,
        start=datetime(2027, 3, 15, 0, tzinfo=NEW_YORK),
        end=datetime(2027, 3, 15, 23, tzinfo=NEW_YORK),
    )
    with at(1, 9):
        page = client_as(receptionist).get("/attention/").content.decode()
    assert ">time off</span> Session 5 on Mon Mar 15 falls in Mei Chen&#x27;s time off" in page
    assert "clinic closed" not in page


def test_messages_and_needs_attention_list_the_same_missed_session(course, client_as, receptionist):
    first = course.appointments.get(number=1)
    with at(1, 10, 30):
        appointment_mark_no_show(appointment=first, by=receptionist)
        client = client_as(receptionist)
        attention = client.get("/attention/").content.decode()
        messages = client.get("/messages/").content.decode()
    line = "Missed session 1 on Mon Mar 1 is not rebooked."
    assert line in attention
    assert line in messages
    assert "None: every missed session" not in messages
