"""Reminder rows are created, moved and cancelled in the same transaction as the booking."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.reminders.services import checkin_reminder_for
from scheduling.services import (
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    course_cancel,
)
from tests.reminders.conftest import QUESTIONNAIRE_KINDS, at

pytestmark = pytest.mark.django_db


@time_machine.travel(at(2027, 2, 15, 12), tick=False)
def test_booking_creates_a_confirmation_and_a_reminder_before_each_visit(book):
    course = book()
    rows = list(Reminder.objects.exclude(kind__in=QUESTIONNAIRE_KINDS).order_by("due_at"))
    kinds = [r.kind for r in rows]
    assert kinds.count(Reminder.Kind.CONFIRMATION) == 1
    assert kinds.count(Reminder.Kind.BEFORE_VISIT) == 8
    confirmation = rows[0]
    assert confirmation.channel == Reminder.Channel.EMAIL  # carries the .ics
    assert confirmation.due_at == at(2027, 2, 15, 12)
    for appointment in course.appointments.all():
        before = appointment.reminders.get(kind=Reminder.Kind.BEFORE_VISIT)
        assert before.channel == Reminder.Channel.SMS  # Ana chose texts and consented
        assert appointment.starts_at - before.due_at == timedelta(hours=24)


@time_machine.travel(at(2027, 2, 15, 12), tick=False)
def test_booking_enqueues_a_dispatch_only_after_commit(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        book()
    assert callbacks and {c.__name__ for c in callbacks} == {"_dispatch_now"}


@time_machine.travel(at(2027, 2, 15, 12), tick=False)
def test_a_rolled_back_booking_leaves_no_reminder_and_enqueues_nothing(
    book, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book()
        assert Reminder.objects.count() == 11  # with the hip questionnaire and its nudge
        raise RuntimeError("the caller's transaction fails after booking")
    assert Reminder.objects.count() == 0
    assert Appointment.objects.count() == 0
    assert callbacks == []


@time_machine.travel(at(2027, 2, 15, 12), tick=False)
def test_rescheduling_moves_the_reminders_in_the_same_transaction(book, receptionist):
    course = book()
    session = course.appointments.get(number=2)  # Thu Mar 4 10:00
    new_start = at(2027, 3, 5, 15)
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_reschedule(appointment=session, start=new_start, by=receptionist)
        assert session.reminders.get(kind="before_visit").due_at == new_start - timedelta(hours=24)
        raise RuntimeError("roll back")
    assert session.reminders.get(kind="before_visit").due_at == at(2027, 3, 3, 10)
    appointment_reschedule(appointment=session, start=new_start, by=receptionist)
    assert session.reminders.get(kind="before_visit").due_at == new_start - timedelta(hours=24)


@time_machine.travel(at(2027, 2, 15, 12), tick=False)
def test_cancelling_a_session_or_the_course_cancels_its_reminders(book, receptionist):
    course = book()
    session = course.appointments.get(number=3)
    appointment_cancel(appointment=session, by=receptionist)
    assert set(session.reminders.values_list("status", flat=True)) == {"cancelled"}
    pending = Reminder.objects.filter(status="pending").exclude(kind__in=QUESTIONNAIRE_KINDS)
    assert pending.count() == 8  # confirmation + 7 visits
    course_cancel(course=course, by=receptionist)
    assert Reminder.objects.filter(status="pending", kind="before_visit").count() == 0


def test_a_no_show_schedules_a_missed_visit_message_and_a_staff_alert(book, receptionist):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book()
    session = course.appointments.get(number=1)
    with time_machine.travel(at(2027, 3, 1, 11), tick=False):
        appointment_mark_no_show(appointment=session, by=receptionist)
    rows = {
        r.kind: r
        for r in session.reminders.exclude(status="cancelled").exclude(kind__in=QUESTIONNAIRE_KINDS)
    }
    assert set(rows) == {"missed_visit", "staff_alert"}
    assert rows["staff_alert"].due_at == at(2027, 3, 2, 11)
    assert rows["missed_visit"].channel == "sms"


def test_checkin_reminder_for_schedules_the_day_after_at_ten_local(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book()
    session = course.appointments.get(number=1)
    session.status = Appointment.Status.COMPLETED
    session.save()
    created = checkin_reminder_for(session)
    assert [r.kind for r in created] == ["check_in"]
    assert created[0].due_at == at(2027, 3, 2, 10)
    assert checkin_reminder_for(session) == []  # idempotent
    last = course.appointments.get(number=8)
    Appointment.objects.filter(course=course).update(status=Appointment.Status.COMPLETED)
    kinds = sorted(r.kind for r in checkin_reminder_for(last))
    assert kinds == ["check_in", "course_end"]


def test_no_reminders_when_the_patient_takes_no_messages(book, patient):
    patient.preferred_channel = "none"
    patient.save()
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        book()
    assert Reminder.objects.count() == 0


def test_a_reminder_due_in_quiet_hours_is_moved_to_the_window(book, settings):
    settings.REMINDER_OFFSETS_HOURS = [24, 12]  # 12 hours before 09:00 is 21:00, quiet
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book(time=datetime(2027, 1, 1, 9).time())
    session = course.appointments.get(number=2)  # Thu Mar 4 09:00
    dues = sorted(session.reminders.values_list("due_at", flat=True))
    assert dues == [at(2027, 3, 3, 9), at(2027, 3, 4, 8)]
