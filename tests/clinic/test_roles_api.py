"""Who may do what in the clinic setup and patient API."""

from __future__ import annotations

import pytest

from clinic.models import Closure, Practitioner, WorkingHours
from patients.models import Patient

NEW_PATIENT = {
    "first_name": "Grace",
    "last_name": "Kim",
    "date_of_birth": "1978-01-05",
    "email": "grace@example.com",
    "phone": "(347) 555-0103",
    "preferred_channel": "sms",
    "sms_consent": True,
}
NEW_PRACTITIONER = {
    "name": "Sofia Alvarez",
    "email": "sofia@clinic.example.com",
    "working_hours": [{"weekday": 1, "start": "09:00", "end": "17:00"}],
}


def test_receptionist_can_create_patients_stored_in_e164(api_as, receptionist):
    response = api_as(receptionist).post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert response.status_code == 201, response.data
    assert response.data["phone"] == "+13475550103"
    patient = Patient.objects.get(pk=response.data["id"])
    assert patient.phone == "+13475550103"
    assert patient.sms_consent_at is not None


def test_receptionist_cannot_create_practitioners(api_as, receptionist):
    response = api_as(receptionist).post("/api/v1/practitioners/", NEW_PRACTITIONER, format="json")
    assert response.status_code == 403
    assert Practitioner.objects.count() == 0


def test_manager_can_create_practitioners_with_hours(api_as, manager):
    response = api_as(manager).post("/api/v1/practitioners/", NEW_PRACTITIONER, format="json")
    assert response.status_code == 201, response.data
    assert response.data["working_hours"] == [{"weekday": 1, "start": "09:00", "end": "17:00"}]
    assert WorkingHours.objects.filter(practitioner_id=response.data["id"]).count() == 1


def test_practitioner_can_read_patients_but_not_change_setup(api_as, practitioner, patient):
    client = api_as(practitioner.user)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 200
    assert [row["last_name"] for row in response.data["results"]] == ["Lopez"]
    assert client.post("/api/v1/rooms/", {"name": "Room 9"}, format="json").status_code == 403


def test_patient_search_finds_by_name_phone_and_email(
    api_as, receptionist, patient, patient_without_consent
):
    client = api_as(receptionist)
    for query in ("lopez", "Ana Lopez", "212-555-0101", "ana@example"):
        results = client.get("/api/v1/patients/", {"q": query}).data["results"]
        assert [row["id"] for row in results] == [patient.pk], query


def test_token_login_gives_a_token_that_works(api, receptionist):
    from tests.conftest import PASSWORD

    response = api.post(
        "/api/v1/auth/token/", {"username": "rosa", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert api.get("/api/v1/patients/").status_code == 200


def test_token_login_with_a_wrong_password_is_a_400(api, receptionist):
    response = api.post(
        "/api/v1/auth/token/", {"username": "rosa", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.data


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/patients/", {**NEW_PATIENT, "phone": "not a phone"}, "phone"),
        ("/api/v1/patients/", {**NEW_PATIENT, "phone": "555"}, "phone"),
        (
            "/api/v1/practitioners/",
            {
                **NEW_PRACTITIONER,
                "working_hours": [{"weekday": 1, "start": "17:00", "end": "09:00"}],
            },
            "working_hours",
        ),
        (
            "/api/v1/closures/",
            {"start_date": "2027-07-05", "end_date": "2027-07-01", "reason": "Summer"},
            "end_date",
        ),
    ],
    ids=["unparseable-phone", "short-phone", "hours-backwards", "closure-backwards"],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api_as, manager, path, body, field):
    before = (Patient.objects.count(), Practitioner.objects.count(), Closure.objects.count())
    response = api_as(manager).post(path, body, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert (
        Patient.objects.count(),
        Practitioner.objects.count(),
        Closure.objects.count(),
    ) == before


def test_malformed_json_is_a_400_and_stores_nothing(api_as, receptionist):
    response = api_as(receptionist).post(
        "/api/v1/patients/", data='{"first_name": "Ana",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in str(response.data["detail"])
    assert Patient.objects.count() == 0
