"""Real Celery workers and beat on Redis and PostgreSQL deliver each reminder exactly once.

The worker is a separate process, so deliveries are counted where it writes them: the file SMS
backend appends one line per send (O_APPEND) under a temporary VAR_DIR.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from scheduling.reminders.models import Reminder
from tests.integration.reminder_worker import (
    Worker,
    flush_redis,
    seed_due_reminders,
    settled,
    sms_sent,
    wait_until,
)
from tests.integration.silent_smtp import SilentSMTPServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
COUNT = 500


@pytest.fixture
def workers(tmp_path):
    flush_redis()
    started: list[Worker] = []

    def start(name: str, **options) -> Worker:
        worker = Worker(tmp_path, name, **options).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    flush_redis()


def outcome(ids, tmp_path):
    """Return (sent counts per id, ids sent, ids flagged as outcome unknown)."""
    counts = sms_sent(tmp_path)
    rows = dict(Reminder.objects.filter(pk__in=ids).values_list("pk", "status"))
    flagged = set(
        Reminder.objects.filter(pk__in=ids, status="failed", outcome_unknown=True).values_list(
            "pk", flat=True
        )
    )
    sent = {pk for pk, status in rows.items() if status == "sent"}
    return counts, sent, flagged


def assert_exactly_once(ids, tmp_path, *, allow_flagged: bool = False) -> int:
    counts, sent, flagged = outcome(ids, tmp_path)
    assert sent | flagged == set(ids), "a reminder was lost"
    assert all(counts[pk] == 1 for pk in sent), "a sent reminder was delivered twice or never"
    assert all(counts[pk] <= 1 for pk in flagged), "a flagged reminder was repeated"
    assert set(counts) <= set(ids)
    if not allow_flagged:
        assert flagged == set()
    return len(flagged)


def test_500_due_reminders_are_each_delivered_exactly_once(workers, tmp_path):
    ids = seed_due_reminders(COUNT)
    workers("w1")
    wait_until(lambda: settled(ids), timeout=90, what="all reminders sent")
    assert_exactly_once(ids, tmp_path)
    assert sum(sms_sent(tmp_path).values()) == COUNT
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_mid_batch_loses_none_and_repeats_none(workers, tmp_path):
    ids = seed_due_reminders(COUNT)
    slow = {"SMS_BACKEND": "tests.integration.slow_sms.SlowFileBackend"}
    first = workers("w1", env=slow)
    wait_until(lambda: sum(sms_sent(tmp_path).values()) >= 100, timeout=60, what="100 sent")
    first.kill()  # SIGKILL to the worker, its pool and its beat
    before_restart = sum(sms_sent(tmp_path).values())
    assert before_restart < COUNT, "the kill came too late to test anything"
    assert Reminder.objects.filter(pk__in=ids, status__in=["pending", "claimed"]).exists()
    workers("w2", env=slow)
    wait_until(lambda: settled(ids), timeout=90, what="all reminders settled after restart")
    flagged = assert_exactly_once(ids, tmp_path, allow_flagged=True)
    # At most one chunk per pool process can be sending at the kill; those are flagged.
    assert flagged <= 2 * settings.REMINDER_SENDING_CHUNK
    print(f"killed after {before_restart} sent; {flagged} flagged as outcome unknown")


def test_flushing_redis_mid_run_loses_nothing(workers, tmp_path):
    ids = seed_due_reminders(COUNT)
    workers("w1", env={"SMS_BACKEND": "tests.integration.slow_sms.SlowFileBackend"})
    wait_until(lambda: sum(sms_sent(tmp_path).values()) >= 100, timeout=60, what="100 sent")
    flush_redis()  # queued send batches vanish; their rows are still claimed in the database
    assert sum(sms_sent(tmp_path).values()) < COUNT
    wait_until(lambda: settled(ids), timeout=90, what="all reminders sent after the flush")
    assert_exactly_once(ids, tmp_path)


def test_two_beats_at_once_send_no_duplicates(workers, tmp_path):
    ids = seed_due_reminders(COUNT)
    workers("w1", beat=True)
    workers("w2", beat=True)
    wait_until(lambda: settled(ids), timeout=90, what="all reminders sent")
    assert_exactly_once(ids, tmp_path)


def test_an_smtp_server_that_never_answers_holds_up_neither_texts_nor_recovery(workers, tmp_path):
    """Emails time out after EMAIL_TIMEOUT and wait for a retry; texts keep going; claims left by a
    crashed worker are recovered on time by their own task, although the emails come first."""
    emails = seed_due_reminders(20, channel="email", overdue=timedelta(minutes=10))
    texts = seed_due_reminders(50, first=100)
    stale = seed_due_reminders(10, first=200)
    crashed_at = timezone.now() - timedelta(hours=1)
    Reminder.objects.filter(pk__in=stale).update(status="claimed", claimed_at=crashed_at)
    limits = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_TIMEOUT": "2",
        "CELERY_TASK_SOFT_TIME_LIMIT": "4",
        "CELERY_TASK_TIME_LIMIT": "6",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "8",
        "REMINDER_RECOVERY_SECONDS": "1",
        "REMINDER_BATCH_SIZE": "5",
    }
    with SilentSMTPServer() as smtp:
        started = time.monotonic()
        workers("w1", env={**limits, "EMAIL_PORT": str(smtp.port)})
        wait_until(
            lambda: not Reminder.objects.filter(pk__in=stale, status="claimed").exists(),
            timeout=30,
            what="the crashed worker's claims recovered",
        )
        recovered_after = time.monotonic() - started
        wait_until(lambda: settled(texts + stale), timeout=90, what="every text sent")
        wait_until(
            lambda: not Reminder.objects.filter(pk__in=emails, attempts=0).exists(),
            timeout=120,
            what="every email tried once",
        )
        time.sleep(1)  # the last hung-up connections are noticed
        waits = sorted(smtp.handler.waits)

    counts, sent, _ = outcome(texts + stale, tmp_path)
    assert sent == set(texts + stale) and all(counts[pk] == 1 for pk in sent)
    rows = Reminder.objects.filter(pk__in=emails)
    assert not rows.filter(status="sent").exists()
    # smtplib reports its socket timeout as a lost connection.
    timed_out = rows.filter(status="pending", last_error="Email not sent: SMTPServerDisconnected")
    assert timed_out.exists(), set(rows.values_list("status", "last_error"))
    # A send cut short by the task's time limit may have gone out: flagged, never repeated.
    assert set(rows.exclude(pk__in=timed_out).values_list("status", "outcome_unknown")) <= {
        ("failed", True),
        ("claimed", True),
        ("claimed", False),
        ("pending", False),
    }
    # Clients gave up after EMAIL_TIMEOUT (2 s); none held on past the task's hard limit (6 s).
    # (Waits past the first can grow on a busy machine, as the worker's threads queue for CPU.)
    # A chunk stops at its first hung send, leaving the rest for a later try: one hang a chunk.
    assert len(waits) >= 4
    assert 1.8 <= waits[0] <= 3.0 and waits[-1] < 6, waits
    print(
        f"stale claims recovered after {recovered_after:.1f}s; {len(waits)} SMTP sends hung, "
        f"median wait {waits[len(waits) // 2]:.1f}s; {timed_out.count()} emails wait for a retry"
    )


def test_a_kill_while_a_whole_chunk_is_with_the_provider_flags_each_row_and_repeats_none(
    workers, tmp_path
):
    ids = seed_due_reminders(60)
    chunk = 10
    hanging = {
        "SMS_BACKEND": "tests.integration.slow_sms.HangingFileBackend",
        "REMINDER_SENDING_CHUNK": str(chunk),
        "SMS_CONCURRENCY": str(chunk),
    }
    first = workers("w1", concurrency=1, env=hanging)
    # The provider took the chunk's ten texts and never answered: all ten are "sending".
    wait_until(lambda: sum(sms_sent(tmp_path).values()) == chunk, timeout=60, what="a chunk out")
    sending = set(
        Reminder.objects.filter(pk__in=ids, status="claimed", outcome_unknown=True).values_list(
            "pk", flat=True
        )
    )
    assert sending == set(sms_sent(tmp_path)) and len(sending) == chunk
    first.kill()
    workers("w2", concurrency=1, env={"REMINDER_SENDING_CHUNK": str(chunk)})
    wait_until(lambda: settled(ids), timeout=90, what="all reminders settled after restart")
    counts, sent, flagged = outcome(ids, tmp_path)
    assert flagged == sending, "each row of the chunk is flagged for staff, and only those"
    assert all(counts[pk] == 1 for pk in flagged), "a flagged reminder was sent again"
    assert sent == set(ids) - sending
    assert all(counts[pk] == 1 for pk in sent)
