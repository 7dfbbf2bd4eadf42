"""Staff pages for practitioners: today's list, the session form, progress and reviews, and the
manager's outcomes report."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from html import escape

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from clinic.audit import audit_log
from clinic.inputs import as_day
from clinic.models import Clinic, Practitioner
from clinic.roles import ALL_ROLES, CLINICAL_ROLES, Role, has_role, role_required
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records import selectors
from scheduling.records import services as record_services
from scheduling.records.forms import (
    CourseReviewForm,
    OutcomesFilterForm,
    PainReportForm,
    QuestionnaireForm,
    SessionRecordForm,
)
from scheduling.records.hoos import hoos_chart_svg
from scheduling.records.models import AdverseEvent, CourseReview, PainReport, Questionnaire
from scheduling.records.points import search_points
from scheduling.records.progress import PainChart, day_and_time, review_stage_due
from scheduling.selectors import can_read_clinical
from scheduling.services.errors import BookingConflict, BookingError
from scheduling.templatetags.clinic_time import status_colour


def _apply_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages_ in errors.items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


@require_GET
@role_required(*CLINICAL_ROLES)
def today(request):
    """Today's sessions: a practitioner's own, or everyone's for a manager."""
    clinic = Clinic.load()
    day = _day_param(request.GET.get("day")) or clinic.today()
    own = Practitioner.objects.filter(user=request.user).first()
    everyone = has_role(request.user, Role.MANAGER)
    rows = selectors.appointments_for_day(day=day, practitioner=None if everyone else own)
    if not everyone and own is None:
        rows = []
    held = TreatmentCourse.objects.filter(status=TreatmentCourse.Status.AWAITING_REVIEW)
    if not everyone:
        held = held.filter(practitioner=own) if own else held.none()
    context = {
        "now": timezone.now(),
        "held": held.select_related("patient", "practitioner"),
        "rows": rows,
        "day": day,
        "everyone": everyone,
        "own": own,
        "today": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
    }
    return render(request, "records/today.html", context)


def _day_param(raw: str | None) -> date | None:
    return as_day(raw)


def session_record(request, pk: int):
    """Record a session, or correct/amend its record."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "course", "practitioner", "room"), pk=pk
    )
    if not record_services.can_write_record(request.user, appointment):
        raise PermissionDenied
    record = getattr(appointment, "record", None)
    if record is None and appointment.starts_at > timezone.now():
        # Say so before the practitioner fills in a form the service would refuse.
        opens = appointment.starts_at.astimezone(Clinic.load().tz)
        messages.info(
            request,
            f"Session {appointment.number} starts at {opens:%H:%M} on {opens:%a %b %-d}: "
            "it can be recorded from then.",
        )
        return redirect("course-progress", appointment.course_id)
    amending = bool(record) and (
        timezone.now() - record.recorded_at > record_services.CORRECTION_WINDOW
    )
    previous = ", ".join(selectors.previous_points(appointment))
    form = SessionRecordForm(
        request.POST or None,
        initial=_initial(record, previous if request.GET.get("same_points") else ""),
        amending=amending,
        previous_points=previous,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_record(request, appointment, record, form)
        except BookingError as exc:
            _apply_errors(form, exc.errors)
        except record_services.RecordForbidden:
            raise PermissionDenied from None
        else:
            messages.success(request, f"Session {appointment.number} recorded.")
            return redirect("course-progress", appointment.course_id)
    elif record is not None and request.method == "GET":
        audit_log(user=request.user, action="view", obj=record, request=request)
    context = {"appointment": appointment, "record": record, "form": form, "amending": amending}
    return render(request, "records/session_form.html", context)


def _initial(record, same_points: str) -> dict:
    if record is None:
        return {"points": same_points} if same_points else {}
    return {
        "pain_before": record.pain_before,
        "pain_after": record.pain_after,
        "points": ", ".join(record.point_codes),
        "techniques": record.techniques,
        "notes": record.notes,
        "adverse_event": record.adverse_event,
        "adverse_event_note": record.adverse_event_note,
        "hip_side": record.hip_side,
        "pain_sites": record.pain_sites,
        "faber": record.faber,
        "fadir": record.fadir,
    }


def _save_record(request, appointment, record, form) -> None:
    values = form.session_values()
    if record is None:
        record_services.session_record_create(
            appointment=appointment, values=values, by=request.user
        )
    else:
        record_services.session_record_update(
            record=record,
            values=values,
            by=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )


@require_GET
def course_progress(request, pk: int):
    """The course's pain chart, sessions, reports and review."""
    course = get_object_or_404(
        TreatmentCourse.objects.select_related("patient", "practitioner"), pk=pk
    )
    if not can_read_clinical(request.user, patient_id=course.patient_id, course=course):
        raise PermissionDenied
    page = selectors.course_page(course)
    tz = Clinic.of(request).tz
    completed = sum(1 for a in page.sessions if a.status == Appointment.Status.COMPLETED)
    stage = review_stage_due(completed, course.sessions_planned, {r.stage for r in page.reviews})
    can_decide = (
        has_role(request.user, Role.MANAGER) or course.practitioner.user_id == request.user.pk
    )
    audit_log(user=request.user, action="view", obj=course, request=request, detail="progress")
    # Only a practitioner treating the patient enters answers; the reader was checked above.
    can_enter_answers = has_role(request.user, Role.PRACTITIONER)
    chart = PainChart(page.progress, tz=tz)  # drawn wide, and narrow for phones
    context = {
        "course": course,
        "progress": page.progress,
        "chart": chart.svg(),
        "phone_chart": chart.svg(width=340, height=280, css_class="pain-chart pain-chart-phone"),
        "sessions": _session_rows(page, tz),
        "completed": completed,
        "reports": _report_rows(page.reports, tz),
        "reviews": page.reviews,
        "stage": stage,
        "stage_label": CourseReview.Stage(stage).label if stage else "",
        "review_form": _blank_form(CourseReviewForm, stage=stage) if stage and can_decide else None,
        "report_form": _blank_form(PainReportForm),
        "can_decide": can_decide,
        "hoos": page.hoos_jr,
        "hoos_chart": hoos_chart_svg(page.hoos_jr),
        "hoos_min_change": settings.HOOS_JR_MIN_IMPORTANT_CHANGE,
        "questionnaires": page.questionnaires,
        "questionnaire_form": (
            _blank_form(QuestionnaireForm, stage=_stage_to_enter(page.questionnaires))
            if can_enter_answers
            else None
        ),
    }
    return render(request, "records/course_progress.html", context)


@dataclass(frozen=True)
class SessionRow:
    """One row of the progress page's session table, every value ready to print."""

    number: int
    when: str
    status: str
    status_label: str
    colour: str
    url: str
    recorded: bool
    opens: str = ""  # "Thu Dec 10, 10:00" for a session not started yet: it is recorded from then
    pain_before: int | None = None
    pain_after: int | None = None
    points: str = ""
    techniques: str = ""
    adverse_event: str = ""  # the label, "" for none
    adverse_event_note: str = ""
    notes: str = ""
    findings: str = ""
    amended: bool = False
    amendments: tuple[str, ...] = ()

    @property
    def html(self) -> str:
        """Return the row's <tr>, escaped: one template variable per session instead of twenty
        (the table was most of the page's template time). One f-string with the text fields
        escaped by hand; the numbers, the status code and colour are the page's own."""
        if self.recorded:
            button = (
                f'<a class="btn btn-sm btn-outline-secondary" href="{escape(self.url)}">Edit</a>'
            )
        elif self.status in ("cancelled", "no_show"):
            button = ""
        elif self.opens:
            button = (
                '<span class="text-muted small record-opens">'
                f"record from {escape(self.opens)}</span>"
            )
        else:
            button = f'<a class="btn btn-sm btn-primary" href="{escape(self.url)}">Record</a>'
        if not self.recorded:
            cells = (
                '<td class="text-center text-muted">—</td><td class="text-center text-muted">—</td>'
                '<td colspan="5" class="text-muted small">Not recorded</td>'
                f'<td class="no-print text-end">{button}</td>'
            )
        else:
            adverse = "None"
            if self.adverse_event:
                adverse = f'<span class="text-danger">{escape(self.adverse_event)}</span>'
                if self.adverse_event_note:
                    adverse += f": {escape(self.adverse_event_note)}"
            amended = ""
            if self.amended:
                notes = "".join(
                    f'<span class="text-muted">{escape(a)}</span>' for a in self.amendments
                )
                amended = f'<div><span class="badge text-bg-warning">Amended</span> {notes}</div>'
            cells = (
                f'<td class="text-center fw-semibold">{self.pain_before:d}</td>'
                f'<td class="text-center fw-semibold">{self.pain_after:d}</td>'
                f'<td class="small">{escape(self.points or "—")}</td>'
                f'<td class="small">{escape(self.techniques or "—")}</td>'
                f'<td class="small">{adverse}</td>'
                f'<td class="small findings-cell">'
                f"{linebreaksbr(self.findings) if self.findings else '—'}</td>"
                f'<td class="small notes-cell">'
                f"{linebreaksbr(self.notes) if self.notes else '—'}{amended}</td>"
                f'<td class="no-print text-end">{button}</td>'
            )
        muted = ' class="text-muted"' if self.status == "cancelled" else ""
        return mark_safe(  # every text field above is escaped
            f'<tr{muted}><td>{self.number:d}</td><td class="text-nowrap">{escape(self.when)}</td>'
            f'<td><span class="badge text-bg-{self.colour} status-badge">'
            f"{escape(self.status_label)}</span></td>{cells}</tr>"
        )


def _when(moment, tz) -> str:
    """Return "Thu Dec 10, 10:00" in `tz`."""
    return day_and_time(moment.astimezone(tz))


def _session_rows(page: selectors.CoursePage, tz) -> list[SessionRow]:
    """Return the table's rows, built in one pass: the page used to spend most of its time in
    per-row template work (an include, a URL lookup and method calls for every session)."""
    head, _, tail = reverse("session-record", args=[_URL_SENTINEL]).rpartition(str(_URL_SENTINEL))
    labels = dict(Appointment.Status.choices)
    adverse_events = dict(AdverseEvent.choices)
    now = timezone.now()
    rows = []
    for appointment in page.sessions:
        status = appointment.status
        row = {
            "number": appointment.number,
            "when": _when(appointment.starts_at, tz),
            "status": status,
            "status_label": labels.get(status, status),
            "colour": status_colour(status),
            "url": f"{head}{appointment.pk}{tail}",
            "recorded": False,
            "opens": _when(appointment.starts_at, tz) if appointment.starts_at > now else "",
        }
        record = getattr(appointment, "record", None)
        if record is not None:
            row |= {
                "recorded": True,
                "pain_before": record.pain_before,
                "pain_after": record.pain_after,
                "points": ", ".join(page.points.get(record.pk, ())),
                "techniques": ", ".join(record.get_techniques_display()),
                "adverse_event": (
                    adverse_events.get(record.adverse_event, record.adverse_event)
                    if record.adverse_event != AdverseEvent.NONE
                    else ""
                ),
                "adverse_event_note": record.adverse_event_note,
                "notes": record.notes,
                "findings": _findings(record),
                "amended": record.is_amended,
                "amendments": tuple(
                    f"{date_filter(timezone.localtime(am.amended_at, tz), 'M j')} by "
                    f"{_name(am.amended_by)} "
                    f"(was {am.pain_before}→{am.pain_after}): {am.reason}"
                    for am in page.amendments.get(record.pk, ())
                )
                if record.is_amended
                else (),
            }
        rows.append(SessionRow(**row))
    return rows


def _findings(record) -> str:
    """Return the record's hip findings, a line each for where and each test ("" for none)."""
    if not record.has_findings:
        return ""
    parts = []
    where = ", ".join(record.get_pain_sites_display())
    if record.hip_side:
        parts.append(f"{record.get_hip_side_display()} hip" + (f"; {where}" if where else ""))
    elif where:
        parts.append(where)
    parts += [
        f"{test} {label.lower()}"
        for test, value, label in (
            ("FABER", record.faber, record.get_faber_display()),
            ("FADIR", record.fadir, record.get_fadir_display()),
        )
        if value
    ]
    return "\n".join(parts)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


@cache
def _blank_form(form_class, **arguments) -> str:
    """Return the HTML of an empty form. It is the same for every request (no data, no CSRF
    token: the page's own <form> carries that), so it is rendered once per process; rendering
    it took a quarter of the page's time."""
    form = form_class(**arguments)
    form.helper.disable_csrf = True  # the page's <form> has its own token
    return render_crispy_form(form)


def _report_rows(reports, tz) -> str:
    """Return the reports table's rows (when, score, source, entered by), escaped, as one value."""
    sources = dict(PainReport.Source.choices)
    return mark_safe(  # every text below is escaped; the score is a number
        "".join(
            f"<tr><td>{_when(report.reported_at, tz)}</td>"
            f'<td class="fw-semibold">{report.score:d}/10</td>'
            f"<td>{escape(sources.get(report.source, report.source))}</td>"
            f"<td>{escape(_name(report.entered_by)) if report.entered_by else _BY_LINK}</td></tr>"
            for report in reports
        )
    )


_BY_LINK = "the patient, by link"


_URL_SENTINEL = 987654321


@require_POST
@role_required(*CLINICAL_ROLES)
def course_review(request, pk: int):
    course = get_object_or_404(TreatmentCourse, pk=pk)
    stage = request.POST.get("stage", CourseReview.Stage.END)
    if stage not in CourseReview.Stage.values:
        messages.error(request, "That review stage does not exist.")
        return redirect("course-progress", pk)
    form = CourseReviewForm(request.POST, stage=stage)
    if not form.is_valid():
        messages.error(request, "Choose a decision for the review.")
        return redirect("course-progress", pk)
    try:
        review = record_services.course_review_decide(
            course=course,
            stage=form.cleaned_data["stage"],
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except record_services.RecordForbidden:
        raise PermissionDenied from None
    except BookingConflict as exc:
        messages.error(request, f"{exc.detail} " + "; ".join(str(c) for c in exc.clashes))
    except BookingError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, f"{review.get_stage_display()}: {review.get_decision_display()}.")
        if review.next_course_id:
            return redirect("course-progress", review.next_course_id)
    return redirect("course-progress", pk)


def _stage_to_enter(questionnaires: list[Questionnaire]) -> str:
    """Return the stage staff most likely enter next: the one due, else the first not answered."""
    for questionnaire in questionnaires:
        if questionnaire.status == Questionnaire.Status.DUE:
            return questionnaire.stage
    answered = {q.stage for q in questionnaires if q.status == Questionnaire.Status.ANSWERED}
    return next((s for s in Questionnaire.Stage.values if s not in answered), "baseline")


@require_POST
def questionnaire_add(request, pk: int):
    """Enter HOOS, JR answers the patient gave in the room or by phone."""
    course = get_object_or_404(TreatmentCourse.objects.select_related("patient"), pk=pk)
    if not record_services.can_enter_questionnaire(request.user, course):
        raise PermissionDenied
    form = QuestionnaireForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Answer all six questions: a HOOS, JR with one missing has no score."
        )
        return redirect("course-progress", pk)
    try:
        questionnaire = record_services.questionnaire_answer(
            course=course,
            stage=form.cleaned_data["stage"],
            answers=form.answers(),
            source=Questionnaire.Source.STAFF,
            by=request.user,
        )
    except BookingError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(
            request,
            f"HOOS, JR {questionnaire.get_stage_display().lower()}: {questionnaire.score}.",
        )
    return redirect("course-progress", pk)


@require_POST
def pain_report_add(request, pk: int):
    """Add a pain score the patient gave by phone or in person."""
    course = get_object_or_404(TreatmentCourse.objects.select_related("patient"), pk=pk)
    if not can_read_clinical(request.user, patient_id=course.patient_id):
        raise PermissionDenied
    form = PainReportForm(request.POST)
    if form.is_valid():
        record_services.pain_report_create(
            patient=course.patient,
            score=form.cleaned_data["score"],
            source=form.cleaned_data["source"],
            course=course,
            by=request.user,
        )
        messages.success(request, "Pain report added.")
    else:
        messages.error(request, "Choose a pain score from 0 to 10 and where it came from.")
    return redirect("course-progress", pk)


@require_GET
@role_required(*ALL_ROLES)
def point_search(request):
    """Type-ahead for the point picker: `?q=` -> {"results": [{"code", "label"}]}."""
    query = request.GET.get("q", "")[:40]
    points = search_points(query, limit=12)
    return JsonResponse({"results": [{"code": p.code, "label": p.label} for p in points]})


def _outcomes(request) -> tuple[OutcomesFilterForm, selectors.OutcomesReport | None]:
    """Return the date range form and the report it asks for (None when the range is bad)."""
    form = OutcomesFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    period = form.cleaned_data if form.is_bound else {}
    return form, selectors.outcomes_report(
        finished_from=period.get("finished_from"), finished_to=period.get("finished_to")
    )


@require_GET
@role_required(Role.MANAGER)
def outcomes_report(request):
    form, report = _outcomes(request)
    context = {"report": report, "form": form, "query": request.GET.urlencode()}
    return render(request, "records/outcomes.html", context)


@require_GET
@role_required(Role.MANAGER)
def outcomes_report_csv(request):
    form, report = _outcomes(request)
    if report is None:
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="outcomes.csv"'
    writer = csv.writer(response)
    writer.writerow(report.CSV_HEADER)
    writer.writerows(report.csv_rows())
    return response
