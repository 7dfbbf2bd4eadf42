"""Clinic time, pure: today in a zone, local dates for messages, and the quiet-hours window.

Nothing here touches the database or reads the clock unless told to: callers pass the zone
(the clinic's `Clinic.tz`, or a patient's) and, where it matters, the moment.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Return the local date in `tz` at `now` (the current instant by default)."""
    return (now or timezone.now()).astimezone(tz).date()


def local_when(moment: datetime, tz: ZoneInfo) -> str:
    """Return e.g. 'Mon Mar 15, 2027 at 10:00 AM EDT' in the given zone."""
    local = moment.astimezone(tz)
    return f"{local:%a %b} {local.day}, {local.year} at {local:%I:%M %p %Z}".replace(" 0", " ", 1)


def patient_zone(patient, clinic) -> ZoneInfo:
    """Return the patient's zone; blank means the clinic's."""
    return ZoneInfo(patient.timezone) if patient.timezone else clinic.tz


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def window_start_for(moment: datetime, tz: ZoneInfo, *, start: str = "", end: str = "") -> datetime:
    """Return `moment` if it lies in the sending window (QUIET_HOURS_END to QUIET_HOURS_START,
    local to `tz`), else the next time the window opens.

    Local wall times are built then converted, so the window opens at 08:00 local on the day of a
    DST change too.
    """
    opens = _hhmm(end or settings.QUIET_HOURS_END)
    closes = _hhmm(start or settings.QUIET_HOURS_START)
    local = moment.astimezone(tz)
    wall = local.time()
    if opens <= closes:
        if opens <= wall < closes:
            return moment
        day = local.date() if wall < opens else local.date() + timedelta(days=1)
    else:  # a window that spans midnight, e.g. 22:00-06:00 of quiet hours reversed
        if wall >= opens or wall < closes:
            return moment
        day = local.date()
    return datetime.combine(day, opens, tzinfo=tz).astimezone(moment.tzinfo)


def next_day_window_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Return when the window opens on the local day after `moment`."""
    day = moment.astimezone(tz).date() + timedelta(days=1)
    opens = _hhmm(settings.QUIET_HOURS_END)
    return datetime.combine(day, opens, tzinfo=tz).astimezone(moment.tzinfo)


def local_time_on(day: date, wall: str, tz: ZoneInfo) -> datetime:
    """Return `day` at the local wall time `wall` ("HH:MM") in `tz`."""
    return datetime.combine(day, _hhmm(wall), tzinfo=tz)
