"""Signed patient links: confirm or cancel a visit, report pain, unsubscribe, see one's visits.

A link is `django.core.signing` over an opaque payload, with one salt per action so a confirm link
cannot be replayed as a cancel link. It carries the patient's `public_id` and an HMAC reference to
the appointment, never a database id, and expires after PATIENT_LINK_MAX_AGE_DAYS.

Links that act are single-use without a table of used tokens, the way Django's password-reset
tokens are: the payload holds a hash of the state the action changes (the appointment's status
and change time, the patient's latest pain report, the email opt-out). Once the action has
happened the state differs and the same link is refused as used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from patients.models import Patient
from scheduling.models import Appointment, PainReport

ACTIONS = ("confirm", "cancel", "pain", "unsubscribe", "visits")
APPOINTMENT_ACTIONS = ("confirm", "cancel", "pain")


class LinkError(Exception):
    """The link cannot be used; `reason` is invalid, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkTarget:
    action: str
    patient: Patient
    appointment: Appointment | None


def appointment_ref(appointment: Appointment) -> str:
    """Return an opaque, stable reference to the appointment (not its database id)."""
    return salted_hmac("scheduling.links.appointment", str(appointment.pk)).hexdigest()[:24]


def _state(action: str, patient: Patient, appointment: Appointment | None) -> str:
    if action in ("confirm", "cancel"):
        state = f"{appointment.pk}|{appointment.status}|{appointment.changed_at.isoformat()}"
    elif action == "pain":
        latest = (
            PainReport.objects.filter(patient=patient, source=PainReport.Source.LINK)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        state = f"{patient.pk}|{latest or 0}"
    elif action == "unsubscribe":
        state = f"{patient.pk}|{patient.email_opted_out_at}"
    else:
        state = ""
    return salted_hmac(f"scheduling.links.state.{action}", state).hexdigest()[:20]


def make_token(action: str, *, patient: Patient, appointment: Appointment | None = None) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action!r}")
    if action in APPOINTMENT_ACTIONS and appointment is None:
        raise ValueError(f"a {action} link needs an appointment")
    payload = {
        "p": str(patient.public_id),
        "a": appointment_ref(appointment) if appointment else "",
        "s": _state(action, patient, appointment),
    }
    return signing.dumps(payload, salt=f"scheduling.links.{action}", compress=True)


def link_url(action: str, *, patient: Patient, appointment: Appointment | None = None) -> str:
    token = make_token(action, patient=patient, appointment=appointment)
    return settings.SITE_URL + reverse(f"link-{action}", args=[token])


def read_token(action: str, token: str) -> LinkTarget:
    """Return what a link points at, or raise LinkError. Changes nothing."""
    max_age = timedelta(days=settings.PATIENT_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=f"scheduling.links.{action}", max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(payload, dict):
        raise LinkError("invalid")
    patient = Patient.objects.filter(public_id=payload.get("p")).first()
    if patient is None:
        raise LinkError("invalid")
    appointment = None
    if payload.get("a"):
        appointment = next(
            (
                candidate
                for candidate in patient.appointments.select_related("course")
                if constant_time_compare(appointment_ref(candidate), payload["a"])
            ),
            None,
        )
        if appointment is None:
            raise LinkError("invalid")
    if action in APPOINTMENT_ACTIONS and appointment is None:
        raise LinkError("invalid")
    if not constant_time_compare(_state(action, patient, appointment), payload.get("s", "")):
        raise LinkError("used")
    return LinkTarget(action=action, patient=patient, appointment=appointment)
