"""A visit on a day the clinic is closed, or in its practitioner's time off, cannot happen as
booked: the patient's pages and messages say the clinic will call to move it, and never ask the
patient to confirm it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from clinic.models import Clinic, Closure, TimeOff
from scheduling.models import Appointment
from scheduling.reminders import links
from scheduling.reminders.messages import render_reminder
from scheduling.reminders.models import PatientLink, Reminder
from scheduling.schedule import BlockedSessions, sessions_to_move
from tests.reminders.conftest import at, run_dispatch, without_questionnaire_messages
from tests.reminders.test_messages import sms_segments

pytestmark = pytest.mark.django_db
TO_MOVE = "the clinic will call you to move this visit"


@pytest.fixture
def course(book):
    """Ana's course with Mei from Mon 1 March 2027, booked on 15 February. Then the clinic closes
    on Thu 4 March (session 2) and Mei takes Mon 8 March morning off (session 3)."""
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = without_questionnaire_messages(book())
    Closure.objects.create(start_date=date(2027, 3, 4), end_date=date(2027, 3, 4), reason="Pipes")
    TimeOff.objects.create(
        practitioner=course.practitioner, start=at(2027, 3, 8, 8), end=at(2027, 3, 8, 13)
    )
    return course


def session(course, number) -> Appointment:
    return course.appointments.get(number=number)


def path(action, patient, appointment=None) -> str:
    return urlsplit(links.link_url(action, patient=patient, appointment=appointment)).path


def test_sessions_on_a_closure_or_time_off_are_to_move(course, django_assert_num_queries):
    sessions = list(course.appointments.order_by("number"))
    with django_assert_num_queries(3):  # the clinic's zone, closures, time off
        moving = sessions_to_move(sessions)
    assert moving == {session(course, 2).pk, session(course, 3).pk}
    assert sessions_to_move([]) == set()


def test_chunk_after_chunk_the_closures_and_time_off_are_read_again_only_outside_what_was_read(
    course, django_assert_num_queries
):
    sessions = list(course.appointments.order_by("number"))
    blocked = BlockedSessions(tz=Clinic.load().tz)
    with django_assert_num_queries(2):  # closures and time off, for a month from session 1
        first = blocked.to_move(sessions[:2])
    with django_assert_num_queries(0):
        second = blocked.to_move(sessions[2:4])
    assert (first, second) == ({session(course, 2).pk}, {session(course, 3).pk})
    later = sessions[-1]
    later.starts_at += timedelta(days=60)
    later.ends_at += timedelta(days=60)
    TimeOff.objects.create(
        practitioner=course.practitioner,
        start=later.starts_at - timedelta(hours=1),
        end=later.ends_at + timedelta(hours=1),
    )
    with django_assert_num_queries(2):  # outside the month read: read again
        assert blocked.to_move([later]) == {later.pk}


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_the_visits_page_says_the_clinic_will_call_and_offers_no_confirm_for_them(
    client, course, patient
):
    page = client.get(path("visits", patient)).content.decode()
    rows = re.findall(r"<li class=\"list-group-item.*?</li>", page, re.S)
    assert len(rows) == 8
    for number, row in enumerate(rows, start=1):
        if number in (2, 3):
            assert "The clinic will call you to move this visit." in row, number
            assert ">Confirm<" not in row, number
        else:
            assert TO_MOVE not in row.lower() and ">Confirm<" in row, number


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_confirming_a_visit_to_move_by_link_is_refused_and_changes_nothing(client, course, patient):
    closed = session(course, 2)
    url = path("confirm", patient, closed)
    page = client.get(url)
    assert page.status_code == 200
    assert "The clinic will call you to move this visit." in page.content.decode()
    assert "I'm coming" not in page.content.decode()

    refused = client.post(url)
    assert refused.status_code == 409
    assert "The clinic will call you to move this visit." in refused.content.decode()
    closed.refresh_from_db()
    assert closed.status == Appointment.Status.BOOKED
    assert PatientLink.objects.get(key=url.split("/")[3].split(".")[0]).used_at is None

    open_day = session(course, 4)
    assert client.post(path("confirm", patient, open_day)).status_code == 200
    open_day.refresh_from_db()
    assert open_day.status == Appointment.Status.CONFIRMED


def test_a_confirmation_sent_after_the_closure_marks_the_visits_to_move(
    course, patient, sent, mailoutbox
):
    with time_machine.travel(at(2027, 2, 15, 12, 1), tick=False):
        assert run_dispatch() == 1
    (email,) = mailoutbox
    lines = [line.strip() for line in email.body.splitlines()]
    assert "2. Thu Mar 4, 2027 at 10:00 AM EST (the clinic will call you to move this visit)" in (
        lines
    )
    assert "3. Mon Mar 8, 2027 at 10:00 AM EST (the clinic will call you to move this visit)" in (
        lines
    )
    assert "4. Thu Mar 11, 2027 at 10:00 AM EST" in lines
    assert sum(TO_MOVE in line for line in lines) == 2
    assert "2 visits fall when we are closed or your practitioner is away" in email.body
    assert "confirm" not in email.body.lower()


def test_a_text_confirmation_counts_the_visits_to_move_in_two_segments(course, patient, settings):
    settings.SITE_URL = "https://clinic.example.com"
    confirmation = Reminder(
        appointment=session(course, 1),
        patient=patient,
        kind=Reminder.Kind.CONFIRMATION,
        channel=Reminder.Channel.SMS,
        due_at=at(2027, 2, 15, 12),
    )
    text = render_reminder(confirmation).sms
    assert "The clinic will call you to move 2 of them." in text
    assert sms_segments(text) <= 2, text


@pytest.mark.parametrize("channel", [Reminder.Channel.EMAIL, Reminder.Channel.SMS])
def test_a_reminder_of_a_visit_to_move_says_so_and_asks_for_no_confirmation(
    course, patient, channel, settings
):
    settings.SITE_URL = "https://clinic.example.com"
    clinic = Clinic.load()
    clinic.name = "Park Slope Acupuncture"
    clinic.save()
    for number, to_move in [(2, True), (3, True), (4, False)]:
        reminder = Reminder.objects.get(
            appointment=session(course, number), kind=Reminder.Kind.BEFORE_VISIT
        )
        reminder.channel = channel
        message = render_reminder(reminder)
        text = message.sms or message.body
        assert (TO_MOVE in text) is to_move, (number, text)
        assert ("/p/confirm/" in text or "Confirm, move or cancel" in text) is not to_move, text
        if channel == Reminder.Channel.SMS:
            assert sms_segments(text) <= 2, text
