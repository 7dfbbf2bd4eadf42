"""Patients and how the clinic may contact them."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone

from clinic.models import validate_timezone


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
    phone = models.CharField(max_length=20, blank=True, help_text="Stored in E.164 form.")
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
