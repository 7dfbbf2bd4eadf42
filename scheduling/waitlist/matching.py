"""Which freed times a wait-list entry wants: plain values in, a yes or no out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class FreedTime:
    """A time a practitioner has free again, e.g. a cancelled session's."""

    practitioner_id: int
    room_id: int | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Wishes:
    """What the patient asked for: a practitioner (None: any), weekdays (empty: any), a local
    window of the day, and the last date worth booking."""

    practitioner_id: int | None
    weekdays: tuple[int, ...]
    earliest: time
    latest: time
    until: date


def wants(wishes: Wishes, freed: FreedTime, tz: ZoneInfo) -> bool:
    """Return True if the whole freed time falls within the wishes, in the clinic's zone `tz`."""
    start = freed.start.astimezone(tz)
    end = freed.end.astimezone(tz)
    if wishes.practitioner_id is not None and wishes.practitioner_id != freed.practitioner_id:
        return False
    if wishes.weekdays and start.weekday() not in wishes.weekdays:
        return False
    if start.date() > wishes.until or end.date() != start.date():
        return False
    return wishes.earliest <= start.time() and end.time() <= wishes.latest


def candidate_starts(
    wishes: Wishes, start: datetime, end: datetime, length: timedelta, tz: ZoneInfo, *, step=15
) -> list[datetime]:
    """Return the starts, every `step` minutes of the wished window on each day, at which a
    visit of `length` fits inside [start, end); earliest first."""
    found = []
    day = start.astimezone(tz).date()
    last = min((end - length).astimezone(tz).date(), wishes.until)
    while day <= last:
        moment = datetime.combine(day, wishes.earliest, tzinfo=tz)
        closes = datetime.combine(day, wishes.latest, tzinfo=tz)
        while moment + length <= closes:
            if start <= moment and moment + length <= end:
                found.append(moment)
            moment += timedelta(minutes=step)
        day += timedelta(days=1)
    return found
