"""Receptionist pages: book a course from a preview, manage its sessions, calendars, attention."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.audit import audit_log
from clinic.inputs import EARLIEST_DATE, LATEST_DATE, as_id
from clinic.localtime import today_in
from clinic.models import Clinic, Practitioner, Room
from clinic.roles import (
    ALL_ROLES,
    CLINICAL_ROLES,
    FRONT_DESK_ROLES,
    Role,
    has_role,
    role_required,
)
from patients.models import Patient
from scheduling import services
from scheduling.forms import CancelForm, CourseForm, MoveForm
from scheduling.models import Appointment, TreatmentCourse
from scheduling.schedule import needs_attention
from scheduling.selectors import can_read_clinical
from scheduling.services.courses import BACK_TO_BACK, CATCH_UP_WEEKS, active_course_of
from scheduling.services.errors import ActiveCourseExists, BookingConflict, BookingError
from scheduling.wording import describe_problem, problem_words, when_label


@role_required(*FRONT_DESK_ROLES)
def course_new(request):
    """Step 1: the course request; step 2: the preview with editable sessions; then book."""
    initial = {"patient": request.GET.get("patient"), "sessions": 8, "per_week": 2}
    # A free slot of the day view opens the form on its practitioner, day and time.
    for name in ("practitioner", "start_date", "time", "sessions", "per_week"):
        if request.GET.get(name):
            initial[name] = request.GET[name][:20]
    form = CourseForm(request.POST or None, initial=initial)
    context = {"form": form, "patient": _patient_from(form, request)}
    if request.method == "POST" and form.is_valid():
        try:
            if "check" in request.POST and _typed_slots(request.POST):
                # Enter in a session's field: check what is on screen, keep every edit.
                clashes = services.course_check(
                    **form.service_arguments(), slots=_slots_from(request.POST)
                )
                context["row_errors"] = _by_session(clashes, form)
                context["checked"] = not clashes
                context["plan"] = _safe_plan(form)
                context["typed"] = _typed_slots(request.POST)
            elif "book" in request.POST:
                course = services.course_book(
                    **form.service_arguments(),
                    condition=form.cleaned_data["condition"],
                    red_flags=form.red_flags(),
                    slots=_slots_from(request.POST) or None,
                    by=request.user,
                    another_course=form.cleaned_data["another_course"],
                    another_course_reason=form.cleaned_data["another_course_reason"],
                    back_to_back=form.cleaned_data["back_to_back"],
                )
                messages.success(request, f"Booked {course.appointments.count()} sessions.")
                return redirect(course)
            else:
                context["plan"] = services.course_plan(**form.service_arguments())
        except BookingError as exc:
            if exc.clashes:
                form.add_error(
                    None, "Some sessions cannot be booked as shown: see the marked rows."
                )
            else:
                for field, errors in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            context["row_errors"] = _by_session(exc.clashes, form)
        except BookingConflict as exc:
            context["conflict"] = exc
            context["row_errors"] = _by_session(exc.clashes, form)
            context["week_problems"] = [c for c in exc.clashes if not c.number]
            context["ask_back_to_back"] = any(c.reason == BACK_TO_BACK for c in exc.clashes)
        except ActiveCourseExists:
            form.add_error(
                "another_course", "Tick this box and give a reason to book another course."
            )
        if ("book" in request.POST or "check" in request.POST) and "plan" not in context:
            context["plan"] = _safe_plan(form)
            # Keep what the receptionist typed in the preview, not the planner's proposal.
            context["typed"] = _typed_slots(request.POST)
    if context["patient"] is not None:
        context["existing_course"] = active_course_of(context["patient"])
    context["catch_up_weeks"] = CATCH_UP_WEEKS
    context["tz"] = Clinic.load().tz
    context["rooms"] = {room.pk: room for room in Room.objects.all()}
    context["practitioners"] = {p.pk: p for p in Practitioner.objects.all()}
    return render(request, "scheduling/course_new.html", context)


def _by_session(clashes, form) -> dict[int, list[str]]:
    """Return each session's problems in the clinic's words, by session number."""
    patient = form.cleaned_data.get("patient")
    rows: dict[int, list[str]] = {}
    for clash in clashes:
        if clash.number and isinstance(clash.start, datetime):
            rows.setdefault(clash.number, []).append(
                describe_problem(
                    clash.reason,
                    start=clash.start,
                    practitioner=form.cleaned_data.get("practitioner"),
                    patient_name=patient.first_name if patient else "the patient",
                )
            )
        elif clash.number:
            rows.setdefault(clash.number, []).append(clash.reason)
    return rows


def _typed_slots(post) -> dict[int, str]:
    """Return what was typed in each `slot-N` field of the preview, by session number."""
    typed = {}
    for key, value in post.items():
        match = re.fullmatch(r"slot-(\d{1,2})", key)
        if match:
            typed[int(match[1])] = value[:20]
    return typed


def _patient_from(form, request):
    pk = form.data.get("patient") if form.is_bound else request.GET.get("patient")
    pk = as_id(str(pk or ""))
    return Patient.objects.filter(pk=pk).first() if pk else None


def _slots_from(post) -> list[datetime]:
    """Read the preview's session inputs (clinic wall time) as aware datetimes."""
    tz = Clinic.load().tz
    slots = []
    numbered = _typed_slots(post)
    for number in sorted(numbered):
        try:
            naive = datetime.fromisoformat(numbered[number])
        except ValueError:
            naive = None
        if naive is None or not EARLIEST_DATE <= naive.date() <= LATEST_DATE:
            raise BookingError(
                {"slots": [f"Session {number}: “{numbered[number]}” is not a date and time."]}
            )
        slots.append(naive.replace(tzinfo=None).replace(tzinfo=tz))
    return slots


def _safe_plan(form):
    try:
        return services.course_plan(**form.service_arguments())
    except (BookingError, BookingConflict):
        return None


@role_required(*ALL_ROLES)
def course_detail(request, pk: int):
    course = get_object_or_404(
        TreatmentCourse.objects.select_related("patient", "practitioner"), pk=pk
    )
    audit_log(user=request.user, action="view", obj=course, request=request)
    tz = Clinic.load().tz
    today = today_in(tz)
    appointments = list(
        course.appointments.select_related("room")
        .prefetch_related("reminders")
        .order_by("number", "starts_at")
    )
    booked_numbers = {a.number for a in appointments if a.is_active}
    row_errors = _row_messages(request)
    moving = as_id(request.GET.get("moving", ""))
    for appointment in appointments:
        appointment.is_today = appointment.starts_at.astimezone(tz).date() == today
        appointment.has_started = appointment.starts_at <= timezone.now()
        appointment.needs_makeup = not appointment.is_active and (
            appointment.number not in booked_numbers
        )
        appointment.row_errors = row_errors.get(appointment.pk, [])
        if appointment.pk == moving and appointment.row_errors:
            appointment.typed_start = request.GET.get("start", "")[:20]
    return render(
        request,
        "scheduling/course_detail.html",
        {
            "course": course,
            "appointments": appointments,
            "can_act": has_role(request.user, *FRONT_DESK_ROLES),
            "can_review": has_role(request.user, Role.MANAGER)
            or (course.practitioner.user_id == request.user.pk),
            # The override's text is clinical: only the treating practitioner and the manager.
            "reads_clinical": can_read_clinical(request.user, patient_id=course.patient_id),
            "now": timezone.now(),
            "tz": tz,
            "move_form": MoveForm(),
        },
    )


def _row_messages(request) -> dict[int, list[str]]:
    """Return the messages meant for one session's row (tagged row-<id>), by session id."""
    rows: dict[int, list[str]] = {}
    for message in messages.get_messages(request):
        for tag in message.extra_tags.split():
            if tag.startswith("row-") and tag[4:].isdigit():
                rows.setdefault(int(tag[4:]), []).append(message.message)
    return rows


@require_POST
@role_required(*CLINICAL_ROLES)
def course_red_flag_review(request, pk: int):
    """The treating practitioner treats a held course (with a reason) or refers the patient."""
    course = get_object_or_404(TreatmentCourse, pk=pk)
    try:
        services.course_red_flag_review(
            course=course,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", "")[:2000],
            by=request.user,
        )
    except BookingError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        if request.POST.get("decision") == "treat":
            messages.success(request, "The course is active: its messages are scheduled.")
        else:
            messages.success(request, "The course is cancelled: the patient is referred out.")
    return redirect(course)


@require_POST
@role_required(*FRONT_DESK_ROLES)
def appointment_action(request, pk: int, action: str):
    """Move, cancel, check in, mark a no-show or book a make-up, then go back to the course."""
    appointment = get_object_or_404(Appointment, pk=pk)
    back = request.POST.get("next", "")
    # Only a path on this site: checked before acting, so a bad one changes nothing.
    if back and not (
        back.startswith("/")
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        return HttpResponseBadRequest("next: give a path on this site, such as /calendar/.")
    # A refused move or make-up is shown on its own row of the course page, typed time kept.
    on_row = action in ("move", "makeup") and not back
    tags = f"row-{appointment.pk}" if on_row else ""
    try:
        _act(request, appointment, action)
    except BookingError as exc:
        text = " ".join(m for ms in exc.errors.values() for m in ms)
        messages.error(request, text, extra_tags=tags)
    except BookingConflict as exc:
        target = MoveForm(request.POST)
        if action == "move" and target.is_valid() and target.cleaned_data["practitioner"]:
            # The refusal speaks of the practitioner the session was to move to.
            appointment.practitioner = target.cleaned_data["practitioner"]
        messages.error(request, _refusal(exc, appointment), extra_tags=tags)
    else:
        on_row = False
    if back:
        return HttpResponseRedirect(back)
    if on_row:
        typed = urlencode({"moving": appointment.pk, "start": request.POST.get("start", "")[:20]})
        return redirect(f"{appointment.course.get_absolute_url()}?{typed}#move-{appointment.pk}")
    return redirect(appointment.course)


def _refusal(exc: BookingConflict, appointment: Appointment) -> str:
    """Return why a session cannot go where asked, in the clinic's words."""
    clinic = Clinic.load()
    by_time: dict[datetime, list[str]] = {}
    for clash in exc.clashes:
        if isinstance(clash.start, datetime):
            by_time.setdefault(clash.start, []).append(
                problem_words(
                    clash.reason,
                    start=clash.start,
                    end=clash.start + (appointment.ends_at - appointment.starts_at),
                    practitioner=appointment.practitioner,
                    patient_name=appointment.patient.first_name,
                    clinic=clinic,
                )
            )
    if not by_time:
        return exc.detail
    head = "The session was not moved" if appointment.is_active else "No make-up was booked"
    reasons = [
        f"{when_label(start, clinic.tz)}: {'; '.join(words)}" for start, words in by_time.items()
    ]
    return f"{head}. " + " ".join(reasons) + "."


def _act(request, appointment: Appointment, action: str) -> None:
    by = request.user
    if action in ("move", "makeup"):
        form = MoveForm(request.POST)
        if not form.is_valid():
            raise BookingError({"start": ["Choose a valid date and time."]})
        if action == "move":
            services.appointment_reschedule(
                appointment=appointment,
                start=form.cleaned_data["start"],
                by=by,
                practitioner=form.cleaned_data["practitioner"],
            )
            messages.success(request, f"Session {appointment.number} moved.")
        else:
            services.appointment_rebook(
                appointment=appointment, start=form.cleaned_data["start"], by=by
            )
            messages.success(request, f"Make-up for session {appointment.number} booked.")
    elif action == "cancel":
        form = CancelForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        proposals = services.appointment_cancel(appointment=appointment, reason=reason, by=by)
        tz = Clinic.load().tz
        offer = ", ".join(f"{p.start.astimezone(tz):%a %b %-d %H:%M}" for p in proposals)
        messages.success(
            request,
            f"Session {appointment.number} cancelled."
            + (
                f" Free make-up times: {offer}."
                if offer
                else " No make-up time is free this week or next."
            ),
        )
    elif action == "check-in":
        services.appointment_check_in(appointment=appointment, by=by)
        messages.success(request, f"{appointment.patient} checked in.")
    elif action == "no-show":
        services.appointment_mark_no_show(appointment=appointment, by=by)
        messages.warning(request, f"Session {appointment.number} marked as a no-show.")
    else:
        raise BookingError("Unknown action.")


@require_POST
@role_required(*FRONT_DESK_ROLES)
def course_cancel(request, pk: int):
    course = get_object_or_404(TreatmentCourse, pk=pk)
    try:
        services.course_cancel(course=course, by=request.user)
        messages.success(request, "The course and its future sessions are cancelled.")
    except BookingError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    return redirect(course)


@role_required(*FRONT_DESK_ROLES)
def attention(request):
    return render(request, "scheduling/attention.html", {"items": needs_attention()})
