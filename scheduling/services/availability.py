"""Time off and closures shortened or removed: the time they held becomes bookable again.

Changing a practitioner's time off or a clinic closure goes through these functions (the setup
API and the admin call them), so every such change announces the time it frees with
`signals.time_freed`, inside its transaction, for the apps that fill freed time (the wait list).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction

from clinic.models import Clinic, Closure, TimeOff
from scheduling import signals
from scheduling.models import Appointment

Range = tuple[datetime, datetime]


def uncovered(old: Range, new: Range | None) -> list[Range]:
    """Return the parts of `old` that `new` no longer covers (all of it when `new` is None)."""
    start, end = old
    if new is None or new[1] <= start or new[0] >= end:
        return [old]
    parts = []
    if new[0] > start:
        parts.append((start, new[0]))
    if new[1] < end:
        parts.append((new[1], end))
    return parts


def _closure_range(start_date: date, end_date: date, tz) -> Range:
    start = datetime.combine(start_date, time(0), tzinfo=tz)
    return start, datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=tz)


def _announce(freed: list[Range], practitioner_id: int | None) -> None:
    for start, end in freed:
        signals.time_freed.send(Appointment, practitioner_id=practitioner_id, start=start, end=end)


def time_off_save(*, time_off: TimeOff) -> TimeOff:
    """Save new or changed time off; announce any time it no longer holds."""
    with transaction.atomic():
        before = None
        if time_off.pk:
            before = TimeOff.objects.select_for_update().filter(pk=time_off.pk).first()
        time_off.save()
        if before is not None:
            if before.practitioner_id != time_off.practitioner_id:
                _announce([(before.start, before.end)], before.practitioner_id)
            else:
                freed = uncovered((before.start, before.end), (time_off.start, time_off.end))
                _announce(freed, time_off.practitioner_id)
    return time_off


def time_off_delete(*, time_off: TimeOff) -> None:
    """Remove time off and announce the time it held."""
    with transaction.atomic():
        freed = [(time_off.start, time_off.end)]
        practitioner_id = time_off.practitioner_id
        time_off.delete()
        _announce(freed, practitioner_id)


def closure_save(*, closure: Closure) -> Closure:
    """Save a new or changed closure; announce any days it no longer closes."""
    tz = Clinic.load().tz
    with transaction.atomic():
        before = None
        if closure.pk:
            before = Closure.objects.select_for_update().filter(pk=closure.pk).first()
        closure.save()
        if before is not None:
            freed = uncovered(
                _closure_range(before.start_date, before.end_date, tz),
                _closure_range(closure.start_date, closure.end_date, tz),
            )
            _announce(freed, None)
    return closure


def closure_delete(*, closure: Closure) -> None:
    """Remove a closure and announce the days it closed."""
    tz = Clinic.load().tz
    with transaction.atomic():
        freed = [_closure_range(closure.start_date, closure.end_date, tz)]
        closure.delete()
        _announce(freed, None)
