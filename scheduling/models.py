"""Treatment courses, their appointments and the reminder rows that drive messages."""

from __future__ import annotations

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
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

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
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    previous_course = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="extensions"
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

    def set_status(self, status: str, *, by, reason: str = "") -> None:
        """Change the status together with who changed it and when."""
        self.status = status
        self.changed_by = by
        self.changed_at = timezone.now()
        if reason:
            self.cancel_reason = reason


class Reminder(models.Model):
    """One message to send: the rows are the schedule, Celery only carries them out."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        BEFORE_VISIT = "before_visit", "Reminder before visit"
        CHECK_IN = "check_in", "Pain check-in between visits"
        MISSED_VISIT = "missed_visit", "Missed visit"
        STAFF_ALERT = "staff_alert", "Staff alert: no-show not rebooked"
        COURSE_END = "course_end", "End-of-course review nudge"

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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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


# Session records, pain reports and the acupuncture point catalogue (issue #4).


class AcupuncturePoint(models.Model):
    """One catalogue entry; rows come from `scheduling.points.CATALOGUE` by a data migration."""

    class System(models.TextChoices):
        WHO = "WHO", "WHO standard (2008)"
        TUNG = "TUNG", "Master Tung"

    code = models.CharField(max_length=16, primary_key=True)
    system = models.CharField(max_length=8, choices=System.choices)
    meridian = models.CharField(max_length=4, blank=True)
    number = models.CharField(max_length=10)
    name = models.CharField(max_length=60, blank=True)
    # Catalogue order (meridian by meridian, then Tung by number), which sorting by code loses.
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.name else self.code


class Technique(models.TextChoices):
    MANUAL = "manual", "Manual needling"
    ELECTRO = "electro", "Electro-acupuncture"
    MOXIBUSTION = "moxibustion", "Moxibustion"
    CUPPING = "cupping", "Cupping"
    GUA_SHA = "gua_sha", "Gua sha"
    HEAT_LAMP = "heat_lamp", "Heat lamp"


class AdverseEvent(models.TextChoices):
    NONE = "none", "None"
    BRUISING = "bruising", "Bruising"
    SORENESS = "soreness", "Soreness"
    DIZZINESS = "dizziness", "Dizziness"
    FAINTING = "fainting", "Fainting"
    OTHER = "other", "Other"


def _pain_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 10}), name=name
    )


class SessionRecord(models.Model):
    """What happened at one attended session: pain before and after, points, notes."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="record")
    pain_before = models.PositiveSmallIntegerField(help_text="0 = no pain, 10 = worst possible.")
    pain_after = models.PositiveSmallIntegerField(help_text="0 = no pain, 10 = worst possible.")
    # Through a table with a position, so the points keep the order the practitioner typed them.
    points = models.ManyToManyField(
        AcupuncturePoint, through="SessionRecordPoint", related_name="+", blank=True
    )
    techniques = models.JSONField(default=list, blank=True, help_text="Technique values.")
    notes = models.TextField(blank=True)
    adverse_event = models.CharField(
        max_length=12, choices=AdverseEvent.choices, default=AdverseEvent.NONE
    )
    adverse_event_note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    amended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appointment__starts_at"]
        constraints = [
            _pain_check("pain_before", "session_pain_before_0_to_10"),
            _pain_check("pain_after", "session_pain_after_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"Record of {self.appointment}"

    @property
    def is_amended(self) -> bool:
        return self.amended_at is not None

    @property
    def point_codes(self) -> list[str]:
        """Return the codes in the order typed (uses a prefetch of `record_points` if present)."""
        rows = sorted(self.record_points.all(), key=lambda row: row.position)
        return [row.point_id for row in rows]

    def get_techniques_display(self) -> list[str]:
        labels = dict(Technique.choices)
        return [labels.get(value, value) for value in self.techniques]


class SessionRecordPoint(models.Model):
    record = models.ForeignKey(
        SessionRecord, on_delete=models.CASCADE, related_name="record_points"
    )
    point = models.ForeignKey(AcupuncturePoint, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["record", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "point"], name="record_point_once"),
            models.UniqueConstraint(fields=["record", "position"], name="record_point_position"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} in record {self.record_id}"


class SessionRecordAmendment(models.Model):
    """The values a record held before a change made more than 24 hours after recording."""

    record = models.ForeignKey(SessionRecord, on_delete=models.CASCADE, related_name="amendments")
    pain_before = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField()
    point_codes = models.JSONField(default=list, blank=True)
    techniques = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    adverse_event = models.CharField(max_length=12, choices=AdverseEvent.choices)
    adverse_event_note = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    amended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["amended_at", "pk"]
        constraints = [
            _pain_check("pain_before", "amendment_pain_before_0_to_10"),
            _pain_check("pain_after", "amendment_pain_after_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"Amendment of record {self.record_id} at {self.amended_at:%Y-%m-%d %H:%M}"


class PainReport(models.Model):
    """A pain score the patient gives between visits."""

    class Source(models.TextChoices):
        LINK = "link", "Patient link"
        PHONE = "phone", "Phone call"
        STAFF = "staff", "In person to staff"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="pain_reports")
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pain_reports",
    )
    score = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    reported_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient reported it through a link.",
    )

    class Meta:
        ordering = ["reported_at", "pk"]
        indexes = [models.Index(fields=["patient", "reported_at"])]
        constraints = [_pain_check("score", "pain_report_score_0_to_10")]

    def __str__(self) -> str:
        return f"Pain report by {self.patient} ({self.get_source_display()})"


class CourseReview(models.Model):
    """A practitioner's decision at the midpoint check or the end-of-course review.

    The course's `decision` fields hold the latest decision; these rows keep each stage's decision
    and whether the patient was responding at the time.
    """

    class Stage(models.TextChoices):
        MIDPOINT = "midpoint", "Midpoint check"
        END = "end", "End-of-course review"

    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    decision = models.CharField(max_length=12, choices=TreatmentCourse.Decision.choices)
    note = models.TextField(blank=True)
    responder = models.BooleanField(help_text="Whether the patient was a responder at review.")
    next_course = models.ForeignKey(
        TreatmentCourse, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "stage"], name="one_review_per_course_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of course {self.course_id}: {self.decision}"


# Short patient links (scheduling/links.py).


class PatientLink(models.Model):
    """One link sent to a patient: its URL carries `key` and an HMAC of it, nothing else.

    A row is created when a message is rendered and reused by later messages while it is unused
    and fresh. Expired rows are refused and deleted the next time a link is made for the same
    patient, so no scheduled cleanup is needed (see scheduling/links.py).
    """

    class Action(models.TextChoices):
        CONFIRM = "confirm", "Confirm a visit"
        CANCEL = "cancel", "Cancel a visit"
        PAIN = "pain", "Report pain"
        UNSUBSCRIBE = "unsubscribe", "Stop emails"
        VISITS = "visits", "See upcoming visits"

    key = models.CharField(max_length=16, unique=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="patient_links")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="patient_links"
    )
    # The visit's time when the link was made: a link for a visit since moved must not act on
    # the new time the patient was never told about.
    appointment_starts_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "action", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(created_at__lt=F("expires_at")), name="patient_link_expires_after_made"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} link for patient {self.patient_id}"
