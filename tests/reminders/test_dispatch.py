"""Dispatch: claim, re-check, record the attempt before the provider, record the result."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import F

from patients.models import Patient
from scheduling.models import Appointment
from scheduling.reminders import dispatch
from scheduling.reminders.models import Reminder
from scheduling.reminders.sms import LocmemBackend, PermanentSMSError, TransientSMSError
from tests.reminders.conftest import at, run_dispatch, without_questionnaire_messages

pytestmark = pytest.mark.django_db


class FlakyBackend(LocmemBackend):
    failures: list[Exception] = []

    def send(self, message):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        return super().send(message)


@pytest.fixture
def flaky(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.reminders.test_dispatch.FlakyBackend"
    FlakyBackend.failures = []
    return FlakyBackend.failures


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book())


def later(appointments) -> None:
    """Move visits a month on, so reminders due now are not for visits already passed."""
    month = timedelta(days=30)
    appointments.update(starts_at=F("starts_at") + month, ends_at=F("ends_at") + month)


def before(course, number) -> Reminder:
    return course.appointments.get(number=number).reminders.get(kind="before_visit")


def test_each_due_reminder_is_sent_once(course, sent, mailoutbox, sms_outbox):
    with time_machine.travel(at(2027, 2, 15, 12, 1), tick=False):
        assert run_dispatch() == 1  # the confirmation; the visit reminders are not due yet
        assert run_dispatch() == 0
    assert len(mailoutbox) == 1 and sms_outbox == []
    with time_machine.travel(at(2027, 2, 28, 10, 5), tick=False):
        run_dispatch()
        run_dispatch()
    assert len(sms_outbox) == 1
    reminder = before(course, 1)
    assert (reminder.status, reminder.attempts, reminder.outcome_unknown) == ("sent", 1, False)
    assert reminder.sent_at == at(2027, 2, 28, 10, 5)
    assert reminder.provider_id.startswith("locmem-")
    assert len(sent()) == 2


def test_the_attempt_is_committed_before_the_provider_is_called(course, settings, sms_outbox):
    seen = {}

    class Spy(LocmemBackend):
        def send(self, message):
            row = Reminder.objects.get(pk=int(message.reference))
            seen.update(status=row.status, attempts=row.attempts, unknown=row.outcome_unknown)
            return super().send(message)

    settings.SMS_BACKEND = f"{__name__}.test_spy_backend"
    globals()["test_spy_backend"] = Spy
    Reminder.objects.exclude(pk=before(course, 1).pk).delete()
    with time_machine.travel(at(2027, 2, 28, 10, 5), tick=False):
        run_dispatch()
    assert seen == {"status": "claimed", "attempts": 1, "unknown": True}
    del globals()["test_spy_backend"]


def test_a_transient_error_retries_later_with_backoff_then_fails(course, flaky, settings):
    settings.REMINDER_MAX_ATTEMPTS = 3
    reminder = before(course, 1)
    Reminder.objects.exclude(pk=reminder.pk).delete()
    flaky.extend(
        [TransientSMSError("Twilio 503"), TransientSMSError("Twilio 503"), TransientSMSError("x")]
    )
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert reminder.due_at == at(2027, 2, 28, 10, 1)
    with time_machine.travel(at(2027, 2, 28, 10, 1), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("pending", 2)
    assert reminder.due_at == at(2027, 2, 28, 10, 6)
    with time_machine.travel(at(2027, 2, 28, 10, 6), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.outcome_unknown) == ("failed", 3, False)
    assert LocmemBackend.outbox == []


def test_a_permanent_error_fails_at_once_and_shows_to_staff(course, flaky, client_as, receptionist):
    reminder = before(course, 1)
    flaky.append(PermanentSMSError("Twilio 400 error 21211"))
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", 1)
    page = client_as(receptionist).get("/messages/")
    assert page.status_code == 200
    assert "Twilio 400 error 21211" in page.content.decode()
    assert "Ana Lopez" in page.content.decode()


def test_a_stale_claim_never_sent_goes_back_to_pending_and_is_sent_once(
    course, sms_outbox, settings
):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    Reminder.objects.filter(kind="confirmation").delete()
    reminder = before(course, 1)
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        assert dispatch.claim_due() == [reminder.pk]  # the worker died before sending
    with time_machine.travel(at(2027, 2, 28, 10, 4), tick=False):
        run_dispatch()
        reminder.refresh_from_db()
        assert reminder.status == "claimed"  # not stale yet
    with time_machine.travel(at(2027, 2, 28, 10, 6), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    assert len(sms_outbox) == 1


def test_a_stale_claim_that_was_sending_is_flagged_and_not_repeated(
    course, sms_outbox, client_as, receptionist
):
    Reminder.objects.filter(kind="confirmation").delete()
    reminder = before(course, 1)
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        dispatch.claim_due()
        # The worker recorded the attempt, then died inside the provider call.
        Reminder.objects.filter(pk=reminder.pk).update(outcome_unknown=True, attempts=1)
    with time_machine.travel(at(2027, 2, 28, 10, 6), tick=False):
        run_dispatch()
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.outcome_unknown, reminder.attempts) == ("failed", True, 1)
    assert sms_outbox == []
    page = client_as(receptionist).get("/messages/").content.decode()
    assert "may have been sent" in page and "It was sent" in page
    response = client_as(receptionist).post(f"/messages/{reminder.pk}/resolve/", {"action": "sent"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.outcome_unknown) == ("sent", False)


def test_a_cancelled_or_passed_visit_is_skipped_at_send_time(course, sms_outbox):
    first, second = before(course, 1), before(course, 2)
    # Claimed, then the visit is cancelled before the send: the re-check catches it.
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        dispatch.claim_due()
        Appointment.objects.filter(pk=first.appointment_id).update(status="cancelled")
        dispatch.send_batch([first.pk])
    first.refresh_from_db()
    assert first.status == "skipped" and first.attempts == 0
    with time_machine.travel(at(2027, 3, 4, 10, 30), tick=False):  # the worker was down
        run_dispatch()
    second.refresh_from_db()
    assert second.status == "skipped" and "started" in second.last_error
    assert sms_outbox == []


def test_consent_withdrawn_after_claim_sends_email_instead(
    course, patient, sent, mailoutbox, sms_outbox
):
    reminder = before(course, 1)
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        dispatch.claim_due()
        Patient.objects.filter(pk=patient.pk).update(sms_opted_out_at=at(2027, 2, 28, 9))
        dispatch.send_batch([reminder.pk])
    reminder.refresh_from_db()
    assert (reminder.status, reminder.channel) == ("sent", "email")
    assert sms_outbox == [] and len(mailoutbox) == 1


def test_quiet_hours_make_a_due_reminder_wait_for_the_window(course, sms_outbox):
    reminder = before(course, 1)
    Reminder.objects.filter(pk=reminder.pk).update(due_at=at(2027, 2, 28, 6))
    with time_machine.travel(at(2027, 2, 28, 6, 30), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.due_at, reminder.attempts) == (
        "pending",
        at(2027, 2, 28, 8),
        0,
    )
    with time_machine.travel(at(2027, 2, 28, 8, 0), tick=False):
        run_dispatch()
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_at_most_one_sms_a_day_and_three_a_week(course, patient, sms_outbox, mailoutbox, settings):
    patient.email = ""
    patient.save()
    Reminder.objects.filter(kind="confirmation").delete()
    ones = [before(course, n) for n in (1, 2, 3, 4, 5)]
    # All five due on the same morning: one goes today, the next waits for tomorrow's window.
    Reminder.objects.filter(pk__in=[r.pk for r in ones]).update(due_at=at(2027, 2, 26, 9))
    later(Appointment.objects.filter(course=course))
    for day in (26, 27, 28):
        with time_machine.travel(at(2027, 2, day, 9, 0), tick=False):
            run_dispatch()
    assert len(sms_outbox) == 3
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        run_dispatch()
    assert len(sms_outbox) == 3  # the week's three are used
    statuses = sorted(
        Reminder.objects.filter(pk__in=[r.pk for r in ones]).values_list("status", flat=True)
    )
    assert statuses == ["pending", "pending", "sent", "sent", "sent"]
    with time_machine.travel(at(2027, 3, 5, 9, 0), tick=False):
        run_dispatch()
    assert len(sms_outbox) == 4


def test_when_texts_are_used_up_email_goes_instead(course, patient, sent, sms_outbox, mailoutbox):
    Reminder.objects.filter(kind="confirmation").delete()
    ones = [before(course, n) for n in (1, 2)]
    Reminder.objects.filter(pk__in=[r.pk for r in ones]).update(due_at=at(2027, 2, 26, 9))
    with time_machine.travel(at(2027, 2, 26, 9, 0), tick=False):
        run_dispatch()
    assert len(sms_outbox) == 1 and len(mailoutbox) == 1
    assert len(sent()) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_take_the_same_row(book, sms_outbox):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        without_questionnaire_messages(book())
    Reminder.objects.update(due_at=at(2027, 2, 1, 12))  # all due now
    later(Appointment.objects.all())
    barrier = threading.Barrier(4)
    claimed: list[list[int]] = []

    def claim():
        try:
            barrier.wait()
            claimed.append(dispatch.claim_due(limit=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    ids = [pk for batch in claimed for pk in batch]
    assert len(ids) == len(set(ids)) == 9
    assert Reminder.objects.filter(status="claimed").count() == 9


def test_a_claim_taken_twice_is_sent_once(course, sms_outbox):
    """A send batch delivered twice (Redis redelivery) sends each row once."""
    Reminder.objects.filter(kind="confirmation").delete()
    reminder = before(course, 1)
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        ids = dispatch.claim_due()
        dispatch.send_batch(ids)
        dispatch.send_batch(ids)
    reminder.refresh_from_db()
    assert reminder.attempts == 1
    assert len(sms_outbox) == 1


def test_one_broken_reminder_does_not_hold_up_the_others(
    book, patient_without_consent, mailoutbox, sms_outbox
):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        book()
        book(patient=patient_without_consent, time=time(15))
        without_questionnaire_messages()
    # A time zone that slipped past validation (an old row, a raw SQL edit) breaks Ana's message.
    Patient.objects.filter(first_name="Ana").update(timezone="Mars/Olympus_Mons")
    with time_machine.travel(at(2027, 2, 15, 12, 5), tick=False):
        run_dispatch()
    ana = Reminder.objects.get(patient__first_name="Ana", kind="confirmation")
    james = Reminder.objects.get(patient=patient_without_consent, kind="confirmation")
    assert (ana.status, ana.outcome_unknown) == ("failed", False)
    assert "ZoneInfoNotFoundError" in ana.last_error
    assert james.status == "sent"
    assert [m.to for m in mailoutbox] == [[patient_without_consent.email]]


def test_a_patient_time_zone_must_be_a_real_one(patient):
    from django.core.exceptions import ValidationError

    patient.timezone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as invalid:
        patient.full_clean()
    assert "timezone" in invalid.value.message_dict


def test_a_visit_moved_after_its_reminder_keeps_the_record_and_the_daily_cap(
    course, receptionist, sms_outbox, mailoutbox
):
    from scheduling.services import appointment_reschedule

    second = course.appointments.get(number=2)  # Thursday 4 March 10:00
    with time_machine.travel(at(2027, 3, 3, 10, 1), tick=False):
        run_dispatch()  # the 24-hour text for Thursday goes out
    assert len(sms_outbox) == 1
    with time_machine.travel(at(2027, 3, 3, 11), tick=False):
        appointment_reschedule(appointment=second, start=at(2027, 3, 4, 16), by=receptionist)
    with time_machine.travel(at(2027, 3, 3, 16, 1), tick=False):
        run_dispatch()
    rows = second.reminders.filter(kind="before_visit").order_by("pk")
    assert [(r.status, r.superseded) for r in rows] == [("sent", True), ("sent", False)]
    # One text a day: the reminder for the new time goes by email instead.
    assert len(sms_outbox) == 1
    assert rows[1].channel == "email"
    assert len(mailoutbox) == 2  # the booking confirmation and the new reminder
