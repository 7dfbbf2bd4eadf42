from __future__ import annotations

from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "scheduling.waitlist"
    label = "waitlist"
    verbose_name = "Wait list"

    def ready(self) -> None:
        from scheduling.waitlist.services import connect_booking_signals, register_offer_messages

        connect_booking_signals()
        register_offer_messages()
