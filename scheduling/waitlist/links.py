"""Claim links for wait-list offers: `/p/offer/<key>.<signature>/`.

Built as the reminders app's patient links are (scheduling/reminders/links.py): the key is 12
random URL-safe characters naming the Offer row, the signature an HMAC of it with the offer's
own salt, so a link is checked without the database, cannot be guessed, and no other link
verifies as a claim. A link is good while its offer is open and unexpired; the claim closes the
offer in the booking's transaction, so it acts once.
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from scheduling.reminders.links import SIGNATURE_LENGTH, LinkError
from scheduling.waitlist.models import Offer

SALT = "scheduling.waitlist.offer"


def new_key() -> str:
    return secrets.token_urlsafe(9)


def _signature(key: str) -> str:
    digest = salted_hmac(SALT, key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def offer_token(offer: Offer) -> str:
    return f"{offer.key}.{_signature(offer.key)}"


def claim_url(offer: Offer) -> str:
    return settings.SITE_URL + reverse("waitlist-claim", args=[offer_token(offer)])


def read_token(token: str) -> Offer:
    """Return the open offer a link names, or raise LinkError: "invalid" (not ours),
    "expired", "used" (claimed already) or "gone" (someone else took the time). Changes
    nothing."""
    key, _dot, signature = token.partition(".")
    if not key or not constant_time_compare(signature, _signature(key)):
        raise LinkError("invalid")
    offer = (
        Offer.objects.select_related("entry__patient", "practitioner", "room")
        .filter(key=key)
        .first()
    )
    if offer is None:
        raise LinkError("expired")
    if offer.status == Offer.Status.CLAIMED:
        raise LinkError("used")
    if offer.status == Offer.Status.GONE:
        raise LinkError("gone")
    if offer.status == Offer.Status.EXPIRED or offer.expires_at <= timezone.now():
        raise LinkError("expired")
    return offer
