"""Patients and how the clinic may contact them."""

from __future__ import annotations

import unicodedata
import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone

from clinic.models import validate_timezone


def name_key(first_name: str, last_name: str) -> str:
    """Return the names as one comparable key: lower case, accents and punctuation dropped
    ("Ana López-Díaz" -> "ana lopez diaz"), so "ana lopez" finds "Ana López"."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    letters = "".join(ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch))
    return " ".join(letters.casefold().split())


def tidy_name(name: str) -> str:
    """Return a name as typed when it has capitals where the typist meant them ("McDonald",
    "de la Cruz"), else title-cased once ("ana" or "ANA" -> "Ana")."""
    name = " ".join(name.split())
    if name and (name.islower() or name.isupper()):
        return name.title()
    return name


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    NONE = "none", "No messages"


class Patient(models.Model):
    # Patient links carry this opaque id, never the database key.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=20, blank=True, help_text="Mobile number for texts, in any common form."
    )
    preferred_channel = models.CharField(
        max_length=8, choices=Channel.choices, default=Channel.EMAIL
    )
    sms_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient agreed to text messages."
    )
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    email_opted_out_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Blank means the clinic's time zone.",
    )
    # The names folded for comparison (see name_key), kept in step by save().
    name_key = models.CharField(max_length=170, blank=True, editable=False, db_index=True)
    is_demo = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by `manage.py seed_demo`, which deletes and remakes these patients and "
        "their courses; staff-registered patients never have it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.first_name, self.last_name)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            fields = set(kwargs["update_fields"])
            if fields & {"first_name", "last_name"}:
                kwargs["update_fields"] = fields | {"name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("patient-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def sms_consent(self) -> bool:
        return self.sms_consent_at is not None

    @property
    def can_receive_sms(self) -> bool:
        return bool(self.phone) and self.sms_consent and self.sms_opted_out_at is None

    @property
    def can_receive_email(self) -> bool:
        return bool(self.email) and self.email_opted_out_at is None

    def set_sms_consent(self, given: bool, *, at=None) -> None:
        """Record consent given or withdrawn; giving it again clears an earlier opt-out."""
        at = at or timezone.now()
        if given and not self.sms_consent:
            self.sms_consent_at = at
            self.sms_opted_out_at = None
        elif not given:
            self.sms_consent_at = None
