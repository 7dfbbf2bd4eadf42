"""The reminder tasks: recovery runs on its own schedule and queue, and every task is bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from clinic.celery import app
from scheduling.reminders import dispatch, tasks
from scheduling.reminders.models import Reminder
from tests.integration.reminder_worker import seed_due_reminders


def test_stale_claim_recovery_has_its_own_periodic_task_on_its_own_queue():
    schedule = settings.CELERY_BEAT_SCHEDULE
    recovery = schedule["recover-stale-reminder-claims"]

    assert recovery["task"] == tasks.recover_stale_reminders.name
    assert recovery["options"]["queue"] == "maintenance"
    assert app.amqp.router.route({}, tasks.recover_stale_reminders.name)["queue"].name == (
        "maintenance"
    )
    assert {queue.name for queue in settings.CELERY_TASK_QUEUES} == {"celery", "maintenance"}


def test_every_task_has_a_soft_and_a_hard_time_limit():
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_TIME_LIMIT < settings.REMINDER_CLAIM_TIMEOUT_SECONDS
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db
def test_dispatch_no_longer_recovers_and_the_recovery_task_does(settings):
    settings.SMS_BACKEND = "scheduling.reminders.sms.LocmemBackend"
    (stale,) = seed_due_reminders(1)
    long_ago = timezone.now() - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS + 60)
    Reminder.objects.filter(pk=stale).update(status="claimed", claimed_at=long_ago)

    dispatch.dispatch_due()
    assert Reminder.objects.get(pk=stale).status == "claimed"

    assert tasks.recover_stale_reminders() == (1, 0)
    assert Reminder.objects.get(pk=stale).status == "pending"
