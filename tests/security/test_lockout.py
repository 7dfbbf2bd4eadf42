"""Login lockout: five failures lock the username, and then even the right password is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.conftest import PASSWORD


def fail(client, username="rosa", times=1):
    for _ in range(times):
        response = client.post("/login/", {"username": username, "password": "wrong-password"})
    return response


@pytest.mark.django_db
def test_the_lock_is_five_failures_by_username():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


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
def test_the_lock_follows_the_username_not_the_address(client, receptionist):
    fail(client, times=5)

    response = client.post(
        "/login/", {"username": "rosa", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


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
def test_a_manager_unlocking_the_account_lets_the_user_in(client, receptionist):
    from axes.utils import reset

    fail(client, times=5)
    assert reset(username="rosa") == 1

    response = client.post("/login/", {"username": "rosa", "password": PASSWORD})

    assert response.status_code == 302
