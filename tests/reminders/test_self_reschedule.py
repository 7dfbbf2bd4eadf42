"""A patient moves a visit from a link: the reminder and the visits page offer it, the page lists
the times a staff move would accept, and the move, its reminders and the link commit together.

Ana's course with Mei runs Mondays and Thursdays at 10:00 from 1 March 2027. Session 3 is Monday
8 March at 10:00; it may move to Monday 8 or Tuesday 9 March (after session 2 on Thursday 4, and
two days before session 4 on Thursday 11).
"""

from __future__ import annotations

import re
import threading
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEntry
from scheduling.models import Appointment
from scheduling.reminders import links
from scheduling.reminders.models import PatientLink
from scheduling.services import by_patient, course_book
from tests.reminders.conftest import at, run_dispatch, without_questionnaire_messages
from tests.reminders.test_messages import sms_segments

pytestmark = pytest.mark.django_db

NEW_TIME = "2027-03-09T20:00:00+00:00"  # Tuesday 9 March, 15:00 in New York
NEW_TIME_WORDS = "Tue Mar 9, 2027 at 3:00 PM EST"


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return without_questionnaire_messages(book())


@pytest.fixture
def third(course):
    return course.appointments.get(number=3)


def path(action, patient, appointment=None):
    return urlsplit(links.link_url(action, patient=patient, appointment=appointment)).path


def state(appointment):
    """Return what a move would change: the visit's time, status and who changed it when, and
    its reminders' due times and states."""
    appointment.refresh_from_db()
    reminders = sorted(
        appointment.reminders.values_list("pk", "due_at", "status", "superseded", "offset_minutes")
    )
    return appointment.starts_at, appointment.status, appointment.changed_at, reminders


def moves_audited() -> int:
    return AuditEntry.objects.filter(detail__startswith="rescheduled").count()


def link_used(url) -> bool:
    return PatientLink.objects.get(key=url.split("/")[3].split(".")[0]).used_at is not None


def test_the_reminder_before_a_visit_offers_to_move_it(book, patient_without_consent, sent):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        without_questionnaire_messages(book())  # Ana, by text, Mondays and Thursdays at 10:00
        without_questionnaire_messages(book(patient=patient_without_consent, time=time(14)))
    with time_machine.travel(at(2027, 3, 7, 14, 1), tick=False):
        run_dispatch()  # both reminders for Monday 8 March: Ana's by text, James's by email
        reminders = {
            reminder.patient.first_name: (channel, text)
            for reminder, channel, text in sent()
            if reminder.kind == "before_visit"
        }
        assert reminders["James"][0] == "email"
        move_url = re.search(r"Move it here: (\S+)", reminders["James"][1])[1]
        page = Client().get(urlsplit(move_url).path)
        assert page.status_code == 200
        assert "Move your visit" in page.content.decode()
        assert "Mon Mar 8, 2027 at 2:00 PM EST" in page.content.decode()

        channel, text = reminders["Ana"]
        assert channel == "sms" and "Confirm, move or cancel:" in text
        assert sms_segments(text) <= 2
        visits_url = re.search(r"https?://\S+/p/visits/\S+/", text)[0]
        visits = Client().get(urlsplit(visits_url).path)
        assert visits.content.decode().count("/p/move/") == 6  # every visit from Monday 8 March


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_the_page_lists_the_times_by_day_in_clinic_words(client, third, patient):
    page = client.get(path("move", patient, third))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mon Mar 8, 2027 at 10:00 AM EST" in text  # the time booked now
    days = re.findall(r'<legend class="[^"]*">([^<]+)</legend>', text)
    assert days == ["Mon 8 Mar", "Tue 9 Mar"]
    assert text.count('name="start"') == 18 + 19  # every half hour 09:00-18:00, less 10:00 Monday
    assert 'value="2027-03-09T20:00:00+00:00"' in text
    assert "sciatica" not in text.lower()


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_patient_moves_a_visit_and_the_front_desk_sees_who_moved_it(
    client, client_as, third, patient, receptionist
):
    url = path("move", patient, third)
    old_confirm, old_cancel = path("confirm", patient, third), path("cancel", patient, third)
    response = client.post(url, {"start": NEW_TIME})
    assert response.status_code == 200
    assert "Your visit has been moved" in response.content.decode()
    assert NEW_TIME_WORDS in response.content.decode()
    third.refresh_from_db()
    assert third.starts_at == at(2027, 3, 9, 15)
    assert third.ends_at - third.starts_at == third.course.appointments.get(number=2).ends_at - (
        third.course.appointments.get(number=2).starts_at
    )
    assert third.practitioner.name == "Mei Chen"
    [reminder] = third.reminders.filter(kind="before_visit")
    assert (reminder.status, reminder.due_at) == ("pending", at(2027, 3, 8, 15))
    assert link_used(url)
    entry = AuditEntry.objects.get(detail="rescheduled by the patient by link")
    assert (entry.user, entry.patient, entry.object_id) == (None, patient, str(third.pk))
    # The links of the message about the old time no longer act on the visit.
    assert client.post(old_confirm).status_code == 410
    assert client.post(old_cancel).status_code == 410
    assert Appointment.objects.get(pk=third.pk).status == "booked"

    staff_page = client_as(receptionist).get(reverse("patient-detail", args=[patient.pk]))
    log = staff_page.content.decode()
    assert "Session 3 moved by the patient by link on Feb 20, 12:00 PM" in log


def test_the_reminder_for_the_old_time_never_goes_and_one_for_the_new_time_does(
    client, third, patient, sent
):
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        assert client.post(path("move", patient, third), {"start": NEW_TIME}).status_code == 200
    with time_machine.travel(at(2027, 3, 7, 10, 1), tick=False):  # the old reminder's time
        run_dispatch()
    assert [r for r, _, _ in sent() if r.kind == "before_visit"] == []
    with time_machine.travel(at(2027, 3, 8, 15, 1), tick=False):  # a day before the new time
        run_dispatch()
    about_third = [text for r, _, text in sent() if r.appointment_id == third.pk]
    assert len(about_third) == 1 and NEW_TIME_WORDS in about_third[0]


def test_the_move_and_its_reminders_commit_or_roll_back_together(
    client, book, patient, settings, sms_outbox
):
    settings.REMINDER_OFFSETS_HOURS = [72, 24]
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        third = without_questionnaire_messages(book()).appointments.get(number=3)
    with time_machine.travel(at(2027, 3, 5, 10, 1), tick=False):
        run_dispatch()  # the three-day reminder for Monday 8 March goes out
    assert len(sms_outbox) == 1
    with time_machine.travel(at(2027, 3, 5, 12), tick=False):
        url = path("move", patient, third)
        target = links.read_token("move", url.split("/")[3])
        before = state(third)
        with pytest.raises(RuntimeError), links.claim(target):
            by_patient.visit_move_by_patient(appointment=third, start=at(2027, 3, 9, 15))
            # Inside the one transaction: the visit moved, the text sent about the old time is
            # kept as superseded, a new three-day reminder is due for the new time, and the
            # day-before one now comes a day before the new time.
            rows = {
                (r.offset_minutes, r.superseded): r
                for r in third.reminders.filter(kind="before_visit")
            }
            assert Appointment.objects.get(pk=third.pk).starts_at == at(2027, 3, 9, 15)
            assert (rows[72 * 60, True].status, rows[72 * 60, False].status) == ("sent", "pending")
            assert rows[72 * 60, False].due_at == at(2027, 3, 6, 15)
            assert rows[24 * 60, False].due_at == at(2027, 3, 8, 15)
            raise RuntimeError("something fails after the move")
        assert state(third) == before
        assert not link_used(url)
        assert moves_audited() == 0
        # The link was not spent: the patient can still move the visit with it.
        assert client.post(url, {"start": NEW_TIME}).status_code == 200
        assert state(third) != before and moves_audited() == 1


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_reused_link_changes_nothing(client, third, patient):
    url = path("move", patient, third)
    assert client.post(url, {"start": NEW_TIME}).status_code == 200
    after = state(third)
    for method in (client.get, client.post):
        again = method(url, {"start": "2027-03-09T21:00:00+00:00"})
        assert again.status_code == 410 and "already been used" in again.content.decode()
    assert state(third) == after
    assert moves_audited() == 1


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_tampered_or_wrong_action_link_changes_nothing(client, third, patient):
    url = path("move", patient, third)
    token = url.split("/")[3]
    key, signature = token.split(".")
    cancel_token = path("cancel", patient, third).split("/")[3]
    bad_urls = [
        url.replace(token, f"{key}.{signature[:-1]}{'a' if signature[-1] != 'a' else 'b'}"),
        url.replace(token, f"{'B' if key[0] == 'A' else 'A'}{key[1:]}.{signature}"),
        url.replace(token, key),
        url.replace(token, cancel_token),  # a cancel link does not verify as a move link
    ]
    before = state(third)
    for bad in bad_urls:
        for method in (client.get, client.post):
            response = method(bad, {"start": NEW_TIME})
            assert response.status_code == 400, bad
            assert "not valid" in response.content.decode()
    assert state(third) == before
    assert PatientLink.objects.filter(used_at__isnull=False).count() == 0
    assert moves_audited() == 0


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
@pytest.mark.parametrize(
    "posted",
    [
        "",  # nothing chosen
        "next tuesday",
        "2027-03-09T15:00:00",  # no offset
        "2027-03-09T20:15:00+00:00",  # free, but not a time offered
        "2027-03-10T15:00:00+00:00",  # a day before session 4: breaks the course's rule
        "2027-03-08T15:00:00+00:00",  # the visit's own time
        "2027-03-30T14:00:00+00:00",  # weeks away
        "2027-02-19T15:00:00+00:00",  # in the past
    ],
)
def test_a_time_not_offered_is_refused_and_changes_nothing(client, third, patient, posted):
    url = path("move", patient, third)
    before = state(third)
    response = client.post(url, {"start": posted})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Please choose one of the times shown." in text
    assert text.count('name="start"') == 37  # the times are shown again
    assert state(third) == before
    assert not link_used(url) and moves_audited() == 0


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_a_time_taken_by_another_patient_meanwhile_is_refused(
    client, third, patient, patient_without_consent, practitioner, receptionist
):
    url = path("move", patient, third)
    assert 'value="2027-03-09T20:00:00+00:00"' in client.get(url).content.decode()
    course_book(
        patient=patient_without_consent,
        practitioner=practitioner,
        start_date=at(2027, 3, 9).date(),
        slots=[at(2027, 3, 9, 15)],
        sessions=1,
        condition="tendinitis",
        by=receptionist,
    )
    before = state(third)
    response = client.post(url, {"start": NEW_TIME})
    assert response.status_code == 400
    assert 'value="2027-03-09T20:00:00+00:00"' not in response.content.decode()
    assert state(third) == before and not link_used(url)


def test_inside_the_late_change_window_the_page_refuses_with_the_clinic_phone(
    client, third, patient
):
    with time_machine.travel(at(2027, 3, 7, 9), tick=False):
        url = path("move", patient, third)
        # A day and an hour before: still open, and no new time inside the window is offered.
        text = client.get(url).content.decode()
        assert 'value="2027-03-08T14:00:00+00:00"' not in text  # Monday 09:00
        assert 'value="2027-03-08T14:30:00+00:00"' in text  # Monday 09:30
    with time_machine.travel(at(2027, 3, 7, 11), tick=False):  # 23 hours before
        before = state(third)
        page = client.get(url)
        text = page.content.decode()
        assert page.status_code == 200
        assert "can't be moved online" in text and "(212) 555-0100" in text
        assert 'href="tel:+12125550100"' in text
        assert 'name="start"' not in text
        response = client.post(url, {"start": NEW_TIME})
        assert response.status_code == 409
        assert "(212) 555-0100" in response.content.decode()
        assert state(third) == before
        assert not link_used(url) and moves_audited() == 0


@time_machine.travel(at(2027, 2, 20, 12), tick=False)
def test_with_no_time_free_the_page_asks_the_patient_to_call(client, course, patient):
    second = course.appointments.get(number=2)  # Thursday 4 March, session 1 on Monday 1
    course.per_week = 1  # once a week: session 1's week is full and session 3 is on Monday 8
    course.save()
    url = path("move", patient, second)
    text = client.get(url).content.decode()
    assert "no free time to move this visit" in text and "(212) 555-0100" in text
    assert 'name="start"' not in text
    before = state(second)
    response = client.post(url, {"start": "2027-03-03T15:00:00+00:00"})
    assert response.status_code == 400
    assert state(second) == before and not link_used(url)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_move_link_submitted_twice_at_once_moves_the_visit_once(course, patient):
    third = course.appointments.get(number=3)
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(url, start):
        try:
            barrier.wait(timeout=30)
            response = Client().post(url, {"start": start})
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        url = path("move", patient, third)
        times = [NEW_TIME, "2027-03-09T21:00:00+00:00"]  # Tuesday 15:00 and 16:00
        threads = [threading.Thread(target=submit, args=(url, start)) for start in times]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(statuses) == [200, 410]
    third.refresh_from_db()
    assert third.starts_at in (at(2027, 3, 9, 15), at(2027, 3, 9, 16))
    assert moves_audited() == 1
    [reminder] = third.reminders.filter(kind="before_visit")
    assert reminder.due_at == third.starts_at - timedelta(hours=24)
