"""Many rows written in one statement keep each row's own values, whatever characters they hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.reminders import bulk
from scheduling.reminders.models import PatientLink, Reminder
from tests.integration.reminder_worker import seed_due_reminders

pytestmark = pytest.mark.django_db

AWKWARD = ['a "quoted", {braced} \\ text', "", "NULL", "ü ✓ ' ; --"]


def test_each_row_gets_its_own_values_including_awkward_text_and_nulls():
    ids = seed_due_reminders(4)
    rows = list(Reminder.objects.filter(pk__in=ids).order_by("pk"))
    stamp = timezone.now().replace(microsecond=123456)
    for n, (row, text) in enumerate(zip(rows, AWKWARD, strict=True)):
        row.status = Reminder.Status.FAILED if n % 2 else Reminder.Status.SENT
        row.last_error = text
        row.sent_at = None if n % 2 else stamp + timedelta(minutes=n)
        row.attempts = n + 1
    bulk.update_rows(Reminder, rows, ["status", "last_error", "sent_at", "attempts"])
    saved = list(Reminder.objects.filter(pk__in=ids).order_by("pk"))
    assert [r.last_error for r in saved] == AWKWARD
    assert [r.status for r in saved] == ["sent", "failed", "sent", "failed"]
    assert [r.sent_at for r in saved] == [stamp, None, stamp + timedelta(minutes=2), None]
    assert [r.attempts for r in saved] == [1, 2, 3, 4]


def test_a_conditional_update_skips_rows_claimed_at_another_time():
    ids = seed_due_reminders(2)
    claimed = timezone.now()
    Reminder.objects.filter(pk=ids[0]).update(status="claimed", claimed_at=claimed)
    Reminder.objects.filter(pk=ids[1]).update(
        status="claimed", claimed_at=claimed - timedelta(minutes=5)
    )
    rows = list(Reminder.objects.filter(pk__in=ids).order_by("pk"))
    for row in rows:
        row.status = Reminder.Status.SENT
    bulk.update_rows(
        Reminder, rows, ["status"], only_where={"claimed_at": claimed}, synchronous=False
    )
    assert dict(Reminder.objects.values_list("pk", "status")) == {
        ids[0]: "sent",
        ids[1]: "claimed",
    }


def test_inserted_rows_keep_their_values_and_leave_the_rest_to_their_defaults():
    ids = seed_due_reminders(2)
    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("appointment"))
    now = timezone.now()
    links = [
        PatientLink(
            key=f"key-{n}",
            action=PatientLink.Action.CONFIRM if n else PatientLink.Action.VISITS,
            patient_id=r.patient_id,
            appointment_id=r.appointment_id if n else None,
            appointment_starts_at=r.appointment.starts_at if n else None,
            created_at=now,
            expires_at=now + timedelta(days=30),
        )
        for n, r in enumerate(reminders)
    ]
    fields = ["key", "action", "patient", "appointment", "appointment_starts_at"]
    bulk.insert_rows(PatientLink, links, [*fields, "created_at", "expires_at"])
    saved = {link.key: link for link in PatientLink.objects.all()}
    assert set(saved) == {"key-0", "key-1"}
    assert saved["key-0"].appointment_id is None and saved["key-0"].action == "visits"
    assert saved["key-1"].appointment_id == reminders[1].appointment_id
    assert saved["key-1"].appointment_starts_at == reminders[1].appointment.starts_at
    assert saved["key-1"].used_at is None and saved["key-1"].questionnaire_id is None
