"""A database at the schema from before records and reminders had their own apps upgrades with
every row kept and readable through the new apps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinic.models import AuditEntry
from scheduling.models import Appointment
from scheduling.records.models import CourseReview, PainReport, SessionRecord
from scheduling.reminders.models import PatientLink, Reminder

BEFORE_SPLIT = [
    ("clinic", "0003_audit_and_calendar_feed"),
    ("patients", "0002_patient_timezone_must_exist"),
    ("scheduling", "0005_keep_reminders_of_moved_visits"),
]
START = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def fill_old_schema(apps) -> dict[str, int]:
    """Book a course with two sessions, record one, and schedule its reminders, through the
    historical models of the scheduling app as they were before the split."""
    get = apps.get_model
    patient = get("patients", "Patient").objects.create(first_name="Ana", last_name="Lopez")
    practitioner = get("clinic", "Practitioner").objects.create(name="Mei Chen")
    room = get("clinic", "Room").objects.create(name="Room 1")
    course = get("scheduling", "TreatmentCourse").objects.create(
        patient=patient, practitioner=practitioner, condition="sciatica"
    )
    first, second = (
        get("scheduling", "Appointment").objects.create(
            course=course,
            number=number,
            patient=patient,
            practitioner=practitioner,
            room=room,
            starts_at=START + timedelta(days=3 * (number - 1)),
            ends_at=START + timedelta(days=3 * (number - 1), minutes=60),
            status=status,
        )
        for number, status in ((1, "completed"), (2, "booked"))
    )
    record = get("scheduling", "SessionRecord").objects.create(
        appointment=first, pain_before=7, pain_after=4, notes="Tender at GB30."
    )
    get("scheduling", "SessionRecordPoint").objects.create(
        record=record, point_id="GB30", position=1
    )
    report = get("scheduling", "PainReport").objects.create(
        patient=patient, course=course, score=5, source="link"
    )
    review = get("scheduling", "CourseReview").objects.create(
        course=course, stage="midpoint", decision="continue", responder=False
    )
    reminder = get("scheduling", "Reminder").objects.create(
        appointment=second,
        patient=patient,
        kind="before_visit",
        channel="email",
        offset_minutes=1440,
        due_at=second.starts_at - timedelta(days=1),
    )
    link = get("scheduling", "PatientLink").objects.create(
        key="k" * 12,
        action="confirm",
        patient=patient,
        appointment=second,
        expires_at=START + timedelta(days=30),
    )
    get("clinic", "AuditEntry").objects.create(
        action="view", object_type="scheduling.sessionrecord", object_id=str(record.pk)
    )
    return {
        "record": record.pk,
        "second": second.pk,
        "report": report.pk,
        "review": review.pk,
        "reminder": reminder.pk,
        "link": link.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_split_keeps_every_row():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ids = fill_old_schema(migrate(BEFORE_SPLIT))

    migrate(latest)

    record = SessionRecord.objects.get(pk=ids["record"])
    assert (record.pain_before, record.pain_after, record.notes) == (7, 4, "Tender at GB30.")
    assert record.point_codes == ["GB30"]
    assert record.appointment.course.condition == "sciatica"
    assert PainReport.objects.get(pk=ids["report"]).score == 5
    assert CourseReview.objects.get(pk=ids["review"]).decision == "continue"
    reminder = Reminder.objects.get(pk=ids["reminder"])
    assert (reminder.kind, reminder.appointment_id) == ("before_visit", ids["second"])
    assert PatientLink.objects.get(pk=ids["link"]).appointment_id == ids["second"]
    assert Appointment.objects.get(pk=ids["second"]).reminders.count() == 1
    # Content types (and with them permissions) and the audit log name the new apps.
    assert ContentType.objects.get_for_model(SessionRecord).app_label == "records"
    assert ContentType.objects.get_for_model(Reminder).app_label == "reminders"
    assert not ContentType.objects.filter(app_label="scheduling", model="reminder").exists()
    assert AuditEntry.objects.get(object_id=str(ids["record"])).object_type == (
        "records.sessionrecord"
    )
