"""The Twilio backend sorts the provider's answers into sent, retry later and give up.

Twilio is the one outside service the tests replace: its Messages API call is patched, so no
request leaves the machine.
"""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import patch

import pytest
from twilio.base.exceptions import TwilioRestException

from scheduling.reminders.sms import (
    PermanentSMSError,
    TextMessage,
    TransientSMSError,
    TwilioBackend,
)

CREATE = "twilio.rest.api.v2010.account.message.MessageList.create"


@pytest.fixture
def backend(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = "+12125550100"
    return TwilioBackend()


def text() -> TextMessage:
    return TextMessage(to="+12125550101", body="Riverside Acupuncture: reminder")


def test_a_sent_message_returns_twilios_id(backend):
    with patch(CREATE, return_value=SimpleNamespace(sid="SM123")) as create:
        assert backend.send(text()) == "SM123"
    create.assert_called_once_with(
        to="+12125550101", from_="+12125550100", body="Riverside Acupuncture: reminder"
    )


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, 21211, PermanentSMSError),  # not a valid phone number
        (400, 21610, PermanentSMSError),  # the number replied STOP
        (429, 20429, TransientSMSError),  # too many requests
        (500, None, TransientSMSError),
        (503, None, TransientSMSError),
    ],
)
def test_provider_errors_are_sorted_into_retry_or_give_up(backend, status, code, error):
    failure = TwilioRestException(status=status, uri="/Messages.json", msg="no", code=code)
    with patch(CREATE, side_effect=failure), pytest.raises(error) as raised:
        backend.send(text())
    assert str(status) in str(raised.value)


def test_an_unreachable_provider_is_retried_later(backend):
    with patch(CREATE, side_effect=ConnectionError("reset")), pytest.raises(TransientSMSError):
        backend.send(text())
