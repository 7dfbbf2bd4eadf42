"""Plan, book and cancel treatment courses.

Booking is all or nothing: the course, its sessions and (through the `course_booked` signal)
their reminder rows are inserted in one transaction. On PostgreSQL the exclusion constraints
refuse an overlap even when two receptionists book at the same instant; on SQLite the transaction
is IMMEDIATE (settings), so the overlap check inside it cannot race another booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from clinic.audit import audit_log
from clinic.models import Clinic, Practitioner
from clinic.roles import CLINICAL_ROLES, Role, has_role
from patients.models import Patient
from scheduling import signals
from scheduling.calendars import (
    CATCH_UP_WEEKS,
    bookable_practitioners,
    course_rule,
    plan_request,
)
from scheduling.models import Appointment, Condition, RedFlag, TreatmentCourse
from scheduling.planner import (
    Plan,
    PlannedSession,
    PlanningError,
    place_slots,
    plan_course,
    plan_course_with_catch_up,
)
from scheduling.services.errors import (
    BOOKING_HORIZON,
    CLASH_REASONS,
    ActiveCourseExists,
    BookingConflict,
    BookingError,
    Clash,
)

BACK_TO_BACK = "back to back with another session of this patient"


def active_course_of(patient: Patient) -> TreatmentCourse | None:
    """Return the patient's most recent course still going (active or held for review)."""
    return (
        TreatmentCourse.objects.filter(patient=patient, status__in=TreatmentCourse.OPEN_STATUSES)
        .order_by("-created_at", "-pk")
        .first()
    )


def course_plan(
    *,
    patient: Patient,
    practitioner: Practitioner | None,
    start_date: date,
    weekdays: Sequence[int] | None = None,
    time: time | None = None,
    sessions: int = 8,
    per_week: int = 2,
    today: date | None = None,
) -> Plan:
    """Return the proposed sessions, or which weeks could not be filled; store nothing.

    Most courses fit their own weeks, so those weeks' calendars are read first; the weeks a
    short week's sessions would move into are read, and the course planned again, only when it
    does not fit. A plan that fits is the same either way: nothing after its weeks counts.
    """
    arguments = {
        "patient": patient,
        "practitioner": practitioner,
        "start_date": start_date,
        "weekdays": weekdays,
        "preferred_time": time,
        "sessions": sessions,
        "per_week": per_week,
        "today": today,
        "since": start_date,
    }
    try:
        plan = plan_course(_request(**arguments, catch_up_weeks=0))
        if plan.complete:
            return plan
        return plan_course_with_catch_up(_request(**arguments), extra_weeks=CATCH_UP_WEEKS)
    except PlanningError as exc:
        raise BookingError({"non_field_errors": [str(exc)]}) from None


def course_check(
    *,
    patient: Patient,
    practitioner: Practitioner | None,
    start_date: date,
    slots: Sequence[datetime],
    weekdays: Sequence[int] | None = None,
    time: time | None = None,
    sessions: int = 8,
    per_week: int = 2,
    today: date | None = None,
) -> list[Clash]:
    """Return what would stop these exact slots from being booked (the same checks as
    `course_book`); store nothing."""
    request = _request(
        patient=patient,
        practitioner=practitioner,
        start_date=start_date,
        weekdays=weekdays,
        preferred_time=time,
        sessions=sessions,
        per_week=per_week,
        today=today,
    )
    try:
        _sessions_to_book(request, slots)
    except (BookingError, BookingConflict) as exc:
        if not exc.clashes:
            raise
        return list(exc.clashes)
    return []


def course_book(
    *,
    patient: Patient,
    practitioner: Practitioner | None,
    start_date: date,
    condition: str,
    by,
    weekdays: Sequence[int] | None = None,
    time: time | None = None,
    sessions: int = 8,
    per_week: int = 2,
    red_flags: Sequence[str] = (),
    red_flag_override: str = "",
    slots: Sequence[datetime] | None = None,
    today: date | None = None,
    another_course: bool = False,
    another_course_reason: str = "",
    back_to_back: bool = False,
) -> TreatmentCourse:
    """Book a whole course in one transaction and return it.

    A red flag without a practitioner's reason to treat holds the course for the treating
    practitioner's review (`course_red_flag_review`): its sessions are booked, but no message
    goes out. A patient with an active course gets a second one only with `another_course` (the
    front desk has seen the first one) and a session that touches another of the patient's sessions
    only with `back_to_back`. Raise BookingError for bad input, ActiveCourseExists and
    BookingConflict for those two and for clashes; in every case nothing is stored.
    """
    _check_clinical_screening(condition, red_flags, red_flag_override, by)
    arguments = {
        "patient": patient,
        "practitioner": practitioner,
        "start_date": start_date,
        "weekdays": weekdays,
        "preferred_time": time,
        "sessions": sessions,
        "per_week": per_week,
        "today": today,
    }
    planned: list[PlannedSession] = []
    try:
        with transaction.atomic():
            # Typed slots may lie before the start date; a plan never does.
            request = _request(**arguments, since=None if slots else start_date)
            # Locked so two receptionists cannot both book a "first" course for the patient.
            Patient.objects.select_for_update().filter(pk=patient.pk).first()
            existing = active_course_of(patient)
            if existing is not None and not another_course:
                raise ActiveCourseExists(existing)
            planned = _sessions_to_book(request, slots)
            if not back_to_back:
                _refuse_back_to_back(patient, planned)
            held = _held_for_review(red_flags, red_flag_override)
            course = TreatmentCourse.objects.create(
                patient=patient,
                practitioner_id=planned[0].practitioner_id,
                condition=condition,
                status=held or TreatmentCourse.Status.ACTIVE,
                red_flags=list(red_flags),
                red_flag_override=red_flag_override.strip(),
                sessions_planned=sessions,
                per_week=per_week,
                weekdays=sorted(weekdays or []),
                preferred_time=time,
                created_by=by,
                another_course_reason=another_course_reason.strip()[:200] if existing else "",
            )
            appointments = Appointment.objects.bulk_create(
                Appointment(
                    course=course,
                    number=session.number,
                    patient=patient,
                    practitioner_id=session.practitioner_id,
                    room_id=session.room_id,
                    starts_at=session.start,
                    ends_at=session.end,
                    changed_by=by,
                )
                for session in planned
            )
            detail = f"{len(appointments)} session{pluralize(len(appointments))}"
            detail += ", held for red-flag review" if held else ""
            audit_log(user=by, action="create", obj=course, detail=detail)
            if not held:
                signals.course_booked.send(Appointment, course=course, appointments=appointments)
    except IntegrityError:
        # Another booking committed first and the database refused ours. Say which sessions
        # clash now, from a fresh look at the calendars.
        clashes = _clashes(_request(**arguments), [session.start for session in planned])
        raise BookingConflict(
            "Another booking took one of these times a moment ago. Nothing was booked.",
            clashes or [Clash(None, start_date.isoformat(), "taken by another booking")],
        ) from None
    return course


def course_cancel(*, course: TreatmentCourse, by, reason: str = "") -> TreatmentCourse:
    """Cancel every future session of the course and their pending reminders."""
    now = timezone.now()
    with transaction.atomic():
        course = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
        if course.status == TreatmentCourse.Status.CANCELLED:
            raise BookingError("This course is already cancelled.")
        future = list(
            course.appointments.filter(
                status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=now
            ).select_for_update()
        )
        for appointment in future:
            appointment.set_status(
                Appointment.Status.CANCELLED, by=by, reason=reason or "Course cancelled"
            )
        Appointment.objects.bulk_update(
            future, ["status", "changed_by", "changed_at", "cancel_reason"]
        )
        signals.appointments_cancelled.send(Appointment, appointments=future)
        course.status = TreatmentCourse.Status.CANCELLED
        course.save(update_fields=["status"])
        signals.course_cancelled.send(Appointment, course=course)
        audit_log(user=by, action="change", obj=course, detail="cancelled")
    return course


def _check_clinical_screening(condition: str, red_flags, override: str, by) -> None:
    errors: dict[str, list[str]] = {}
    if condition not in Condition.values:
        errors["condition"] = [f"“{condition}” is not one of the conditions the clinic treats."]
    unknown = [flag for flag in red_flags if flag not in RedFlag.values]
    if unknown:
        errors["red_flags"] = [f"Unknown red flag: {', '.join(map(str, unknown))}."]
    elif red_flags and override.strip() and not has_role(by, *CLINICAL_ROLES):
        errors["red_flag_override"] = [
            "Only a practitioner or the manager can override a red flag."
        ]
    if errors:
        raise BookingError(errors)


def _held_for_review(red_flags, override: str) -> str:
    """Return the status of a course booked with a red flag and no reason to treat, or ""."""
    return TreatmentCourse.Status.AWAITING_REVIEW if red_flags and not override.strip() else ""


RED_FLAG_DECISIONS = ("treat", "refer")


def course_red_flag_review(
    *, course: TreatmentCourse, decision: str, reason: str, by
) -> TreatmentCourse:
    """Settle a course held for a red flag: "treat" (with the practitioner's reason) makes it
    active and schedules its messages; "refer" cancels its sessions. Only the course's
    practitioner or a manager may decide."""
    if decision not in RED_FLAG_DECISIONS:
        raise BookingError({"decision": ["Choose to treat or to refer out."]})
    if not reason.strip():
        what = "why it is safe to treat" if decision == "treat" else "where and why you refer"
        raise BookingError({"reason": [f"Say {what}."]})
    with transaction.atomic():
        course = (
            TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
        )
        if not (has_role(by, Role.MANAGER) or course.practitioner.user_id == by.pk):
            raise BookingError("Only the course's practitioner or a manager can review it.")
        if course.status != TreatmentCourse.Status.AWAITING_REVIEW:
            raise BookingError("This course is not waiting for a red-flag review.")
        if decision == "refer":
            course.decision = TreatmentCourse.Decision.REFER
            course.decision_note = reason.strip()
            course.decided_at = timezone.now()
            course.save(update_fields=["decision", "decision_note", "decided_at"])
            return course_cancel(course=course, by=by, reason="Referred out at red-flag review")
        course.status = TreatmentCourse.Status.ACTIVE
        course.red_flag_override = reason.strip()
        course.save(update_fields=["status", "red_flag_override"])
        audit_log(user=by, action="change", obj=course, detail="red-flag review: treat")
        sessions = list(course.appointments.active().order_by("starts_at"))
        signals.course_booked.send(Appointment, course=course, appointments=sessions)
    return course


def _request(
    *,
    patient,
    practitioner,
    start_date,
    weekdays,
    preferred_time,
    sessions,
    per_week,
    today,
    since=None,
    catch_up_weeks=CATCH_UP_WEEKS,
):
    clinic = Clinic.load()
    today = today or clinic.today()
    if start_date > today + BOOKING_HORIZON:
        raise BookingError({"start_date": ["Courses can be booked up to two years ahead."]})
    if not 1 <= sessions <= 40:
        raise BookingError({"sessions": ["A course has between 1 and 40 sessions."]})
    if not 1 <= per_week <= 7:
        raise BookingError({"per_week": ["Sessions per week must be between 1 and 7."]})
    practitioners = bookable_practitioners(practitioner)
    if not practitioners:
        raise BookingError({"practitioner": ["No active practitioner to book with."]})
    return plan_request(
        patient=patient,
        practitioners=practitioners,
        start_date=start_date,
        today=today,
        rule=course_rule(sessions=sessions, per_week=per_week),
        weekdays=weekdays,
        preferred_time=preferred_time,
        since=since,
        catch_up_weeks=catch_up_weeks,
    )


def _sessions_to_book(request, slots) -> list[PlannedSession]:
    """Return the sessions to insert: the given slots checked, or a fresh complete plan."""
    try:
        if slots:
            if len(slots) != request.rule.sessions:
                raise BookingError(
                    {"slots": [f"Give exactly {request.rule.sessions} slots, one per session."]}
                )
            latest = datetime.combine(request.today + BOOKING_HORIZON, time(), tzinfo=request.tz)
            if any(slot > latest for slot in slots):
                raise BookingError({"slots": ["Sessions can be booked up to two years ahead."]})
            sessions, problems = place_slots(request, list(slots))
            _raise_for_problems(problems, slots)
            return list(sessions)
        plan = plan_course_with_catch_up(request, extra_weeks=CATCH_UP_WEEKS)
    except PlanningError as exc:
        raise BookingError({"non_field_errors": [str(exc)]}) from None
    if len(plan.sessions) < request.rule.sessions:
        raise BookingConflict(
            "The course cannot be booked as asked: some weeks have no free slot.",
            [Clash(None, gap.week_of.isoformat(), gap.reason) for gap in plan.unfilled],
        )
    return list(plan.sessions)


def _refuse_back_to_back(patient: Patient, planned: Sequence[PlannedSession]) -> None:
    """Refuse sessions that start as another of the patient's sessions ends, or end as one
    starts: the database allows them, but two treatments in a row are seldom meant."""
    touching = Appointment.objects.active().filter(
        Q(ends_at__in=[s.start for s in planned]) | Q(starts_at__in=[s.end for s in planned]),
        patient=patient,
    )
    edges = {t for row in touching.values_list("starts_at", "ends_at") for t in row}
    clashes = [
        Clash(session.number, session.start, BACK_TO_BACK)
        for session in planned
        if session.start in edges or session.end in edges
    ]
    if clashes:
        raise BookingConflict(
            "Some sessions run straight on from another session of this patient. Confirm that "
            "back-to-back sessions are meant, or choose other times.",
            clashes,
        )


def _raise_for_problems(problems: list[tuple[int, str]], slots: Sequence[datetime]) -> None:
    if not problems:
        return
    clashes = [Clash(number, slots[number - 1], reason) for number, reason in problems]
    if all(clash.reason in CLASH_REASONS for clash in clashes):
        raise BookingConflict("Some sessions clash with existing bookings.", clashes)
    raise BookingError({"slots": [str(clash) for clash in clashes]}, clashes)


def _clashes(request, starts: list[datetime]) -> list[Clash]:
    _, problems = place_slots(request, starts)
    return [Clash(n, starts[n - 1], reason) for n, reason in problems if reason in CLASH_REASONS]
