"""Short patient links: confirm, cancel or move a visit, report pain, answer the hip questionnaire,
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

Expired rows are harmless (they are refused); Celery beat deletes them every hour
(`purge_expired`), so making a link never has to. A link whose row is gone but whose signature is
good was ours and has expired.

Dispatch renders a whole chunk of messages at once: `LinkBatch` hands the templates placeholders,
then reuses or creates every link the rendered texts contain with one query each, so a message
only gets the links its channel's text shows.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Iterator
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
from scheduling.reminders import bulk
from scheduling.reminders.models import PatientLink

ACTIONS = tuple(PatientLink.Action.values)
APPOINTMENT_ACTIONS = ("confirm", "cancel", "move", "pain")
MULTI_USE_ACTIONS = ("visits",)
QUESTIONNAIRE_ACTIONS = ("hoos",)
SIGNATURE_LENGTH = 12  # 72 bits: on top of the 72-bit random key, far beyond online guessing
# The statuses a visit must still have for its link to act on it.
ACTIONABLE_STATUSES = {
    "confirm": (Appointment.Status.BOOKED,),
    "cancel": Appointment.UPCOMING_STATUSES,
    "move": Appointment.UPCOMING_STATUSES,
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


class LinkBatch:
    """Links for a chunk of messages: placeholders while they render, then every link the texts
    really contain, reused or created with one query each."""

    def __init__(self) -> None:
        self._marker = secrets.token_hex(4)
        self._wanted: dict[str, tuple[str, Patient, Appointment | None]] = {}
        self._placeholders: dict[tuple[str, int, int | None], str] = {}

    def url(self, action: str, *, patient: Patient, appointment: Appointment | None = None) -> str:
        """Return a placeholder for the link, the same one for the same action and visit."""
        if action in APPOINTMENT_ACTIONS and appointment is None:
            raise ValueError(f"a {action} link needs an appointment")
        key = (action, patient.pk, appointment.pk if appointment else None)
        placeholder = self._placeholders.get(key)
        if placeholder is None:
            placeholder = f"[link-{self._marker}-{len(self._placeholders)}]"
            self._placeholders[key] = placeholder
            self._wanted[placeholder] = (action, patient, appointment)
        return placeholder

    def resolve(self, texts: Iterable[str]) -> dict[str, str]:
        """Return {placeholder: URL} for every placeholder found in `texts`, reusing fresh unused
        links (one query) and creating the missing ones (one query)."""
        joined = "\n".join(texts)
        # What makes a link reusable: (action, patient id, visit id, the visit's time).
        wanted = {}
        for placeholder, (action, patient, appointment) in self._wanted.items():
            if placeholder in joined:
                wanted[placeholder] = (
                    action,
                    patient.pk,
                    appointment.pk if appointment else None,
                    appointment.starts_at if appointment else None,
                )
        if not wanted:
            return {}
        now = timezone.now()
        max_age = timedelta(days=settings.PATIENT_LINK_MAX_AGE_DAYS)
        # Reuse only while at least half a link's life is left, as make_token does; ordered by
        # expiry, so the freshest of several overwrites the others.
        fresh = PatientLink.objects.filter(
            patient_id__in={identity[1] for identity in wanted.values()},
            action__in={identity[0] for identity in wanted.values()},
            used_at__isnull=True,
            expires_at__gt=now + max_age / 2,
        ).order_by("expires_at")
        keys = {
            tuple(row[1:]): row[0]
            for row in fresh.values_list(
                "key", "action", "patient_id", "appointment_id", "appointment_starts_at"
            )
        }
        new_links = [
            PatientLink(
                key=secrets.token_urlsafe(9),
                action=action,
                patient_id=patient_id,
                appointment_id=appointment_id,
                appointment_starts_at=starts_at,
                created_at=now,
                expires_at=now + max_age,
            )
            for action, patient_id, appointment_id, starts_at in dict.fromkeys(wanted.values())
            if (action, patient_id, appointment_id, starts_at) not in keys
        ]
        _insert(new_links)
        for link in new_links:
            identity = (
                link.action,
                link.patient_id,
                link.appointment_id,
                link.appointment_starts_at,
            )
            keys[identity] = link.key
        paths: dict[str, tuple[str, str]] = {}
        urls = {}
        for placeholder, identity in wanted.items():
            action, key = identity[0], keys[identity]
            if action not in paths:
                # One reverse() per action: the token is the path's only variable part.
                head, _, tail = reverse(f"link-{action}", args=["~"]).rpartition("~")
                paths[action] = (settings.SITE_URL + head, tail)
            head, tail = paths[action]
            urls[placeholder] = f"{head}{key}.{_signature(action, key)}{tail}"
        return urls


def _insert(new_links: list[PatientLink]) -> None:
    """Insert the links in one statement: bulk_create's compiler cost more per row than the
    rest of making a link."""
    bulk.insert_rows(
        PatientLink,
        new_links,
        [
            "key",
            "action",
            "patient",
            "appointment",
            "appointment_starts_at",
            "created_at",
            "expires_at",
        ],
    )


def fill_links(text: str, urls: dict[str, str]) -> str:
    """Return `text` with each placeholder replaced by its URL."""
    for placeholder, url in urls.items():
        if placeholder in text:
            text = text.replace(placeholder, url)
    return text


def purge_expired(*, now=None) -> int:
    """Delete every expired link; return how many. A purged link reads as expired."""
    now = now or timezone.now()
    deleted, _ = PatientLink.objects.filter(expires_at__lte=now).delete()
    return deleted


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
