"""Shared people and clients for every test.

Named staff and patients are created once per test that asks for them, so access rules are
tested as a matter of course: a receptionist (Rosa), two practitioners (Mei and David), a manager
(Martin), a patient who agreed to texts (Ana) and one who did not (James).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, time
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from clinic.models import Clinic, OpeningHours, Practitioner, Room, WorkingHours
from clinic.roles import Role
from patients.models import Patient

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery-9"


def _redis_reachable() -> bool:
    url = settings.REDIS_URL
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL- and Redis-only tests where those are absent, but never in CI."""
    missing = {
        "postgres": None if settings.USING_POSTGRES else "needs DATABASE_URL on PostgreSQL",
        "redis": None if _redis_reachable() else "needs REDIS_URL pointing at a running Redis",
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and item.get_closest_marker(marker):
                if IN_CI:
                    raise pytest.UsageError(f"CI must run {item.nodeid}, which {reason}")
                item.add_marker(pytest.mark.skip(reason=reason))


def make_staff(username: str, role: str, first: str = "", last: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def clinic(db) -> Clinic:
    """The clinic, open Mon-Fri 09:00-19:00 and Sat 09:00-14:00 in America/New_York."""
    clinic = Clinic.load()
    clinic.name = "Riverside Acupuncture"
    clinic.phone = "+12125550100"
    clinic.timezone = "America/New_York"
    clinic.save()
    OpeningHours.objects.bulk_create(
        [OpeningHours(clinic=clinic, weekday=d, opens=time(9), closes=time(19)) for d in range(5)]
        + [OpeningHours(clinic=clinic, weekday=5, opens=time(9), closes=time(14))]
    )
    return clinic


@pytest.fixture
def rooms(clinic) -> list[Room]:
    return [Room.objects.create(name=f"Room {n}") for n in (1, 2)]


@pytest.fixture
def receptionist(db) -> User:
    return make_staff("rosa", Role.RECEPTIONIST, "Rosa", "Diaz")


@pytest.fixture
def manager(db) -> User:
    return make_staff("martin", Role.MANAGER, "Martin", "Kowalski")


def _practitioner(username: str, first: str, last: str) -> Practitioner:
    user = make_staff(username, Role.PRACTITIONER, first, last)
    practitioner = Practitioner.objects.create(
        user=user, name=f"{first} {last}", email=f"{username}@clinic.example.com"
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, weekday=d, start=time(9), end=time(19))
        for d in range(5)
    )
    return practitioner


@pytest.fixture
def practitioner(clinic) -> Practitioner:
    return _practitioner("mei", "Mei", "Chen")


@pytest.fixture
def other_practitioner(clinic) -> Practitioner:
    return _practitioner("david", "David", "Okafor")


@pytest.fixture
def patient(db) -> Patient:
    """Ana agreed to text messages."""
    from django.utils import timezone

    return Patient.objects.create(
        first_name="Ana",
        last_name="Lopez",
        email="ana@example.com",
        phone="+12125550101",
        preferred_channel="sms",
        sms_consent_at=timezone.now(),
    )


@pytest.fixture
def patient_without_consent(db) -> Patient:
    """James never agreed to texts: he gets email only."""
    return Patient.objects.create(
        first_name="James",
        last_name="Miller",
        email="james@example.com",
        phone="+12125550102",
        preferred_channel="email",
    )


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as():
    """Return an API client logged in as the given user."""

    def login(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


def issue_token(user: User) -> str:
    """Return an API token for the user, as if issued against a current two-factor code."""
    from clinic.tokens import api_token_issue

    return api_token_issue(user=user, two_factor=True)[1]


@pytest.fixture
def client_as(client):
    """Return the Django test client logged in as the given user.

    Users whose role needs two-factor (managers) get a confirmed TOTP device and a session
    verified with it, as after a real log-in with a code; tests/security checks the refusal
    without it.
    """

    def login(user: User):
        client.force_login(user)
        verify_two_factor(client, user)
        return client

    return login


def verify_two_factor(client, user: User) -> None:
    """Mark the client's session as having passed two-factor, if the user's role needs it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinic.security import two_factor_required

    if not two_factor_required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def book(rooms, practitioner, patient, receptionist):
    """Book Ana's course with Mei, Mondays and Thursdays at 10:00 from Monday 1 March 2027;
    keyword arguments override any of those. Returns the course."""
    from datetime import date

    from scheduling.services import course_book

    def booking(**overrides):
        arguments = {
            "patient": patient,
            "practitioner": practitioner,
            "start_date": date(2027, 3, 1),
            "weekdays": [0, 3],
            "time": time(10),
            "condition": "sciatica",
            "by": receptionist,
        } | overrides
        return course_book(**arguments)

    return booking


@pytest.fixture
def booking_day():
    """Freeze the clock on Monday 15 February 2027 at noon, New York time: the day the front
    desk books the courses that start on 1 March."""
    with time_machine.travel(
        datetime(2027, 2, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        yield
