"""Inputs that once made a 500: each is now a 400 naming the field, and nothing is stored."""

from __future__ import annotations

import pytest
from django.apps import apps
from twilio.request_validator import RequestValidator

from clinic.ical import calendar_feed_create

NUL = "\x00"
# Rows that come and go with any request (the logged-in session) are not "stored input".
NOT_COUNTED = {"sessions.session", "contenttypes.contenttype", "auth.permission"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_COUNTED and not model._meta.swapped
    }


def deep_json(depth: int) -> str:
    return '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'


def webhook_post(client, settings):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    params = {"From": f"+1212555{NUL}0101", "Body": "STOP"}
    signature = RequestValidator("test-auth-token").compute_signature(
        settings.SITE_URL + "/hooks/sms/inbound/", params
    )
    return client.post("/hooks/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)


# (what is sent, who sends it, the field the answer must name)
CASES = {
    "token endpoint: JSON nested 5,000 deep": (
        lambda c, s, ids: c.post(
            "/api/v1/auth/token/", deep_json(5000), content_type="application/json"
        ),
        None,
        "JSON",
    ),
    "token endpoint: NUL in the username": (
        lambda c, s, ids: c.post(
            "/api/v1/auth/token/",
            {"username": f"ro{NUL}sa", "password": "x"},
            content_type="application/json",
        ),
        None,
        "username",
    ),
    "login page: NUL in the username": (
        lambda c, s, ids: c.post("/login/", {"username": f"ro{NUL}sa", "password": "x"}),
        None,
        "username",
    ),
    "patients API: NUL in ?q=": (
        lambda c, s, ids: c.get(f"/api/v1/patients/?q=An{NUL}a"),
        "receptionist",
        "q",
    ),
    "patient form: NUL in the first name": (
        lambda c, s, ids: c.post(
            "/patients/new/",
            {"first_name": f"A{NUL}na", "last_name": "Lopez", "preferred_channel": "none"},
        ),
        "receptionist",
        "first_name",
    ),
    "iCal feed: NUL in the address": (
        lambda c, s, ids: c.get(f"/ical/{ids['feed'][:10]}%00{ids['feed'][10:]}.ics"),
        None,
        "path",
    ),
    "SMS webhook: NUL in From": (lambda c, s, ids: webhook_post(c, s), None, "From"),
    "audit log: date_to=9999-12-31": (
        lambda c, s, ids: c.get("/audit/?date_to=9999-12-31"),
        "manager",
        "date_to",
    ),
    "audit export: date_to=9999-12-31": (
        lambda c, s, ids: c.get("/audit/export.csv?date_to=9999-12-31"),
        "manager",
        "date_to",
    ),
    "session action: next=foo": (
        lambda c, s, ids: c.post(
            f"/appointments/{ids['appointment']}/cancel/", {"reason": "ill", "next": "foo"}
        ),
        "receptionist",
        "next",
    ),
    "practitioners API: a username already linked": (
        lambda c, s, ids: c.post(
            "/api/v1/practitioners/",
            {"name": "Mei Again", "email": "mei2@example.com", "username": "mei"},
            content_type="application/json",
        ),
        "manager",
        "username",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_each_input_that_once_made_a_500_is_a_400_naming_the_field_and_stores_nothing(
    case, client, client_as, receptionist, manager, booked_course, practitioner, settings
):
    send, role, field = CASES[case]
    ids = {
        "feed": calendar_feed_create(practitioner=practitioner).token,
        "appointment": booked_course.appointments.get(number=1).pk,
    }
    user = {"receptionist": receptionist, "manager": manager}.get(role)
    http = client_as(user) if user else client
    client.raise_request_exception = False
    before = row_counts()

    response = send(http, settings, ids)

    assert response.status_code == 400, response.content[:300]
    assert field in response.content.decode(errors="replace")
    assert row_counts() == before
    assert booked_course.appointments.get(number=1).status == "booked"
