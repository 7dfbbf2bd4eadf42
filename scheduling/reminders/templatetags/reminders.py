"""Template tags for reminder status: a patient's message log and the count staff must see."""

from __future__ import annotations

from django import template

from scheduling.reminders.models import Reminder

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
    """Render the patient's messages, newest first, with their consent state."""
    rows = list(patient.reminders.select_related("appointment").order_by("-due_at", "-pk")[:limit])
    return {"patient": patient, "reminders": rows, "clinic": context.get("clinic")}


@register.simple_tag
def messages_needing_attention() -> int:
    return Reminder.objects.filter(status=Reminder.Status.FAILED).count()
