"""Reminder dispatch throughput with a real Celery worker on Redis and PostgreSQL.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/reminders.py

Creates its own database (<name>_bench_reminders) and drops it at the end; uses the Redis
database of REDIS_URL and flushes it before and after. Prints two rates from the same run:
plain no-op Celery tasks (the broker and worker's own ceiling; the mean of a run before the
reminders and one after) and reminders dispatched (claimed, re-checked, attempt recorded, sent to
the file SMS backend, result recorded), and last their ratio, `reminders/noop: R`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))


def main() -> None:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")
    import psycopg

    parsed = urlparse(base_url)
    bench_db = f"{parsed.path.lstrip('/') or 'clinic'}_bench_reminders"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}"')
        admin.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{bench_db}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')


def run() -> None:
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    from scheduling.reminders.models import Reminder
    from scheduling.reminders.tasks import noop
    from tests.integration.reminder_worker import Worker, flush_redis, seed_due_reminders

    call_command("migrate", verbosity=0)
    broker = redis.Redis.from_url(settings.REDIS_URL)
    flush_redis()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    tuning = {
        "REMINDER_BATCH_SIZE": "100",
        "REMINDER_MAX_BATCHES": str(COUNT // 100 + 1),
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "300",
        "DEBUG": "false",
    }

    def noop_run() -> float:
        """Queue COUNT no-op tasks, then let one worker drain the queue; return tasks/s."""
        flush_redis()
        for _ in range(COUNT):
            noop.delay()
        worker = Worker(var_dir, "noop", beat=False, concurrency=CONCURRENCY, env=tuning).start()
        try:
            started = wait_for(lambda: broker.llen("celery") < COUNT)
            wait_for(lambda: broker.llen("celery") == 0, timeout=600)
            return COUNT / (time.monotonic() - started)
        finally:
            worker.stop()

    # No-op tasks before and after the reminders, so a drift in the machine's speed during the
    # run falls on both sides of the ratio alike.
    noop_rates = [noop_run()]

    # Reminders: COUNT due rows; one worker with embedded beat dispatching every second.
    flush_redis()
    ids = seed_due_reminders(COUNT)
    assert Reminder.objects.count() == len(ids)
    pending = Reminder.objects.all()  # an IN list of 10,000 ids would load the database
    worker = Worker(var_dir, "reminders", concurrency=CONCURRENCY, env=tuning).start()
    try:
        started = wait_for(lambda: pending.exclude(status="pending").exists())
        wait_for(
            lambda: not pending.filter(status__in=["pending", "claimed"]).exists(), timeout=900
        )
        reminder_rate = COUNT / (time.monotonic() - started)
    finally:
        worker.stop()
        flush_redis()
    noop_rates.append(noop_run())
    flush_redis()
    noop_rate = sum(noop_rates) / len(noop_rates)
    sent = pending.filter(status="sent").count()
    lines = (var_dir / "outbox" / "sms" / "messages.jsonl").read_text().count("\n")

    print(f"worker concurrency {CONCURRENCY}, {os.cpu_count()} CPUs, {COUNT} items each")
    print(
        f"no-op Celery tasks:    {noop_rate:8.0f} per second "
        f"(before {noop_rates[0]:.0f}, after {noop_rates[1]:.0f})"
    )
    print(
        f"reminders dispatched:  {reminder_rate:8.0f} per second ({sent} sent, {lines} delivered)"
    )
    print(f"reminders/noop: {reminder_rate / noop_rate:.2f}")


def wait_for(condition, timeout: float = 120, interval: float = 0.2) -> float:
    """Wait until `condition()` holds; return the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s")


if __name__ == "__main__":
    main()
