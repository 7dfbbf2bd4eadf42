from __future__ import annotations

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "scheduling.reminders"
    label = "reminders"
    verbose_name = "Reminders and messages"

    def ready(self) -> None:
        from scheduling.reminders.services import connect_booking_signals

        connect_booking_signals()
