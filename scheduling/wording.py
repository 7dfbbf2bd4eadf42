"""Say what is wrong with a session's time in the clinic's words, for the staff pages.

The services and the API name problems with short codes ("practitioner busy"); a receptionist
reads "Thu 10 Dec, 10:00: Mei Chen is on leave". The API keeps the codes.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.models import Clinic, Closure, Practitioner, TimeOff, Weekday

PLURAL_DAYS = {day.value: f"{day.label}s" for day in Weekday}


def when_label(moment: datetime, tz: ZoneInfo) -> str:
    """Return e.g. 'Thu 10 Dec, 10:00' in the clinic's zone."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _hours(rows) -> str:
    return " and ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in rows)


def _opening(clinic: Clinic, local: datetime) -> str:
    rows = clinic.hours_by_weekday().get(local.weekday(), [])
    day = PLURAL_DAYS[local.weekday()]
    if not rows:
        return f"the clinic is closed on {day}"
    return f"outside opening hours: the clinic is open {_hours(rows)} on {day}"


def _working(practitioner: Practitioner | None, local: datetime) -> str:
    if practitioner is None:
        return "outside the practitioner's working hours"
    rows = practitioner.hours_by_weekday().get(local.weekday(), [])
    day = PLURAL_DAYS[local.weekday()]
    if not rows:
        return f"{practitioner.name} does not work on {day}"
    return f"{practitioner.name} works {_hours(rows)} on {day}"


def _busy(practitioner: Practitioner | None, start: datetime, end: datetime) -> str:
    if practitioner is None:
        return "the practitioner is booked then"
    away = TimeOff.objects.filter(practitioner=practitioner, start__lt=end, end__gt=start).first()
    if away is not None:
        return f"{practitioner.name} is on leave" + (f" ({away.reason})" if away.reason else "")
    return f"{practitioner.name} is seeing another patient then"


def _closed(local: datetime) -> str:
    closure = Closure.objects.filter(
        start_date__lte=local.date(), end_date__gte=local.date()
    ).first()
    reason = f" ({closure.reason})" if closure and closure.reason else ""
    return f"the clinic is closed that day{reason}"


def describe_problem(
    reason: str,
    *,
    start: datetime,
    end: datetime | None = None,
    practitioner: Practitioner | None = None,
    patient_name: str = "the patient",
    clinic: Clinic | None = None,
) -> str:
    """Return "Thu 10 Dec, 10:00: <the problem in words>" for one problem code."""
    clinic = clinic or Clinic.load()
    words = problem_words(
        reason,
        start=start,
        end=end,
        practitioner=practitioner,
        patient_name=patient_name,
        clinic=clinic,
    )
    return f"{when_label(start, clinic.tz)}: {words}"


def problem_words(
    reason: str,
    *,
    start: datetime,
    end: datetime | None,
    practitioner: Practitioner | None,
    patient_name: str,
    clinic: Clinic,
) -> str:
    """Return one problem code as the clinic would say it, without the time."""
    tz = clinic.tz
    local = start.astimezone(tz)
    end = end or start
    if reason.startswith("clinic closed"):
        words = _closed(local)
    elif reason == "outside opening hours":
        words = _opening(clinic, local)
    elif reason == "outside working hours":
        words = _working(practitioner, local)
    elif reason == "practitioner busy":
        words = _busy(practitioner, start, end)
    elif match := re.fullmatch(r"more than (\d+) sessions in ISO week \S+", reason):
        words = f"that week would have more than {match[1]} sessions of this course"
    else:
        words = {
            "patient busy": f"{patient_name} has another session then",
            "no free room": "no room is free then",
            "in the past": "that time has already passed",
            "nonexistent local time": "that time does not exist that day (the clocks go forward)",
        }.get(reason, reason)
    return words
