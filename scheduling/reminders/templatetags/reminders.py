"""Template tags for reminder status: a patient's message log and the count staff must see."""

from __future__ import annotations

from django import template

from clinic.models import AuditEntry
from scheduling.models import Appointment
from scheduling.reminders.models import Reminder
from scheduling.services.by_patient import PATIENT_BY_LINK

register = template.Library()

STATUS_COLOURS = {
    "pending": "secondary",
    "claimed": "info",
    "sent": "success",
    "failed": "danger",
    "skipped": "light",
    "cancelled": "light",
}


@register.filter
def reminder_colour(reminder: Reminder) -> str:
    if reminder.outcome_unknown and reminder.status != Reminder.Status.CLAIMED:
        return "warning"
    return STATUS_COLOURS.get(reminder.status, "secondary")


@register.filter
def reminder_label(reminder: Reminder) -> str:
    if reminder.outcome_unknown and reminder.status != Reminder.Status.CLAIMED:
        return "Check: may have been sent"
    if reminder.status == Reminder.Status.CLAIMED:
        return "Sending"
    return reminder.get_status_display()


@register.inclusion_tag("reminders/_patient_log.html", takes_context=True)
def patient_message_log(context, patient, limit: int = 30):
    """Render the patient's messages, newest first, with their consent state and the visits
    they moved themselves by link (whose reminders moved with them)."""
    rows = list(patient.reminders.select_related("appointment").order_by("-due_at", "-pk")[:limit])
    return {
        "patient": patient,
        "reminders": rows,
        "moves": patient_moves(patient, limit),
        "clinic": context.get("clinic"),
    }


def patient_moves(patient, limit: int) -> list[dict]:
    """Return the patient's own moves by link, newest first: {"at", "number"} for each."""
    entries = list(
        AuditEntry.objects.filter(
            patient_id=patient.pk,
            object_type=Appointment._meta.label_lower,
            detail=f"rescheduled by {PATIENT_BY_LINK}",
        ).values_list("at", "object_id")[:limit]
    )
    numbers = dict(
        Appointment.objects.filter(pk__in={int(pk) for _at, pk in entries}).values_list(
            "pk", "number"
        )
    )
    return [{"at": at, "number": numbers.get(int(pk))} for at, pk in entries]


@register.simple_tag
def messages_needing_attention() -> int:
    return Reminder.objects.filter(status=Reminder.Status.FAILED).count()
