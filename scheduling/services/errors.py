"""What booking services raise; views and the API turn these into form errors, 400s and 409s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Reasons the planner gives when a slot is taken, as opposed to a slot that breaks a rule.
CLASH_REASONS = ("practitioner busy", "patient busy", "no free room")
# How far ahead a course or session may be booked.
BOOKING_HORIZON = timedelta(days=2 * 365)


class BookingError(ValueError):
    """Bad input: field name -> messages. Nothing was stored."""

    def __init__(self, errors: dict[str, list[str]] | str, clashes: list[Clash] | None = None):
        if isinstance(errors, str):
            errors = {"non_field_errors": [errors]}
        self.errors = errors
        self.clashes = clashes or []  # the sessions the errors are about, when there are any
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclass(frozen=True)
class Clash:
    """One session that cannot be booked as asked, and why."""

    number: int | None
    start: datetime | str
    reason: str

    def as_dict(self) -> dict:
        start = self.start.isoformat() if isinstance(self.start, datetime) else self.start
        return {"number": self.number, "start": start, "reason": self.reason}

    def __str__(self) -> str:
        what = f"Session {self.number}" if self.number else "Week"
        when = self.start.isoformat() if isinstance(self.start, datetime) else self.start
        return f"{what} ({when}): {self.reason}"


class ActiveCourseExists(Exception):
    """The patient already has an active course; booking another needs the receptionist to say
    so (and why). Nothing was stored."""

    def __init__(self, course):
        self.course = course
        super().__init__(f"The patient already has an active course (#{course.pk}).")


class BookingConflict(Exception):
    """A valid request that clashes with existing bookings. Nothing was stored."""

    def __init__(self, detail: str, clashes: list[Clash]):
        self.detail = detail
        self.clashes = clashes
        super().__init__(detail)

    @property
    def conflicts(self) -> list[dict]:
        return [clash.as_dict() for clash in self.clashes]
