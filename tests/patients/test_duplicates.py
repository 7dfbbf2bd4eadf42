"""Possible duplicates are shown before a patient is registered twice; phone numbers are digits;
names keep the capitals typed or are title-cased once."""

from __future__ import annotations

import pytest

from patients.models import Patient, name_key, tidy_name
from patients.phones import InvalidPhone, normalise_phone

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Grace",
    "last_name": "Kim",
    "email": "grace@example.com",
    "phone": "(347) 555-0103",
    "preferred_channel": "email",
}


@pytest.fixture
def ana_lopez(db) -> Patient:
    return Patient.objects.create(
        first_name="Ana", last_name="López", phone="+12125550101", email="ana@example.com"
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ana", "Ana"),
        ("LOPEZ", "Lopez"),
        ("McDonald", "McDonald"),
        ("de la Cruz", "de la Cruz"),
        ("  mary   ann ", "Mary Ann"),
    ],
)
def test_names_keep_the_capitals_typed_or_are_title_cased_once(typed, kept):
    assert tidy_name(typed) == kept


def test_the_name_key_ignores_case_accents_and_punctuation():
    assert name_key("Ana", "López-Díaz") == name_key("ana", "lopez diaz") == "ana lopez diaz"


@pytest.mark.parametrize("typed", ["212-555-CALL", "call me", "(212) 555-01O1"])
def test_letters_in_a_phone_number_are_an_error(typed):
    with pytest.raises(InvalidPhone, match="has letters in it"):
        normalise_phone(typed)


def test_the_api_refuses_letters_in_a_phone_and_stores_nothing(api_as, receptionist):
    body = FORM | {"phone": "212-555-CALL"}
    response = api_as(receptionist).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 400
    assert "letters" in str(response.data["phone"])
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"phone": "212 555 0101"}, "phone"),
        ({"email": "ANA@example.com"}, "email"),
        ({"first_name": "ana", "last_name": "lopez"}, "name"),
    ],
)
def test_the_api_answers_409_with_possible_duplicates(
    api_as, receptionist, ana_lopez, changes, match
):
    body = FORM | changes
    response = api_as(receptionist).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 409, response.data
    (candidate,) = response.data["possible_duplicates"]
    assert candidate == {
        "id": ana_lopez.pk,
        "first_name": "Ana",
        "last_name": "López",
        "date_of_birth": None,
        "match": match,
    }
    assert Patient.objects.count() == 1


def test_the_api_registers_a_possible_duplicate_when_told(api_as, receptionist, ana_lopez):
    body = FORM | {"first_name": "ana", "last_name": "lopez", "confirm_new": True}
    response = api_as(receptionist).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 201, response.data
    assert "confirm_new" not in response.data
    assert Patient.objects.get(pk=response.data["id"]).first_name == "Ana"


def test_the_form_lists_a_lower_case_namesake_without_birth_date(
    client_as, receptionist, ana_lopez
):
    body = FORM | {"first_name": "ana", "last_name": "lopez", "phone": "2125550101"}
    response = client_as(receptionist).post("/patients/new/", body)
    page = response.content.decode()
    assert "Possibly already registered" in page
    assert f'href="/patients/{ana_lopez.pk}/"' in page
    assert "same phone" in page
    assert Patient.objects.count() == 1
    confirmed = client_as(receptionist).post("/patients/new/", body | {"not_a_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.filter(first_name="Ana", last_name="Lopez").count() == 1


def test_editing_without_touching_names_or_contacts_asks_nothing(
    client_as, receptionist, ana_lopez
):
    twin = Patient.objects.create(first_name="Ana", last_name="Lopez")
    body = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "preferred_channel": "none",
        "date_of_birth": "1961-04-12",
    }
    response = client_as(receptionist).post(f"/patients/{twin.pk}/edit/", body)
    assert response.status_code == 302
    twin.refresh_from_db()
    assert str(twin.date_of_birth) == "1961-04-12"
