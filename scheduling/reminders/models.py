"""Reminder rows, which are the schedule of every message, and the short links they carry.

The tables were created by the scheduling app and moved here with their rows (migration
reminders 0001); each model keeps its table name from then.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from patients.models import Patient
from scheduling.models import Appointment
from scheduling.records.models import Questionnaire


class Reminder(models.Model):
    """One message to send: the rows are the schedule, Celery only carries them out."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        BEFORE_VISIT = "before_visit", "Reminder before visit"
        CHECK_IN = "check_in", "Pain check-in between visits"
        MISSED_VISIT = "missed_visit", "Missed visit"
        STAFF_ALERT = "staff_alert", "Staff alert: no-show not rebooked"
        COURSE_END = "course_end", "End-of-course review nudge"
        QUESTIONNAIRE = "questionnaire", "Hip questionnaire (HOOS, JR)"
        QUESTIONNAIRE_NUDGE = "q_nudge", "Hip questionnaire, second ask"
        WAITLIST_OFFER = "waitlist_offer", "Wait-list offer of a freed time"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        STAFF = "staff", "Staff"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    offset_minutes = models.PositiveIntegerField(
        default=0, help_text="For reminders before a visit: how long before it."
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome_unknown = models.BooleanField(
        default=False, help_text="The provider may or may not have sent it: staff should check."
    )
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    superseded = models.BooleanField(
        default=False,
        help_text="Sent for a visit time that has since moved; kept for the record and the caps.",
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        help_text="For a questionnaire invitation or its nudge: the questionnaire asked.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "scheduling_reminder"
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "offset_minutes"],
                condition=Q(superseded=False),
                name="one_live_reminder_per_visit_kind_channel_offset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} due {self.due_at:%Y-%m-%d %H:%M}"

    def has_email_twin(self) -> bool:
        """Return True if the same message is already scheduled (or sent) by email."""
        return Reminder.objects.filter(
            appointment_id=self.appointment_id,
            kind=self.kind,
            channel=Reminder.Channel.EMAIL,
            offset_minutes=self.offset_minutes,
        ).exists()


class PatientLink(models.Model):
    """One link sent to a patient: its URL carries `key` and an HMAC of it, nothing else.

    A row is created when a message is rendered and reused by later messages while it is unused
    and fresh. Expired rows are refused, and deleted every hour by Celery beat
    (see scheduling/reminders/links.py).
    """

    class Action(models.TextChoices):
        CONFIRM = "confirm", "Confirm a visit"
        CANCEL = "cancel", "Cancel a visit"
        MOVE = "move", "Move a visit"
        PAIN = "pain", "Report pain"
        UNSUBSCRIBE = "unsubscribe", "Stop emails"
        VISITS = "visits", "See upcoming visits"
        HOOS = "hoos", "Answer the hip questionnaire"

    key = models.CharField(max_length=16, unique=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="patient_links")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="patient_links"
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="patient_links",
    )
    # The visit's time when the link was made: a link for a visit since moved must not act on
    # the new time the patient was never told about.
    appointment_starts_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "scheduling_patientlink"
        indexes = [models.Index(fields=["patient", "action", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(created_at__lt=F("expires_at")), name="patient_link_expires_after_made"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} link for patient {self.patient_id}"
