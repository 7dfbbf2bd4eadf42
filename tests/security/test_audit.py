"""The audit log: every read and change of a patient writes one entry with who, what, when and
from where; managers filter it and download it as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from clinic.audit import audit_log
from clinic.models import AuditEntry

BROWSER = "Mozilla/5.0 (Macintosh) Safari/605"


@pytest.mark.django_db
def test_viewing_a_patient_page_writes_one_entry(client_as, receptionist, patient):
    response = client_as(receptionist).get(
        f"/patients/{patient.pk}/", REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=BROWSER
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.patient) == (receptionist, "view", patient)
    assert (entry.object_type, entry.object_id) == ("patients.patient", str(patient.pk))
    assert (entry.ip, entry.user_agent) == ("192.0.2.10", BROWSER)


@pytest.mark.django_db
def test_reading_a_patient_through_the_api_writes_one_entry(api_as, practitioner, patient):
    response = api_as(practitioner.user).get(
        f"/api/v1/patients/{patient.pk}/", REMOTE_ADDR="192.0.2.11", HTTP_USER_AGENT="script/1"
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Ana"
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.patient) == (practitioner.user, "view", patient)
    assert (entry.ip, entry.user_agent) == ("192.0.2.11", "script/1")


@pytest.mark.django_db
def test_changing_a_patient_through_the_api_writes_one_entry_naming_the_fields(
    api_as, receptionist, patient
):
    response = api_as(receptionist).patch(
        f"/api/v1/patients/{patient.pk}/",
        {"phone": "(212) 555-0199"},
        format="json",
        REMOTE_ADDR="192.0.2.12",
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.patient, entry.ip) == (
        receptionist,
        "change",
        patient,
        "192.0.2.12",
    )
    assert entry.detail == "changed: phone"
    assert "555" not in entry.detail


@pytest.mark.django_db
def test_changing_a_patient_on_the_edit_page_writes_one_entry(client_as, receptionist, patient):
    form = {
        "first_name": "Ana",
        "last_name": "Lopez-Garcia",
        "email": "ana@example.com",
        "phone": "+12125550101",
        "preferred_channel": "sms",
        "sms_consent": "on",
    }

    response = client_as(receptionist).post(
        f"/patients/{patient.pk}/edit/", form, REMOTE_ADDR="192.0.2.13"
    )

    assert response.status_code == 302, response.context["form"].errors
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.patient, entry.ip) == (
        receptionist,
        "change",
        patient,
        "192.0.2.13",
    )
    assert "last_name" in entry.detail
    assert "Garcia" not in entry.detail


@pytest.mark.django_db
def test_registering_a_patient_writes_a_create_entry(api_as, client_as, receptionist):
    api_as(receptionist).post(
        "/api/v1/patients/",
        {"first_name": "Lee", "last_name": "Park", "email": "lee@example.com"},
        format="json",
    )
    client_as(receptionist).post(
        "/patients/new/",
        {
            "first_name": "Kim",
            "last_name": "Ng",
            "email": "kim@example.com",
            "preferred_channel": "email",
        },
    )

    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.patient.first_name, e.user) for e in entries] == [
        ("create", "Lee", receptionist),
        ("create", "Kim", receptionist),
    ]


@pytest.mark.django_db
def test_listing_patients_is_one_list_entry_not_a_read_of_each_record(
    api_as, receptionist, patient
):
    api_as(receptionist).get("/api/v1/patients/")

    entry = AuditEntry.objects.get()
    assert (entry.object_id, entry.patient, entry.action) == ("list", None, "view")


@pytest.mark.django_db
def test_audit_log_finds_the_patient_of_an_appointment(booked_course, practitioner, patient):
    appointment = booked_course.appointments.first()

    entry = audit_log(user=practitioner.user, action="change", obj=appointment, detail="moved")

    assert entry.patient == patient
    assert entry.object_type == "scheduling.appointment"
    assert entry.ip is None


@pytest.mark.django_db
def test_audit_log_finds_the_patient_through_an_appointment(booked_course, manager, patient):
    class RecordLike:  # a SessionRecord has an appointment but no patient of its own
        _meta = AuditEntry._meta
        pk = 7
        appointment = booked_course.appointments.first()

    entry = audit_log(user=manager, action="view", obj=RecordLike())

    assert entry.patient == patient


@pytest.mark.django_db
def test_audit_log_refuses_an_unknown_action(manager, patient):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_log(user=manager, action="read", obj=patient)


@pytest.mark.django_db
def test_a_deleted_patient_leaves_the_entries_behind(manager, patient):
    audit_log(user=manager, action="delete", obj=patient)
    patient.delete()

    entry = AuditEntry.objects.get()
    assert entry.patient is None
    assert entry.action == "delete"


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_a_trusted_proxy(rf, manager, patient, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert audit_log(user=manager, action="view", obj=patient, request=request).ip == "10.0.0.2"


@pytest.mark.django_db
def test_behind_one_proxy_the_address_it_saw_is_recorded(rf, manager, patient, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )  # the client forged 1.2.3.4; the proxy appended what it saw

    entry = audit_log(user=manager, action="view", obj=patient, request=request)

    assert entry.ip == "203.0.113.9"


# The manager's page


@pytest.fixture
def entries(receptionist, practitioner, patient, patient_without_consent):
    tz = ZoneInfo("America/New_York")
    made = []
    for day, user, who in (
        (1, receptionist, patient),
        (2, practitioner.user, patient),
        (3, receptionist, patient_without_consent),
    ):
        with time_machine.travel(datetime(2027, 3, day, 12, tzinfo=tz), tick=False):
            made.append(audit_log(user=user, action="view", obj=who))
    return made


@pytest.mark.django_db
def test_the_audit_page_is_for_managers_only(client_as, receptionist, practitioner, manager):
    assert client_as(receptionist).get("/audit/").status_code == 403
    assert client_as(practitioner.user).get("/audit/").status_code == 403
    assert client_as(receptionist).get("/audit/export.csv").status_code == 403
    assert client_as(manager).get("/audit/").status_code == 200


@pytest.mark.django_db
def test_the_audit_page_filters_by_patient_user_and_dates(client_as, manager, entries, patient):
    client = client_as(manager)

    by_patient = client.get("/audit/", {"patient": "Lopez"}).context["object_list"]
    by_id = client.get("/audit/", {"patient": f"#{patient.pk}"}).context["object_list"]
    by_user = client.get("/audit/", {"user": entries[1].user.pk}).context["object_list"]
    by_dates = client.get("/audit/", {"date_from": "2027-03-02", "date_to": "2027-03-03"}).context[
        "object_list"
    ]

    assert list(by_patient) == [entries[1], entries[0]]
    assert list(by_id) == [entries[1], entries[0]]
    assert list(by_user) == [entries[1]]
    assert list(by_dates) == [entries[2], entries[1]]


@pytest.mark.django_db
def test_the_audit_page_shows_a_readable_table(client_as, manager, entries):
    response = client_as(manager).get("/audit/")

    assert response.status_code == 200
    assert "Rosa Diaz" in response.text
    assert "James Miller" in response.text
    assert "Mar 3, 2027" in response.text


@pytest.mark.django_db
def test_the_audit_page_is_paginated_keeping_the_filters(client_as, manager, patient):
    for _ in range(55):
        audit_log(user=manager, action="view", obj=patient)

    response = client_as(manager).get("/audit/", {"patient": "Ana"})

    assert len(response.context["object_list"]) == 50
    assert "?patient=Ana&amp;page=2" in response.text


@pytest.mark.django_db
def test_a_bad_date_range_shows_an_error_and_no_entries(client_as, manager, entries):
    response = client_as(manager).get(
        "/audit/", {"date_from": "2027-03-05", "date_to": "2027-03-01"}
    )

    assert response.status_code == 400
    assert len(response.context["object_list"]) == 0
    assert "end date is before the start date" in response.text


@pytest.mark.django_db
def test_the_csv_download_has_the_filtered_entries(client_as, manager, entries):
    response = client_as(manager).get("/audit/export.csv", {"user": entries[0].user.pk})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["user"], r["action"], r["patient"]) for r in rows] == [
        ("rosa", "view", "James Miller"),
        ("rosa", "view", "Ana Lopez"),
    ]
    assert rows[0]["at"].startswith("2027-03-03T12:00:00-05:00")


@pytest.mark.django_db
def test_the_csv_cannot_smuggle_a_formula_into_a_spreadsheet(rf, client_as, manager, patient):
    request = rf.get("/", HTTP_USER_AGENT='=HYPERLINK("http://evil")')
    audit_log(user=manager, action="view", obj=patient, request=request)

    response = client_as(manager).get("/audit/export.csv")

    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["user_agent"].startswith("'=")


@pytest.mark.django_db
def test_entries_are_kept_in_order_newest_first(manager, patient):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        old = audit_log(user=manager, action="view", obj=patient)
    new = audit_log(user=manager, action="view", obj=patient)

    assert list(AuditEntry.objects.all()) == [new, old]
    assert new.at - old.at > timedelta(days=1)
