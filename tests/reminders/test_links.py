"""Patient links: short, signed, single-purpose, expiring, single-use; GET shows, POST acts."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connections
from django.test import Client

from scheduling.models import Appointment
from scheduling.records.models import PainReport
from scheduling.reminders import links, tasks
from scheduling.reminders.models import PatientLink, Reminder
from tests.reminders.conftest import at, without_questionnaire_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book())


@pytest.fixture
def session(course):
    return course.appointments.get(number=2)  # Thu Mar 4, 10:00


def path(action, patient, appointment=None):
    return urlsplit(links.link_url(action, patient=patient, appointment=appointment)).path


def state(appointment):
    appointment.refresh_from_db()
    return appointment.status, appointment.changed_at, appointment.starts_at


def key_of(url):
    return url.split("/")[3].split(".")[0]


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_link_is_short_and_carries_no_database_id_or_patient_data(session, patient, settings):
    settings.SITE_URL = "https://clinic.example.com"
    for action, appointment in [
        ("confirm", session),
        ("cancel", session),
        ("pain", session),
        ("visits", None),
        ("unsubscribe", None),
    ]:
        url = links.link_url(action, patient=patient, appointment=appointment)
        token = url.removeprefix(f"https://clinic.example.com/p/{action}/").removesuffix("/")
        key, signature = token.split(".")
        assert (len(key), len(signature)) == (12, 12), url
        assert len(url) == len(f"https://clinic.example.com/p/{action}/") + 26, url
        assert len(url) <= 67, url  # 63 for a confirm link, 67 for the longest action
        assert str(patient.public_id) not in url and patient.phone[1:] not in url
        link = PatientLink.objects.get(key=key)
        assert (link.action, link.patient, link.appointment) == (action, patient, appointment)
    confirm = links.link_url("confirm", patient=patient, appointment=session)
    assert len(confirm) <= 63


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_rendering_again_reuses_the_link_until_it_is_used(client, session, patient):
    first = path("confirm", patient, session)
    assert path("confirm", patient, session) == first
    assert path("cancel", patient, session) != first  # one link per action
    assert PatientLink.objects.count() == 2
    assert client.post(first).status_code == 200
    assert path("confirm", patient, session) != first
    assert PatientLink.objects.count() == 3


def test_a_link_past_half_its_life_is_not_reused_and_expired_ones_are_purged(
    client, session, patient, settings
):
    settings.PATIENT_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(at(2027, 1, 20, 12), tick=False):
        old = path("visits", patient)
    with time_machine.travel(at(2027, 2, 1, 12), tick=False):
        assert path("visits", patient) == old  # 18 days left
    with time_machine.travel(at(2027, 2, 10, 12), tick=False):
        newer = path("visits", patient)  # 9 days left: too few to send
        assert newer != old and client.get(old).status_code == 200
    with time_machine.travel(at(2027, 3, 1, 12), tick=False):
        assert client.get(old).status_code == 410
        path("unsubscribe", patient)  # making a link leaves the expired ones to the purge
        assert PatientLink.objects.filter(key=key_of(old)).exists()
        assert tasks.purge_expired_patient_links() == 1  # beat runs it every hour
        assert not PatientLink.objects.filter(key=key_of(old)).exists()
        assert PatientLink.objects.filter(key=key_of(newer)).exists()
        # The signature shows the link was ours: it reads as expired, not as invalid.
        response = client.get(old)
        assert response.status_code == 410 and "expired" in response.content.decode()
        assert client.get(newer).status_code == 200


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
    assert PatientLink.objects.get(key=key_of(url)).used_at is None
    assert client.post(url).status_code == 200
    assert state(session)[0] == Appointment.Status.CONFIRMED
    assert PatientLink.objects.get(key=key_of(url)).used_at == at(2027, 2, 20, 12)
    for method in (client.get, client.post):
        reused = method(url)
        assert reused.status_code == 410 and "already been used" in reused.content.decode()


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_tampered_and_wrong_action_links_are_refused_and_change_nothing(client, session, patient):
    url = path("confirm", patient, session)
    token = url.split("/")[3]
    key, signature = token.split(".")
    other_key = ("B" if key[0] == "A" else "A") + key[1:]
    tampered = [
        url.replace(token, f"{key}.{signature[:-3]}{'aaa' if signature[-3:] != 'aaa' else 'bbb'}"),
        url.replace(token, f"{other_key}.{signature}"),
        url.replace(token, key),  # no signature
        url.replace(token, f"{key}.{signature}x"),
    ]
    wrong_action = [url.replace("/p/confirm/", f"/p/{action}/") for action in ("cancel", "pain")]
    before = state(session)
    for bad in [*tampered, *wrong_action, "/p/cancel/nonsense/"]:
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 400, bad
            assert "not valid" in response.content.decode()
            assert "(212) 555-0100" in response.content.decode()
    assert state(session) == before
    assert Reminder.objects.filter(status="cancelled").count() == 0
    assert PatientLink.objects.filter(used_at__isnull=False).count() == 0


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
        assert PatientLink.objects.get(key=key_of(url)).used_at is None


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_link_for_a_visit_moved_or_cancelled_since_does_not_act(client, course, patient):
    moved, cancelled = course.appointments.filter(number__in=(2, 3)).order_by("number")
    confirm_moved = path("confirm", patient, moved)
    cancel_moved = path("cancel", patient, moved)
    confirm_cancelled = path("confirm", patient, cancelled)
    hour = timedelta(hours=1)
    Appointment.objects.filter(pk=moved.pk).update(
        starts_at=moved.starts_at + hour, ends_at=moved.ends_at + hour
    )
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    before = state(moved), state(cancelled)
    for url in (confirm_moved, cancel_moved, confirm_cancelled):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 410, url
            assert "changed since we sent it" in response.content.decode()
    assert (state(moved), state(cancelled)) == before
    assert PatientLink.objects.filter(used_at__isnull=False).count() == 0
    # A new message for the moved visit gets a new link, which works.
    fresh = path("confirm", patient, moved)
    assert fresh != confirm_moved and client.post(fresh).status_code == 200


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


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_confirmed_visit_can_still_be_cancelled_from_the_same_message(client, session, patient):
    confirm, cancel = path("confirm", patient, session), path("cancel", patient, session)
    assert client.post(confirm).status_code == 200
    assert client.post(cancel).status_code == 200
    assert state(session)[0] == "cancelled"


def test_cancel_inside_the_late_window_is_refused_with_the_phone_number(client, session, patient):
    with time_machine.travel(at(2027, 3, 3, 11), tick=False):  # 23 hours before
        url = path("cancel", patient, session)
        page = client.get(url).content.decode()
        assert "can't be cancelled online" in page and "(212) 555-0100" in page
        response = client.post(url)
        assert response.status_code == 409
        assert "(212) 555-0100" in response.content.decode()
        assert state(session)[0] == "booked"
        assert PatientLink.objects.get(key=key_of(url)).used_at is None


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
        assert client.post(url, {"score": "4"}).status_code == 200  # a bad score did not use it
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
def test_visits_page_lists_upcoming_visits_in_local_time_and_can_be_opened_again(
    client, course, patient
):
    url = path("visits", patient)
    before = sorted((a.pk, *state(a)) for a in course.appointments.all())
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Mon Mar 1, 2027 at 10:00 AM EST" in text
        assert "Thu Mar 25, 2027 at 10:00 AM EDT" in text
    assert client.post(url).status_code == 405
    assert "sciatica" not in text.lower()
    assert sorted((a.pk, *state(a)) for a in course.appointments.all()) == before
    # Its confirm, move and cancel buttons are reused, not made afresh on every visit to the page.
    assert PatientLink.objects.count() == 1 + 3 * 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["confirm", "pain"])
def test_a_link_submitted_twice_at_once_acts_once(action, course, patient):
    session = course.appointments.get(number=2)
    if action == "pain":
        Appointment.objects.filter(pk=session.pk).update(status="completed")
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(url):
        try:
            barrier.wait(timeout=30)
            response = Client().post(url, {"score": "3"})
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        url = path(action, patient, session)
        threads = [threading.Thread(target=submit, args=(url,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(statuses) == [200, 410]
    if action == "pain":
        assert PainReport.objects.count() == 1
    else:
        assert state(session)[0] == Appointment.Status.CONFIRMED
    assert PatientLink.objects.get(key=key_of(url)).used_at is not None


def test_links_expire_after_the_setting(settings):
    assert settings.PATIENT_LINK_MAX_AGE_DAYS >= 1
    assert timedelta(days=settings.PATIENT_LINK_MAX_AGE_DAYS)
