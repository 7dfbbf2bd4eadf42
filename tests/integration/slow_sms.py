"""File SMS backends that behave like a slow provider, so a test can kill a worker in the middle
of a batch: one takes 20 ms per message, like a provider's API call; one never answers."""

from __future__ import annotations

import time

from scheduling.reminders.sms import FileBackend


class SlowFileBackend(FileBackend):
    network = True  # it stands for a provider's API

    def send(self, message):
        time.sleep(0.02)
        return super().send(message)


class HangingFileBackend(FileBackend):
    """Take the message, then never answer: a provider that accepted texts while the worker
    died before hearing back."""

    network = True

    def send(self, message):
        super().send(message)
        time.sleep(3600)
        return "never"
