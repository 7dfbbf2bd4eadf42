"""Session records, pain reports, course reviews and the acupuncture point catalogue.

The tables were created by the scheduling app and moved here with their rows (migration
records 0001); each model keeps its table name from then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse


class AcupuncturePoint(models.Model):
    """One catalogue entry; rows come from `points.CATALOGUE` by a data migration."""

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
        db_table = "scheduling_acupuncturepoint"
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


class HipSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class PainSite(models.TextChoices):
    GROIN = "groin", "Groin"
    LATERAL = "lateral", "Lateral hip"
    BUTTOCK = "buttock", "Buttock"
    THIGH = "thigh", "Thigh"


# A choices class builds its list anew on each reading: the labels are read once.
_TECHNIQUE_LABELS = dict(Technique.choices)
_PAIN_SITE_LABELS = dict(PainSite.choices)


class ExamResult(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


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
    # Structured hip findings, besides the free notes. Blank when not examined or not tested.
    hip_side = models.CharField(max_length=5, choices=HipSide.choices, blank=True)
    pain_sites = models.JSONField(default=list, blank=True, help_text="PainSite values.")
    faber = models.CharField(
        max_length=8, choices=ExamResult.choices, blank=True, help_text="FABER (Patrick) test."
    )
    fadir = models.CharField(
        max_length=8, choices=ExamResult.choices, blank=True, help_text="FADIR test."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    amended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "scheduling_sessionrecord"
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
        return [_TECHNIQUE_LABELS.get(value, value) for value in self.techniques]

    def get_pain_sites_display(self) -> list[str]:
        return [_PAIN_SITE_LABELS.get(value, value) for value in self.pain_sites]

    @property
    def has_findings(self) -> bool:
        return bool(self.hip_side or self.pain_sites or self.faber or self.fadir)

    @property
    def findings(self) -> dict:
        """Return the structured findings as the API names them (None for not tested)."""
        return {
            "side": self.hip_side or None,
            "sites": list(self.pain_sites),
            "faber": self.faber or None,
            "fadir": self.fadir or None,
        }


class SessionRecordPoint(models.Model):
    record = models.ForeignKey(
        SessionRecord, on_delete=models.CASCADE, related_name="record_points"
    )
    point = models.ForeignKey(AcupuncturePoint, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "scheduling_sessionrecordpoint"
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
    findings = models.JSONField(default=dict, blank=True, help_text="Hip findings as they were.")
    reason = models.CharField(max_length=200, blank=True)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    amended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "scheduling_sessionrecordamendment"
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
        db_table = "scheduling_painreport"
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
        db_table = "scheduling_coursereview"
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "stage"], name="one_review_per_course_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of course {self.course_id}: {self.decision}"


class Questionnaire(models.Model):
    """One HOOS, JR asked of the patient at a stage of a course: due until answered (through the
    patient's link or entered by staff), or expired when the course is cancelled or a later
    stage is asked. Scored with `scheduling.records.hoos`; all six answers or no score."""

    class Instrument(models.TextChoices):
        HOOS_JR = "HOOS-JR", "HOOS, JR"

    class Stage(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        MIDPOINT = "midpoint", "Midpoint"
        END = "end", "End of course"

    class Status(models.TextChoices):
        DUE = "due", "Due"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired"

    class Source(models.TextChoices):
        LINK = "link", "Patient link"
        STAFF = "staff", "Entered by staff"

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.CASCADE, related_name="questionnaires"
    )
    instrument = models.CharField(
        max_length=12, choices=Instrument.choices, default=Instrument.HOOS_JR
    )
    stage = models.CharField(max_length=8, choices=Stage.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE)
    answers = models.JSONField(null=True, blank=True, help_text="Six integers 0-4, in order.")
    score = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Interval score 0-100."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient answered through a link.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "instrument", "stage"], name="one_questionnaire_per_stage"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered")
                | Q(score__isnull=False, answers__isnull=False, answered_at__isnull=False),
                name="answered_questionnaire_has_score",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="questionnaire_score_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.stage} of course {self.course_id}"
