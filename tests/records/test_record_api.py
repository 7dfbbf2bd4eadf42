"""POST and GET /api/v1/appointments/{id}/record/."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Appointment
from scheduling.records.models import SessionRecord, SessionRecordPoint
from tests.records.conftest import session

VALID = {
    "pain_before": 7,
    "pain_after": 4,
    "points": ["LI-15", "SJ-14", "GB30", "Tung 88.12"],
    "notes": "Tolerated well.",
}


def url(appointment) -> str:
    return f"/api/v1/appointments/{appointment.pk}/record/"


def assert_nothing_stored(appointment, status=Appointment.Status.BOOKED):
    assert SessionRecord.objects.count() == 0
    assert SessionRecordPoint.objects.count() == 0
    appointment.refresh_from_db()
    assert appointment.status == status


def test_a_valid_record_marks_the_appointment_completed_and_returns_normalised_codes(
    api_as, practitioner, ana_course, now
):
    first = session(ana_course, 1)
    response = api_as(practitioner.user).post(url(first), VALID, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {
        "id", "appointment", "pain_before", "pain_after", "points", "notes", "recorded_by",
        "recorded_at",
    }  # fmt: skip
    assert body["points"] == ["LI15", "TE14", "GB30", "TUNG-88.12"]
    assert (body["appointment"], body["pain_before"], body["pain_after"]) == (first.pk, 7, 4)
    assert body["recorded_by"] == "mei"
    assert body["recorded_at"].startswith("2027-03-31T")
    first.refresh_from_db()
    assert first.status == Appointment.Status.COMPLETED
    record = SessionRecord.objects.get()
    assert record.point_codes == ["LI15", "TE14", "GB30", "TUNG-88.12"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("pain_before", 11), ("pain_before", -1), ("pain_after", 11), ("pain_after", -1)],
)
def test_pain_outside_0_to_10_is_a_400_and_stores_nothing(
    api_as, practitioner, ana_course, field, value
):
    first = session(ana_course, 1)
    response = api_as(practitioner.user).post(url(first), {**VALID, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert_nothing_stored(first)


def test_an_unknown_point_is_a_400_with_suggestions_and_stores_nothing(
    api_as, practitioner, ana_course
):
    first = session(ana_course, 1)
    body = {**VALID, "points": ["LI4", "GB31x", "ST37", "XX99"]}
    response = api_as(practitioner.user).post(url(first), body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert len(errors["points"]) == 2
    assert "GB31x" in errors["points"][0]
    assert [s["text"] for s in errors["point_suggestions"]] == ["GB31x", "XX99"]
    assert "GB31" in errors["point_suggestions"][0]["suggestions"]
    assert_nothing_stored(first)


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_a_cancelled_or_missed_session_cannot_be_recorded(api_as, practitioner, ana_course, status):
    first = session(ana_course, 1)
    Appointment.objects.filter(pk=first.pk).update(status=status)
    response = api_as(practitioner.user).post(url(first), VALID, format="json")
    assert response.status_code == 400
    assert "only an attended session can be recorded" in response.json()["appointment"][0]
    assert_nothing_stored(first, status=status)


def test_a_session_is_recorded_once(api_as, practitioner, ana_course):
    first = session(ana_course, 1)
    client = api_as(practitioner.user)
    assert client.post(url(first), VALID, format="json").status_code == 201
    again = client.post(url(first), {**VALID, "pain_after": 1}, format="json")
    assert again.status_code == 400
    assert SessionRecord.objects.get().pain_after == 4


def test_a_session_not_yet_started_cannot_be_recorded(
    api_as, practitioner, make_course, patient_without_consent, now
):
    from datetime import datetime

    from tests.records.conftest import NY

    future = make_course(
        patient_without_consent, practitioner, start=datetime(2027, 4, 5, 10, tzinfo=NY)
    )
    response = api_as(practitioner.user).post(url(session(future, 1)), VALID, format="json")
    assert response.status_code == 400
    assert SessionRecord.objects.count() == 0


def test_another_practitioner_cannot_write_a_record_for_a_session_not_theirs(
    api_as, other_practitioner, ana_course
):
    first = session(ana_course, 1)
    response = api_as(other_practitioner.user).post(url(first), VALID, format="json")
    assert response.status_code == 403
    assert_nothing_stored(first)


def test_a_manager_may_read_but_not_post_a_record(api_as, manager, practitioner, ana_course):
    first = session(ana_course, 1)
    assert api_as(practitioner.user).post(url(first), VALID, format="json").status_code == 201
    assert (
        api_as(manager).post(url(session(ana_course, 2)), VALID, format="json").status_code == 403
    )
    response = api_as(manager).get(url(first))
    assert response.status_code == 200
    assert response.json()["notes"] == "Tolerated well."


def test_the_practitioner_reads_records_of_their_own_patients_only(
    api_as, practitioner, other_practitioner, ana_course
):
    first = session(ana_course, 1)
    api_as(practitioner.user).post(url(first), VALID, format="json")
    assert api_as(practitioner.user).get(url(first)).json()["pain_before"] == 7
    assert api_as(other_practitioner.user).get(url(first)).status_code == 403


def test_reading_a_session_without_a_record_is_404(api_as, practitioner, ana_course):
    assert api_as(practitioner.user).get(url(session(ana_course, 1))).status_code == 404


def test_reading_and_writing_a_record_is_audited(api_as, practitioner, ana_course):
    from clinic.models import AuditEntry

    first = session(ana_course, 1)
    client = api_as(practitioner.user)
    client.post(url(first), VALID, format="json")
    client.get(url(first))
    entries = AuditEntry.objects.filter(object_type="records.sessionrecord")
    assert sorted(entries.values_list("action", flat=True)) == ["create", "view"]
    assert {e.patient_id for e in entries} == {ana_course.patient_id}
    assert all("Tolerated" not in e.detail for e in entries)


@pytest.mark.django_db
def test_the_schema_describes_the_record_endpoint(api_as, manager):
    schema = api_as(manager).get("/api/v1/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/appointments/{id}/record/"]
    assert set(operations) >= {"get", "post"}
    assert set(operations["post"]["responses"]) == {"201", "400", "403"}
    request = operations["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = request.rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][name]["properties"]
    assert {"pain_before", "pain_after", "points", "notes"} <= set(fields)
    assert fields["pain_before"]["maximum"] == 10


def test_recording_a_session_schedules_the_pain_check_in_for_the_next_day(
    api_as, practitioner, patient, make_course, time_machine
):
    from scheduling.reminders.models import Reminder

    course = make_course(patient, practitioner)
    first = session(course, 1)
    time_machine.move_to(first.starts_at + timedelta(hours=1), tick=False)
    response = api_as(practitioner.user).post(url(first), VALID, format="json")
    assert response.status_code == 201, response.json()
    check_in = Reminder.objects.get(appointment=first, kind="check_in")
    local_due = check_in.due_at.astimezone(ZoneInfo("America/New_York"))
    assert local_due.date() == first.starts_at.astimezone(local_due.tzinfo).date() + timedelta(
        days=1
    )
    assert local_due.hour == 10
