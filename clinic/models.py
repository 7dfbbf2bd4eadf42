"""The clinic's own setup: where, when and who treats."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from knox.models import AbstractAuthToken

from clinic.localtime import today_in


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone such as America/New_York.")


class Clinic(models.Model):
    """The clinic: one row. Its timezone is the one every course rule is written in."""

    name = models.CharField(max_length=120, default="Hip Pain Acupuncture Clinic")
    phone = models.CharField(max_length=32, blank=True, help_text="Shown in every message.")
    address = models.TextField(blank=True)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> Clinic:
        """Return the clinic, creating it with defaults on a fresh database."""
        clinic = cls.objects.order_by("pk").first()
        if clinic is None:
            # get_or_create on a fixed key: two processes starting on an empty database
            # end up with the same single row.
            clinic, _ = cls.objects.get_or_create(pk=1, defaults={"timezone": settings.TIME_ZONE})
        return clinic

    @classmethod
    def of(cls, request) -> Clinic:
        """Return the clinic the time-zone middleware read for this request (saving a query),
        or read it when the request did not pass through it (the API, a test's request)."""
        return getattr(request, "clinic", None) or cls.load()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Return today's date in the clinic's zone."""
        return today_in(self.tz)

    def hours_by_weekday(self) -> dict[int, list[tuple[time, time]]]:
        hours: dict[int, list[tuple[time, time]]] = {}
        for row in self.opening_hours.all():
            hours.setdefault(row.weekday, []).append((row.opens, row.closes))
        return hours


class OpeningHours(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="one_opening_per_weekday"),
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="opening_before_closing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Room(models.Model):
    name = models.CharField(max_length=60, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        help_text="The staff login this practitioner uses.",
    )
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def hours_by_weekday(self) -> dict[int, list[tuple[time, time]]]:
        hours: dict[int, list[tuple[time, time]]] = {}
        for row in self.working_hours.all():
            hours.setdefault(row.weekday, []).append((row.start, row.end))
        return hours


class WorkingHours(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="work_start_before_end"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.practitioner}: {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"
        )

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": "End time must be after start time."})


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="time_off_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} off {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": "Time off must end after it starts."})


class Closure(models.Model):
    """Days the whole clinic is closed, both ends inclusive."""

    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="closure_start_not_after_end"
            ),
        ]

    def __str__(self) -> str:
        return f"Closed {self.start_date} to {self.end_date}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A closure cannot end before it starts."})


# How the audit log names each kind of object it records.
AUDIT_OBJECT_NAMES = {
    "patients.patient": "Patient record",
    "scheduling.treatmentcourse": "Course",
    "scheduling.appointment": "Session",
    "records.sessionrecord": "Session record",
    "records.painreport": "Pain report",
    "records.coursereview": "Course review",
    "clinic.practitioner": "Practitioner",
    "clinic.calendarfeed": "Calendar feed",
}


class AuditEntry(models.Model):
    """One read or change of a patient's record: who, what, when and from where.

    `detail` is a short note for the reader of the log (such as the names of the fields changed),
    never clinical content: no condition, pain score or note text. Entries are only ever added.
    """

    class Action(models.TextChoices):
        VIEW = "view", "View"
        CREATE = "create", "Create"
        CHANGE = "change", "Change"
        DELETE = "delete", "Delete"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(
        max_length=100, help_text="app_label.model, e.g. patients.patient"
    )
    object_id = models.CharField(max_length=64)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["patient", "at"]),
            models.Index(fields=["user", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user or 'unknown user'} {self.action} {self.object_type} {self.object_id}"

    @property
    def object_label(self) -> str:
        """Return what was read or changed as staff call it, e.g. "Course 12"."""
        kind = AUDIT_OBJECT_NAMES.get(self.object_type)
        if kind is None:
            kind = self.object_type.rpartition(".")[2].replace("_", " ").capitalize()
        return f"{kind} {self.object_id}"


class CalendarFeed(models.Model):
    """A practitioner's secret iCal address; revoking it makes the address answer 404."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # The address is the secret: 43 random URL-safe characters (256 bits), shown to its owner.
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_calendar_feed_per_practitioner",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed for {self.practitioner} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox: only its digest is stored, and it expires).

    `two_factor` records that a current TOTP code was given when it was issued: a token issued
    without one stops working as soon as its owner has to use two-factor authentication.
    Changing the owner's password, roles or active flag deletes their tokens.
    """

    two_factor = models.BooleanField(
        default=False, help_text="Issued against a current code from an authenticator app."
    )

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} token from {self.created:%Y-%m-%d %H:%M}"
