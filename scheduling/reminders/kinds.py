"""Messages that apps built on top of reminders send through its dispatch.

Such an app (the wait list) owns what its message is about, which reminders must not import, so
it registers here, from its AppConfig.ready, how dispatch tells whether the message is still worth
sending, until when it is worth sending, and what its text says. The message itself is an
ordinary Reminder row: the same channels, consent, quiet hours, SMS caps and retries apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduling.reminders.models import Reminder


@dataclass(frozen=True)
class KindHooks:
    # Why the message should not go out now ("" if it should).
    stale_reason: Callable[[Reminder, datetime], str]
    # The moment after which the message is worthless: a wait past it skips the message.
    deadline: Callable[[Reminder], datetime]
    # The values its templates (reminders/emails/<kind>.txt, reminders/sms/<kind>.txt) need,
    # given the patient's zone; "when" replaces the visit's time.
    message_context: Callable[[Reminder, ZoneInfo], dict]


_HOOKS: dict[str, KindHooks] = {}


def register(kind: str, hooks: KindHooks) -> None:
    if kind not in Reminder.Kind.values:
        raise ValueError(f"unknown reminder kind {kind!r}")
    _HOOKS[kind] = hooks


def hooks_for(kind: str) -> KindHooks | None:
    return _HOOKS.get(kind)
