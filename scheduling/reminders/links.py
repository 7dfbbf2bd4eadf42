"""Short patient links: confirm or cancel a visit, report pain, answer the hip questionnaire,
unsubscribe, see one's visits.

A link is `/p/<action>/<key>.<signature>/`, about 63 characters with a typical SITE_URL, so a
text message stays within two SMS segments. The key is 12 random URL-safe characters naming a
PatientLink row (action, patient, visit, expiry, use); it carries no database id and no patient
data. The signature is an HMAC of the key with one salt per action, so a key is checked without
touching the database, a link cannot be guessed even by someone who can read the table, and a
confirm link never verifies as a cancel link.

Links that act are single-use: `claim()` marks the row used with a conditional UPDATE in the same
transaction as the action, so a reused or double-submitted link acts once, and an action that
fails leaves the link unused. The visits link only shows, so it can be opened any number of times.

Expired rows are harmless (they are refused) and are deleted whenever a new link is made for the
same patient, so there is no scheduled cleanup. A link whose row is gone but whose signature is
good was ours and has expired. To clear every expired row at once, e.g. after a large import:
`PatientLink.objects.filter(expires_at__lte=timezone.now()).delete()` in `manage.py shell`.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from patients.models import Patient
from scheduling.models import Appointment
from scheduling.records.models import Questionnaire
from scheduling.reminders.models import PatientLink

ACTIONS = tuple(PatientLink.Action.values)
APPOINTMENT_ACTIONS = ("confirm", "cancel", "pain")
MULTI_USE_ACTIONS = ("visits",)
QUESTIONNAIRE_ACTIONS = ("hoos",)
SIGNATURE_LENGTH = 12  # 72 bits: on top of the 72-bit random key, far beyond online guessing
# The statuses a visit must still have for its link to act on it.
ACTIONABLE_STATUSES = {
    "confirm": (Appointment.Status.BOOKED,),
    "cancel": Appointment.UPCOMING_STATUSES,
}


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
    link: PatientLink
    questionnaire: Questionnaire | None = None


# The salts keep the names the links were first signed with (when this module was
# scheduling/links.py): a new salt would turn every link already sent into a refusal.


def appointment_ref(appointment: Appointment) -> str:
    """Return an opaque, stable reference to the appointment (not its database id)."""
    return salted_hmac("scheduling.links.appointment", str(appointment.pk)).hexdigest()[:24]


def _signature(action: str, key: str) -> str:
    digest = salted_hmac(f"scheduling.links.{action}", key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def make_token(
    action: str,
    *,
    patient: Patient,
    appointment: Appointment | None = None,
    questionnaire: Questionnaire | None = None,
) -> str:
    """Return `key.signature` for a link, reusing a fresh unused one for the same visit (or the
    same questionnaire)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown link action {action!r}")
    if action in APPOINTMENT_ACTIONS and appointment is None:
        raise ValueError(f"a {action} link needs an appointment")
    if action in QUESTIONNAIRE_ACTIONS and questionnaire is None:
        raise ValueError(f"a {action} link needs a questionnaire")
    now = timezone.now()
    max_age = timedelta(days=settings.PATIENT_LINK_MAX_AGE_DAYS)
    starts_at = appointment.starts_at if appointment else None
    # Every message rendered for a visit reuses its link, but only while at least half its life
    # is left, so a message never goes out with a link about to expire.
    link = (
        PatientLink.objects.filter(
            action=action,
            patient=patient,
            appointment=appointment,
            appointment_starts_at=starts_at,
            questionnaire=questionnaire,
            used_at__isnull=True,
            expires_at__gt=now + max_age / 2,
        )
        .order_by("-expires_at")
        .first()
    )
    if link is None:
        PatientLink.objects.filter(patient=patient, expires_at__lte=now).delete()
        link = PatientLink.objects.create(
            key=secrets.token_urlsafe(9),
            action=action,
            patient=patient,
            appointment=appointment,
            appointment_starts_at=starts_at,
            questionnaire=questionnaire,
            created_at=now,
            expires_at=now + max_age,
        )
    return f"{link.key}.{_signature(action, link.key)}"


def link_url(
    action: str,
    *,
    patient: Patient,
    appointment: Appointment | None = None,
    questionnaire: Questionnaire | None = None,
) -> str:
    token = make_token(
        action, patient=patient, appointment=appointment, questionnaire=questionnaire
    )
    return settings.SITE_URL + reverse(f"link-{action}", args=[token])


def read_token(action: str, token: str) -> LinkTarget:
    """Return what a link points at, or raise LinkError. Changes nothing."""
    key, _dot, signature = token.partition(".")
    if action not in ACTIONS or not constant_time_compare(signature, _signature(action, key)):
        raise LinkError("invalid")
    link = (
        PatientLink.objects.select_related(
            "patient", "appointment__course", "questionnaire__course"
        )
        .filter(key=key, action=action)
        .first()
    )
    # A good signature means we made this link: its row is gone because it expired.
    if link is None or link.expires_at <= timezone.now():
        raise LinkError("expired")
    if link.used_at is not None and action not in MULTI_USE_ACTIONS:
        raise LinkError("used")
    appointment = link.appointment
    if action in APPOINTMENT_ACTIONS:
        if appointment is None or appointment.starts_at != link.appointment_starts_at:
            raise LinkError("used")  # the visit was moved since the message went out
        if action in ACTIONABLE_STATUSES and appointment.status not in ACTIONABLE_STATUSES[action]:
            raise LinkError("used")
    if action in QUESTIONNAIRE_ACTIONS and (
        link.questionnaire is None or link.questionnaire.status != Questionnaire.Status.DUE
    ):
        raise LinkError("used")  # answered already (perhaps in the room), or closed
    return LinkTarget(
        action=action,
        patient=link.patient,
        appointment=appointment,
        link=link,
        questionnaire=link.questionnaire,
    )


@contextmanager
def claim(target: LinkTarget) -> Iterator[None]:
    """Mark the link used and run the block in one transaction; raise LinkError("used") if it
    was used already. If the block raises, the link stays unused."""
    with transaction.atomic():
        if target.action not in MULTI_USE_ACTIONS:
            # The conditional UPDATE waits for a concurrent claim of the same row to commit and
            # then matches nothing, so of two simultaneous submits exactly one acts.
            claimed = PatientLink.objects.filter(pk=target.link.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if not claimed:
                raise LinkError("used")
        yield
