"""The Today list and the session form (which works without JavaScript)."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduling.models import Appointment
from scheduling.records.models import SessionRecord
from scheduling.records.services import SessionValues, pain_report_create, session_record_create
from tests.records.conftest import NY, session


def form_url(appointment) -> str:
    return f"/sessions/{appointment.pk}/record/"


def test_the_session_form_normalises_typed_points_and_completes_the_session(
    client_as, practitioner, ana_course
):
    first = session(ana_course, 1)
    response = client_as(practitioner.user).post(
        form_url(first),
        {
            "pain_before": "7",
            "pain_after": "5",
            "points": "SJ-14, gb 30,Tung 88.12",
            "techniques": ["manual", "electro"],
            "adverse_event": "none",
            "notes": "Stiff in the morning.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{ana_course.pk}/progress/"
    record = SessionRecord.objects.get()
    assert record.point_codes == ["TE14", "GB30", "TUNG-88.12"]
    assert record.techniques == ["manual", "electro"]
    first.refresh_from_db()
    assert first.status == Appointment.Status.COMPLETED


def test_an_unknown_point_in_the_form_shows_suggestions_and_stores_nothing(
    client_as, practitioner, ana_course
):
    first = session(ana_course, 1)
    response = client_as(practitioner.user).post(
        form_url(first),
        {"pain_before": "7", "pain_after": "5", "points": "LI4, GB31x", "adverse_event": "none"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Unknown acupuncture point" in text and "Did you mean GB31" in text
    assert SessionRecord.objects.count() == 0
    first.refresh_from_db()
    assert first.status == Appointment.Status.BOOKED


def test_the_form_offers_the_points_of_the_last_session(client_as, practitioner, ana_course):
    session_record_create(
        appointment=session(ana_course, 1),
        values=SessionValues(pain_before=7, pain_after=5, points="GB30, BL54, TE14"),
        by=practitioner.user,
    )
    client = client_as(practitioner.user)
    page = client.get(form_url(session(ana_course, 2))).content.decode()
    assert 'data-same-points="GB30, BL54, TE14"' in page
    prefilled = client.get(form_url(session(ana_course, 2)), {"same_points": "1"}).content.decode()
    assert 'value="GB30, BL54, TE14"' in prefilled


def test_a_cancelled_session_in_the_form_gives_a_clear_error(client_as, practitioner, ana_course):
    first = session(ana_course, 1)
    Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.CANCELLED)
    response = client_as(practitioner.user).post(
        form_url(first), {"pain_before": "7", "pain_after": "5", "adverse_event": "none"}
    )
    assert "only an attended session can be recorded" in response.content.decode()
    assert SessionRecord.objects.count() == 0


def test_another_practitioner_gets_403_on_the_form(client_as, other_practitioner, ana_course):
    first = session(ana_course, 1)
    client = client_as(other_practitioner.user)
    assert client.get(form_url(first)).status_code == 403
    post = client.post(form_url(first), {"pain_before": "7", "pain_after": "5"})
    assert post.status_code == 403
    assert SessionRecord.objects.count() == 0


@pytest.fixture
def monday(time_machine):
    """Monday 8 March 2027, 08:00: Ana's session 3 is at 10:00."""
    time_machine.move_to(datetime(2027, 3, 8, 8, tzinfo=NY), tick=False)


def test_today_lists_own_sessions_with_the_last_score(
    client_as, practitioner, other_practitioner, make_course, patient, patient_without_consent,
    rooms, monday,
):  # fmt: skip
    ana = make_course(patient, practitioner)
    make_course(
        patient_without_consent, other_practitioner, start=datetime(2027, 3, 1, 11, tzinfo=NY),
        room=rooms[1],
    )  # fmt: skip
    pain_report_create(patient=patient, score=4, source="link", at=datetime(2027, 3, 6, tzinfo=NY))
    page = client_as(practitioner.user).get("/today/").content.decode()
    assert "Ana Lopez" in page and "James Miller" not in page
    assert "3 of 8" in page
    assert "4/10" in page and "reported by link" in page
    # The session has not started yet: the button says when recording opens.
    assert f"/sessions/{session(ana, 3).pk}/record/" not in page
    assert "record from 10:00" in page


def test_a_session_not_started_is_refused_before_the_form_is_filled(
    client_as, practitioner, make_course, patient, monday
):
    third = session(make_course(patient, practitioner), 3)  # Monday 10:00, the clock at 08:00
    response = client_as(practitioner.user).get(form_url(third), follow=True)
    page = response.content.decode()
    assert "Session 3 starts at 10:00 on Mon Mar 8: it can be recorded from then." in page
    assert 'name="pain_before"' not in page
    assert not SessionRecord.objects.exists()


def test_the_manager_sees_every_practitioners_sessions_today(
    client_as, manager, practitioner, other_practitioner, make_course, patient,
    patient_without_consent, rooms, monday,
):  # fmt: skip
    make_course(patient, practitioner)
    make_course(
        patient_without_consent, other_practitioner, start=datetime(2027, 3, 1, 11, tzinfo=NY),
        room=rooms[1],
    )  # fmt: skip
    page = client_as(manager).get("/today/").content.decode()
    assert "Ana Lopez" in page and "James Miller" in page
    assert "Mei Chen" in page and "David Okafor" in page


def test_today_says_so_when_there_is_nothing_booked(client_as, practitioner, monday):
    page = client_as(practitioner.user).get("/today/").content.decode()
    assert "No sessions booked for this day." in page


def test_today_steps_to_the_day_before_and_after(client_as, practitioner):
    page = client_as(practitioner.user).get("/today/", {"day": "2027-03-01"}).content.decode()
    assert 'href="?day=2027-02-28"' in page
    assert 'href="?day=2027-03-02"' in page
    assert "Monday, March 1, 2027" in page
