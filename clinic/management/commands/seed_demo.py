"""Load a demo clinic that is alive on whatever day it runs: hours, rooms, practitioners, one
login per role, and patients at every stage of a course, dated relative to today.

- two finished courses: a responder, and a non-responder with osteoarthritis;
- two courses half way through, with pain scores and HOOS, JR answers;
- today's sessions for each practitioner: some checked in, one completed, one no-show (its
  course then needs attention), others still to come;
- on the Messages page, a text that failed and one whose outcome is unknown.

Demo patients carry `Patient.is_demo`. Running the command again deletes them with their courses,
sessions, records, questionnaires and messages, and builds them afresh for the new today;
patients staff registered are never touched, nor are the clinic's settings, staff and rooms once
made. There is no wait list in this version, so the demo has no wait-list entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, OpeningHours, Practitioner, Room, WorkingHours
from clinic.roles import Role
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records import hoos
from scheduling.records.models import (
    CourseReview,
    PainReport,
    Questionnaire,
    SessionRecord,
    SessionRecordPoint,
)
from scheduling.reminders.dispatch import STALE_UNKNOWN
from scheduling.reminders.models import Reminder

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
PRACTITIONERS = [
    # username, first, last, weekdays worked, the room they usually use
    ("mei", "Mei", "Chen", [0, 1, 2, 3, 4], "Room 1"),
    ("david", "David", "Okafor", [0, 2, 3, 4, 5], "Room 2"),
    ("sofia", "Sofia", "Alvarez", [1, 2, 3, 5], "Room 3"),
]
STAFF = [
    ("reception", "Rosa", "Diaz", Role.RECEPTIONIST),
    ("manager", "Martin", "Kowalski", Role.MANAGER),
]
PATIENTS = [
    # first, last, born, email, phone, channel, agreed to texts
    ("Ana", "Lopez", date(1961, 4, 12), "ana.lopez@example.com", "+12125550101", "sms", True),
    ("James", "Miller", date(1955, 9, 30), "james.miller@example.com", "+12125550102",
     "email", False),
    ("Grace", "Kim", date(1978, 1, 5), "grace.kim@example.com", "+13475550103", "sms", True),
    ("Robert", "Brown", date(1949, 11, 22), "", "+17185550104", "none", False),
    ("Priya", "Shah", date(1983, 6, 17), "priya.shah@example.com", "", "email", False),
    ("Helen", "Park", date(1970, 2, 8), "helen.park@example.com", "+12125550106", "sms", True),
    ("Tom", "Rivera", date(1966, 8, 3), "tom.rivera@example.com", "+12125550107", "sms", True),
    ("Linda", "Evans", date(1958, 12, 1), "linda.evans@example.com", "", "email", False),
]  # fmt: skip
POINTS = ["GB30", "GB29", "BL54", "GB34", "ST36"]


def twice_weekly(first: int) -> tuple[int, ...]:
    """Return the days (from today) of eight sessions two a week, the first on `first`."""
    return tuple(first + week * 7 + (3 if second else 0) for week in range(4) for second in (0, 1))


@dataclass(frozen=True)
class DemoCourse:
    """One demo course: sessions on these days from today, at `at`, and what happened."""

    patient: str  # last name
    practitioner: str  # login
    condition: str
    at: time
    days: tuple[int, ...]
    # Pain before/after for each session attended, in order; the rest are as `today_status`
    # says for today's session and booked after it.
    pain: tuple[tuple[int, int], ...] = ()
    today_status: str = ""
    hoos: tuple[tuple[str, tuple[int, ...]], ...] = ()
    decision: str = ""


COURSES = [
    # Finished three weeks ago: pain 7 -> 2, HOOS, JR 43 -> 80: a responder, discharged.
    DemoCourse("Kim", "sofia", "trochanteric_bursitis", time(14), twice_weekly(-52),
               pain=((7, 5), (6, 4), (5, 4), (5, 3), (4, 3), (3, 2), (3, 2), (2, 1)),
               hoos=(("baseline", (3, 3, 2, 3, 2, 2)), ("midpoint", (2, 2, 1, 2, 1, 1)),
                     ("end", (1, 1, 1, 0, 0, 0))), decision="discharge"),
    # Finished last week: osteoarthritis, pain 7 -> 6, HOOS, JR 33 -> 37: a non-responder
    # awaiting the end-of-course review.
    DemoCourse("Brown", "mei", "osteoarthritis", time(11), twice_weekly(-45),
               pain=((7, 5), (7, 5), (7, 6), (6, 5), (7, 5), (6, 5), (7, 5), (6, 4)),
               hoos=(("baseline", (3, 3, 3, 3, 3, 3)), ("end", (3, 3, 3, 3, 2, 3)))),
    # Half way: session 5 today, checked in. Pain 8 -> 5, HOOS, JR baseline and midpoint.
    DemoCourse("Lopez", "mei", "sciatica", time(10), twice_weekly(-14),
               pain=((8, 6), (7, 5), (6, 4), (5, 3)), today_status="checked_in",
               hoos=(("baseline", (3, 3, 2, 3, 2, 2)), ("midpoint", (2, 2, 2, 1, 1, 1)))),
    # Half way: session 4 today, completed (so the midpoint questionnaire is due).
    DemoCourse("Miller", "david", "early_arthritis", time(9), twice_weekly(-10),
               pain=((6, 5), (6, 4), (5, 4), (5, 3)), today_status="completed",
               hoos=(("baseline", (2, 3, 2, 2, 1, 2)),)),
    # Second session today, checked in.
    DemoCourse("Shah", "sofia", "piriformis_syndrome", time(9, 30), twice_weekly(-3),
               pain=((6, 4),), today_status="checked_in", hoos=(("baseline", (2, 2, 1, 2, 1, 1)),)),
    # First sessions today, still to come.
    DemoCourse("Park", "mei", "tendinitis", time(15), twice_weekly(0)),
    DemoCourse("Evans", "sofia", "labral_tear", time(15), twice_weekly(0)),
    # Missed this morning and not rebooked: the front desk's call list.
    DemoCourse("Rivera", "david", "sacroiliac_dysfunction", time(11), twice_weekly(0),
               today_status="no_show"),
]  # fmt: skip


class Command(BaseCommand):
    help = "Load a demo clinic alive today, with logins for each role (safe to run again)."

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
        for username, first, last, weekdays, _room in PRACTITIONERS:
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
        self._reset_demo_patients()
        self._build_courses(clinic)
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): reception, mei, david, sofia, manager"
        )

    def _reset_demo_patients(self) -> None:
        """Delete the demo patients and everything of theirs, then make them afresh."""
        demo = Patient.objects.filter(is_demo=True)
        courses = TreatmentCourse.objects.filter(patient__in=demo)
        # Records protect their sessions: they go first, then the courses take the rest.
        SessionRecord.objects.filter(appointment__course__in=courses).delete()
        courses.delete()
        demo.delete()
        now = timezone.now()
        Patient.objects.bulk_create(
            Patient(
                first_name=first,
                last_name=last,
                date_of_birth=born,
                email=email,
                phone=phone,
                preferred_channel=channel,
                sms_consent_at=now if consent else None,
                is_demo=True,
            )
            for first, last, born, email, phone, channel, consent in PATIENTS
        )

    def _build_courses(self, clinic: Clinic) -> None:
        today = clinic.today()
        tz = clinic.tz
        now = timezone.now()
        receptionist = User.objects.get(username="reception")
        rooms = {room.name: room for room in Room.objects.all()}
        staff = {
            username: (Practitioner.objects.get(user__username=username), rooms[room])
            for username, _f, _l, _w, room in PRACTITIONERS
        }
        for plan in COURSES:
            patient = Patient.objects.get(is_demo=True, last_name=plan.patient)
            practitioner, room = staff[plan.practitioner]
            course = TreatmentCourse.objects.create(
                patient=patient,
                practitioner=practitioner,
                condition=plan.condition,
                weekdays=[],
                preferred_time=plan.at,
                created_by=receptionist,
                created_at=now + timedelta(days=plan.days[0] - 14),
            )
            sessions = []
            for number, offset in enumerate(plan.days, start=1):
                starts = datetime.combine(today + timedelta(days=offset), plan.at, tzinfo=tz)
                length = 60 if number == 1 else 45
                sessions.append(
                    Appointment.objects.create(
                        course=course,
                        number=number,
                        patient=patient,
                        practitioner=practitioner,
                        room=room,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=length),
                        status=self._status(plan, number, offset),
                        changed_by=receptionist,
                    )
                )
            self._records(plan, sessions, practitioner)
            self._questionnaires(plan, course, sessions, practitioner)
            if plan.days[-1] < 0:
                course.status = TreatmentCourse.Status.COMPLETED
                course.save(update_fields=["status"])
            if plan.decision:
                self._decide(plan, course, practitioner, sessions[-1])
        self._messages(now)

    @staticmethod
    def _status(plan: DemoCourse, number: int, offset: int) -> str:
        if offset < 0:
            return Appointment.Status.COMPLETED
        if offset == 0 and plan.today_status:
            return plan.today_status
        return Appointment.Status.BOOKED

    @staticmethod
    def _records(plan: DemoCourse, sessions: list[Appointment], practitioner) -> None:
        attended = [s for s in sessions if s.status == Appointment.Status.COMPLETED]
        for session, (before, after) in zip(attended, plan.pain, strict=False):
            record = SessionRecord.objects.create(
                appointment=session,
                pain_before=before,
                pain_after=after,
                techniques=["manual"],
                hip_side="right" if session.number % 3 else "both",
                pain_sites=["lateral", "buttock"] if session.number == 1 else [],
                faber="positive" if session.number == 1 else "",
                fadir="negative" if session.number == 1 else "",
                recorded_by=practitioner.user,
                recorded_at=session.ends_at,
            )
            SessionRecordPoint.objects.bulk_create(
                SessionRecordPoint(record=record, point_id=code, position=position)
                for position, code in enumerate(POINTS[: 3 + session.number % 3], start=1)
            )
        if len(attended) >= 2 and plan.today_status != "completed":
            # A score the patient sent from the check-in link the day after the last visit.
            last = attended[-1]
            PainReport.objects.create(
                patient=last.patient,
                course=last.course,
                score=max(plan.pain[len(attended) - 1][1], 0),
                source=PainReport.Source.LINK,
                reported_at=last.starts_at + timedelta(days=1, hours=2),
            )

    @staticmethod
    def _questionnaires(plan: DemoCourse, course, sessions, practitioner) -> None:
        stage_session = {"baseline": 0, "midpoint": 3, "end": 7}
        for stage, answers in plan.hoos:
            asked = sessions[stage_session[stage]]
            Questionnaire.objects.create(
                course=course,
                stage=stage,
                status=Questionnaire.Status.ANSWERED,
                answers=list(answers),
                score=hoos.score(list(answers)),
                answered_at=asked.ends_at + timedelta(hours=5),
                source=Questionnaire.Source.LINK if stage != "end" else Questionnaire.Source.STAFF,
                entered_by=practitioner.user if stage == "end" else None,
                created_at=asked.ends_at,
            )
        if plan.today_status == "completed":
            # Today's session was the midpoint: its questionnaire has gone out, not answered.
            Questionnaire.objects.create(
                course=course, stage="midpoint", created_at=sessions[3].ends_at
            )
        if not plan.hoos and plan.days[0] == 0:
            Questionnaire.objects.create(course=course, stage="baseline")

    @staticmethod
    def _decide(plan: DemoCourse, course, practitioner, last: Appointment) -> None:
        decided = last.ends_at + timedelta(days=2)
        CourseReview.objects.create(
            course=course,
            stage=CourseReview.Stage.END,
            decision=plan.decision,
            note="Pain and hip function much better; home exercises given.",
            responder=True,
            decided_by=practitioner.user,
            decided_at=decided,
        )
        course.decision = plan.decision
        course.decision_note = "Pain and hip function much better; home exercises given."
        course.decided_at = decided
        course.save(update_fields=["decision", "decision_note", "decided_at"])

    @staticmethod
    def _messages(now: datetime) -> None:
        """Put a failed text and one whose outcome is unknown on the Messages page, and the
        usual reminders before the visits still to come."""
        upcoming = Appointment.objects.filter(
            patient__is_demo=True, status=Appointment.Status.BOOKED, starts_at__gt=now
        ).select_related("patient")
        rows = []
        for visit in upcoming:
            channel = visit.patient.preferred_channel
            if channel == "none" or (channel == "sms" and visit.patient.sms_consent_at is None):
                continue
            rows.append(
                Reminder(
                    appointment=visit,
                    patient=visit.patient,
                    kind=Reminder.Kind.BEFORE_VISIT,
                    channel=channel,
                    offset_minutes=24 * 60,
                    due_at=visit.starts_at - timedelta(hours=24),
                )
            )
        Reminder.objects.bulk_create(rows)
        rivera = Appointment.objects.get(
            patient__last_name="Rivera", patient__is_demo=True, number=2
        )
        Reminder.objects.filter(appointment=rivera).update(
            status=Reminder.Status.FAILED,
            due_at=now - timedelta(hours=3),
            claimed_at=now - timedelta(hours=3),
            attempts=1,
            last_error="Twilio 400: the number cannot receive text messages (21614)",
        )
        park = Appointment.objects.get(patient__last_name="Park", patient__is_demo=True, number=2)
        Reminder.objects.filter(appointment=park).update(
            status=Reminder.Status.FAILED,
            due_at=now - timedelta(hours=1),
            claimed_at=now - timedelta(hours=1),
            attempts=1,
            outcome_unknown=True,
            last_error=STALE_UNKNOWN,
        )

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
