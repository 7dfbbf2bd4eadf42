"""Every change to courses, sessions, records and reminders goes through these functions."""

from __future__ import annotations

from scheduling.services.appointments import (
    appointment_cancel,
    appointment_check_in,
    appointment_mark_no_show,
    appointment_rebook,
    appointment_reschedule,
    makeup_slots,
)
from scheduling.services.courses import course_book, course_cancel, course_plan
from scheduling.services.errors import BookingConflict, BookingError, Clash
from scheduling.services.records import (
    RecordForbidden,
    SessionValues,
    course_review_decide,
    pain_report_create,
    session_record_create,
    session_record_update,
)

__all__ = [
    "BookingConflict",
    "BookingError",
    "Clash",
    "RecordForbidden",
    "SessionValues",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_mark_no_show",
    "appointment_rebook",
    "appointment_reschedule",
    "course_book",
    "course_cancel",
    "course_plan",
    "course_review_decide",
    "makeup_slots",
    "pain_report_create",
    "session_record_create",
    "session_record_update",
]
