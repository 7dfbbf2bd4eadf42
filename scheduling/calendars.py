"""Load what the planner needs from the database: a constant number of queries per plan.

Busy intervals for every resource involved (the practitioners, the rooms and the patient) come
from one query over the whole date range, so planning costs the same with 10 or 100,000
appointments on the books (bench/booking.py measures it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, FloatField, Func, Q

from clinic.models import Clinic, Closure, Practitioner, Room, TimeOff
from patients.models import Patient
from scheduling.models import Appointment
from scheduling.planner import (
    CourseRule,
    Interval,
    PlanRequest,
    PractitionerCalendar,
    RoomCalendar,
)

# A session a week cannot take (a closure, time off) is added after the course, at most this
# many weeks later; past that the clinic must decide.
CATCH_UP_WEEKS = 4


def course_rule(*, sessions: int = 8, per_week: int = 2) -> CourseRule:
    return CourseRule(
        sessions=sessions,
        per_week=per_week,
        first_minutes=settings.FIRST_SESSION_MINUTES,
        followup_minutes=settings.FOLLOWUP_SESSION_MINUTES,
    )


def plan_request(
    *,
    patient: Patient,
    practitioners: Sequence[Practitioner],
    start_date: date,
    today: date,
    rule: CourseRule,
    weekdays: Iterable[int] | None = None,
    preferred_time: time | None = None,
    ignore_appointments: Iterable[int] = (),
    until: date | None = None,
    since: date | None = None,
    catch_up_weeks: int = CATCH_UP_WEEKS,
) -> PlanRequest:
    """Return a PlanRequest with every calendar loaded for the course's whole date range.

    `ignore_appointments` leaves out appointments being moved, so they do not block themselves.
    `since` is the first day a session may take (by default today, or the start date if
    earlier): a plan never uses days before its start date, so it passes the start date and
    skips the weeks between today and then. `catch_up_weeks` are the weeks after the course's
    own that are read too, for sessions a short week moves there.
    """
    clinic = Clinic.objects.prefetch_related("opening_hours").get(pk=Clinic.load().pk)
    tz = clinic.tz
    # The course's weeks and the weeks a closure may push sessions into: the planner places
    # nothing after them (known_until), so nothing later needs loading.
    weeks = -(-rule.sessions // rule.per_week) + catch_up_weeks
    first_monday = start_date - timedelta(days=start_date.weekday())
    first_day = since or min(start_date, today)
    last_day = max(until or start_date, first_monday + timedelta(weeks=weeks, days=-1))
    range_start = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=tz)
    range_end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz)

    practitioner_ids = [p.pk for p in practitioners]
    rooms = list(Room.objects.filter(active=True).order_by("name", "pk"))
    room_ids = [room.pk for room in rooms]
    busy = _busy_appointments(
        practitioner_ids, room_ids, patient.pk, range_start, range_end, ignore_appointments
    )
    time_off = _time_off(practitioner_ids, range_start, range_end)
    closures = tuple(
        Closure.objects.filter(start_date__lte=last_day, end_date__gte=first_day).values_list(
            "start_date", "end_date"
        )
    )
    return PlanRequest(
        start_date=start_date,
        today=today,
        tz=tz,
        opening_hours=clinic.hours_by_weekday(),
        practitioners=tuple(
            PractitionerCalendar(
                id=p.pk,
                working_hours=p.hours_by_weekday(),
                busy=tuple(busy["practitioner"].get(p.pk, []) + time_off.get(p.pk, [])),
            )
            for p in practitioners
        ),
        rooms=tuple(
            RoomCalendar(id=room.pk, busy=tuple(busy["room"].get(room.pk, []))) for room in rooms
        ),
        rule=rule,
        weekdays=tuple(weekdays) if weekdays else None,
        preferred_time=preferred_time,
        closures=closures,
        patient_busy=tuple(busy["patient"].get(patient.pk, [])),
        known_until=last_day,
    )


def _busy_appointments(practitioner_ids, room_ids, patient_id, start, end, ignore):
    """Return {"practitioner"|"room"|"patient": {id: [(start, end) in epoch seconds]}} from one
    query. PostgreSQL does the conversion: building two aware datetimes per row cost more than
    the query itself."""
    rows = (
        Appointment.objects.active()
        .overlapping(start, end)
        .filter(
            Q(practitioner_id__in=practitioner_ids)
            | Q(room_id__in=room_ids)
            | Q(patient_id=patient_id)
        )
        .exclude(pk__in=list(ignore))
    )
    if connection.vendor == "postgresql":
        # Read the rows as plain tuples: Django's per-row conversions cost more than the query.
        sql, params = (
            rows.values_list(
                "practitioner_id", "room_id", "patient_id", _epoch("starts_at"), _epoch("ends_at")
            )
            .order_by()
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            spans = cursor.fetchall()
    else:
        spans = [
            (practitioner_id, room_id, row_patient_id, starts.timestamp(), ends.timestamp())
            for practitioner_id, room_id, row_patient_id, starts, ends in rows.values_list(
                "practitioner_id", "room_id", "patient_id", "starts_at", "ends_at"
            )
        ]
    by_practitioner: dict[int, list[tuple[float, float]]] = {}
    by_room: dict[int, list[tuple[float, float]]] = {}
    by_patient: dict[int, list[tuple[float, float]]] = {}
    for practitioner_id, room_id, row_patient_id, starts, ends in spans:
        span = (starts, ends)
        by_practitioner.setdefault(practitioner_id, []).append(span)
        by_room.setdefault(room_id, []).append(span)
        by_patient.setdefault(row_patient_id, []).append(span)
    return {"practitioner": by_practitioner, "room": by_room, "patient": by_patient}


def _epoch(field: str) -> Func:
    """Return the field's instant in seconds since the epoch, as a float (PostgreSQL)."""
    return Func(
        F(field), template="EXTRACT(EPOCH FROM %(expressions)s)::float8", output_field=FloatField()
    )


def _time_off(practitioner_ids, start, end) -> dict[int, list[Interval]]:
    time_off: dict[int, list[Interval]] = {}
    rows = TimeOff.objects.filter(
        practitioner_id__in=practitioner_ids, start__lt=end, end__gt=start
    ).values_list("practitioner_id", "start", "end")
    for practitioner_id, starts, ends in rows:
        time_off.setdefault(practitioner_id, []).append(Interval(starts, ends))
    return time_off


def bookable_practitioners(practitioner: Practitioner | None) -> list[Practitioner]:
    """Return the chosen practitioner, or every active one for "any practitioner"."""
    if practitioner is not None:
        return [Practitioner.objects.prefetch_related("working_hours").get(pk=practitioner.pk)]
    return list(Practitioner.objects.filter(active=True).prefetch_related("working_hours"))
