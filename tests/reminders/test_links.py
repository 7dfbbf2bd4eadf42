"""Patient links: signed, single-purpose, expiring, single-use; GET shows, POST acts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from scheduling import links
from scheduling.models import Appointment, PainReport, Reminder
from tests.reminders.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return book()


@pytest.fixture
def session(course):
    return course.appointments.get(number=2)  # Thu Mar 4, 10:00


def path(action, patient, appointment=None):
    return links.link_url(action, patient=patient, appointment=appointment).split("8000", 1)[-1]


def state(appointment):
    appointment.refresh_from_db()
    return appointment.status, appointment.changed_at


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_link_carries_no_database_id(session, patient):
    token = links.make_token("confirm", patient=patient, appointment=session)
    from django.core import signing

    payload = signing.loads(token, salt="scheduling.links.confirm")
    assert payload["p"] == str(patient.public_id)
    assert str(session.pk) != payload["a"] and len(payload["a"]) == 24


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_get_shows_and_post_confirms_once(client, session, patient):
    url = path("confirm", patient, session)
    before = state(session)
    for _ in range(2):
        page = client.get(url)
        assert (
            page.status_code == 200 and "Thu Mar 4, 2027 at 10:00 AM EST" in page.content.decode()
        )
    assert state(session) == before  # GET changed nothing
    assert client.post(url).status_code == 200
    assert state(session)[0] == Appointment.Status.CONFIRMED
    reused = client.post(url)
    assert reused.status_code == 410 and "already been used" in reused.content.decode()


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_tampered_and_wrong_action_links_are_refused_and_change_nothing(client, session, patient):
    url = path("confirm", patient, session)
    token = url.split("/")[3]
    tampered = url.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
    before = state(session)
    for bad in (tampered, url.replace("/p/confirm/", "/p/cancel/"), "/p/cancel/nonsense/"):
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 400, bad
            assert "not valid" in response.content.decode()
            assert "+12125550100" in response.content.decode()
    assert state(session) == before
    assert Reminder.objects.filter(status="cancelled").count() == 0


def test_an_expired_link_is_refused(client, session, patient, settings):
    settings.PATIENT_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(at(2027, 1, 20, 12), tick=False):
        url = path("cancel", patient, session)
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        before = state(session)
        assert client.get(url).status_code == 410
        response = client.post(url)
        assert response.status_code == 410 and "expired" in response.content.decode()
        assert state(session) == before


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_cancel_outside_the_late_window_cancels_the_visit_and_its_reminders(
    client, session, patient
):
    url = path("cancel", patient, session)
    assert client.get(url).status_code == 200
    assert state(session)[0] == "booked"
    assert client.post(url).status_code == 200
    assert state(session)[0] == "cancelled"
    assert set(session.reminders.values_list("status", flat=True)) == {"cancelled"}
    assert client.post(url).status_code == 410  # reused


def test_cancel_inside_the_late_window_is_refused_with_the_phone_number(client, session, patient):
    with time_machine.travel(at(2027, 3, 3, 11), tick=False):  # 23 hours before
        url = path("cancel", patient, session)
        page = client.get(url).content.decode()
        assert "can't be cancelled online" in page and "+12125550100" in page
        response = client.post(url)
        assert response.status_code == 409
        assert "+12125550100" in response.content.decode()
        assert state(session)[0] == "booked"


def test_pain_link_records_one_report_and_refuses_reuse(client, course, patient):
    session = course.appointments.get(number=1)
    Appointment.objects.filter(pk=session.pk).update(status="completed")
    with time_machine.travel(at(2027, 3, 2, 10), tick=False):
        url = path("pain", patient, session)
        page = client.get(url).content.decode()
        assert page.count('name="score"') == 11
        assert PainReport.objects.count() == 0
        assert client.post(url, {"score": "11"}).status_code == 400
        assert client.post(url, {"score": "x"}).status_code == 400
        assert PainReport.objects.count() == 0
        assert client.post(url, {"score": "4"}).status_code == 200
        report = PainReport.objects.get()
        assert (report.score, report.source, report.course_id, report.patient_id) == (
            4,
            "link",
            course.pk,
            patient.pk,
        )
        assert client.post(url, {"score": "2"}).status_code == 410
        assert PainReport.objects.count() == 1


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_unsubscribe_link_stops_email_at_once(client, course, patient_without_consent, book):
    patient = patient_without_consent
    url = path("unsubscribe", patient)
    assert client.get(url).status_code == 200
    patient.refresh_from_db()
    assert patient.email_opted_out_at is None
    assert client.post(url).status_code == 200
    patient.refresh_from_db()
    assert patient.email_opted_out_at == at(2027, 2, 20, 12)
    assert client.post(url).status_code == 410


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_visits_page_lists_upcoming_visits_in_local_time(client, course, patient):
    page = client.get(path("visits", patient))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mon Mar 1, 2027 at 10:00 AM EST" in text and "Thu Mar 25, 2027 at 10:00 AM EDT" in text
    assert client.post(path("visits", patient)).status_code == 405
    assert "sciatica" not in text.lower()


def test_links_expire_after_the_setting(settings):
    assert settings.PATIENT_LINK_MAX_AGE_DAYS >= 1
    assert timedelta(days=settings.PATIENT_LINK_MAX_AGE_DAYS)
