"""Change one session: move it, cancel it (with make-up proposals), check in, mark a no-show,
and what a patient does to a visit through a link (confirm it, cancel it).

Each change and its reminders commit together; the row is locked first so two receptionists
acting on the same session at once cannot both win.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.audit import audit_log
from clinic.models import Clinic
from scheduling import signals
from scheduling.calendars import course_rule, plan_request
from scheduling.models import Appointment, TreatmentCourse
from scheduling.planner import PlannedSession, PlanningError, place_slots
from scheduling.schedule import sessions_to_move
from scheduling.services.errors import (
    BOOKING_HORIZON,
    CLASH_REASONS,
    BookingConflict,
    BookingError,
    Clash,
)

MAKEUP_PROPOSALS = 3


def appointment_reschedule(*, appointment: Appointment, start: datetime, by) -> Appointment:
    """Move a session to `start`, keeping the course's per-week and gap rules; return it."""
    if start.utcoffset() is None:
        raise BookingError({"start": ["Give the time with its UTC offset."]})
    try:
        with transaction.atomic():
            appointment = _locked(appointment, Appointment.UPCOMING_STATUSES, "moved")
            session = _place_in_course(appointment, start)
            length = appointment.ends_at - appointment.starts_at  # a move keeps its length
            appointment.starts_at, appointment.ends_at = session.start, session.start + length
            appointment.room_id = session.room_id
            appointment.set_status(Appointment.Status.BOOKED, by=by)
            appointment.save()
            audit_log(user=by, action="change", obj=appointment, detail="rescheduled")
            signals.appointment_moved.send(Appointment, appointment=appointment)
    except IntegrityError:
        raise BookingConflict(
            "Another booking took this time a moment ago. The session was not moved.",
            [Clash(appointment.number, start, "taken by another booking")],
        ) from None
    return appointment


def appointment_cancel(*, appointment: Appointment, by, reason: str = "") -> list[PlannedSession]:
    """Cancel one session and its pending reminders; return make-up slots in the same or next
    week, best first (nothing is booked for them)."""
    with transaction.atomic():
        appointment = _locked(appointment, Appointment.UPCOMING_STATUSES, "cancelled")
        appointment.set_status(Appointment.Status.CANCELLED, by=by, reason=reason.strip())
        appointment.save()
        audit_log(user=by, action="change", obj=appointment, detail="cancelled")
        signals.appointments_cancelled.send(Appointment, appointments=[appointment])
    return makeup_slots(appointment)


def appointment_rebook(*, appointment: Appointment, start: datetime, by) -> Appointment:
    """Book a make-up for a cancelled or missed session at `start`; return the new session."""
    if start.utcoffset() is None:
        raise BookingError({"start": ["Give the time with its UTC offset."]})
    try:
        with transaction.atomic():
            missed = _locked(
                appointment,
                (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW),
                "given a make-up",
            )
            if missed.course.appointments.active().filter(number=missed.number).exists():
                raise BookingError(f"Session {missed.number} already has a make-up booked.")
            _check_horizon(start)
            clinic = Clinic.load()
            today = clinic.today()
            request, others = _course_context(missed, today, start.astimezone(clinic.tz).date())
            session, problems = _try(request, others, missed.number, start)
            _raise_problems(missed.number, start, problems, session)
            makeup = Appointment.objects.create(
                course=missed.course,
                number=missed.number,
                patient=missed.patient,
                practitioner=missed.practitioner,
                room_id=session.room_id,
                starts_at=session.start,
                ends_at=session.start + (missed.ends_at - missed.starts_at),
                changed_by=by,
            )
            audit_log(user=by, action="create", obj=makeup, detail="make-up")
            signals.appointment_added.send(Appointment, appointment=makeup)
    except IntegrityError:
        raise BookingConflict(
            "Another booking took this time a moment ago. Nothing was booked.",
            [Clash(appointment.number, start, "taken by another booking")],
        ) from None
    return makeup


def appointment_check_in(*, appointment: Appointment, by) -> Appointment:
    """Mark the patient as arrived; only on the day of the session, from CHECK_IN_OPENS_MINUTES
    before it starts."""
    with transaction.atomic():
        appointment = _locked(appointment, Appointment.UPCOMING_STATUSES, "checked in")
        clinic = Clinic.load()
        if appointment.course.status == TreatmentCourse.Status.AWAITING_REVIEW:
            raise BookingError(
                "This course waits for the practitioner's red-flag review: it cannot start yet."
            )
        if appointment.starts_at.astimezone(clinic.tz).date() != clinic.today():
            raise BookingError("A patient can only be checked in on the day of the session.")
        opens = appointment.check_in_opens_at
        if timezone.now() < opens:
            raise BookingError(
                f"Check-in for session {appointment.number} opens at "
                f"{opens.astimezone(clinic.tz):%H:%M}, "
                f"{settings.CHECK_IN_OPENS_MINUTES} minutes before it starts."
            )
        appointment.set_status(Appointment.Status.CHECKED_IN, by=by)
        appointment.save()
        audit_log(user=by, action="change", obj=appointment, detail="checked in")
    return appointment


def appointment_mark_no_show(*, appointment: Appointment, by) -> Appointment:
    """Record that the patient did not come; only once the session has started."""
    with transaction.atomic():
        appointment = _locked(appointment, Appointment.UPCOMING_STATUSES, "marked as a no-show")
        if appointment.starts_at > timezone.now():
            raise BookingError("A session can only be marked as a no-show once it has started.")
        appointment.set_status(Appointment.Status.NO_SHOW, by=by)
        appointment.save()
        audit_log(user=by, action="change", obj=appointment, detail="no-show")
        signals.appointment_missed.send(Appointment, appointment=appointment)
    return appointment


def makeup_slots(appointment: Appointment, *, today: date | None = None) -> list[PlannedSession]:
    """Return free slots for a missed or cancelled session in its own week or the next one that
    keep every rule of the course, the course's usual time first."""
    clinic = Clinic.load()
    tz = clinic.tz
    today = today or clinic.today()
    local = appointment.starts_at.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    days = [monday + timedelta(days=n) for n in range(14) if monday + timedelta(days=n) > today]
    wall = appointment.course.preferred_time or local.time()
    proposals: list[PlannedSession] = []
    request, others = _course_context(appointment, today)
    for day in days:
        for candidate in _times_near(day, wall, tz):
            if candidate == appointment.starts_at:
                continue  # the very slot just given up is no make-up
            session, problems = _try(request, others, appointment.number, candidate)
            if session is not None and not problems:
                proposals.append(session)
                break
        if len(proposals) == MAKEUP_PROPOSALS:
            break
    return proposals


def _locked(appointment: Appointment, allowed: tuple, verb: str) -> Appointment:
    locked = (
        Appointment.objects.select_for_update()
        .select_related("course", "patient")
        .get(pk=appointment.pk)
    )
    if locked.status not in allowed:
        raise BookingError(
            f"Session {locked.number} is {locked.get_status_display().lower()} "
            f"and cannot be {verb}."
        )
    return locked


def _course_context(appointment: Appointment, today: date, around: date | None = None):
    """Return the plan request for the appointment's course and the course's other sessions.

    Busy times are loaded from the course's first session to two weeks past `around` (the day
    the session may move to), so a move far ahead is still checked against real bookings.
    """
    course = appointment.course
    siblings = list(course.appointments.active().exclude(pk=appointment.pk).order_by("number"))
    tz = Clinic.load().tz
    first = min([appointment.starts_at, *(s.starts_at for s in siblings)]).astimezone(tz).date()
    last = max(appointment.starts_at.astimezone(tz).date(), around or today)
    request = plan_request(
        patient=appointment.patient,
        practitioners=[course.practitioner],
        start_date=max(first, today),
        today=today,
        rule=course_rule(
            sessions=max(course.sessions_planned, appointment.number), per_week=course.per_week
        ),
        ignore_appointments=[appointment.pk, *(s.pk for s in siblings)],
        until=last + timedelta(weeks=2),
    )
    return request, siblings


def _try(request, others: list[Appointment], number: int, start: datetime):
    """Place session `number` at `start` among the course's other sessions; return the placed
    session and what is wrong with it (the course's own rules included)."""
    starts = {other.number: other.starts_at for other in others}
    starts[number] = start.astimezone(UTC)
    ordered = sorted(starts.items(), key=lambda item: item[1])
    numbers = [n for n, _ in ordered]
    try:
        sessions, problems = place_slots(request, [s for _, s in ordered])
    except PlanningError as exc:
        raise BookingError({"start": [str(exc)]}) from None
    index = numbers.index(number)
    # The planner numbers sessions by position and reports a rule broken by the moved session
    # on whichever session comes later; the course rules are checked here instead, and only
    # the moved session's own slot problems are taken from the planner.
    relevant = [
        reason
        for position, reason in problems
        if position - 1 == index and "ISO week" not in reason and "days after" not in reason
    ]
    relevant += _course_rule_problems(request, others, start)
    relevant += _order_problems(others, number, start)
    session = sessions[index] if index < len(sessions) else None
    return session, relevant


def _order_problems(others: list[Appointment], number: int, start: datetime) -> list[str]:
    """Return why `start` would put session `number` out of order among the course's others."""
    before = [o for o in others if o.number < number and o.starts_at >= start]
    after = [o for o in others if o.number > number and o.starts_at <= start]
    return [f"session {number} must come after session {o.number}" for o in before[-1:]] + [
        f"session {number} must come before session {o.number}" for o in after[:1]
    ]


def _course_rule_problems(request, others: list[Appointment], start: datetime) -> list[str]:
    """Return how a session at `start` would break the course's per-week or gap rule."""
    rule, tz = request.rule, request.tz
    day = start.astimezone(tz).date()
    other_days = [other.starts_at.astimezone(tz).date() for other in others]
    problems = []
    same_week = [d for d in other_days if d.isocalendar()[:2] == day.isocalendar()[:2]]
    if len(same_week) + 1 > rule.per_week:
        year, week, _ = day.isocalendar()
        problems.append(f"more than {rule.per_week} sessions in ISO week {year}-W{week:02d}")
    too_close = sorted(d for d in other_days if abs((d - day).days) < rule.min_gap_days)
    if too_close:
        problems.append(
            f"less than {rule.min_gap_days} days from the session on {too_close[0]:%a %-d %b}"
        )
    return problems


def _place_in_course(appointment: Appointment, start: datetime) -> PlannedSession:
    clinic = Clinic.load()
    _check_horizon(start)
    request, others = _course_context(
        appointment, clinic.today(), start.astimezone(clinic.tz).date()
    )
    session, problems = _try(request, others, appointment.number, start)
    _raise_problems(appointment.number, start, problems, session)
    return session


def _check_horizon(start: datetime) -> None:
    """Refuse a time in the past or beyond the booking horizon."""
    now = timezone.now()
    if start <= now:
        raise BookingError({"start": ["The new time is in the past."]})
    if start > now + BOOKING_HORIZON:
        raise BookingError({"start": ["Sessions can be booked up to two years ahead."]})


def _raise_problems(number: int, start: datetime, problems: list[str], session) -> None:
    """Raise BookingConflict naming each problem of a session placed at `start`."""
    if not problems and session is not None:
        return
    clashes = [Clash(number, start, reason) for reason in problems]
    if all(reason in CLASH_REASONS for reason in problems):
        raise BookingConflict("The new time clashes with another booking.", clashes)
    raise BookingConflict("The new time breaks the course's rules: " + "; ".join(problems), clashes)


def _times_near(day: date, wall, tz) -> list[datetime]:
    """Return candidate starts on `day`: the usual time, then every 15 minutes outward."""
    base = datetime.combine(day, wall)
    offsets = [0]
    for step in range(1, 41):
        offsets += [step * 15, -step * 15]
    candidates = []
    for minutes in offsets:
        moment = base + timedelta(minutes=minutes)
        if moment.date() == day:
            candidates.append(moment.replace(tzinfo=tz))
    return candidates


# -- what patients do through links ---------------------------------------------------------------


class LateCancel(Exception):
    """Too close to the visit to cancel by link: the patient should call."""


class VisitToMove(Exception):
    """The visit falls on a closure or the practitioner's time off: the clinic calls to move it,
    so the patient cannot confirm it."""


def visit_confirm_by_patient(*, appointment: Appointment) -> Appointment:
    """Mark a booked visit confirmed by the patient. Raise ValueError for a visit no longer
    booked and VisitToMove for one the clinic has to move; either way nothing changes."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if (
            appointment.status != Appointment.Status.BOOKED
            or appointment.starts_at <= timezone.now()
        ):
            raise ValueError("This visit can no longer be confirmed.")
        if sessions_to_move([appointment]):
            raise VisitToMove()
        appointment.set_status(Appointment.Status.CONFIRMED, by=None)
        appointment.save(update_fields=["status", "changed_by", "changed_at"])
    return appointment


def cancel_allowed(appointment: Appointment, now: datetime | None = None) -> bool:
    """Return True if the visit is far enough away (LATE_CANCEL_HOURS) to cancel by link."""
    now = now or timezone.now()
    return appointment.starts_at - now >= timedelta(hours=settings.LATE_CANCEL_HOURS)


def visit_cancel_by_patient(*, appointment: Appointment) -> Appointment:
    """Cancel an upcoming visit for the patient, outside the late-cancel window."""
    if not cancel_allowed(appointment):
        raise LateCancel()
    appointment_cancel(appointment=appointment, by=None, reason="Cancelled by the patient by link")
    appointment.refresh_from_db()
    return appointment
