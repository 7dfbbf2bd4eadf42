"""The progress page reads a course's sessions, records and reports in a fixed number of
queries, however many sessions the course has."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.records.services import SessionValues, pain_report_create, session_record_create
from tests.records.conftest import NY

pytestmark = pytest.mark.django_db
AFTER_EVERYTHING = datetime(2027, 7, 1, 12, tzinfo=NY)


def recorded_course(make_course, patient, practitioner, sessions: int, start: datetime):
    """Return a course whose every session is recorded, amended once, with a pain report."""
    course = make_course(patient, practitioner, sessions=sessions, start=start)
    for appointment in course.appointments.order_by("number"):
        record = session_record_create(
            appointment=appointment,
            values=SessionValues(pain_before=7, pain_after=4, points="GB30, BL54", notes="Calm"),
            by=practitioner.user,
        )
        record.amendments.create(
            amended_by=practitioner.user,
            pain_before=8,
            pain_after=4,
            adverse_event="none",
            reason="Typo",
        )
        type(record).objects.filter(pk=record.pk).update(amended_at=AFTER_EVERYTHING)
        pain_report_create(
            patient=patient,
            score=5,
            source="link",
            at=appointment.starts_at + timedelta(days=1),
        )
    return course


def queries_for_progress(client, course) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/courses/{course.pk}/progress/")
    assert response.status_code == 200
    return len(queries)


def test_the_progress_page_of_24_sessions_takes_as_many_queries_as_of_8(
    client_as, practitioner, patient, make_course, time_machine, django_assert_num_queries
):
    time_machine.move_to(AFTER_EVERYTHING, tick=False)
    eight = recorded_course(
        make_course, patient, practitioner, 8, datetime(2027, 1, 4, 10, tzinfo=NY)
    )
    twenty_four = recorded_course(
        make_course, patient, practitioner, 24, datetime(2027, 2, 1, 10, tzinfo=NY)
    )
    client = client_as(practitioner.user)
    for_eight = queries_for_progress(client, eight)
    with django_assert_num_queries(for_eight):
        response = client.get(f"/courses/{twenty_four.pk}/progress/")
    page = response.content.decode()
    assert page.count("GB30") >= 24 and page.count("Typo") == 24


def test_the_session_table_prints_each_record_escaped_with_its_amendment(
    client_as, practitioner, patient, make_course, time_machine
):
    time_machine.move_to(AFTER_EVERYTHING, tick=False)
    course = make_course(
        patient, practitioner, sessions=3, start=datetime(2027, 1, 4, 10, tzinfo=NY)
    )
    first, second, third = course.appointments.order_by("number")
    record = session_record_create(
        appointment=first,
        values=SessionValues(
            pain_before=7,
            pain_after=4,
            points="BL54, GB30",
            techniques=["electro"],
            notes="<b>sore</b>\nbetter by evening",
            adverse_event="bruising",
            adverse_event_note="left <hip>",
            hip_side="left",
            faber="positive",
        ),
        by=practitioner.user,
    )
    record.amendments.create(
        amended_by=practitioner.user,
        pain_before=8,
        pain_after=4,
        adverse_event="none",
        reason="Typo",
    )
    type(record).objects.filter(pk=record.pk).update(amended_at=AFTER_EVERYTHING)
    third.status = third.Status.CANCELLED
    third.save(update_fields=["status"])

    page = client_as(practitioner.user).get(f"/courses/{course.pk}/progress/").content.decode()
    table = page[page.index('id="sessions"') : page.index("Reports between visits")]

    assert "&lt;b&gt;sore&lt;/b&gt;<br>better by evening" in table
    assert "<b>sore" not in table and "<hip>" not in table
    assert "BL54, GB30" in table  # in the order typed
    assert "Electro" in table and "Bruising" in table and "left &lt;hip&gt;" in table
    assert "FABER" in table
    assert 'badge text-bg-warning">Amended' in table and "(was 8→4): Typo" in table
    rows = table.split("<tr")[2:]  # after the header row
    assert len(rows) == 3
    assert ">Edit</a>" in rows[0]
    assert ">Record</a>" in rows[1] and f"/sessions/{second.pk}/record/" in rows[1]
    assert 'class="text-muted"' in rows[2] and "Record</a>" not in rows[2]


def test_the_lists_are_in_time_order_whatever_order_they_were_written_in(
    client_as, practitioner, patient, make_course, time_machine
):
    time_machine.move_to(AFTER_EVERYTHING, tick=False)
    start = datetime(2027, 1, 4, 10, tzinfo=NY)
    course = make_course(patient, practitioner, sessions=2, start=start)
    for days in (2, 1):  # the later report written first
        pain_report_create(
            patient=patient, score=days, source="link", at=start + timedelta(days=days)
        )
    course.questionnaires.all().delete()
    for stage, days in (("end", 40), ("baseline", 0), ("midpoint", 20)):
        course.questionnaires.create(stage=stage, created_at=start + timedelta(days=days))
    for stage, days in (("end", 40), ("midpoint", 20)):
        course.reviews.create(
            stage=stage,
            decision="continue",
            responder=True,
            note=f"{stage} note",
            decided_by=practitioner.user,
            decided_at=start + timedelta(days=days),
        )

    page = client_as(practitioner.user).get(f"/courses/{course.pk}/progress/").content.decode()
    page = page[page.index("Reports between visits") :]  # below the chart, which is in order

    def in_order(*texts: str) -> bool:
        places = [page.index(text) for text in texts]
        return places == sorted(places)

    assert in_order("Tue Jan 5, 10:00", "Wed Jan 6, 10:00")  # the reports
    assert in_order("<td>Baseline</td>", "<td>Midpoint</td>", "<td>End of course</td>")
    assert in_order("midpoint note", "end note")
