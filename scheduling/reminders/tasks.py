"""Celery tasks for reminders: thin wrappers over `scheduling.reminders.dispatch`.

Beat runs `dispatch_due_reminders` every REMINDER_DISPATCH_SECONDS (CELERY_BEAT_SCHEDULE). It
claims due rows and fans them out as `send_reminders` batches, which any worker may run. No task
is ever scheduled with a countdown: waits live in the rows' `due_at`.

`recover_stale_reminders` runs on its own schedule and its own queue ("maintenance"), so stale
claims are recovered even while every send is stuck on a provider that does not answer.
"""

from __future__ import annotations

from celery import shared_task

from scheduling.reminders import dispatch, links


@shared_task(ignore_result=True)
def dispatch_due_reminders() -> int:
    return dispatch.dispatch_due(send=lambda ids: send_reminders.delay(ids))


@shared_task(ignore_result=True)
def recover_stale_reminders() -> tuple[int, int]:
    return dispatch.recover_stale_claims()


@shared_task(ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> None:
    dispatch.send_batch([int(pk) for pk in reminder_ids])


@shared_task(ignore_result=True)
def noop() -> None:
    """Do nothing: the benchmark's yardstick for Celery's own overhead."""


@shared_task(ignore_result=True)
def purge_expired_patient_links() -> int:
    return links.purge_expired()
