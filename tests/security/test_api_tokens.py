"""API tokens expire, die with a password, role or active-flag change, and respect two-factor."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.models import ApiToken
from clinic.roles import Role
from tests.conftest import PASSWORD
from tests.security.conftest import current_code

pytestmark = pytest.mark.django_db


def token_for(username: str, **extra) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_works_until_it_expires_after_eight_hours(receptionist):
    assert settings.API_TOKEN_AGE == 8 * 3600
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        token = token_for("rosa")
    api = with_token(token)

    with time_machine.travel(issued + timedelta(hours=7, minutes=59), tick=False):
        assert api.get("/api/v1/patients/").status_code == 200
    with time_machine.travel(issued + timedelta(hours=8, minutes=1), tick=False):
        assert api.get("/api/v1/patients/").status_code == 401
    assert not ApiToken.objects.filter(user=receptionist).exists()


def test_the_token_endpoint_says_when_the_token_expires(receptionist):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "rosa", "password": PASSWORD}, format="json"
    )

    expiry = response.json()["expiry"]
    assert expiry.startswith(str((timezone.now() + timedelta(hours=8)).date()))


def test_only_a_digest_of_the_token_is_stored(receptionist):
    token = token_for("rosa")

    row = ApiToken.objects.get(user=receptionist)
    assert token not in (row.digest, row.token_key)
    assert len(row.digest) == 128


def test_changing_the_password_ends_the_old_token(receptionist):
    api = with_token(token_for("rosa"))
    assert api.get("/api/v1/patients/").status_code == 200

    receptionist.set_password("a-new-password-for-rosa-2")
    receptionist.save()

    assert api.get("/api/v1/patients/").status_code == 401


def test_changing_the_role_ends_the_old_token(receptionist):
    api = with_token(token_for("rosa"))

    receptionist.groups.set([Group.objects.get(name=Role.PRACTITIONER)])

    assert api.get("/api/v1/patients/").status_code == 401


def test_deactivating_the_account_ends_the_old_token(receptionist):
    api = with_token(token_for("rosa"))

    receptionist.is_active = False
    receptionist.save()
    receptionist.is_active = True  # even switched back on, the old token stays dead
    receptionist.save()

    assert api.get("/api/v1/patients/").status_code == 401


def test_a_practitioner_made_manager_cannot_write_as_manager_with_her_old_token(practitioner):
    user = practitioner.user
    api = with_token(token_for("mei"))
    assert api.post("/api/v1/rooms/", {"name": "Room 7"}, format="json").status_code == 403

    Group.objects.get(name=Role.MANAGER).user_set.add(user)
    user.set_password("mei-is-the-manager-now-7")
    user.save()

    assert api.post("/api/v1/rooms/", {"name": "Room 7"}, format="json").status_code == 401


def test_a_last_login_update_keeps_the_token(receptionist):
    api = with_token(token_for("rosa"))

    receptionist.last_login = timezone.now()
    receptionist.save(update_fields=["last_login"])

    assert api.get("/api/v1/patients/").status_code == 200


def test_a_token_issued_before_two_factor_was_required_stops_working(receptionist, settings):
    api = with_token(token_for("rosa"))
    assert api.get("/api/v1/patients/").status_code == 200

    settings.OTP_REQUIRED_FOR_ALL = True

    response = api.get("/api/v1/patients/")
    assert response.status_code == 401
    assert "two-factor" in response.json()["detail"]


def test_a_token_issued_before_setting_up_an_authenticator_stops_working(receptionist, totp_device):
    api = with_token(token_for("rosa"))

    totp_device(receptionist)

    assert api.get("/api/v1/patients/").status_code == 401


def test_a_token_issued_with_a_code_keeps_working_for_a_manager(manager, totp_device):
    device = totp_device(manager)
    api = with_token(token_for("martin", otp_token=current_code(device)))

    assert api.get("/api/v1/patients/").status_code == 200
    assert api.post("/api/v1/rooms/", {"name": "Room 7"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "header",
    ["Token " + "0" * 64, "Token abc", "Token " + "g" * 64, "Token \u00e9t\u00e9", "Token a b"],
)
def test_an_unknown_or_malformed_token_is_a_401(receptionist, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get("/api/v1/patients/").status_code == 401
