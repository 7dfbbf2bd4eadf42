"""What happened to a booking, announced to the apps built on top of scheduling.

The booking services send these inside their transaction, after the rows are written, so a
receiver's own writes (reminder rows, for one) commit or roll back with the booking. Scheduling
knows nothing of its receivers: `scheduling.reminders` connects to them in its AppConfig.ready.

Each signal is sent with `sender` = the Appointment model and the keyword arguments named.
"""

from __future__ import annotations

from django.dispatch import Signal

# A new course and its sessions were booked: `course`, `appointments` (in session order).
course_booked = Signal()
# A single session was added to a course (a make-up): `appointment`.
appointment_added = Signal()
# A session moved to a new time: `appointment` (already saved with its new time).
appointment_moved = Signal()
# Sessions will not take place (cancelled by staff or the patient, or a course cancelled):
# `appointments`.
appointments_cancelled = Signal()
# A course was cancelled (after its future sessions, already announced by
# appointments_cancelled): `course`.
course_cancelled = Signal()
# The patient did not come: `appointment` (already saved as a no-show).
appointment_missed = Signal()
# The session took place and is recorded: `appointment` (already saved as completed).
appointment_completed = Signal()
# Time that was blocked is bookable again (time off or a closure shortened or removed):
# `practitioner_id` (None: every practitioner, for a closure), `start`, `end`.
time_freed = Signal()
