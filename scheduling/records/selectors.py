"""Read-side queries for clinical records: progress, the day's list and the outcomes report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from operator import attrgetter

from django.conf import settings
from django.db.models import Q, QuerySet

from clinic.models import Clinic
from scheduling.models import Appointment, Condition, TreatmentCourse
from scheduling.records.hoos import HoosProgress, StageScore, hoos_progress
from scheduling.records.models import (
    CourseReview,
    PainReport,
    Questionnaire,
    SessionRecord,
    SessionRecordAmendment,
    SessionRecordPoint,
)
from scheduling.records.progress import (
    Progress,
    ReportScore,
    SessionScore,
    course_progress,
    review_stage_at,
)
from scheduling.schedule import sessions_on

# A between-visit report not tied to a course counts for the course whose sessions it falls
# among, up to this long after the last session (the follow-up check-in a week or two later).
REPORT_GRACE = timedelta(days=14)


def course_progress_for(course: TreatmentCourse) -> Progress:
    """Return the course's progress from its session records and the patient's reports."""
    return progress_for_courses([course])[course.pk]


def progress_for_courses(courses: Iterable[TreatmentCourse]) -> dict[int, Progress]:
    """Return each course's progress by id, in two queries whatever the number of courses.

    Sessions are the course's recorded appointments. Reports are those tied to the course, plus
    the patient's untied reports from the first session's start to REPORT_GRACE after the end
    of the last session.
    """
    courses = list(courses)
    ids = [course.pk for course in courses]
    appointments = (
        Appointment.objects.filter(course_id__in=ids)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("record")
        .only(
            "id",
            "course_id",
            "number",
            "starts_at",
            "ends_at",
            "status",
            "record__id",
            "record__pain_before",
            "record__pain_after",
        )
    )
    sessions: dict[int, list[SessionScore]] = defaultdict(list)
    windows: dict[int, tuple[datetime, datetime]] = {}
    for appointment in appointments:
        start, end = windows.get(
            appointment.course_id, (appointment.starts_at, appointment.ends_at)
        )
        windows[appointment.course_id] = (
            min(start, appointment.starts_at),
            max(end, appointment.ends_at),
        )
        record = getattr(appointment, "record", None)
        if record is not None:
            sessions[appointment.course_id].append(
                SessionScore(
                    appointment.number, appointment.starts_at, record.pain_before, record.pain_after
                )
            )
    by_patient: dict[int, list[TreatmentCourse]] = defaultdict(list)
    for course in courses:
        by_patient[course.patient_id].append(course)
    candidates = PainReport.objects.filter(
        Q(course_id__in=ids) | Q(course__isnull=True, patient_id__in=list(by_patient))
    ).order_by("reported_at", "pk")
    reports: dict[int, list[ReportScore]] = defaultdict(list)
    for report in candidates:
        score = ReportScore(report.reported_at, report.score, report.source)
        if report.course_id is not None:
            reports[report.course_id].append(score)
            continue
        for course in by_patient[report.patient_id]:
            window = windows.get(course.pk)
            if window and window[0] <= report.reported_at <= window[1] + REPORT_GRACE:
                reports[course.pk].append(score)
    return {pk: course_progress(sessions[pk], reports[pk]) for pk in ids}


def hoos_progress_for_courses(courses: Iterable[TreatmentCourse]) -> dict[int, HoosProgress]:
    """Return each course's HOOS, JR progress by id, in one query; improvement is judged
    against settings.HOOS_JR_MIN_IMPORTANT_CHANGE."""
    ids = [course.pk for course in courses]
    scores: dict[int, list[StageScore]] = defaultdict(list)
    answered = Questionnaire.objects.filter(
        course_id__in=ids,
        instrument=Questionnaire.Instrument.HOOS_JR,
        status=Questionnaire.Status.ANSWERED,
    ).values_list("course_id", "stage", "score")
    for course_id, stage, score in answered:
        scores[course_id].append(StageScore(stage, score))
    minimum = settings.HOOS_JR_MIN_IMPORTANT_CHANGE
    return {pk: hoos_progress(scores[pk], min_important_change=minimum) for pk in ids}


def course_hoos_progress(course: TreatmentCourse) -> HoosProgress:
    return hoos_progress_for_courses([course])[course.pk]


@dataclass(frozen=True)
class CourseOutcome:
    """Both measures of one course: pain (Progress) and hip function (HoosProgress)."""

    pain: Progress
    hoos_jr: HoosProgress

    # The API's progress object: the pain fields, with hoos_jr beside them.
    baseline = property(lambda self: self.pain.baseline)
    latest = property(lambda self: self.pain.latest)
    change = property(lambda self: self.pain.change)
    change_pct = property(lambda self: self.pain.change_pct)
    responder = property(lambda self: self.pain.responder)
    sessions = property(lambda self: self.pain.sessions)


def course_outcome_for(course: TreatmentCourse) -> CourseOutcome:
    return CourseOutcome(course_progress_for(course), course_hoos_progress(course))


@dataclass(frozen=True)
class CoursePage:
    """What the course's progress page shows, read together."""

    sessions: list[Appointment]  # every session in order, with its record
    points: dict[int, list[str]]  # point codes in the order typed, by record id
    amendments: dict[int, list[SessionRecordAmendment]]  # by record id
    progress: Progress
    reports: list[PainReport]  # the between-visit reports counted for the course
    questionnaires: list[Questionnaire]
    hoos_jr: HoosProgress
    reviews: list[CourseReview]


def course_page(course: TreatmentCourse) -> CoursePage:
    """Return the progress page's data in a fixed number of queries (six at most) whatever the
    course's length: the sessions are read once and the progress, the report window and the
    HOOS, JR figures are worked out from what was read, by the same rules as
    progress_for_courses."""
    sessions, points, amendments = course_records(course)
    counted = [a for a in sessions if a.status != Appointment.Status.CANCELLED]
    tied = Q(course=course)
    if counted:
        tied |= Q(
            course__isnull=True,
            patient_id=course.patient_id,
            reported_at__gte=min(a.starts_at for a in counted),
            reported_at__lte=max(a.ends_at for a in counted) + REPORT_GRACE,
        )
    reports = _in_order(PainReport.objects.filter(tied).select_related("entered_by"), "reported_at")
    scores = [
        SessionScore(a.number, a.starts_at, a.record.pain_before, a.record.pain_after)
        for a in counted
        if getattr(a, "record", None) is not None
    ]
    progress = course_progress(
        scores, [ReportScore(r.reported_at, r.score, r.source) for r in reports]
    )
    questionnaires = course_questionnaires(course)
    answered = [
        StageScore(q.stage, q.score)
        for q in questionnaires
        if q.instrument == Questionnaire.Instrument.HOOS_JR
        and q.status == Questionnaire.Status.ANSWERED
    ]
    hoos_jr = hoos_progress(answered, min_important_change=settings.HOOS_JR_MIN_IMPORTANT_CHANGE)
    reviews = _in_order(
        CourseReview.objects.filter(course_id=course.pk).select_related("decided_by"), "decided_at"
    )
    return CoursePage(
        sessions, points, amendments, progress, reports, questionnaires, hoos_jr, reviews
    )


def course_questionnaires(course: TreatmentCourse) -> list[Questionnaire]:
    return _in_order(
        Questionnaire.objects.filter(course_id=course.pk).select_related("entered_by"), "created_at"
    )


def _in_order(rows: QuerySet, field: str) -> list:
    """Return one course's rows sorted by `field`, then by id, in Python. A course has a few
    dozen at most, and the ORM's compiling of an ORDER BY cost a third of each of the progress
    page's queries."""
    return sorted(rows.order_by(), key=attrgetter(field, "pk"))


@dataclass(frozen=True)
class LastScore:
    score: int
    at: datetime
    source: str  # "session" or a PainReport source


def last_scores(patient_ids: Iterable[int]) -> dict[int, LastScore]:
    """Return each patient's most recent pain score (after-session or reported), two queries."""
    patient_ids = list(set(patient_ids))
    latest: dict[int, LastScore] = {}

    def keep(patient_id: int, candidate: LastScore) -> None:
        current = latest.get(patient_id)
        if current is None or candidate.at >= current.at:
            latest[patient_id] = candidate

    records = SessionRecord.objects.filter(appointment__patient_id__in=patient_ids).values_list(
        "appointment__patient_id", "appointment__starts_at", "pain_after"
    )
    for patient_id, at, score in records:
        keep(patient_id, LastScore(score, at, "session"))
    reports = PainReport.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "reported_at", "score", "source"
    )
    for patient_id, at, score, source in reports:
        keep(patient_id, LastScore(score, at, source))
    return latest


@dataclass(frozen=True)
class TodayRow:
    appointment: Appointment
    last_score: LastScore | None
    review_due: str | None  # "midpoint" or "end" when this session reaches that review


def appointments_for_day(*, day: date, practitioner=None) -> list[TodayRow]:
    """Return the day's sessions (one practitioner's, or everyone's when None) in time order,
    with each patient's last pain score and the review this session brings due."""
    appointments = list(
        sessions_on(day, practitioner=practitioner).select_related("course", "record")
    )
    scores = last_scores(a.patient_id for a in appointments)
    return [
        TodayRow(
            appointment,
            scores.get(appointment.patient_id),
            review_stage_at(appointment.number, appointment.course.sessions_planned),
        )
        for appointment in appointments
    ]


@dataclass(frozen=True)
class ConditionOutcome:
    """One line of the outcomes report, over the condition's finished courses. Rates are
    percentages to one decimal; each is None when its count (the "n" shown beside it) is 0."""

    condition: str
    label: str
    courses: int  # finished courses: the n of the completion rate
    completed_courses: int
    completion_rate: float | None
    courses_with_scores: int
    mean_change: float | None
    responders: int
    responder_rate: float | None
    no_shows: int
    sessions_due: int
    no_show_rate: float | None
    hoos_courses: int = 0
    hoos_improvers: int = 0
    hoos_improver_rate: float | None = None
    hoos_mean_change: float | None = None
    running_courses: int = 0


@dataclass(frozen=True)
class FlaggedCourse:
    course: TreatmentCourse
    progress: Progress


@dataclass(frozen=True)
class OutcomesReport:
    rows: list[ConditionOutcome]
    non_responders: list[FlaggedCourse]
    hoos_min_change: object = None
    running_courses: int = 0
    finished_from: date | None = None
    finished_to: date | None = None

    CSV_HEADER = (
        "condition",
        "finished_courses",
        "completed_courses",
        "completion_rate_pct",
        "courses_with_scores",
        "mean_change",
        "responders",
        "responder_rate_pct",
        "no_shows",
        "sessions_due",
        "no_show_rate_pct",
        "hoos_jr_courses",
        "hoos_jr_mean_change",
        "hoos_jr_improvers",
        "hoos_jr_improver_rate_pct",
        "running_courses",
    )

    @property
    def finished_courses(self) -> int:
        return sum(row.courses for row in self.rows)

    @property
    def completed_courses(self) -> int:
        return sum(row.completed_courses for row in self.rows)

    def csv_rows(self) -> list[tuple]:
        return [
            (
                row.condition,
                row.courses,
                row.completed_courses,
                _blank(row.completion_rate),
                row.courses_with_scores,
                _blank(row.mean_change),
                row.responders,
                _blank(row.responder_rate),
                row.no_shows,
                row.sessions_due,
                _blank(row.no_show_rate),
                row.hoos_courses,
                _blank(row.hoos_mean_change),
                row.hoos_improvers,
                _blank(row.hoos_improver_rate),
                row.running_courses,
            )
            for row in self.rows
        ]


def _blank(value):
    return "" if value is None else value


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


# A course still has these ahead of it while it runs; once none is left, it has finished.
_STILL_TO_HAPPEN = (*Appointment.UPCOMING_STATUSES, Appointment.Status.CHECKED_IN)
_DUE = (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW)


def outcomes_report(
    *, finished_from: date | None = None, finished_to: date | None = None, tz=None
) -> OutcomesReport:
    """Return the outcomes per condition over finished courses; the page and the CSV both
    render this.

    - finished: a course with no session still to happen (every one attended, missed or
      cancelled), or closed at its review. It finished on the day of its last attended or missed
      session (clinic time), and `finished_from` / `finished_to` keep those finished between the
      two days, both included. Courses still running are only counted (``running_courses``):
      their figures would pull every rate down while they are half done.
    - courses cancelled before any session was attended are left out altogether.
    - completion rate: finished courses with all planned sessions completed.
    - mean change and responder rate: over finished courses with a follow-up score
      (``courses_with_scores``), that is a later session's pain on arrival or a report after the
      first session. Change is latest minus baseline as ``scheduling.records.progress`` defines
      them: never the score taken just after needling.
    - no-show rate: no-shows among the finished courses' sessions that were due (completed or
      no-show).
    - non-responders: finished courses whose planned sessions are all completed and whose
      patient is not a responder (Farrar: a drop of 2 points and 30%).
    - HOOS, JR: over finished courses with a baseline and a later questionnaire answered
      (``hoos_courses``), the mean change of the interval score and the courses whose score rose
      by at least settings.HOOS_JR_MIN_IMPORTANT_CHANGE (improvers).
    """
    tz = tz or Clinic.load().tz
    courses = list(
        TreatmentCourse.objects.select_related("patient", "practitioner").order_by("created_at")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    last_due: dict[int, datetime] = {}
    for course_id, status, starts_at in Appointment.objects.filter(
        course__in=[c.pk for c in courses]
    ).values_list("course_id", "status", "starts_at"):
        counts[course_id][status] += 1
        if status in _DUE and (course_id not in last_due or starts_at > last_due[course_id]):
            last_due[course_id] = starts_at
    courses = [
        c
        for c in courses
        if not (
            c.status == TreatmentCourse.Status.CANCELLED
            and counts[c.pk][Appointment.Status.COMPLETED] == 0
        )
    ]
    finished, running = [], defaultdict(int)
    for course in courses:
        day = _finished_on(course, counts[course.pk], last_due.get(course.pk), tz)
        if day is None:
            running[course.condition] += 1
        elif (finished_from or day) <= day <= (finished_to or day):
            finished.append(course)
    progress = progress_for_courses(finished)
    function = hoos_progress_for_courses(finished)
    by_condition: dict[str, list[TreatmentCourse]] = defaultdict(list)
    for course in finished:
        by_condition[course.condition].append(course)
    rows = []
    flagged = []
    for condition, label in Condition.choices:
        group = by_condition.get(condition, [])
        if group:
            row, completed = _condition_outcome(condition, label, group, counts, progress, function)
            rows.append(replace(row, running_courses=running[condition]))
            flagged += [
                FlaggedCourse(c, progress[c.pk])
                for c in completed
                if progress[c.pk].baseline is not None and not progress[c.pk].responder
            ]
    return OutcomesReport(
        rows,
        flagged,
        settings.HOOS_JR_MIN_IMPORTANT_CHANGE,
        running_courses=sum(running.values()),
        finished_from=finished_from,
        finished_to=finished_to,
    )


def _finished_on(course: TreatmentCourse, counts, last_due: datetime | None, tz) -> date | None:
    """Return the day the course finished (its last attended or missed session), or None while
    a session of it is still to happen."""
    ahead = sum(counts[status] for status in _STILL_TO_HAPPEN)
    if last_due is None or (ahead and course.status != TreatmentCourse.Status.COMPLETED):
        return None
    return last_due.astimezone(tz).date()


def _condition_outcome(condition, label, group, counts, progress, function):
    """Return one condition's line of the report and its courses whose sessions are all done."""
    completed = [
        c for c in group if counts[c.pk][Appointment.Status.COMPLETED] >= c.sessions_planned
    ]
    scored = [progress[c.pk] for c in group if progress[c.pk].has_follow_up]
    responders = sum(1 for p in scored if p.responder)
    no_shows = sum(counts[c.pk][Appointment.Status.NO_SHOW] for c in group)
    due = no_shows + sum(counts[c.pk][Appointment.Status.COMPLETED] for c in group)
    mean_change = round(sum(p.change for p in scored) / len(scored), 1) if scored else None
    measured = [function[c.pk] for c in group if function[c.pk].has_follow_up]
    improvers = sum(1 for f in measured if f.improved)
    hoos_mean = (
        round(float(sum(f.change for f in measured)) / len(measured), 1) if measured else None
    )
    row = ConditionOutcome(
        condition=condition,
        label=label,
        courses=len(group),
        completed_courses=len(completed),
        completion_rate=_pct(len(completed), len(group)),
        courses_with_scores=len(scored),
        mean_change=mean_change,
        responders=responders,
        responder_rate=_pct(responders, len(scored)),
        no_shows=no_shows,
        sessions_due=due,
        no_show_rate=_pct(no_shows, due),
        hoos_courses=len(measured),
        hoos_improvers=improvers,
        hoos_improver_rate=_pct(improvers, len(measured)),
        hoos_mean_change=hoos_mean,
    )
    return row, completed


def course_records(
    course: TreatmentCourse,
) -> tuple[list[Appointment], dict[int, list[str]], dict[int, list[SessionRecordAmendment]]]:
    """Return the course's sessions in order, each with its record; the point codes of each
    record in the order typed; and each record's amendments, with who made them (both by record
    id). At most three queries: points read as plain values cost a fraction of prefetched
    instances, and amendments are read only when a record says it was amended."""
    sessions = sorted(
        Appointment.objects.filter(course_id=course.pk).select_related("record").order_by(),
        key=attrgetter("number", "starts_at"),  # in Python, as _in_order says why
    )
    records = [a.record for a in sessions if getattr(a, "record", None) is not None]
    points: dict[int, list[str]] = defaultdict(list)
    if records:
        rows = (
            SessionRecordPoint.objects.filter(record_id__in=[r.pk for r in records])
            .order_by()
            .values_list("record_id", "position", "point_id")
        )
        for record_id, _, code in sorted(rows):
            points[record_id].append(code)
    amendments: dict[int, list[SessionRecordAmendment]] = defaultdict(list)
    amended = [r.pk for r in records if r.is_amended]
    if amended:
        for amendment in SessionRecordAmendment.objects.filter(
            record_id__in=amended
        ).select_related("amended_by"):
            amendments[amendment.record_id].append(amendment)
    return sessions, points, amendments


def previous_points(appointment: Appointment) -> list[str]:
    """Return the point codes of the patient's most recent earlier recorded session."""
    record = (
        SessionRecord.objects.filter(
            appointment__patient_id=appointment.patient_id,
            appointment__starts_at__lt=appointment.starts_at,
        )
        .order_by("-appointment__starts_at")
        .prefetch_related("record_points")
        .first()
    )
    return record.point_codes if record else []
