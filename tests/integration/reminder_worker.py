"""Run real Celery workers against the test database and Redis, and seed due reminders.

Used by the integration tests and by bench/reminders.py. A worker is a subprocess in its own
process group, so a test can SIGKILL it with its pool children as a crash would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def zone_where_it_is_afternoon(now: datetime | None = None) -> str:
    """Return an Etc/GMT zone where the local hour is 14, so quiet hours never interfere."""
    now = now or datetime.now(UTC)
    shift = (14 - now.hour) % 24
    if shift > 14:
        shift -= 24
    return f"Etc/GMT{'-' if shift >= 0 else '+'}{abs(shift)}"


def seed_due_reminders(
    count: int,
    *,
    clinic_tz: str = "America/New_York",
    channel: str = "sms",
    first: int = 0,
    overdue: timedelta = timedelta(minutes=1),
) -> list[int]:
    """Create `count` patients with SMS consent and an email address, one upcoming visit each
    and one reminder by `channel`, due `overdue` ago. Patients are numbered from `first`, so
    several calls make different people with visits that do not overlap."""
    from clinic.models import Clinic, Practitioner, Room
    from patients.models import Patient
    from scheduling.models import Appointment, TreatmentCourse
    from scheduling.reminders.models import Reminder

    clinic = Clinic.load()
    clinic.name, clinic.phone, clinic.timezone = "Riverside Acupuncture", "+12125550100", clinic_tz
    clinic.save()
    room, _ = Room.objects.get_or_create(name="Bench room")
    practitioner, _ = Practitioner.objects.get_or_create(
        name="Bench Practitioner", email="p@example.com"
    )
    now = timezone.now()
    zone = zone_where_it_is_afternoon(now)
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"P{n}",
            last_name="Test",
            phone=f"+1212555{n:04d}",
            email=f"p{n}@example.com",
            preferred_channel=channel,
            sms_consent_at=now,
            timezone=zone,
        )
        for n in range(first, first + count)
    )
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=p, practitioner=practitioner, condition="sciatica")
        for p in patients
    )
    start = now + timedelta(days=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            course=course,
            number=1,
            patient=course.patient,
            practitioner=practitioner,
            room=room,
            starts_at=start + timedelta(minutes=30 * n),
            ends_at=start + timedelta(minutes=30 * n + 25),
        )
        for n, course in enumerate(courses, start=first)
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            appointment=a,
            patient_id=a.patient_id,
            kind="before_visit",
            channel=channel,
            offset_minutes=24 * 60,
            due_at=now - overdue,
        )
        for a in appointments
    )
    return [r.pk for r in reminders]


class Worker:
    """A `celery worker` subprocess (with embedded beat unless told otherwise)."""

    def __init__(
        self, var_dir: Path, name: str, *, beat: bool = True, concurrency: int = 2, env=None
    ):
        self.var_dir = var_dir
        self.name = name
        self.beat = beat
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.log = var_dir / f"{name}.log"

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url(),
            REDIS_URL=settings.REDIS_URL,
            VAR_DIR=str(self.var_dir),
            SMS_FILE_PATH=str(self.var_dir / "outbox" / "sms"),
            SMS_BACKEND="scheduling.reminders.sms.FileBackend",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            REMINDER_DISPATCH_SECONDS="1",
            REMINDER_CLAIM_TIMEOUT_SECONDS="5",
            REMINDER_BATCH_SIZE="25",
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> Worker:
        command = [
            CELERY,
            "-A",
            "clinic",
            "worker",
            f"--concurrency={self.concurrency}",
            "--loglevel=WARNING",
            f"--hostname={self.name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues=celery,maintenance",
        ]
        if self.beat:
            command += ["--beat", f"--schedule={self.var_dir / (self.name + '-beat')}"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(),
            start_new_session=True,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def sms_sent(var_dir: Path) -> Counter:
    """Return how many times each reminder id was handed to the SMS backend."""
    path = var_dir / "outbox" / "sms" / "messages.jsonl"
    if not path.exists():
        return Counter()
    return Counter(int(json.loads(line)["reference"]) for line in path.read_text().splitlines())


def wait_until(condition, *, timeout: float, interval: float = 0.25, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what or condition}")


def settled(ids) -> bool:
    from scheduling.reminders.models import Reminder

    return not Reminder.objects.filter(pk__in=ids, status__in=["pending", "claimed"]).exists()


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
