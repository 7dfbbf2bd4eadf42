"""Recording, correcting and amending a session; pain reports between visits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from scheduling.records.models import PainReport, SessionRecord, SessionRecordAmendment
from scheduling.records.services import (
    RecordForbidden,
    SessionValues,
    pain_report_create,
    session_record_create,
    session_record_update,
)
from scheduling.services import BookingError
from tests.records.conftest import session


def record_first(course, by, **overrides):
    values = SessionValues(
        **{"pain_before": 8, "pain_after": 5, "points": "LI4, ST36", "notes": "first", **overrides}
    )
    return session_record_create(appointment=session(course, 1), values=values, by=by)


def test_a_change_within_24_hours_corrects_the_record_in_place(
    practitioner, ana_course, time_machine, now
):
    record = record_first(ana_course, practitioner.user)
    time_machine.move_to(now + timedelta(hours=23), tick=False)
    values = SessionValues(pain_before=8, pain_after=4, points="LI4, ST36, GB30", notes="first")
    session_record_update(record=record, values=values, by=practitioner.user)
    record.refresh_from_db()
    assert (record.pain_after, record.point_codes) == (4, ["LI4", "ST36", "GB30"])
    assert not record.is_amended
    assert SessionRecordAmendment.objects.count() == 0


def test_a_change_after_24_hours_is_an_amendment_that_keeps_the_original(
    practitioner, ana_course, time_machine, now, client_as
):
    record = record_first(ana_course, practitioner.user)
    later = now + timedelta(hours=25)
    time_machine.move_to(later, tick=False)
    values = SessionValues(pain_before=8, pain_after=3, points="GB30", notes="corrected")
    with pytest.raises(BookingError) as missing_reason:
        session_record_update(record=record, values=values, by=practitioner.user)
    assert "reason" in missing_reason.value.errors
    session_record_update(
        record=record, values=values, by=practitioner.user, reason="After-score misheard"
    )
    record.refresh_from_db()
    assert (record.pain_after, record.notes, record.point_codes) == (3, "corrected", ["GB30"])
    assert record.amended_at == later
    original = SessionRecordAmendment.objects.get()
    assert (original.pain_before, original.pain_after) == (8, 5)
    assert (original.point_codes, original.notes) == (["LI4", "ST36"], "first")
    assert (original.amended_by, original.reason) == (practitioner.user, "After-score misheard")
    page = client_as(practitioner.user).get(f"/courses/{ana_course.pk}/progress/")
    assert "Amended" in page.content.decode()


def test_another_practitioner_cannot_record_or_amend(practitioner, other_practitioner, ana_course):
    with pytest.raises(RecordForbidden):
        record_first(ana_course, other_practitioner.user)
    record = record_first(ana_course, practitioner.user)
    with pytest.raises(RecordForbidden):
        session_record_update(
            record=record,
            values=SessionValues(pain_before=1, pain_after=1),
            by=other_practitioner.user,
        )
    record.refresh_from_db()
    assert record.pain_before == 8


def test_a_manager_may_record_any_session(manager, ana_course):
    assert record_first(ana_course, manager).recorded_by == manager


def test_adverse_event_other_needs_a_description(practitioner, ana_course):
    with pytest.raises(BookingError) as error:
        record_first(ana_course, practitioner.user, adverse_event="other")
    assert "adverse_event_note" in error.value.errors
    assert SessionRecord.objects.count() == 0


@pytest.mark.parametrize("column", ["pain_before", "pain_after"])
def test_the_database_refuses_pain_above_10(practitioner, ana_course, column):
    record = record_first(ana_course, practitioner.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionRecord.objects.filter(pk=record.pk).update(**{column: 11})


def test_pain_report_from_a_link_has_no_staff_member(patient, ana_course, now):
    report = pain_report_create(patient=patient, score=4, source="link")
    assert (report.score, report.source, report.entered_by, report.course) == (
        4,
        "link",
        None,
        None,
    )
    assert report.reported_at == now


def test_pain_report_entered_by_staff_for_a_course(patient, practitioner, ana_course, now):
    at = now - timedelta(days=2)
    report = pain_report_create(
        patient=patient, score=6, source="phone", course=ana_course, by=practitioner.user, at=at
    )
    assert (report.course, report.entered_by, report.reported_at) == (
        ana_course,
        practitioner.user,
        at,
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"score": 11}, "score"), ({"score": -1}, "score"), ({"source": "email"}, "source")],
)
def test_a_bad_pain_report_is_refused_and_stores_nothing(patient, arguments, field):
    with pytest.raises(BookingError) as error:
        pain_report_create(patient=patient, **{"score": 5, "source": "link", **arguments})
    assert field in error.value.errors
    assert PainReport.objects.count() == 0


def test_a_pain_report_cannot_name_another_patients_course(patient_without_consent, ana_course):
    with pytest.raises(BookingError):
        pain_report_create(
            patient=patient_without_consent, score=3, source="phone", course=ana_course
        )
    assert PainReport.objects.count() == 0


@pytest.mark.django_db
def test_the_database_refuses_a_report_score_above_10(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        PainReport.objects.create(patient=patient, score=11, source="phone")
