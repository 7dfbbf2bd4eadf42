"""Record and amend sessions, take pain reports between visits, and decide at course reviews.

Who may write a record: the appointment's own practitioner (the Practitioner whose `user` is the
one acting) or a manager. A change within 24 hours of recording corrects the record in place; a
later change is an amendment that keeps the previous values in a SessionRecordAmendment row, so
what was written at the time of treatment is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_log, changed_fields_detail
from clinic.models import Clinic
from clinic.roles import Role, has_role
from patients.models import Patient
from scheduling import signals
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records import hoos
from scheduling.records.models import (
    AcupuncturePoint,
    AdverseEvent,
    CourseReview,
    ExamResult,
    HipSide,
    PainReport,
    PainSite,
    Questionnaire,
    SessionRecord,
    SessionRecordAmendment,
    SessionRecordPoint,
    Technique,
)
from scheduling.records.points import UnknownPoint, normalise_points
from scheduling.records.progress import PAIN_MAX, PAIN_MIN
from scheduling.records.selectors import course_progress_for
from scheduling.selectors import can_read_clinical
from scheduling.services.courses import course_book, course_cancel
from scheduling.services.errors import BookingError

# A record can be corrected in place for this long after it was first written; after that a
# change is an amendment that keeps the previous values.
CORRECTION_WINDOW = timedelta(hours=24)
RECORDABLE_STATUSES = (
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.COMPLETED,
)
RECORD_FIELDS = (
    "pain_before",
    "pain_after",
    "points",
    "techniques",
    "notes",
    "adverse_event",
    "adverse_event_note",
    "hip_side",
    "pain_sites",
    "faber",
    "fadir",
)
FINDING_FIELDS = ("hip_side", "pain_sites", "faber", "fadir")


class RecordForbidden(PermissionError):
    """The user may not write this record (not the appointment's practitioner nor a manager)."""


@dataclass
class SessionValues:
    """What a practitioner enters for a session; `points` as typed (codes or aliases)."""

    pain_before: int
    pain_after: int
    points: Sequence[str] | str = ()
    techniques: Sequence[str] = ()
    notes: str = ""
    adverse_event: str = AdverseEvent.NONE
    adverse_event_note: str = ""
    # Hip findings: "" (and no sites) when not examined or not tested.
    hip_side: str = ""
    pain_sites: Sequence[str] = ()
    faber: str = ""
    fadir: str = ""
    codes: list[str] = field(default_factory=list, init=False)


def can_write_record(user, appointment: Appointment) -> bool:
    """Return whether the user is the appointment's practitioner or a manager."""
    if has_role(user, Role.MANAGER):
        return True
    return has_role(user, Role.PRACTITIONER) and _is_practitioner_of(user, appointment)


def _is_practitioner_of(user, appointment: Appointment) -> bool:
    practitioner = appointment.practitioner
    return practitioner.user_id is not None and practitioner.user_id == user.pk


def _validated(values: SessionValues) -> SessionValues:
    """Check every value, collecting all errors; normalise the points to catalogue codes."""
    errors: dict[str, list[str]] = {}
    for name in ("pain_before", "pain_after"):
        score = getattr(values, name)
        if isinstance(score, bool) or not isinstance(score, int):
            errors[name] = ["Give a whole number from 0 to 10."]
        elif not PAIN_MIN <= score <= PAIN_MAX:
            errors[name] = [f"Pain is scored from 0 to 10, not {score}."]
    try:
        values.codes = normalise_points(values.points)
    except UnknownPoint as exc:
        errors["points"] = [str(error) for error in exc.errors]
    unknown = [t for t in values.techniques if t not in Technique.values]
    if unknown:
        errors["techniques"] = [f"Unknown technique: {', '.join(map(str, unknown))}."]
    if values.adverse_event not in AdverseEvent.values:
        errors["adverse_event"] = [f"Unknown adverse event “{values.adverse_event}”."]
    elif values.adverse_event == AdverseEvent.OTHER and not values.adverse_event_note.strip():
        errors["adverse_event_note"] = ["Describe the adverse event."]
    errors.update(_finding_errors(values))
    if errors:
        raise BookingError(errors)
    return values


def _finding_errors(values: SessionValues) -> dict[str, list[str]]:
    """Check the hip findings; sites are kept once each, in the catalogue's order."""
    errors: dict[str, list[str]] = {}
    if values.hip_side and values.hip_side not in HipSide.values:
        errors["hip_side"] = [f"Unknown side “{values.hip_side}”: left, right or both."]
    unknown = [site for site in values.pain_sites if site not in PainSite.values]
    if unknown:
        names = ", ".join(PainSite.values)
        errors["pain_sites"] = [f"Unknown pain site: {', '.join(map(str, unknown))} ({names})."]
    else:
        values.pain_sites = [site for site in PainSite.values if site in values.pain_sites]
    for name in ("faber", "fadir"):
        result = getattr(values, name)
        if result and result not in ExamResult.values:
            errors[name] = [f"{name.upper()} is positive or negative, not “{result}”."]
    return errors


def _locked_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("practitioner", "course")
        .get(pk=appointment.pk)
    )


def _set_points(record: SessionRecord, codes: list[str]) -> None:
    record.record_points.all().delete()
    SessionRecordPoint.objects.bulk_create(
        SessionRecordPoint(record=record, point_id=code, position=position)
        for position, code in enumerate(codes, start=1)
    )


def _check_catalogue(codes: list[str]) -> None:
    """Refuse codes the normaliser knows but the table lacks (a catalogue change not migrated)."""
    known = set(AcupuncturePoint.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [code for code in codes if code not in known]
    if missing:
        raise BookingError({"points": [f"Not in the point table yet: {', '.join(missing)}."]})


def session_record_create(
    *, appointment: Appointment, values: SessionValues, by, at: datetime | None = None
) -> SessionRecord:
    """Record an attended session and mark the appointment completed; return the record.

    Raise RecordForbidden when `by` may not write it, and BookingError (nothing stored) for a bad
    value, an unknown point, a cancelled or no-show appointment, or one already recorded.
    """
    values = _validated(values)
    at = at or timezone.now()
    with transaction.atomic():
        appointment = _locked_appointment(appointment)
        if not can_write_record(by, appointment):
            raise RecordForbidden("Only the session's practitioner or a manager can record it.")
        if appointment.status not in RECORDABLE_STATUSES:
            status = appointment.get_status_display().lower()
            raise BookingError(
                {
                    "appointment": [
                        f"Session {appointment.number} is {status}: "
                        "only an attended session can be recorded."
                    ]
                }
            )
        if appointment.course.status == TreatmentCourse.Status.AWAITING_REVIEW:
            raise BookingError(
                {"appointment": ["Review the course's red flag before recording a session."]}
            )
        if SessionRecord.objects.filter(appointment=appointment).exists():
            raise BookingError({"appointment": ["This session is already recorded."]})
        if appointment.starts_at > at:
            raise BookingError({"appointment": ["This session has not started yet."]})
        _check_catalogue(values.codes)
        record = SessionRecord.objects.create(
            appointment=appointment,
            pain_before=values.pain_before,
            pain_after=values.pain_after,
            techniques=list(values.techniques),
            notes=values.notes.strip(),
            adverse_event=values.adverse_event,
            adverse_event_note=values.adverse_event_note.strip(),
            hip_side=values.hip_side,
            pain_sites=list(values.pain_sites),
            faber=values.faber,
            fadir=values.fadir,
            recorded_by=by,
            recorded_at=at,
        )
        _set_points(record, values.codes)
        if appointment.status != Appointment.Status.COMPLETED:
            appointment.set_status(Appointment.Status.COMPLETED, by=by)
            appointment.save(update_fields=["status", "changed_by", "changed_at"])
        signals.appointment_completed.send(Appointment, appointment=appointment)
        audit_log(user=by, action="create", obj=record, patient=appointment.patient)
    return record


def session_record_update(
    *,
    record: SessionRecord,
    values: SessionValues,
    by,
    reason: str = "",
    at: datetime | None = None,
) -> SessionRecord:
    """Change a record; more than 24 hours after recording, keep the previous values as an
    amendment (and require a reason). Return the record."""
    values = _validated(values)
    at = at or timezone.now()
    with transaction.atomic():
        record = SessionRecord.objects.select_for_update().get(pk=record.pk)
        appointment = _locked_appointment(record.appointment)
        if not can_write_record(by, appointment):
            raise RecordForbidden("Only the session's practitioner or a manager can change it.")
        _check_catalogue(values.codes)
        previous_codes = record.point_codes
        new = {
            "pain_before": values.pain_before,
            "pain_after": values.pain_after,
            "points": values.codes,
            "techniques": list(values.techniques),
            "notes": values.notes.strip(),
            "adverse_event": values.adverse_event,
            "adverse_event_note": values.adverse_event_note.strip(),
            "hip_side": values.hip_side,
            "pain_sites": list(values.pain_sites),
            "faber": values.faber,
            "fadir": values.fadir,
        }
        old = {
            name: previous_codes if name == "points" else getattr(record, name)
            for name in RECORD_FIELDS
        }
        changed = [name for name in RECORD_FIELDS if new[name] != old[name]]
        if not changed:
            return record
        amending = at - record.recorded_at > CORRECTION_WINDOW
        if amending:
            if not reason.strip():
                raise BookingError(
                    {"reason": ["Recorded more than 24 hours ago: give a reason for the change."]}
                )
            SessionRecordAmendment.objects.create(
                record=record,
                pain_before=record.pain_before,
                pain_after=record.pain_after,
                point_codes=previous_codes,
                techniques=record.techniques,
                notes=record.notes,
                adverse_event=record.adverse_event,
                adverse_event_note=record.adverse_event_note,
                findings=record.findings,
                reason=reason.strip()[:200],
                amended_by=by,
                amended_at=at,
            )
            record.amended_at = at
        for name in RECORD_FIELDS:
            if name != "points":
                setattr(record, name, new[name])
        record.save()
        if "points" in changed:
            _set_points(record, values.codes)
        detail = ("amended " if amending else "") + changed_fields_detail(changed)
        audit_log(user=by, action="change", obj=record, patient=appointment.patient, detail=detail)
    return record


def pain_report_create(
    *,
    patient: Patient,
    score: int,
    source: str,
    course: TreatmentCourse | None = None,
    by=None,
    at: datetime | None = None,
) -> PainReport:
    """Store a pain score the patient gave between visits; return it.

    `by` is the staff member who entered it (None when the patient used a link). Raise
    BookingError for a score outside 0-10, an unknown source or a course of another patient.
    """
    errors: dict[str, list[str]] = {}
    if isinstance(score, bool) or not isinstance(score, int) or not PAIN_MIN <= score <= PAIN_MAX:
        errors["score"] = ["Pain is scored with a whole number from 0 to 10."]
    if source not in PainReport.Source.values:
        errors["source"] = [f"Unknown source “{source}”."]
    if course is not None and course.patient_id != patient.pk:
        errors["course"] = ["That course belongs to another patient."]
    if errors:
        raise BookingError(errors)
    with transaction.atomic():
        report = PainReport.objects.create(
            patient=patient,
            course=course,
            score=score,
            source=source,
            reported_at=at or timezone.now(),
            entered_by=by,
        )
        audit_log(user=by, action="create", obj=report, patient=patient)
    return report


STAGE_DECISIONS = {
    CourseReview.Stage.MIDPOINT: (
        TreatmentCourse.Decision.CONTINUE,
        TreatmentCourse.Decision.DISCHARGE,
        TreatmentCourse.Decision.REFER,
    ),
    CourseReview.Stage.END: (
        TreatmentCourse.Decision.EXTEND,
        TreatmentCourse.Decision.DISCHARGE,
        TreatmentCourse.Decision.REFER,
    ),
}


def next_week_monday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def course_review_decide(
    *,
    course: TreatmentCourse,
    stage: str,
    decision: str,
    by,
    note: str = "",
    today: date | None = None,
) -> CourseReview:
    """Record the practitioner's decision at a review and carry it out; return the review.

    continue: nothing changes. extend (end review): book a further course with the same patient,
    practitioner and condition starting the next week. discharge / refer: cancel the sessions
    still to come and close the course. Raise BookingError when the decision does not fit the
    stage, BookingConflict when the further course cannot be booked (nothing is stored).
    """
    if stage not in STAGE_DECISIONS:
        raise BookingError({"stage": [f"Unknown review stage “{stage}”."]})
    if decision not in STAGE_DECISIONS[stage]:
        allowed = ", ".join(str(TreatmentCourse.Decision(d).label) for d in STAGE_DECISIONS[stage])
        raise BookingError({"decision": [f"At this review choose one of: {allowed}."]})
    if note.strip() == "" and decision == TreatmentCourse.Decision.REFER:
        raise BookingError({"note": ["Say where and why the patient is referred."]})
    today = today or Clinic.load().today()
    with transaction.atomic():
        course = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
        if not (has_role(by, Role.MANAGER) or course.practitioner.user_id == by.pk):
            raise RecordForbidden("Only the course's practitioner or a manager can decide.")
        if CourseReview.objects.filter(course=course, stage=stage).exists():
            raise BookingError({"stage": ["This review has already been decided."]})
        responder = course_progress_for(course).responder
        next_course = None
        if decision == TreatmentCourse.Decision.EXTEND:
            next_course = course_book(
                patient=course.patient,
                practitioner=course.practitioner,
                start_date=next_week_monday(today),
                condition=course.condition,
                by=by,
                weekdays=course.weekdays or None,
                time=course.preferred_time,
                sessions=course.sessions_planned,
                per_week=course.per_week,
                red_flags=course.red_flags,
                red_flag_override=course.red_flag_override,
                today=today,
                # The course being reviewed is still active until this review closes it.
                another_course=True,
                another_course_reason=f"Extends course #{course.pk} after its review",
            )
            next_course.previous_course = course
            next_course.save(update_fields=["previous_course"])
        elif (
            decision in (TreatmentCourse.Decision.DISCHARGE, TreatmentCourse.Decision.REFER)
            and course.status == TreatmentCourse.Status.ACTIVE
        ):
            course_cancel(course=course, by=by, reason=f"{decision.capitalize()} at review")
            course.refresh_from_db()
        if stage == CourseReview.Stage.END or decision != TreatmentCourse.Decision.CONTINUE:
            course.status = TreatmentCourse.Status.COMPLETED
        course.decision = decision
        course.decision_note = note.strip()
        course.decided_at = timezone.now()
        course.save(update_fields=["status", "decision", "decision_note", "decided_at"])
        review = CourseReview.objects.create(
            course=course,
            stage=stage,
            decision=decision,
            note=note.strip(),
            responder=responder,
            next_course=next_course,
            decided_by=by,
        )
        audit_log(user=by, action="change", obj=course, detail=f"review: {stage} {decision}")
    return review


# -- HOOS, JR questionnaires ----------------------------------------------------------------------


def can_enter_questionnaire(user, course: TreatmentCourse) -> bool:
    """Return whether the user is a practitioner treating the course's patient."""
    return has_role(user, Role.PRACTITIONER) and can_read_clinical(
        user, patient_id=course.patient_id
    )


def questionnaire_invite(
    *, course: TreatmentCourse, stage: str, at: datetime | None = None
) -> Questionnaire | None:
    """Ask the course's HOOS, JR at `stage`: create it due, and expire any earlier stage still
    unanswered (a baseline is no baseline once the course is half done). Return the new row,
    or None when the stage was asked already or the course is cancelled."""
    if stage not in Questionnaire.Stage.values:
        raise ValueError(f"unknown questionnaire stage {stage!r}")
    if course.status == TreatmentCourse.Status.CANCELLED:
        return None
    questionnaire, created = Questionnaire.objects.get_or_create(
        course=course,
        instrument=Questionnaire.Instrument.HOOS_JR,
        stage=stage,
        defaults={"created_at": at or timezone.now()},
    )
    if not created:
        return None
    earlier = hoos.STAGES[: hoos.STAGES.index(stage)]
    course.questionnaires.filter(stage__in=earlier, status=Questionnaire.Status.DUE).update(
        status=Questionnaire.Status.EXPIRED
    )
    return questionnaire


def questionnaires_expire(*, course: TreatmentCourse) -> int:
    """Expire the course's unanswered questionnaires (the course was cancelled); return how many."""
    return course.questionnaires.filter(status=Questionnaire.Status.DUE).update(
        status=Questionnaire.Status.EXPIRED
    )


def questionnaire_answer(
    *,
    course: TreatmentCourse,
    stage: str,
    answers,
    source: str,
    by=None,
    instrument: str = Questionnaire.Instrument.HOOS_JR,
    at: datetime | None = None,
) -> Questionnaire:
    """Score and store the answers to the course's HOOS, JR at `stage`; return it.

    A patient (source "link", `by` None) answers a questionnaire that is due. Staff (source
    "staff") enter answers given in the room or by phone, also for a stage never sent or one
    that expired. Raise BookingError naming each missing or out-of-range item (nothing stored
    and no score: all six answers or none), an unknown stage, or a stage already answered.
    """
    errors: dict[str, list[str]] = {}
    if instrument not in Questionnaire.Instrument.values:
        errors["instrument"] = [f"Unknown instrument “{instrument}”: HOOS-JR."]
    if stage not in Questionnaire.Stage.values:
        errors["stage"] = [f"Unknown stage “{stage}”: baseline, midpoint or end."]
    if source not in Questionnaire.Source.values:
        errors["source"] = [f"Unknown source “{source}”."]
    try:
        checked = hoos.check_answers(answers)
    except hoos.IncompleteAnswers as exc:
        errors["answers"] = exc.errors
    if errors:
        raise BookingError(errors)
    at = at or timezone.now()
    with transaction.atomic():
        questionnaire, _created = Questionnaire.objects.select_for_update().get_or_create(
            course=course, instrument=instrument, stage=stage, defaults={"created_at": at}
        )
        if questionnaire.status == Questionnaire.Status.ANSWERED:
            raise BookingError({"stage": [f"The {stage} questionnaire is already answered."]})
        if source == Questionnaire.Source.LINK and questionnaire.status != Questionnaire.Status.DUE:
            raise BookingError({"stage": ["This questionnaire is closed."]})
        questionnaire.answers = checked
        questionnaire.score = hoos.score(checked)
        questionnaire.status = Questionnaire.Status.ANSWERED
        questionnaire.answered_at = at
        questionnaire.source = source
        questionnaire.entered_by = by
        questionnaire.save()
        audit_log(
            user=by,
            action="create",
            obj=questionnaire,
            patient=course.patient,
            detail=f"HOOS, JR {stage}",
        )
    return questionnaire
