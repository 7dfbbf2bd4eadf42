"""What a patient does to a visit through a link: confirm it, cancel it, move it.

Cancelling and moving stop LATE_CANCEL_HOURS before the visit (the late-change window): by
then the slot can rarely be given to someone else, so the patient is asked to call instead. A
move goes through `appointment_reschedule`, the staff's own move, so a patient can never take a
time a receptionist could not; it is only limited further to the times `move_times` offers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scheduling.models import Appointment
from scheduling.planner import PlannedSession
from scheduling.schedule import sessions_to_move
from scheduling.services.appointments import (
    appointment_cancel,
    appointment_reschedule,
    move_options,
)
from scheduling.services.errors import BookingError

# Who moved a visit, for the audit entry and the front desk's view of the patient's messages.
PATIENT_BY_LINK = "the patient by link"
NOT_OFFERED = "Please choose one of the times shown."


class LateChange(Exception):
    """Too close to the visit to change it by link: the patient should call."""


class VisitToMove(Exception):
    """The visit falls on a closure or the practitioner's time off: the clinic calls to move it,
    so the patient cannot confirm it."""


def change_allowed(start: datetime, now: datetime | None = None) -> bool:
    """Return True if a visit at `start` is outside the late-change window (LATE_CANCEL_HOURS
    from now), so a link may still cancel or move it, or move a visit to it."""
    now = now or timezone.now()
    return start - now >= timedelta(hours=settings.LATE_CANCEL_HOURS)


def cancel_allowed(appointment: Appointment, now: datetime | None = None) -> bool:
    """Return True if the visit is far enough away (LATE_CANCEL_HOURS) to cancel by link."""
    return change_allowed(appointment.starts_at, now)


def visit_confirm_by_patient(*, appointment: Appointment) -> Appointment:
    """Mark a booked visit confirmed by the patient. Raise ValueError for a visit no longer
    booked and VisitToMove for one the clinic has to move; either way nothing changes."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if (
            appointment.status != Appointment.Status.BOOKED
            or appointment.starts_at <= timezone.now()
        ):
            raise ValueError("This visit can no longer be confirmed.")
        if sessions_to_move([appointment]):
            raise VisitToMove()
        appointment.set_status(Appointment.Status.CONFIRMED, by=None)
        appointment.save(update_fields=["status", "changed_by", "changed_at"])
    return appointment


def visit_cancel_by_patient(*, appointment: Appointment) -> Appointment:
    """Cancel an upcoming visit for the patient, outside the late-cancel window."""
    if not cancel_allowed(appointment):
        raise LateChange()
    appointment_cancel(appointment=appointment, by=None, reason="Cancelled by the patient by link")
    appointment.refresh_from_db()
    return appointment


def move_times(appointment: Appointment, now: datetime | None = None) -> list[PlannedSession]:
    """Return the times the patient may move the visit to: those a staff move accepts (see
    `move_options`) outside the late-change window; none when the visit itself is inside it."""
    now = now or timezone.now()
    if not change_allowed(appointment.starts_at, now):
        return []
    return move_options(appointment, not_before=now + timedelta(hours=settings.LATE_CANCEL_HOURS))


def visit_move_by_patient(*, appointment: Appointment, start: datetime | None) -> Appointment:
    """Move the visit to `start`, one of the times `move_times` offers, as a staff move would;
    its reminders move in the same transaction. Raise LateChange inside the late-change window,
    BookingError for a time not offered, BookingConflict if it was taken meanwhile."""
    if not change_allowed(appointment.starts_at):
        raise LateChange()
    if start is None or start not in {option.start for option in move_times(appointment)}:
        raise BookingError({"start": [NOT_OFFERED]})
    return appointment_reschedule(
        appointment=appointment, start=start, by=None, source=PATIENT_BY_LINK
    )
