"""A course across the spring-forward change (2027-03-14, America/New_York): each reminder goes
24 hours before its session and never in quiet hours; the check-in goes at 10:00 local."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.models import WorkingHours
from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.reminders.services import checkin_reminder_for
from tests.reminders.conftest import NEW_YORK, at, run_dispatch, without_questionnaire_messages

pytestmark = pytest.mark.django_db
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def dst_course(book, practitioner):
    """Thursdays and Saturdays at 09:00 from 2027-03-11: sessions on both sides of the change."""
    WorkingHours.objects.create(practitioner=practitioner, weekday=5, start=time(9), end=time(14))
    with time_machine.travel(at(2027, 3, 1, 12), tick=False):
        course = book(start_date=date(2027, 3, 8), weekdays=[3, 5], time=time(9))
        Reminder.objects.filter(kind="confirmation").delete()
        without_questionnaire_messages()
    return course


def send_each_when_due(reminders):
    """Move the clock to one minute before, then to each due time; return when each was sent."""
    for reminder in reminders:
        with time_machine.travel(reminder.due_at - timedelta(minutes=1), tick=False):
            run_dispatch()
        reminder.refresh_from_db()
        assert reminder.status == "pending", "sent early"
        with time_machine.travel(reminder.due_at, tick=False):
            run_dispatch()
        reminder.refresh_from_db()
        assert reminder.status == "sent"


def test_each_reminder_goes_24_hours_before_its_session_across_dst(dst_course, sent, sms_outbox):
    sessions = list(dst_course.appointments.order_by("starts_at"))
    assert [s.starts_at.astimezone(NEW_YORK).date().day for s in sessions[:4]] == [11, 13, 18, 20]
    assert sessions[1].starts_at.utcoffset() == timedelta(0)
    assert {s.starts_at.astimezone(NEW_YORK).time() for s in sessions} == {time(9)}
    reminders = list(Reminder.objects.filter(kind="before_visit").order_by("due_at"))
    send_each_when_due(reminders)
    for reminder in reminders:
        visit = reminder.appointment.starts_at
        assert visit - reminder.sent_at == timedelta(hours=24)
        local = reminder.sent_at.astimezone(NEW_YORK)
        assert time(8) <= local.time() < time(21)
        assert local.time() == time(9)  # 09:00 EST before the change, 09:00 EDT after it
    # The Monday-after-the-change reminder (for Thu Mar 18) is 09:00 EDT = 13:00 UTC.
    assert reminders[2].sent_at == datetime(2027, 3, 17, 13, tzinfo=UTC)
    assert len(sms_outbox) == 8
    assert len(sent()) == 8


def test_a_reminder_that_would_fall_in_the_patients_night_waits_for_08_00(
    dst_course, patient, sent, sms_outbox
):
    """Ana moves to Los Angeles: 24 hours before a 09:00 New York visit is 06:00 for her."""
    patient.timezone = "America/Los_Angeles"
    patient.save()
    Reminder.objects.all().delete()
    with time_machine.travel(at(2027, 3, 1, 12), tick=False):
        from scheduling.reminders.services import before_visit_reminders

        for session in dst_course.appointments.all():
            Reminder.objects.bulk_create(before_visit_reminders(session, "sms"))
    reminders = list(Reminder.objects.order_by("due_at"))
    send_each_when_due(reminders)
    for reminder in reminders:
        local = reminder.sent_at.astimezone(LOS_ANGELES)
        assert local.time() == time(8), local
        assert reminder.sent_at < reminder.appointment.starts_at
    assert len(sent()) == 8


def test_the_check_in_goes_at_ten_local_the_day_after_even_on_the_change_day(
    dst_course, sent, sms_outbox
):
    saturday = dst_course.appointments.get(number=2)  # Sat Mar 13, 09:00 EST
    Reminder.objects.all().delete()
    Appointment.objects.filter(pk=saturday.pk).update(status="completed")
    saturday.refresh_from_db()
    [checkin] = checkin_reminder_for(saturday)
    # Sunday Mar 14 10:00 EDT is 14:00 UTC, not 15:00 as it would be a day earlier.
    assert checkin.due_at == datetime(2027, 3, 14, 14, tzinfo=UTC)
    send_each_when_due([checkin])
    assert checkin.sent_at.astimezone(NEW_YORK).time() == time(10)
    [(reminder, channel, text)] = sent()
    assert "Next visit: Thu Mar 18, 2027 at 9:00 AM EDT" in text
    assert "/p/pain/" in text
