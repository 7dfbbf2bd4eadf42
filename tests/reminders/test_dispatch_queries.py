"""A chunk of reminders costs the same number of queries whether it holds 10 rows or 100."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.reminders import dispatch
from scheduling.reminders.models import PatientLink, Reminder
from tests.integration.reminder_worker import seed_due_reminders

pytestmark = pytest.mark.django_db


def test_one_batch_of_100_reminders_takes_as_many_queries_as_one_of_10(
    settings, sms_outbox, django_assert_num_queries
):
    settings.REMINDER_SENDING_CHUNK = 100  # the whole batch is one chunk
    seed_due_reminders(110)
    first = dispatch.claim_due(limit=10)
    with CaptureQueriesContext(connection) as queries:
        dispatch.send_batch(first)
    second = dispatch.claim_due(limit=100)
    with django_assert_num_queries(len(queries)):
        dispatch.send_batch(second)
    assert Reminder.objects.filter(status="sent").count() == 110
    assert len(sms_outbox) == 110
    assert PatientLink.objects.count() == 110  # one link per text: the one it shows


def test_a_batch_is_sent_in_chunks_each_taking_the_same_queries(
    settings, sms_outbox, django_assert_num_queries
):
    settings.REMINDER_SENDING_CHUNK = 25
    seed_due_reminders(125)
    first = dispatch.claim_due(limit=25)
    with CaptureQueriesContext(connection) as queries:
        dispatch.send_batch(first)
    second = dispatch.claim_due(limit=100)
    # The clinic, and the closures and time off its visits may fall on, are read once per batch
    # (these visits lie within a month); everything else once per chunk of 25.
    per_batch = 3
    per_chunk = len(queries) - per_batch
    with django_assert_num_queries(per_batch + 4 * per_chunk):
        dispatch.send_batch(second)
    assert len(sms_outbox) == 125
