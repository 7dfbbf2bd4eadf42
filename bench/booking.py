"""Print the median time to plan and to book a course with 10,000 and 100,000 appointments.

Run on PostgreSQL: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic .venv/bin/python
bench/booking.py`. It creates (and afterwards drops) its own databases, fills each
with non-overlapping appointments spread over two years for 20 practitioners in 20 rooms, and
times `course_plan` and `course_book` for new patients inside that busy calendar. Each size has
its own database (`<name>_bench_10000`, `<name>_bench_100000`) and process, and the two are timed
side by side, run by run, so a burst of load elsewhere on the machine falls on both. Prints,
last, `plan 100k/10k: Q`, the plan median at 100,000 appointments over the one at 10,000.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall
from functools import partial
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (10_000, 100_000)
RUNS = 31  # medians of many runs, so a burst of load elsewhere on the machine moves them less
PRACTITIONERS = 20


def bench_database_url() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database; the bench creates <name>_bench beside it."
        )
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_bench"
    admin = urlunparse(parsed._replace(path="/postgres"))
    return urlunparse(parsed._replace(path="/" + name)), admin, name


def recreate(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_clinic():
    from clinic.models import Clinic, OpeningHours, Practitioner, Room, WorkingHours

    clinic = Clinic.load()
    OpeningHours.objects.bulk_create(
        OpeningHours(clinic=clinic, weekday=d, opens=wall(8), closes=wall(20)) for d in range(6)
    )
    practitioners, rooms = [], []
    for n in range(PRACTITIONERS):
        practitioner = Practitioner.objects.create(name=f"Practitioner {n:02d}")
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=d, start=wall(8), end=wall(20))
            for d in range(6)
        )
        practitioners.append(practitioner)
        rooms.append(Room.objects.create(name=f"Room {n:02d}"))
    return clinic, practitioners, rooms


def fill(count: int, first_day: date, practitioners, rooms, tz) -> None:
    """Bring the calendar to `count` appointments: each practitioner in their own room, 10 a
    day from 08:15, Mon-Sat, from `first_day` on (so planning sees a busy calendar)."""
    from patients.models import Patient
    from scheduling.models import Appointment, TreatmentCourse

    existing = Appointment.objects.count()
    patients = Patient.objects.bulk_create(
        Patient(first_name="Bench", last_name=f"{n:05d}", preferred_channel="none")
        for n in range(existing, existing + 2000)
    )
    courses = {
        p.pk: TreatmentCourse.objects.create(patient=patients[i], practitioner=p, condition="other")
        for i, p in enumerate(practitioners)
    }
    # Each fill has its own courses, numbered from 1, as the database wants them unique.
    numbers = {p.pk: itertools.count(1) for p in practitioners}
    rows, day, slot = [], first_day, 0
    while slot < count:
        if day.weekday() < 6:
            for hour_index, hour in enumerate(range(8, 18)):
                for index, practitioner in enumerate(practitioners):
                    slot += 1
                    if slot <= existing or slot > count:
                        continue  # the same grid of slots: skip those filled earlier
                    start = datetime.combine(day, wall(hour, 15), tzinfo=tz)
                    rows.append(
                        Appointment(
                            course=courses[practitioner.pk],
                            number=next(numbers[practitioner.pk]),
                            status="completed" if slot % 2 else "booked",
                            patient=patients[(index * 10 + hour_index) % len(patients)],
                            practitioner=practitioner,
                            room=rooms[index],
                            starts_at=start,
                            ends_at=start + timedelta(minutes=45),
                        )
                    )
        day += timedelta(days=1)
        if len(rows) >= 5000:
            _insert(rows)
            rows = []
    _insert(rows)


def _insert(rows) -> None:
    from scheduling.models import Appointment

    Appointment.objects.bulk_create(rows, batch_size=2000)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def serve(size: int, url: str, conn) -> None:
    """One calendar's process: set up a database of `size` appointments, say "ready", then
    plan and book a course for each run number the parent sends; reply (plan s, book s)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from patients.models import Patient
    from scheduling.services import course_book, course_plan

    call_command("migrate", verbosity=0)
    clinic, practitioners, rooms = setup_clinic()
    today = date.today()
    start_date = today + timedelta(days=14 - today.weekday())
    # The calendar is full from a week before the course, so planning wades through it.
    fill(size, start_date - timedelta(days=7), practitioners, rooms, clinic.tz)
    with connection.cursor() as cursor:
        # VACUUM too: otherwise autovacuum wakes up for the rows just inserted and competes
        # with the timed runs.
        cursor.execute("VACUUM ANALYZE")
    by = User.objects.get_or_create(username="bench")[0]
    conn.send("ready")
    while (run := conn.recv()) is not None:
        patient = Patient.objects.create(
            first_name="Timed", last_name=str(run), preferred_channel="none"
        )
        arguments = {
            "patient": patient,
            "practitioner": practitioners[run % len(practitioners)],
            "start_date": start_date,
            "weekdays": [0, 3],
            "time": wall(18, 15),
            "today": today,
        }
        plan = timed(partial(course_plan, **arguments))
        book = timed(partial(course_book, **arguments, condition="sciatica", by=by))
        conn.send((plan, book))
    connection.close()


def main() -> None:
    url, admin, name = bench_database_url()
    parsed = urlparse(url)
    urls = {size: urlunparse(parsed._replace(path=f"/{name}_{size}")) for size in SIZES}
    for size in SIZES:
        recreate(admin, f"{name}_{size}")
    context = multiprocessing.get_context("spawn")
    pipes, workers = {}, []
    try:
        for size in SIZES:
            parent, child = context.Pipe()
            worker = context.Process(target=serve, args=(size, urls[size], child))
            worker.start()
            pipes[size] = parent
            workers.append(worker)
        for size in SIZES:
            if pipes[size].recv() != "ready":
                raise RuntimeError(f"the {size:,} calendar did not start")
        print(f"PostgreSQL, {RUNS} runs each, course of 8 sessions (2 a week) for a new patient")
        print("Both calendars are planned side by side: run by run, alternating which goes first.")
        times = {size: [] for size in SIZES}
        for run in range(RUNS):
            for size in SIZES if run % 2 == 0 else reversed(SIZES):
                pipes[size].send(run)
                times[size].append(pipes[size].recv())
        print(f"{'appointments':>14} {'plan median':>12} {'book median':>12}")
        plans = {}
        for size in SIZES:
            plans[size] = statistics.median(plan for plan, _ in times[size])
            book = statistics.median(book for _, book in times[size])
            print(f"{size:>14,} {plans[size] * 1000:>10.1f}ms {book * 1000:>10.1f}ms")
        print(f"plan 100k/10k: {plans[100_000] / plans[10_000]:.2f}")
    finally:
        for pipe in pipes.values():
            pipe.send(None)
        for worker in workers:
            worker.join(timeout=60)
        for size in SIZES:
            recreate(admin, f"{name}_{size}", drop_only=True)


if __name__ == "__main__":
    main()
