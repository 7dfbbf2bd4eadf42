"""Login lockout: five failures lock a username at that address, and then even the right password
is refused there; an address failing across many usernames is locked whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.conftest import PASSWORD

ATTACKER = "203.0.113.9"


def fail(client, username="rosa", times=1, address="127.0.0.1"):
    for _ in range(times):
        response = client.post(
            "/login/", {"username": username, "password": "wrong-password"}, REMOTE_ADDR=address
        )
    return response


@pytest.mark.django_db
def test_the_lock_is_five_failures_by_username_and_address_and_thirty_by_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 30
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]


@pytest.mark.django_db
def test_four_failures_still_let_the_right_password_in(client, receptionist):
    response = fail(client, times=4)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text

    response = client.post("/login/", {"username": "rosa", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_after_five_failures_the_right_password_is_refused(client, receptionist):
    fail(client, times=5)

    response = client.post("/login/", {"username": "rosa", "password": PASSWORD})

    assert response.status_code == 403
    assert "Account locked" in response.text
    assert "Ask the clinic manager to unlock it" in response.text
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to the login page


@pytest.mark.django_db
def test_wrong_passwords_from_another_address_do_not_lock_the_manager_out(client, manager):
    fail(client, username="martin", times=5, address=ATTACKER)

    refused = client.post(
        "/login/", {"username": "martin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    assert refused.status_code == 403
    response = client.post("/login/", {"username": "martin", "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked_for_every_username(client, receptionist):
    for n in range(30):
        fail(client, username=f"guess{n}", address=ATTACKER)

    refused = client.post(
        "/login/", {"username": "rosa", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"username": "rosa", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_other_staff_can_still_log_in_while_one_is_locked(client, receptionist, practitioner):
    fail(client, times=5)

    response = client.post("/login/", {"username": "mei", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_the_api_token_endpoint_is_locked_too(api, receptionist):
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "rosa", "password": "nope"}, format="json")

    response = api.post(
        "/api/v1/auth/token/", {"username": "rosa", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert "locked" in response.json()["detail"]
    assert "token" not in response.json()


@pytest.mark.django_db
def test_failures_on_the_token_endpoint_count_towards_the_lock(client, api, receptionist):
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "rosa", "password": "nope"}, format="json")

    response = client.post("/login/", {"username": "rosa", "password": PASSWORD})

    assert response.status_code == 403


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(client, receptionist):
    fail(client, times=5)
    later = timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)

    with time_machine.travel(later):
        response = client.post("/login/", {"username": "rosa", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_a_manager_unlocks_a_locked_log_in_from_a_staff_page(
    client, client_as, receptionist, manager
):
    from django.test import Client

    fail(client, times=5)
    manager_client = client_as(manager)
    page = manager_client.get("/security/lockouts/")
    assert page.status_code == 200
    assert "rosa" in page.text and "127.0.0.1" in page.text

    response = manager_client.post("/security/lockouts/", {"username": "rosa", "ip": "127.0.0.1"})

    assert response.status_code == 302
    assert "No log-in is locked." in manager_client.get("/security/lockouts/").text
    rosa = Client().post("/login/", {"username": "rosa", "password": PASSWORD})
    assert rosa.status_code == 302


@pytest.mark.django_db
def test_a_manager_unlocks_an_address_locked_for_every_username(
    client, client_as, receptionist, manager
):
    from django.test import Client

    for n in range(30):
        fail(client, username=f"guess{n}", address=ATTACKER)

    client_as(manager).post("/security/lockouts/", {"username": "", "ip": ATTACKER})

    rosa = Client().post(
        "/login/", {"username": "rosa", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    assert rosa.status_code == 302


@pytest.mark.django_db
def test_only_the_manager_opens_the_locked_log_ins_page(client_as, receptionist):
    assert client_as(receptionist).get("/security/lockouts/").status_code == 403
