"""An SMTP server that greets, takes the envelope and the message, and then never answers: the
provider that hung the reminder workers. Built on aiosmtpd, in a thread of the test process."""

from __future__ import annotations

import asyncio
import socket
import time

from aiosmtpd.controller import Controller


class NeverAnswers:
    """aiosmtpd handler: the final reply to DATA never comes."""

    def __init__(self):
        self.waits: list[float] = []  # seconds each client waited for the reply before leaving

    async def handle_DATA(self, server, session, envelope):
        started = time.monotonic()
        try:
            await asyncio.Event().wait()  # nobody ever sets it
        finally:  # cancelled by aiosmtpd when the client hangs up
            self.waits.append(time.monotonic() - started)


class SilentSMTPServer:
    def __init__(self):
        self.handler = NeverAnswers()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SilentSMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop(no_assert=True)
