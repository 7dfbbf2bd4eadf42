"""Receptionists register, find and edit patients."""

from __future__ import annotations

from patients.models import Patient

FORM = {
    "first_name": "Grace",
    "last_name": "Kim",
    "date_of_birth": "1978-01-05",
    "email": "grace@example.com",
    "phone": "347.555.0103",
    "preferred_channel": "sms",
    "sms_consent": "on",
}


def test_receptionist_registers_a_patient(client_as, receptionist):
    response = client_as(receptionist).post("/patients/new/", FORM)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert patient.phone == "+13475550103"
    assert patient.sms_consent


def test_unparseable_phone_is_a_form_error_naming_the_field(client_as, receptionist):
    response = client_as(receptionist).post("/patients/new/", FORM | {"phone": "--"})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["“--” is not a phone number."]
    assert Patient.objects.count() == 0


def test_texts_need_consent(client_as, receptionist):
    data = {key: value for key, value in FORM.items() if key != "sms_consent"}
    response = client_as(receptionist).post("/patients/new/", data)
    assert "sms_consent" in response.context["form"].errors
    assert Patient.objects.count() == 0


def test_search_lists_matches_and_says_when_nothing_matches(client_as, receptionist, patient):
    client = client_as(receptionist)
    assert "Lopez" in client.post("/patients/", {"q": "ana"}).content.decode()
    empty = client.post("/patients/", {"q": "zzz"}).content.decode()
    assert "No patient matches" in empty


def test_the_search_is_posted_so_the_name_stays_out_of_the_url(client_as, receptionist, patient):
    client = client_as(receptionist)

    page = client.get("/patients/").content.decode()
    found = client.post("/patients/", {"q": "lopez"})

    assert 'method="post" role="search"' in page
    assert found.status_code == 200
    assert "Lopez, Ana" in found.content.decode()
    assert found.wsgi_request.get_full_path() == "/patients/"
    # A name in the query string is not searched for: it would sit in the access log.
    james = client.get("/patients/", {"q": "zzz-no-such-name"}).content.decode()
    assert "Lopez, Ana" in james


def test_patient_page_shows_opt_out(client_as, receptionist, patient):
    from django.utils import timezone

    patient.sms_opted_out_at = timezone.now()
    patient.save()
    page = client_as(receptionist).get(f"/patients/{patient.pk}/").content.decode()
    assert "Opted out of text messages" in page


def test_a_date_of_birth_in_the_future_is_refused(client_as, api_as, receptionist):
    response = client_as(receptionist).post(
        "/patients/new/", FORM | {"date_of_birth": "2031-01-01"}
    )
    assert "Check the date of birth" in response.content.decode()
    api = api_as(receptionist).post(
        "/api/v1/patients/",
        {
            "first_name": "Grace",
            "last_name": "Kim",
            "date_of_birth": "2031-01-01",
            "email": "g@example.com",
        },
        format="json",
    )
    assert api.status_code == 400 and "date_of_birth" in api.data
    assert Patient.objects.count() == 0


def test_phone_numbers_are_shown_the_way_people_read_them(client_as, receptionist, patient):
    page = client_as(receptionist).get(f"/patients/{patient.pk}/").content.decode()
    assert "(212) 555-0101" in page


def test_registering_the_same_person_twice_asks_first(client_as, receptionist, patient):
    patient.date_of_birth = "1961-04-12"
    patient.save()
    twin = FORM | {"first_name": "ana", "last_name": "LOPEZ", "date_of_birth": "1961-04-12"}
    response = client_as(receptionist).post("/patients/new/", twin)
    page = response.content.decode()
    assert "This patient may already be registered" in page
    assert f'href="/patients/{patient.pk}/"' in page
    assert Patient.objects.count() == 1
    confirmed = client_as(receptionist).post("/patients/new/", twin | {"not_a_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_editing_a_patient_is_not_a_duplicate_of_itself(client_as, receptionist, patient):
    patient.date_of_birth = "1961-04-12"
    patient.save()
    response = client_as(receptionist).post(
        f"/patients/{patient.pk}/edit/",
        FORM | {"first_name": "Ana", "last_name": "Lopez", "date_of_birth": "1961-04-12"},
    )
    assert response.status_code == 302
