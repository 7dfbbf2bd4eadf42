"""Helpers for the security tests: authenticator devices and their current codes, and a booked
course for Ana with Mei so feeds, audits and logs have real appointments to work on."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash the named staff's passwords quickly: these tests log in and create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def current_code(device: TOTPDevice) -> str:
    """Return the code the user's phone shows right now for this device."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


@pytest.fixture
def totp_device():
    """Return a maker of a confirmed authenticator device for a user."""

    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)

    return make


@pytest.fixture
def booked_course(patient, practitioner, rooms):
    """Ana's sciatica course with Mei: sessions 1-3 next week at 10:00 New York, session 2
    cancelled; plus one of David's... no: only Mei's. Returns the course."""
    from scheduling.models import Appointment, TreatmentCourse

    tz = ZoneInfo("America/New_York")
    course = TreatmentCourse.objects.create(
        patient=patient, practitioner=practitioner, condition="sciatica"
    )
    monday = datetime(2027, 3, 15, 10, 0, tzinfo=tz)
    for number, day in ((1, 0), (2, 3), (3, 7)):
        start = monday + timedelta(days=day)
        Appointment.objects.create(
            course=course,
            number=number,
            patient=patient,
            practitioner=practitioner,
            room=rooms[0],
            starts_at=start,
            ends_at=start + timedelta(minutes=45),
            status="cancelled" if number == 2 else "booked",
        )
    return course
