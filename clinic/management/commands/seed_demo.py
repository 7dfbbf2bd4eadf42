"""Load a demo clinic: hours, rooms, practitioners, patients and one login per role.

Running it again changes nothing: every row is looked up by a natural key first.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, OpeningHours, Practitioner, Room, WorkingHours
from clinic.roles import Role
from patients.models import Patient
from scheduling.services import BookingConflict, BookingError, course_book

DEMO_PASSWORD = "demo-clinic-2027"

CLINIC_HOURS = {
    0: (time(9), time(19)),
    1: (time(9), time(19)),
    2: (time(9), time(19)),
    3: (time(9), time(19)),
    4: (time(9), time(19)),
    5: (time(9), time(14)),
}
ROOMS = ["Room 1", "Room 2", "Room 3", "Room 4"]
DEMO_COURSES = [
    # patient's last name, practitioner's login, condition, weekdays, time
    ("Lopez", "mei", "sciatica", [0, 3], time(10)),
    ("Miller", "david", "trochanteric_bursitis", [2, 4], time(15, 30)),
]
PRACTITIONERS = [
    # username, first, last, weekdays worked
    ("mei", "Mei", "Chen", [0, 1, 2, 3, 4]),
    ("david", "David", "Okafor", [0, 2, 3, 4, 5]),
    ("sofia", "Sofia", "Alvarez", [1, 2, 3, 5]),
]
STAFF = [
    ("reception", "Rosa", "Diaz", Role.RECEPTIONIST),
    ("manager", "Martin", "Kowalski", Role.MANAGER),
]
PATIENTS = [
    ("Ana", "Lopez", date(1961, 4, 12), "ana.lopez@example.com", "+12125550101", "sms", True),
    (
        "James",
        "Miller",
        date(1955, 9, 30),
        "james.miller@example.com",
        "+12125550102",
        "email",
        False,
    ),
    ("Grace", "Kim", date(1978, 1, 5), "grace.kim@example.com", "+13475550103", "sms", True),
    ("Robert", "Brown", date(1949, 11, 22), "", "+17185550104", "none", False),
    ("Priya", "Shah", date(1983, 6, 17), "priya.shah@example.com", "", "email", False),
]


class Command(BaseCommand):
    help = "Load a demo clinic with logins for each role (safe to run twice)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        clinic = Clinic.load()
        if not clinic.phone:
            clinic.name = "Riverside Acupuncture"
            clinic.phone = "+12125550100"
            clinic.address = "120 Hudson Street\nNew York, NY 10013"
            clinic.save()
        for weekday, (opens, closes) in CLINIC_HOURS.items():
            OpeningHours.objects.get_or_create(
                clinic=clinic, weekday=weekday, defaults={"opens": opens, "closes": closes}
            )
        for name in ROOMS:
            Room.objects.get_or_create(name=name)
        for username, first, last, weekdays in PRACTITIONERS:
            user = self._user(username, first, last, Role.PRACTITIONER)
            practitioner, created = Practitioner.objects.get_or_create(
                user=user,
                defaults={"name": f"{first} {last}", "email": f"{username}@clinic.example.com"},
            )
            if created:
                WorkingHours.objects.bulk_create(
                    WorkingHours(
                        practitioner=practitioner,
                        weekday=day,
                        start=CLINIC_HOURS[day][0],
                        end=CLINIC_HOURS[day][1],
                    )
                    for day in weekdays
                )
        for username, first, last, role in STAFF:
            self._user(username, first, last, role)
        for first, last, born, email, phone, channel, consent in PATIENTS:
            # filter().first(): staff may since have registered a namesake by hand.
            if not Patient.objects.filter(
                first_name=first, last_name=last, date_of_birth=born
            ).exists():
                Patient.objects.create(
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    email=email,
                    phone=phone,
                    preferred_channel=channel,
                    sms_consent_at=timezone.now() if consent else None,
                )
        self._book_demo_courses()
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): reception, mei, david, sofia, manager"
        )

    def _book_demo_courses(self) -> None:
        """Book two courses from next Monday so the calendars and lists have something in them."""
        today = Clinic.load().today()
        monday = today + timedelta(days=7 - today.weekday())
        receptionist = User.objects.get(username="reception")
        for last, username, condition, weekdays, at in DEMO_COURSES:
            patient = Patient.objects.filter(last_name=last).order_by("pk").first()
            if patient is None or patient.courses.exists():
                continue
            try:
                course_book(
                    patient=patient,
                    practitioner=Practitioner.objects.get(user__username=username),
                    start_date=monday,
                    weekdays=weekdays,
                    time=at,
                    condition=condition,
                    by=receptionist,
                )
            except (BookingError, BookingConflict) as exc:
                self.stderr.write(f"Demo course for {patient} not booked: {exc}")

    def _user(self, username: str, first: str, last: str, role: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": role == Role.MANAGER},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user
