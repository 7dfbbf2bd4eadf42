"""Two-factor: managers (and, by setting, everyone) must verify a TOTP code before any staff page
or API call; the set-up and verify pages; API tokens need the code too."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import ApiToken
from tests.clinic.test_access import STAFF_PAGES
from tests.conftest import PASSWORD
from tests.security.conftest import current_code

# Reachable before the second step: the two-factor pages themselves and logging out (POST only).
BEFORE_SECOND_STEP = {"two-factor-setup", "two-factor-verify", "logout"}
GUARDED_PAGES = [(path, name) for path, name in STAFF_PAGES if name not in BEFORE_SECOND_STEP]


def test_managers_need_two_factor_by_default():
    assert settings.OTP_REQUIRED_ROLES == ["manager"]
    assert settings.OTP_REQUIRED_FOR_ALL is False


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), GUARDED_PAGES, ids=[p for p, _ in GUARDED_PAGES])
def test_a_manager_without_a_device_is_sent_to_set_up_from_every_staff_page(
    client, manager, path, name
):
    client.force_login(manager)

    response = client.get(path)

    assert response.status_code == 302, path
    assert response["Location"].startswith("/security/two-factor/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), GUARDED_PAGES, ids=[p for p, _ in GUARDED_PAGES])
def test_a_manager_with_a_device_must_verify_before_every_staff_page(
    client, manager, totp_device, path, name
):
    totp_device(manager)
    client.force_login(manager)

    response = client.get(path)

    assert response.status_code == 302, path
    assert response["Location"].startswith("/security/two-factor/verify/?next=")


@pytest.mark.django_db
def test_an_unverified_manager_session_gets_403_from_the_api(client, manager):
    client.force_login(manager)

    response = client.get("/api/v1/patients/")

    assert response.status_code == 403
    assert "Two-factor authentication is required" in response.json()["detail"]


@pytest.mark.django_db
def test_other_roles_are_not_asked_by_default(client, receptionist, practitioner):
    client.force_login(receptionist)
    assert client.get("/patients/").status_code == 200
    client.force_login(practitioner.user)
    assert client.get("/patients/").status_code == 200


@pytest.mark.django_db
def test_otp_required_for_all_asks_every_role(client, receptionist, settings):
    settings.OTP_REQUIRED_FOR_ALL = True
    client.force_login(receptionist)

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/security/two-factor/")


@pytest.mark.django_db
def test_the_set_up_page_shows_a_qr_code_and_the_secret(client, manager):
    client.force_login(manager)

    response = client.get("/security/two-factor/?next=/setup/")

    assert response.status_code == 200
    assert "<svg" in response.text
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed is False
    secret = re.search(r"user-select-all\">([A-Z2-7 ]+)<", response.text).group(1)
    assert len(secret.replace(" ", "")) == 32


@pytest.mark.django_db
def test_a_wrong_code_does_not_turn_two_factor_on(client, manager):
    client.force_login(manager)
    client.get("/security/two-factor/")

    response = client.post("/security/two-factor/", {"code": "000000"})

    assert response.status_code == 200
    assert "did not match" in response.text
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


@pytest.mark.django_db
def test_setting_up_with_the_right_code_opens_the_staff_pages(client, manager):
    client.force_login(manager)
    client.get("/security/two-factor/")
    device = TOTPDevice.objects.get(user=manager)

    response = client.post(
        "/security/two-factor/", {"code": current_code(device), "next": "/setup/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/setup/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/setup/").status_code == 200


@pytest.mark.django_db
def test_verifying_the_code_after_log_in_opens_the_staff_pages(client, manager, totp_device):
    device = totp_device(manager)
    client.post("/login/", {"username": "martin", "password": PASSWORD})
    assert client.get("/setup/").status_code == 302

    response = client.post("/security/two-factor/verify/?next=/setup/", {"code": "123"})
    assert response.status_code == 200
    response = client.post(
        "/security/two-factor/verify/", {"code": current_code(device), "next": "/setup/"}
    )

    assert response["Location"] == "/setup/"
    assert client.get("/setup/").status_code == 200


@pytest.mark.django_db
def test_a_verify_page_never_redirects_to_another_site(client, manager, totp_device):
    device = totp_device(manager)
    client.force_login(manager)

    response = client.post(
        "/security/two-factor/verify/",
        {"code": current_code(device), "next": "https://evil.example.com/"},
    )

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_password_alone_cannot_enrol_a_new_phone(client, manager, totp_device):
    totp_device(manager)
    client.force_login(manager)

    response = client.get("/security/two-factor/")

    assert response.status_code == 302
    assert response["Location"].startswith("/security/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=manager).count() == 1


@pytest.mark.django_db
def test_a_receptionist_who_set_up_a_phone_is_asked_for_its_code(client, receptionist, totp_device):
    totp_device(receptionist)
    client.force_login(receptionist)

    response = client.get("/patients/")

    assert response["Location"].startswith("/security/two-factor/verify/")


# API tokens: a manager's token is only issued against a current code.


@pytest.mark.django_db
def test_a_manager_cannot_get_a_token_with_a_password_alone(api, manager, totp_device):
    totp_device(manager)

    response = api.post(
        "/api/v1/auth/token/", {"username": "martin", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert "otp_token" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=manager).exists()


@pytest.mark.django_db
def test_a_manager_without_a_device_is_told_to_set_one_up(api, manager):
    response = api.post(
        "/api/v1/auth/token/", {"username": "martin", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert "set up an authenticator app" in response.json()["detail"]


@pytest.mark.django_db
def test_a_manager_gets_a_token_with_the_current_code(api, manager, totp_device):
    device = totp_device(manager)

    response = api.post(
        "/api/v1/auth/token/",
        {"username": "martin", "password": PASSWORD, "otp_token": current_code(device)},
        format="json",
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=manager).two_factor
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/patients/").status_code == 200


@pytest.mark.django_db
def test_a_receptionist_gets_a_token_with_a_password(api, receptionist):
    response = api.post(
        "/api/v1/auth/token/", {"username": "rosa", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.django_db
def test_a_wrong_password_is_still_a_400(api, manager):
    response = api.post(
        "/api/v1/auth/token/", {"username": "martin", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
