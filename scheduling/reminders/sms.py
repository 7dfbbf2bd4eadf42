"""Text-message backends: one small interface, a file backend for development, Twilio for
production and an in-memory one for tests.

A backend's `send` returns the provider's message id, or raises `TransientSMSError` (try again
later: network trouble, rate limit, provider outage) or `PermanentSMSError` (the number or the
message is refused: trying again cannot help).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


class SMSError(Exception):
    """The provider did not take the message."""


class TransientSMSError(SMSError):
    """Worth trying again later."""


class PermanentSMSError(SMSError):
    """Trying again will not help: the number or the message is refused."""


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    reference: str = ""  # the reminder's id, for the outbox file only


class BaseBackend:
    # Whether each send waits on a network provider: dispatch then overlaps the calls in
    # threads (SMS_CONCURRENCY). A backend that only writes locally gains nothing from threads.
    network = True

    def send(self, message: TextMessage) -> str:
        raise NotImplementedError


class FileBackend(BaseBackend):
    """Append one JSON line per message to `<SMS_FILE_PATH>/messages.jsonl`.

    The file is opened with O_APPEND and written with one `write` call per line, so several worker
    processes can share it without interleaving lines.
    """

    network = False

    def __init__(self, path: Path | str | None = None):
        self.directory = Path(path or settings.SMS_FILE_PATH)

    @property
    def file(self) -> Path:
        return self.directory / "messages.jsonl"

    def send(self, message: TextMessage) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid4().hex}"
        line = json.dumps(
            {
                "id": provider_id,
                "at": timezone.now().isoformat(),
                "to": message.to,
                "reference": message.reference,
                "body": message.body,
            }
        )
        fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return provider_id


class LocmemBackend(BaseBackend):
    """Keep sent messages in `LocmemBackend.outbox` (tests), like Django's locmem email."""

    outbox: list[TextMessage] = []
    network = False

    def send(self, message: TextMessage) -> str:
        LocmemBackend.outbox.append(message)
        return f"locmem-{len(LocmemBackend.outbox)}"


# Twilio error codes meaning the number or message can never be delivered as it is.
# https://www.twilio.com/docs/api/errors : 21211 invalid 'To', 21408 region not enabled,
# 21610 recipient replied STOP, 21612 unreachable carrier, 21614 not a mobile number.
TWILIO_PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 21617, 30006}


class TwilioBackend(BaseBackend):
    """Send through Twilio's Messages API (the `twilio` package)."""

    timeout_seconds = 15

    def __init__(self):
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=self.timeout_seconds),
        )

    def send(self, message: TextMessage) -> str:
        try:
            sent = self.client.messages.create(
                to=message.to, from_=settings.TWILIO_FROM_NUMBER, body=message.body
            )
        except TwilioRestException as exc:
            text = f"Twilio {exc.status} error {exc.code}"
            if exc.code in TWILIO_PERMANENT_CODES or (
                400 <= (exc.status or 0) < 500 and exc.status != 429
            ):
                raise PermanentSMSError(text) from None
            raise TransientSMSError(text) from None
        except (TwilioException, OSError) as exc:
            raise TransientSMSError(f"Twilio unreachable: {type(exc).__name__}") from None
        return sent.sid


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
