"""Every change to courses and sessions goes through these functions."""

from __future__ import annotations

from scheduling.services.appointments import (
    appointment_cancel,
    appointment_check_in,
    appointment_mark_no_show,
    appointment_rebook,
    appointment_reschedule,
    makeup_slots,
    move_options,
)
from scheduling.services.courses import (
    course_book,
    course_cancel,
    course_check,
    course_plan,
    course_red_flag_review,
)
from scheduling.services.errors import BookingConflict, BookingError, Clash

__all__ = [
    "BookingConflict",
    "BookingError",
    "Clash",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_mark_no_show",
    "appointment_rebook",
    "appointment_reschedule",
    "course_book",
    "course_cancel",
    "course_check",
    "course_plan",
    "course_red_flag_review",
    "makeup_slots",
    "move_options",
]
