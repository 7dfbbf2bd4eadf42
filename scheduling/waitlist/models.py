"""The wait list: patients who want a time that is taken, and the freed times offered to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Practitioner, Room
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.reminders.models import Reminder


class WaitlistEntry(models.Model):
    """A patient waiting for a time: a course's missing session (`course`), or an earlier time
    for a booked one (`appointment`). Exactly one of the two is set."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a time"
        BOOKED = "booked", "Booked"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    # An entry in one of these is still on the list.
    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist")
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any practitioner.",
    )
    weekdays = models.JSONField(default=list, blank=True, help_text="Monday = 0; empty: any day.")
    earliest_time = models.TimeField()
    latest_time = models.TimeField()
    until = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    booked = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session a claimed offer booked or moved.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "wait-list entries"
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(course__isnull=False, appointment__isnull=True)
                | Q(course__isnull=True, appointment__isnull=False),
                name="waitlist_entry_course_or_appointment",
            ),
            models.CheckConstraint(
                condition=Q(earliest_time__lt=F("latest_time")),
                name="waitlist_entry_earliest_before_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"Wait-list entry {self.pk} for patient {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def weekdays_display(self) -> str:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[day] for day in self.weekdays) if self.weekdays else "Any day"

    def close(self, status: str) -> None:
        """Take the entry off the list with `status`, noting when."""
        self.status = status
        self.closed_at = timezone.now()


class Offer(models.Model):
    """A freed time offered to one entry's patient by message, held for WAITLIST_OFFER_HOLD.

    The claim link carries `key` and an HMAC of it (scheduling/waitlist/links.py); the message
    is the `reminder` row, sent by the reminders dispatch like every other message.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLAIMED = "claimed", "Claimed"
        EXPIRED = "expired", "Expired"
        GONE = "gone", "Gone to someone else"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    key = models.CharField(max_length=16, unique=True)
    reminder = models.OneToOneField(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff who offered it by hand; empty when a freed time was offered by itself.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["practitioner", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="waitlist_offer_starts_before_end"
            ),
            # One time at a time per entry: the next is offered only once this one ends.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="one_open_offer_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.starts_at:%Y-%m-%d %H:%M} to entry {self.entry_id}"

    @property
    def sent_at(self):
        """Return when the message went out (None while it waits, or if it never went)."""
        return self.reminder.sent_at if self.reminder else None

    def close(self, status: str) -> None:
        self.status = status
        self.closed_at = timezone.now()
