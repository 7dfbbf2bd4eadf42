"""Receptionists never see clinical notes or pain scores, in any page or API answer."""

from __future__ import annotations

import json

import pytest

from scheduling.records.services import SessionValues, pain_report_create, session_record_create
from tests.records.conftest import session

NOTE = "Needled left hip, patient mentioned QUOKKA-1144 flare"
# Scores as the clinical pages show them; none may appear for a receptionist.
SCORE_MARKERS = (
    "9/10",
    "2/10",
    "S1 before",
    "pain-chart",
    "Pain before",
    "pain_before",
    "pain_after",
)


@pytest.fixture
def recorded(ana_course, practitioner, patient):
    first = session(ana_course, 1)
    session_record_create(
        appointment=first,
        values=SessionValues(pain_before=9, pain_after=2, points="GB30, BL54", notes=NOTE),
        by=practitioner.user,
    )
    pain_report_create(patient=patient, score=2, source="link", course=ana_course)
    return first


def assert_clean(text: str, where: str) -> None:
    assert NOTE not in text and "QUOKKA" not in text, where
    for marker in SCORE_MARKERS:
        assert marker not in text, f"{marker!r} in {where}"


def test_receptionist_pages_never_show_notes_or_scores(client_as, receptionist, recorded):
    course_id, patient_id = recorded.course_id, recorded.patient_id
    client = client_as(receptionist)
    open_pages = [
        f"/patients/{patient_id}/",
        f"/courses/{course_id}/",
        "/calendar/?date=2027-03-01",
        "/calendar/day/?date=2027-03-01",
        "/attention/",
        "/",
    ]
    for path in open_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_clean(response.content.decode(), path)
    closed = [
        "/today/",
        f"/courses/{course_id}/progress/",
        f"/sessions/{recorded.pk}/record/",
        "/reports/outcomes/",
        "/reports/outcomes.csv",
    ]
    for path in closed:
        response = client.get(path)
        assert response.status_code == 403, path
        assert_clean(response.content.decode(), path)


def test_receptionist_api_answers_never_carry_notes_or_scores(api_as, receptionist, recorded):
    client = api_as(receptionist)
    course = client.get(f"/api/v1/courses/{recorded.course_id}/")
    assert course.status_code == 200
    assert course.json()["progress"] is None
    answers = [
        course,
        client.get(f"/api/v1/patients/{recorded.patient_id}/"),
        client.get("/api/v1/appointments/", {"patient": recorded.patient_id}),
        client.get(f"/api/v1/appointments/{recorded.pk}/"),
    ]
    for response in answers:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert_clean(json.dumps(response.json()), response.request["PATH_INFO"])
    record_url = f"/api/v1/appointments/{recorded.pk}/record/"
    read = client.get(record_url)
    assert read.status_code == 403
    assert_clean(json.dumps(read.json()), record_url)
    write = client.post(record_url, {"pain_before": 1, "pain_after": 0}, format="json")
    assert write.status_code == 403
    assert recorded.record.pain_before == 9


def test_clinical_staff_do_see_them_on_the_progress_page(client_as, practitioner, recorded):
    page = client_as(practitioner.user).get(f"/courses/{recorded.course_id}/progress/")
    text = page.content.decode()
    assert NOTE in text
    assert "pain-chart" in text
    assert "S1 before: 9/10" in text


def test_the_patient_page_links_to_progress_for_clinical_roles_only(
    client_as, receptionist, practitioner, recorded
):
    link = f"/courses/{recorded.course_id}/progress/"
    assert (
        link
        in client_as(practitioner.user).get(f"/patients/{recorded.patient_id}/").content.decode()
    )
    assert (
        link
        not in client_as(receptionist).get(f"/patients/{recorded.patient_id}/").content.decode()
    )
