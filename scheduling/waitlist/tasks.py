"""Celery tasks for the wait list: thin wrappers over `scheduling.waitlist.services`."""

from __future__ import annotations

from celery import shared_task

from scheduling.waitlist import services


@shared_task(ignore_result=True)
def expire_waitlist_offers() -> int:
    return services.offers_expire()
