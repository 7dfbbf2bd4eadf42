"""Hip questionnaire (HOOS, JR) invitations: when one is no longer worth sending, and what its
message says.

Each questionnaire asked of a patient gets two reminder rows, an invitation and one nudge
QUESTIONNAIRE_NUDGE_DAYS later; both hang off the session that brought the stage due (session 1
for the baseline, the midpoint and last sessions for the others) and go through the same
dispatch, channels, consent, quiet hours and caps as every other message. The nudge is skipped
once the questionnaire is answered or closed, so a patient is asked at most twice.
"""

from __future__ import annotations

from datetime import datetime

from clinic.localtime import local_when
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records.models import Questionnaire
from scheduling.reminders import links
from scheduling.reminders.models import Reminder

KINDS = (Reminder.Kind.QUESTIONNAIRE, Reminder.Kind.QUESTIONNAIRE_NUDGE)


def stale_reason(reminder: Reminder, now: datetime) -> str:
    """Return why an invitation or nudge should not go out now, or ""."""
    questionnaire = reminder.questionnaire
    if questionnaire is None:
        return "No questionnaire attached"
    if reminder.appointment.course.status == TreatmentCourse.Status.CANCELLED:
        return "The course is cancelled"
    if questionnaire.status != Questionnaire.Status.DUE:
        return f"The questionnaire is {questionnaire.get_status_display().lower()}"
    if questionnaire.stage == Questionnaire.Stage.BASELINE:
        # Due before session 1: once it has begun, the practitioner asks in the room instead.
        first = reminder.appointment
        if first.status not in Appointment.UPCOMING_STATUSES or first.starts_at <= now:
            return "The first session has begun: asked in the room instead"
    return ""


def message_context(reminder: Reminder, tz) -> dict:
    """Return the template values of an invitation: the link and the visit it follows or
    precedes. Nothing clinical: no condition, no score."""
    questionnaire = reminder.questionnaire
    return {
        "hoos_url": links.link_url("hoos", patient=reminder.patient, questionnaire=questionnaire),
        "before_first_visit": questionnaire.stage == Questionnaire.Stage.BASELINE,
        "nudge": reminder.kind == Reminder.Kind.QUESTIONNAIRE_NUDGE,
        "when": local_when(reminder.appointment.starts_at, tz),
    }
