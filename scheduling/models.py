"""Treatment courses and their appointments (sessions)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import Practitioner, Room
from patients.models import Patient


class Condition(models.TextChoices):
    TENDINITIS = "tendinitis", "Tendinitis"
    BURSITIS = "trochanteric_bursitis", "Trochanteric bursitis"
    EARLY_ARTHRITIS = "early_arthritis", "Early arthritis"
    OSTEOARTHRITIS = "osteoarthritis", "Osteoarthritis"
    SCIATICA = "sciatica", "Sciatica"
    PIRIFORMIS = "piriformis_syndrome", "Piriformis syndrome"
    LABRAL_TEAR = "labral_tear", "Labral tear"
    SACROILIAC = "sacroiliac_dysfunction", "Sacroiliac joint dysfunction"
    BONE_SPUR = "bone_spur", "Bone spur"
    SOFT_TISSUE = "soft_tissue_injury", "Soft-tissue injury"
    OTHER = "other", "Other"


class RedFlag(models.TextChoices):
    """Findings that call for a referral before acupuncture is booked."""

    TRAUMA = "trauma", "Recent trauma or unable to bear weight"
    INFECTION = "infection", "Fever or a hot, swollen joint"
    CANCER = "cancer", "Cancer history or unexplained weight loss"
    CAUDA_EQUINA = "cauda_equina", "Bladder/bowel changes or saddle numbness"


class TreatmentCourse(models.Model):
    class Status(models.TextChoices):
        # Booked with a red flag: sessions are held and no message goes out until the treating
        # practitioner reviews the flag (treats with a reason, or refers out).
        AWAITING_REVIEW = "awaiting_review", "Awaiting practitioner review"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    # A course in one of these is still going: the patient is not given another by mistake.
    OPEN_STATUSES = (Status.AWAITING_REVIEW, Status.ACTIVE)

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue"
        EXTEND = "extend", "Extend with a new course"
        DISCHARGE = "discharge", "Discharge"
        REFER = "refer", "Refer out"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="courses")
    condition = models.CharField(max_length=32, choices=Condition.choices)
    red_flags = models.JSONField(default=list, blank=True)
    red_flag_override = models.TextField(
        blank=True, help_text="A practitioner's reason for treating despite a red flag."
    )
    sessions_planned = models.PositiveSmallIntegerField(default=8)
    per_week = models.PositiveSmallIntegerField(default=2)
    weekdays = models.JSONField(default=list, blank=True)
    preferred_time = models.TimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    previous_course = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="extensions"
    )
    another_course_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why this course was booked while the patient had another active course.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_planned__gte=1, sessions_planned__lte=40),
                name="course_sessions_1_to_40",
            ),
            models.CheckConstraint(
                condition=Q(per_week__gte=1, per_week__lte=7), name="course_per_week_1_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_display()} course for {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("course-detail", args=[self.pk])

    def get_red_flags_display(self) -> list[str]:
        labels = dict(RedFlag.choices)
        return [labels.get(flag, flag) for flag in self.red_flags]


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, start, end):
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    # An appointment in one of these holds its practitioner, room and patient for its time.
    ACTIVE_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED)
    UPCOMING_STATUSES = (Status.BOOKED, Status.CONFIRMED)

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.CASCADE, related_name="appointments"
    )
    number = models.PositiveSmallIntegerField(help_text="Session number within the course.")
    # Patient and practitioner are copied from the course so the database can refuse overlaps.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["practitioner", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="appointment_starts_before_end"
            ),
            models.UniqueConstraint(
                fields=["course", "number"],
                condition=Q(status__in=["booked", "confirmed", "checked_in", "completed"]),
                name="one_active_appointment_per_course_number",
            ),
            *[
                ExclusionConstraint(
                    name=f"no_overlapping_{field}_appointments",
                    expressions=[
                        (
                            TsTzRange("starts_at", "ends_at", RangeBoundary()),
                            RangeOperators.OVERLAPS,
                        ),
                        (field, RangeOperators.EQUAL),
                    ],
                    condition=Q(status__in=["booked", "confirmed", "checked_in", "completed"]),
                )
                for field in ("practitioner", "room", "patient")
            ],
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.course_id} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def check_in_opens_at(self):
        """Return when the front desk may check the patient in (CHECK_IN_OPENS_MINUTES before)."""
        return self.starts_at - timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)

    def set_status(self, status: str, *, by, reason: str = "") -> None:
        """Change the status together with who changed it and when."""
        self.status = status
        self.changed_by = by
        self.changed_at = timezone.now()
        if reason:
            self.cancel_reason = reason


def is_rebooked(appointment: Appointment) -> bool:
    """Return True if the course has another active session with this session's number."""
    return (
        appointment.course.appointments.active()
        .filter(number=appointment.number)
        .exclude(pk=appointment.pk)
        .exists()
    )
