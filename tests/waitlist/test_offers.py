"""A freed time goes to the wait list in order of waiting, one patient at a time, through the
reminders' messages (channel, consent, quiet hours, caps), and passes on when an offer lapses."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.services import appointment_cancel
from scheduling.waitlist import services
from scheduling.waitlist.models import Offer, WaitlistEntry
from tests.reminders.conftest import at, run_dispatch
from tests.reminders.test_messages import sms_segments

pytestmark = pytest.mark.django_db


def offer_messages():
    return Reminder.objects.filter(kind=Reminder.Kind.WAITLIST_OFFER)


def test_cancelling_a_session_offers_its_time_to_the_first_matching_entry_only(
    waiting, freed, receptionist, mailoutbox, sms_outbox
):
    bea_entry, carl_entry = waiting
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        sent = run_dispatch()

    offer = Offer.objects.get()
    assert offer.entry == bea_entry
    assert (offer.starts_at, offer.practitioner_id) == (freed.starts_at, freed.practitioner_id)
    assert offer.status == Offer.Status.OPEN
    assert offer.expires_at == at(2027, 2, 20, 14)  # held two hours
    bea_entry.refresh_from_db()
    carl_entry.refresh_from_db()
    assert (bea_entry.status, carl_entry.status) == ("offered", "waiting")
    assert sent == 1 and offer_messages().count() == 1
    assert len(mailoutbox) == 1 and sms_outbox == []
    email = mailoutbox[0]
    assert email.to == ["bea@example.com"]
    assert "Thu Mar 4, 2027 at 10:00 AM EST" in email.body
    assert "/p/offer/" in email.body
    assert "sciatica" not in (email.subject + email.body).lower()
    assert offer.sent_at is not None


def test_an_expired_offer_goes_to_the_next_entry(
    waiting, freed, receptionist, mailoutbox, sms_outbox
):
    bea_entry, carl_entry = waiting
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        run_dispatch()
    with time_machine.travel(at(2027, 2, 20, 13, 59), tick=False):
        assert services.offers_expire() == 0  # still held for Bea

    with time_machine.travel(at(2027, 2, 20, 14), tick=False):
        assert services.offers_expire() == 1
        run_dispatch()

    first, second = Offer.objects.order_by("pk")
    assert (first.entry, first.status) == (bea_entry, Offer.Status.EXPIRED)
    assert (second.entry, second.status) == (carl_entry, Offer.Status.OPEN)
    assert second.starts_at == first.starts_at
    bea_entry.refresh_from_db()
    assert bea_entry.status == WaitlistEntry.Status.WAITING  # still on the list
    assert len(mailoutbox) == 1  # Bea's offer only
    assert len(sms_outbox) == 1 and sms_outbox[0].to == "+12125550104"
    assert "/p/offer/" in sms_outbox[0].body

    with time_machine.travel(at(2027, 2, 20, 16), tick=False):
        assert services.offers_expire() == 1
    # Both have had it: nobody is left to offer it to.
    assert Offer.objects.filter(status=Offer.Status.OPEN).count() == 0
    assert Offer.objects.count() == 2


def test_an_entry_is_only_offered_times_it_wants(waiting, freed, receptionist):
    bea_entry, carl_entry = waiting
    WaitlistEntry.objects.filter(pk=bea_entry.pk).update(weekdays=[0, 1])  # not Thursdays
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)

    assert Offer.objects.get().entry == carl_entry


def test_an_offer_never_goes_out_in_quiet_hours(
    waiting, freed, receptionist, mailoutbox, sms_outbox
):
    with time_machine.travel(at(2027, 2, 20, 22), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        assert run_dispatch() == 0

    offer = Offer.objects.get()
    message = offer_messages().get()
    assert message.due_at == at(2027, 2, 21, 8)  # when quiet hours end
    assert offer.expires_at == at(2027, 2, 21, 10)  # held two hours from then
    assert mailoutbox == [] and sms_outbox == []

    with time_machine.travel(at(2027, 2, 21, 7, 59), tick=False):
        run_dispatch()
        assert services.offers_expire() == 0
    assert mailoutbox == []
    with time_machine.travel(at(2027, 2, 21, 8), tick=False):
        run_dispatch()
    assert len(mailoutbox) == 1


def test_an_offer_never_goes_past_the_text_limit_and_passes_on(
    waiting, freed, receptionist, mailoutbox, sms_outbox, settings
):
    bea_entry, carl_entry = waiting
    # Carl joined first this time, and already had his one text today.
    WaitlistEntry.objects.filter(pk=carl_entry.pk).update(created_at=bea_entry.created_at)
    WaitlistEntry.objects.filter(pk=bea_entry.pk).update(
        created_at=bea_entry.created_at + timedelta(hours=1)
    )
    carl_visit = Appointment.objects.filter(patient=carl_entry.patient).first()
    Reminder.objects.create(
        appointment=carl_visit,
        patient=carl_entry.patient,
        kind=Reminder.Kind.CONFIRMATION,
        channel=Reminder.Channel.SMS,
        due_at=at(2027, 2, 20, 9),
        status=Reminder.Status.SENT,
        sent_at=at(2027, 2, 20, 9),
    )
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        run_dispatch()
        offer = Offer.objects.get()
        assert offer.entry == carl_entry
        message = offer_messages().get()
        assert message.status == Reminder.Status.SKIPPED
        assert "Text limit" in message.last_error
        assert sms_outbox == []

        # Its message could not go: the time goes to the next patient at once.
        assert services.offers_expire() == 1
        run_dispatch()

    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    assert Offer.objects.get(status=Offer.Status.OPEN).entry == bea_entry
    assert sms_outbox == [] and len(mailoutbox) == 1


def test_nobody_without_consent_to_any_message_is_offered_a_time(waiting, freed, receptionist, bea):
    bea.preferred_channel = "none"
    bea.save()
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)

    assert Offer.objects.get().entry.patient.first_name == "Carl"


def test_a_time_the_course_rules_refuse_is_not_offered(waiting, ana_course, receptionist):
    # Ana's visit 3, Monday 8 March at 10:00, is the day before Bea's and Carl's visit 3:
    # too close for their courses' gap rule, so neither is offered it.
    visit = ana_course.appointments.get(number=3)
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=visit, by=receptionist)

    assert Offer.objects.count() == 0


def test_cancelling_an_entry_passes_its_offer_on(waiting, freed, receptionist):
    bea_entry, carl_entry = waiting
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        services.entry_cancel(entry=bea_entry, by=receptionist)

    assert Offer.objects.get(entry=bea_entry).status == Offer.Status.EXPIRED
    assert Offer.objects.get(entry=carl_entry).status == Offer.Status.OPEN
    assert offer_messages().filter(patient=bea_entry.patient).get().status == "cancelled"


def test_an_offer_by_hand_is_sent_like_any_other(waiting, freed, receptionist, mailoutbox):
    bea_entry, _carl_entry = waiting
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        offer = services.offer_by_hand(entry=bea_entry, start=at(2027, 3, 4, 11), by=receptionist)
        run_dispatch()

    assert offer.made_by == receptionist
    assert offer.starts_at == at(2027, 3, 4, 11)
    assert len(mailoutbox) == 1


def test_an_offer_by_hand_of_a_taken_time_is_refused(waiting, freed, receptionist):
    with (
        time_machine.travel(at(2027, 2, 20, 12), tick=False),
        pytest.raises(services.BookingError) as refused,
    ):
        services.offer_by_hand(entry=waiting[0], start=freed.starts_at, by=receptionist)

    assert "start" in refused.value.errors
    assert Offer.objects.count() == 0


def test_the_offer_text_fits_in_two_sms_segments_and_says_nothing_clinical(
    waiting, freed, receptionist, sms_outbox, settings, clinic
):
    settings.SITE_URL = "https://clinic.example.com"
    clinic.name = "Park Slope Acupuncture"
    clinic.save()
    bea_entry, _carl_entry = waiting
    WaitlistEntry.objects.filter(pk=bea_entry.pk).update(status="cancelled")  # Carl: by text
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        appointment_cancel(appointment=freed, by=receptionist)
        run_dispatch()

    [text] = [message.body for message in sms_outbox]
    assert sms_segments(text) <= 2, (len(text), text)
    assert "Park Slope Acupuncture" in text and "(212) 555-0100" in text
    assert "Thu Mar 4, 2027 at 10:00 AM EST with Mei Chen" in text
    assert "Claim it by 2:00 PM: https://clinic.example.com/p/offer/" in text
    assert "sciatica" not in text.lower()
