"""Staff see reminders: the API, the Messages page, the appointment snippet, the patient log."""

from __future__ import annotations

import pytest
import time_machine
from django.template.loader import render_to_string

from clinic.models import Clinic
from scheduling.reminders.dispatch import STALE_UNKNOWN
from scheduling.reminders.models import Reminder
from tests.reminders.conftest import at, run_dispatch, without_questionnaire_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book())


def test_the_api_lists_reminders_with_filters_for_the_front_desk(
    api_as, receptionist, course, patient
):
    api = api_as(receptionist)
    first = course.appointments.get(number=1)
    body = api.get("/api/v1/reminders/").json()
    assert body["count"] == 9
    assert set(body["results"][0]) == {
        "id",
        "appointment",
        "kind",
        "channel",
        "due_at",
        "status",
        "sent_at",
        "attempts",
        "outcome_unknown",
        "last_error",
    }
    by_appointment = api.get(f"/api/v1/reminders/?appointment={first.pk}").json()
    assert {r["kind"] for r in by_appointment["results"]} == {"confirmation", "before_visit"}
    assert api.get(f"/api/v1/reminders/?patient={patient.pk}&status=pending").json()["count"] == 9
    assert api.get("/api/v1/reminders/?status=sent").json()["count"] == 0
    assert api.get("/api/v1/reminders/?status=bogus").status_code == 400
    assert api.get("/api/v1/reminders/?patient=x").status_code == 400


def test_the_api_shows_a_row_flagged_as_outcome_unknown_with_its_last_error(
    api_as, manager, course
):
    flagged = Reminder.objects.filter(kind="confirmation").get()
    Reminder.objects.filter(pk=flagged.pk).update(
        status="failed", outcome_unknown=True, last_error=STALE_UNKNOWN
    )

    body = api_as(manager).get("/api/v1/reminders/?status=failed").json()

    assert [(r["id"], r["outcome_unknown"], r["last_error"]) for r in body["results"]] == [
        (flagged.pk, True, STALE_UNKNOWN)
    ]


def test_practitioners_cannot_list_reminders(api_as, practitioner, course):
    assert api_as(practitioner.user).get("/api/v1/reminders/").status_code == 403


def test_the_appointment_snippet_shows_each_reminders_status(course, sms_outbox):
    with time_machine.travel(at(2027, 2, 28, 10), tick=False):
        run_dispatch()
    first = course.appointments.get(number=1)
    html = render_to_string(
        "reminders/_appointment_reminders.html", {"appointment": first, "clinic": Clinic.load()}
    )
    assert "Booking confirmation" in html and "Reminder before visit" in html
    assert html.count("Sent") == 2


def test_the_messages_page_is_for_the_front_desk(client_as, receptionist, practitioner, course):
    Reminder.objects.filter(kind="confirmation").update(status="failed", last_error="Email refused")
    page = client_as(receptionist).get("/messages/")
    assert page.status_code == 200 and "Email refused" in page.content.decode()
    assert 'badge text-bg-danger">1<' in page.content.decode()  # nav count
    assert client_as(practitioner.user).get("/messages/").status_code == 403


def test_the_patient_page_shows_the_communication_log(
    client_as, receptionist, course, patient, sms_outbox
):
    with time_machine.travel(at(2027, 2, 28, 10), tick=False):
        run_dispatch()
    page = client_as(receptionist).get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="messages"' in page
    assert page.count("Reminder before visit") == 8
    assert "Booking confirmation" in page
