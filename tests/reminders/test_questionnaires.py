"""The hip questionnaire (HOOS, JR) is asked at baseline, midpoint and end through the patient's
links, with one nudge, under the same consent, quiet hours and caps as every other message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from scheduling.records.models import Questionnaire
from scheduling.records.services import SessionValues, session_record_create
from scheduling.reminders.models import PatientLink, Reminder
from scheduling.services import course_cancel
from tests.reminders.conftest import at, run_dispatch

pytestmark = pytest.mark.django_db

HOOS_LINK = re.compile(r"https?://\S+/p/hoos/[^/\s]+/")
ALL_MILD = {f"item_{key}": "1" for key in ("stairs", "uneven", "rising", "bending", "lying")}


def invitations(**filters):
    return Reminder.objects.filter(
        kind__in=[Reminder.Kind.QUESTIONNAIRE, Reminder.Kind.QUESTIONNAIRE_NUDGE], **filters
    ).order_by("due_at")


def record(course, number: int, moment):
    appointment = course.appointments.get(number=number)
    with time_machine.travel(moment, tick=False):
        session_record_create(
            appointment=appointment,
            values=SessionValues(pain_before=6, pain_after=4),
            by=course.practitioner.user,
        )


def hoos_links(sent) -> list[str]:
    return [m for _r, _c, text in sent() for m in HOOS_LINK.findall(text)]


@pytest.fixture
def course(book):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        return book()


def test_booking_asks_the_baseline_questionnaire_with_the_confirmation(course):
    questionnaire = Questionnaire.objects.get(course=course)
    assert (questionnaire.stage, questionnaire.status, questionnaire.score) == (
        "baseline",
        "due",
        None,
    )
    invite, nudge = invitations()
    confirmation = Reminder.objects.get(kind=Reminder.Kind.CONFIRMATION)
    assert invite.kind == "questionnaire" and invite.questionnaire == questionnaire
    assert invite.due_at == confirmation.due_at == at(2027, 2, 15, 12)
    assert invite.appointment == course.appointments.get(number=1)  # due before session 1
    assert invite.channel == "sms"  # Ana chose texts and agreed to them
    assert (nudge.kind, nudge.due_at) == ("q_nudge", at(2027, 2, 18, 12))


def test_recording_session_4_asks_the_midpoint_and_session_8_the_end(course):
    record(course, 1, at(2027, 3, 1, 11))
    assert list(course.questionnaires.values_list("stage", flat=True)) == ["baseline"]
    for number, day in ((2, 4), (3, 8)):
        record(course, number, at(2027, 3, day, 11))
    record(course, 4, at(2027, 3, 11, 11))  # Thu 11 March
    midpoint = course.questionnaires.get(stage="midpoint")
    assert midpoint.status == "due"
    assert course.questionnaires.get(stage="baseline").status == "expired"  # never answered
    invite = invitations(questionnaire=midpoint).first()
    assert invite.appointment.number == 4 and invite.due_at == at(2027, 3, 11, 11)
    for number, day in ((5, 15), (6, 18), (7, 22)):
        record(course, number, at(2027, 3, day, 11))
    assert not course.questionnaires.filter(stage="end").exists()
    record(course, 8, at(2027, 3, 25, 11))
    end = course.questionnaires.get(stage="end")
    assert end.status == "due" and course.questionnaires.get(stage="midpoint").status == "expired"
    assert invitations(questionnaire=end).count() == 2  # the invitation and its one nudge


def test_an_unanswered_questionnaire_is_nudged_once(course, sent, sms_outbox):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    assert len(hoos_links(sent)) == 1
    with time_machine.travel(at(2027, 2, 18, 11, 59), tick=False):
        run_dispatch()
    assert len(hoos_links(sent)) == 1  # not three days yet
    for day in (18, 19, 20, 21, 22):
        with time_machine.travel(at(2027, 2, day, 12, 5), tick=False):
            run_dispatch()
    links = hoos_links(sent)
    assert len(links) == 2 and links[0] == links[1]  # the same link, asked twice, no more
    assert list(invitations().values_list("status", flat=True)) == ["sent", "sent"]


def test_an_answered_questionnaire_is_not_nudged(course, client, sent):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    [link] = hoos_links(sent)
    with time_machine.travel(at(2027, 2, 16, 19), tick=False):
        assert client.post(link, {**ALL_MILD, "item_sitting": "0"}).status_code == 200
    with time_machine.travel(at(2027, 2, 18, 12, 5), tick=False):
        run_dispatch()
    nudge = invitations(kind="q_nudge").get()
    assert (nudge.status, nudge.last_error) == ("skipped", "The questionnaire is answered")
    assert len(hoos_links(sent)) == 1


def test_a_baseline_invitation_waits_out_quiet_hours(book, sent, mailoutbox, sms_outbox):
    with time_machine.travel(at(2027, 2, 15, 22, 30), tick=False):
        book()
        run_dispatch()
    assert mailoutbox == [] and sms_outbox == []  # nothing at night, not even by email
    invite = invitations(kind="questionnaire").get()
    assert invite.due_at == at(2027, 2, 16, 8)
    assert invitations(kind="q_nudge").get().due_at == at(2027, 2, 19, 8)
    with time_machine.travel(at(2027, 2, 16, 8, 0), tick=False):
        run_dispatch()
    assert len(hoos_links(sent)) == 1


def test_a_nudge_falling_due_at_night_waits_for_the_morning(course, sent):
    invitations(kind="q_nudge").update(due_at=at(2027, 2, 18, 21, 30))
    invitations(kind="questionnaire").update(status="sent")
    with time_machine.travel(at(2027, 2, 18, 21, 30), tick=False):
        run_dispatch()
    nudge = invitations(kind="q_nudge").get()
    assert (nudge.status, nudge.due_at) == ("pending", at(2027, 2, 19, 8))
    assert hoos_links(sent) == []


def test_no_invitation_without_consent_to_any_message(book, patient):
    patient.preferred_channel = "none"
    patient.save()
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        course = book()
    assert course.questionnaires.get().status == "due"  # staff can still enter the answers
    assert not invitations().exists()


def test_a_patient_without_sms_consent_is_asked_by_email(book, patient_without_consent, sent):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        book(patient=patient_without_consent)
        run_dispatch()
    assert set(invitations().values_list("channel", flat=True)) == {"email"}
    [(reminder, channel, text)] = [m for m in sent() if m[0].kind == "questionnaire"]
    assert channel == "email" and "six short questions about your hip" in text


def test_the_text_limit_holds_the_invitation_to_the_next_day(course, sent, sms_outbox):
    Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION).update(channel="sms")
    course.patient.email = ""
    course.patient.save()
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    assert len(sms_outbox) == 1  # one text a day: the confirmation went first
    assert invitations(kind="questionnaire").get().due_at == at(2027, 2, 16, 8)
    with time_machine.travel(at(2027, 2, 16, 8), tick=False):
        run_dispatch()
    assert len(sms_outbox) == 2 and len(hoos_links(sent)) == 1


def test_cancelling_the_course_closes_its_questionnaires_and_their_messages(
    course, receptionist, client, sent
):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    [link] = hoos_links(sent)
    with time_machine.travel(at(2027, 2, 16, 12), tick=False):
        course_cancel(course=course, by=receptionist)
    assert list(course.questionnaires.values_list("status", flat=True)) == ["expired"]
    nudge = invitations(kind="q_nudge").get()
    assert nudge.status == "cancelled"
    with time_machine.travel(at(2027, 2, 18, 12, 5), tick=False):
        run_dispatch()
        assert client.get(link).status_code == 410
    assert len(hoos_links(sent)) == 1


def test_cancelling_one_session_keeps_the_questionnaire(course, receptionist):
    from scheduling.services import appointment_cancel

    with time_machine.travel(at(2027, 2, 16, 12), tick=False):
        appointment_cancel(appointment=course.appointments.get(number=1), by=receptionist)
    assert set(invitations().values_list("status", flat=True)) == {"pending"}


def test_the_link_page_asks_six_questions_and_scores_the_answers(course, client, sent):
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        run_dispatch()
    [link] = hoos_links(sent)
    with time_machine.travel(at(2027, 2, 15, 18), tick=False):
        page = client.get(link)
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count('class="btn-check"') == 30  # six items, five answers each
        assert "Walking on an uneven surface" in html and 'name="viewport"' in html
        incomplete = client.post(link, ALL_MILD)  # sitting left out
        assert incomplete.status_code == 400
        assert "Item 6 (sitting) is not answered." in incomplete.content.decode()
        questionnaire = course.questionnaires.get()
        assert (questionnaire.status, questionnaire.score) == ("due", None)
        assert PatientLink.objects.get(action="hoos").used_at is None  # may try again
        done = client.post(link, {**ALL_MILD, "item_sitting": "2"})
        assert done.status_code == 200 and "Thank you for your answers" in done.content.decode()
        again = client.post(link, {**ALL_MILD, "item_sitting": "4"})
        assert again.status_code == 410
    questionnaire.refresh_from_db()
    assert questionnaire.answers == [1, 1, 1, 1, 1, 2]
    assert str(questionnaire.score) == "67.516"  # raw 7
    assert (questionnaire.status, questionnaire.source) == ("answered", "link")
    assert questionnaire.entered_by is None
    assert questionnaire.answered_at == at(2027, 2, 15, 18)


def test_a_forged_or_answered_link_is_refused(course, client, practitioner):
    from scheduling.records.services import questionnaire_answer

    assert client.get("/p/hoos/AAAAAAAAAAAA.BBBBBBBBBBBB/").status_code == 400
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        from scheduling.reminders.links import link_url

        url = link_url("hoos", patient=course.patient, questionnaire=course.questionnaires.get())
    questionnaire_answer(
        course=course, stage="baseline", answers=[0] * 6, source="staff", by=practitioner.user
    )
    with time_machine.travel(at(2027, 2, 15, 13), tick=False):
        assert client.get(url).status_code == 410  # answered in the room meanwhile
    assert course.questionnaires.get().source == "staff"


def test_the_invitation_is_minimum_necessary(book, sent):
    # The `sent` fixture checks every message: clinic, phone, visit time, a link, nothing clinical.
    with time_machine.travel(at(2027, 2, 15, 12), tick=False):
        book(condition="osteoarthritis")
        run_dispatch()
    with time_machine.travel(at(2027, 2, 18, 12) + timedelta(minutes=5), tick=False):
        run_dispatch()
    kinds = sorted(r.kind for r, _c, _t in sent() if r.kind in ("questionnaire", "q_nudge"))
    assert kinds == ["q_nudge", "questionnaire"]
