"""Staff pages against a hello-world view, served by the same gunicorn in the same run.

    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py

Creates its own database (<name>_bench_pages) and drops it at the end. Fills a week: one
practitioner with 84 visits (14 a day, Monday to Saturday), one with 500 and one with none, and a
course of 24 recorded sessions with a pain report after each. Prints the queries one render of
the week calendar takes at 0, 84 and 500 visits (and of the progress page), then serves the
project under gunicorn (2 sync workers, bench.settings: the project plus /bench/hello/) and
drives each page with a fixed number of requests from BENCH_CLIENTS processes. Prints, last,
`calendar/hello: A progress/hello: B`: each page's requests per second over hello-world's.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "600"))
HELLO_REQUESTS = int(os.environ.get("BENCH_HELLO_REQUESTS", "3000"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def main() -> None:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    import psycopg

    parsed = urlparse(base_url)
    bench_db = f"{parsed.path.lstrip('/') or 'clinic'}_bench_pages"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{bench_db}"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DEBUG"] = "false"
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
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    week, people = seed()
    calendar = "/calendar/?practitioner={}&date=" + week.isoformat()
    progress = f"/courses/{people['course'].pk}/progress/"

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    desk, clinician = Client(), Client()
    desk.force_login(people["receptionist"])
    clinician.force_login(people["mei"].user)
    counts = {}
    for visits in (0, 84, 500):
        with CaptureQueriesContext(connection) as queries:
            page = desk.get(calendar.format(people[visits].pk))
        assert page.status_code == 200 and page.content.count(b"cal-event ") == visits
        counts[visits] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        assert clinician.get(progress).status_code == 200
    print(
        "calendar queries per render: "
        + ", ".join(f"{visits} visits {n}" for visits, n in counts.items())
    )
    print(f"progress queries per render (24 sessions): {len(queries)}")

    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "clinic.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for_server(port)
        desk_cookie = f"sessionid={desk.cookies['sessionid'].value}"
        clinician_cookie = f"sessionid={clinician.cookies['sessionid'].value}"
        pages = {
            "hello": ("/bench/hello/", "", HELLO_REQUESTS),
            "calendar": (calendar.format(people[84].pk), desk_cookie, PAGE_REQUESTS),
            "progress": (progress, clinician_cookie, PAGE_REQUESTS),
        }
        for path, cookie, _count in pages.values():
            drive(port, path, cookie, 40)  # warm: templates compiled, connections open
        rates = {name: [] for name in pages}
        # Hello-world before and after the pages, so a drift in the machine's load shows.
        for name in ("hello", "calendar", "progress", "hello"):
            path, cookie, count = pages[name]
            rates[name].append(drive(port, path, cookie, count))
    finally:
        server.terminate()
        server.wait(timeout=30)
    hello = sum(rates["hello"]) / len(rates["hello"])
    print(f"gunicorn 2 sync workers, {CLIENTS} client processes, {os.cpu_count()} CPUs")
    print(f"hello-world:            {' / '.join(f'{r:6.0f}' for r in rates['hello'])} req/s")
    print(f"week calendar (84):     {rates['calendar'][0]:6.0f} req/s")
    print(f"progress (24 sessions): {rates['progress'][0]:6.0f} req/s")
    print(
        f"calendar/hello: {rates['calendar'][0] / hello:.3f} "
        f"progress/hello: {rates['progress'][0] / hello:.3f}"
    )


def seed():
    """Fill the week of the current Monday and a finished 24-session course; return the Monday
    and the people and course the pages show."""
    from django.contrib.auth.models import Group, User

    from clinic.models import Clinic, OpeningHours, Practitioner, Room, WorkingHours
    from clinic.roles import Role
    from patients.models import Patient
    from scheduling.models import Appointment, TreatmentCourse
    from scheduling.records.services import (
        SessionValues,
        pain_report_create,
        session_record_create,
    )

    clinic = Clinic.load()
    clinic.name, clinic.phone = "Riverside Acupuncture", "+12125550100"
    clinic.timezone = "America/New_York"
    clinic.save()
    OpeningHours.objects.bulk_create(
        OpeningHours(clinic=clinic, weekday=d, opens=wall(8), closes=wall(20)) for d in range(6)
    )
    rooms = [Room.objects.create(name=f"Room {n}") for n in (1, 2, 3)]

    def staff(username: str, role: str) -> User:
        user = User.objects.create_user(username, f"{username}@clinic.example.com", "x")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    receptionist = staff("rosa", Role.RECEPTIONIST)
    practitioners = {}
    for visits, name in ((84, "Mei Chen"), (500, "Sam Full"), (0, "Ida Empty")):
        user = staff(name.split()[0].lower(), Role.PRACTITIONER)
        practitioners[visits] = Practitioner.objects.create(user=user, name=name)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioners[visits], weekday=d, start=wall(8), end=wall(20))
            for d in range(6)
        )
    today = clinic.today()
    monday = today - timedelta(days=today.weekday())
    first = datetime.combine(monday, wall(8), tzinfo=clinic.tz)
    patients = Patient.objects.bulk_create(
        Patient(first_name=f"Patient{n}", last_name="Bench", preferred_channel="none")
        for n in range(200)
    )
    # Mei: 14 visits a day, every 30 minutes from 08:00, Monday to Saturday.
    mei_starts = [first + timedelta(days=d, minutes=30 * n) for d in range(6) for n in range(14)]
    # Sam: 500 five-minute visits, about 84 a day.
    full_starts = [first + timedelta(days=n // 84, minutes=5 * (n % 84)) for n in range(500)]
    for practitioner, starts, length, patient_pool, room in (
        (practitioners[84], mei_starts, 25, patients[:84], rooms[0]),
        (practitioners[500], full_starts, 5, patients[84:184], rooms[1]),
    ):
        courses = TreatmentCourse.objects.bulk_create(
            TreatmentCourse(patient=p, practitioner=practitioner, condition="sciatica")
            for p in patient_pool
        )
        Appointment.objects.bulk_create(
            Appointment(
                course=courses[n % len(courses)],
                number=n // len(courses) + 1,
                patient=courses[n % len(courses)].patient,
                practitioner=practitioner,
                room=room,
                starts_at=start,
                ends_at=start + timedelta(minutes=length),
            )
            for n, start in enumerate(starts)
        )
    # Ana's finished course with Mei: 24 sessions, Mondays and Thursdays at 17:00.
    ana = Patient.objects.create(first_name="Ana", last_name="Lopez", preferred_channel="none")
    mei = practitioners[84]
    course = TreatmentCourse.objects.create(
        patient=ana, practitioner=mei, condition="sciatica", sessions_planned=24
    )
    course_start = datetime.combine(monday - timedelta(weeks=13), wall(17), tzinfo=clinic.tz)
    sessions = Appointment.objects.bulk_create(
        Appointment(
            course=course,
            number=n + 1,
            patient=ana,
            practitioner=mei,
            room=rooms[2],
            starts_at=course_start + timedelta(weeks=n // 2, days=3 * (n % 2)),
            ends_at=course_start + timedelta(weeks=n // 2, days=3 * (n % 2), minutes=45),
        )
        for n in range(24)
    )
    for n, session in enumerate(sessions):
        session_record_create(
            appointment=session,
            values=SessionValues(
                pain_before=8 - n // 4, pain_after=6 - n // 4, points="GB30, BL54, GB34"
            ),
            by=mei.user,
        )
        pain_report_create(
            patient=ana, score=7 - n // 4, source="link", at=session.ends_at + timedelta(days=1)
        )
    return monday, {**practitioners, "receptionist": receptionist, "mei": mei, "course": course}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            fetch(port, "/bench/hello/", "")
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")


def fetch(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200 or not body:
        raise RuntimeError(f"GET {path}: {response.status}")
    return len(body)


def _client(arguments) -> int:
    port, path, cookie, count = arguments
    for _ in range(count):
        fetch(port, path, cookie)
    return count


def drive(port: int, path: str, cookie: str, requests: int) -> float:
    """GET `path` `requests` times from CLIENTS processes, one request at a time each; return
    requests per second."""
    share = [(port, path, cookie, requests // CLIENTS)] * CLIENTS
    with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
        started = time.perf_counter()
        done = sum(pool.map(_client, share))
        return done / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
