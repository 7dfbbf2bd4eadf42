"""Consent: STOP by text stops all texts at once and shows to staff; no consent means email."""

from __future__ import annotations

import pytest
import time_machine
from twilio.request_validator import RequestValidator

from scheduling.reminders.models import Reminder
from scheduling.reminders.services import is_opt_out_message
from tests.reminders.conftest import at, run_dispatch, without_questionnaire_messages

pytestmark = pytest.mark.django_db
WEBHOOK = "/hooks/sms/inbound/"
AUTH_TOKEN = "test-auth-token"


@pytest.fixture
def twilio_post(client, settings):
    """Return a poster of webhook requests signed the way Twilio signs them."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN

    def post(params: dict):
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            settings.SITE_URL + WEBHOOK, params
        )
        return client.post(WEBHOOK, params, HTTP_X_TWILIO_SIGNATURE=signature)

    return post


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book())


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "QUIT",
        "END",
        "REVOKE",
        "OPT OUT",
        "CANCEL",
        "UNSUBSCRIBE",
        "STOPALL",
    ],
)
def test_the_standard_opt_out_words_are_recognised(body):
    assert is_opt_out_message(body)


@pytest.mark.parametrize(
    "body", ["Stop by at 10?", "yes", "", "I want to cancel my visit on Monday"]
)
def test_other_replies_are_not_opt_outs(body):
    assert not is_opt_out_message(body)


def test_stop_via_the_webhook_stops_all_sms_at_once_and_staff_see_it(
    twilio_post, course, patient, sent, sms_outbox, mailoutbox, client_as, receptionist
):
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        response = twilio_post({"From": patient.phone, "Body": "STOP", "To": "+15005550006"})
        assert response.status_code == 200 and "<Response>" in response.content.decode()
    patient.refresh_from_db()
    assert patient.sms_opted_out_at == at(2027, 2, 20, 12)
    assert not patient.can_receive_sms
    assert Reminder.objects.filter(channel="sms", status="pending").count() == 0
    assert Reminder.objects.filter(channel="email", kind="before_visit").count() == 8
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        run_dispatch()
    assert sms_outbox == [] and len(mailoutbox) == 2  # confirmation and the first reminder
    page = client_as(receptionist).get(f"/patients/{patient.pk}/").content.decode()
    assert "Replied STOP" in page


def test_a_patient_without_sms_consent_gets_email(
    book, patient_without_consent, sent, sms_outbox, mailoutbox
):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        book(patient=patient_without_consent)
    assert set(Reminder.objects.values_list("channel", flat=True)) == {"email"}
    with time_machine.travel(at(2027, 2, 28, 10, 0), tick=False):
        run_dispatch()
    assert sms_outbox == []
    # The confirmation, the hip questionnaire and its nudge, and the reminder before visit 1.
    assert len(mailoutbox) == 4
    assert all("/p/unsubscribe/" in m.body for m in mailoutbox)
    assert all(m.extra_headers["List-Unsubscribe"].startswith("<http") for m in mailoutbox)


def test_the_webhook_checks_twilios_signature_when_a_token_is_set(client, patient, settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    params = {"From": patient.phone, "Body": "STOP"}
    assert client.post(WEBHOOK, params, HTTP_X_TWILIO_SIGNATURE="forged").status_code == 403
    patient.refresh_from_db()
    assert patient.sms_opted_out_at is None
    signature = RequestValidator("test-auth-token").compute_signature(
        settings.SITE_URL + WEBHOOK, params
    )
    assert client.post(WEBHOOK, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    patient.refresh_from_db()
    assert patient.sms_opted_out_at is not None


def test_the_webhook_needs_no_login_and_refuses_get(client, twilio_post):
    assert client.get(WEBHOOK).status_code == 405
    assert twilio_post({"From": "+12125550199", "Body": "hello"}).status_code == 200


@pytest.mark.parametrize("auth_token", ["", "test-auth-token"])
def test_the_webhook_refuses_an_unsigned_stop_with_or_without_an_auth_token(
    client, patient, settings, auth_token
):
    settings.TWILIO_AUTH_TOKEN = auth_token

    response = client.post(WEBHOOK, {"From": patient.phone, "Body": "STOP"})

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.sms_opted_out_at is None
    assert patient.can_receive_sms
