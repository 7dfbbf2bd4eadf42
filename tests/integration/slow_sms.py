"""A file SMS backend that takes 20 ms per message, like a provider's API call, so a test can
kill a worker in the middle of a batch."""

from __future__ import annotations

import time

from scheduling.reminders.sms import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, message):
        time.sleep(0.02)
        return super().send(message)
