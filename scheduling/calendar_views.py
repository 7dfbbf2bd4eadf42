"""The calendars: the front desk's day view (a column per practitioner) and the week of one
practitioner or one room. Acting on a visit goes through the session actions of views.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic.localtime import today_in
from clinic.models import Clinic, Practitioner, Room
from clinic.roles import ALL_ROLES, FRONT_DESK_ROLES, has_role, role_required
from scheduling.calendar_grid import day_calendar, week_calendar
from scheduling.forms import CalendarForm
from scheduling.models import Appointment, TreatmentCourse

# A missed or cancelled session is offered a make-up from the day view this many days after it.
MAKEUP_DAYS = 14
MAKEUP_LIST = 20


@role_required(*ALL_ROLES)
def calendar_week(request):
    """A week for one practitioner or one room; a practitioner's own week by default."""
    practitioners = list(Practitioner.objects.filter(active=True))  # the page lists them all
    own = next((p for p in practitioners if p.user_id == request.user.pk), None)
    if not request.GET and own is None and has_role(request.user, *FRONT_DESK_ROLES):
        return redirect("calendar-day")  # the front desk works from the day view
    form = CalendarForm(request.GET or None, practitioners=practitioners)
    clinic = Clinic.of(request)
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("date") or today_in(clinic.tz)
    practitioner = data.get("practitioner")
    room = Room.objects.filter(pk=data.get("room")).first() if data.get("room") else None
    if practitioner is None and room is None:
        practitioner = own or next(iter(practitioners), None)
    first = day - timedelta(days=day.weekday())
    grid = week_calendar(
        practitioner=practitioner,
        room=room,
        first_day=first,
        days=7,
        clinic=clinic,
        now=timezone.now(),
        movable=has_role(request.user, *FRONT_DESK_ROLES),
    )
    return render(
        request,
        "scheduling/calendar.html",
        {
            "here": request.get_full_path(),
            "move_url": _action_urls(0)["move"],
            "grid": grid,
            "grid_html": grid.html(),
            "scope": "week",
            "day": day,
            "previous": first - timedelta(days=7),
            "next": first + timedelta(days=7),
            "practitioner": practitioner,
            "room": room,
            "practitioners": practitioners,
            "rooms": Room.objects.filter(active=True),
        },
    )


@role_required(*ALL_ROLES)
def calendar_day(request):
    """The day, a column per practitioner: click a visit to act on it, a free slot to book."""
    form = CalendarForm(request.GET or None)
    clinic = Clinic.of(request)
    data = form.cleaned_data if form.is_valid() else {}
    today = today_in(clinic.tz)
    day = data.get("date") or today
    room = Room.objects.filter(pk=data.get("room")).first() if data.get("room") else None
    practitioner = data.get("practitioner")
    show_cancelled = request.GET.get("cancelled") != "hide"
    kept = {"date": day.isoformat()}
    if room:
        kept["room"] = room.pk
    if practitioner:
        kept["practitioner"] = practitioner.pk
    if not show_cancelled:
        kept["cancelled"] = "hide"
    here = f"{request.path}?{urlencode(kept)}"
    can_act = has_role(request.user, *FRONT_DESK_ROLES)
    grid = day_calendar(
        day=day,
        clinic=clinic,
        room=room,
        practitioner=practitioner,
        now=timezone.now(),
        show_cancelled=show_cancelled,
        visit_url=f"{here}&",
        slot_url=f"{here}&",
        movable=can_act,
    )
    toggled = {k: v for k, v in kept.items() if k != "cancelled"}
    if show_cancelled:
        toggled["cancelled"] = "hide"
    context = {
        "grid": grid,
        "scope": "day",
        "day": day,
        "is_today": day == today,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "today_url": f"{request.path}?{urlencode({k: v for k, v in kept.items() if k != 'date'})}",
        "here": here,
        "room": room,
        "practitioner": practitioner,
        "rooms": Room.objects.filter(active=True),
        "show_cancelled": show_cancelled,
        "toggle_cancelled": f"{request.path}?{urlencode(toggled)}",
        "can_act": can_act,
        "action_urls": _action_urls(0),
        "column_practitioners": [(c.practitioner_id, c.label) for c in grid.columns],
    }
    if can_act:
        context["awaiting_makeup"] = _awaiting_makeup(day)
        context["course_new"] = reverse("course-new")
    context |= _selected(request, grid, can_act)
    if "selected_visit" in context:
        context["visit_urls"] = _action_urls(context["selected_visit"].id)
    if "selected_slot" in context:
        slot = context["selected_slot"]
        context["makeups_here"] = [
            missed
            for missed in context.get("awaiting_makeup", [])
            if missed.practitioner_id == context["selected_column"].practitioner_id
        ]
        context["slot_query"] = urlencode(
            {
                "practitioner": context["selected_column"].practitioner_id,
                "start_date": day.isoformat(),
                "time": slot.label,
            }
        )
    chosen = context.get("selected_slot")
    context["grid_html"] = grid.html(
        with_slots=can_act,
        selected=(context["selected_column"].practitioner_id, chosen.value) if chosen else None,
    )
    head, _, tail = _action_urls(_SENTINEL)["makeup"].partition(str(_SENTINEL))
    context["makeup_prefix"], context["makeup_suffix"] = head, tail
    return render(request, "scheduling/calendar_day.html", context)


_SENTINEL = 987654321


def _action_urls(pk: int) -> dict[str, str]:
    """Return the session actions' URLs for one visit (0: the pattern the page's script fills)."""
    return {
        action.replace("-", "_"): reverse(f"appointment-{action}", args=[pk])
        for action in ("move", "cancel", "check-in", "no-show", "makeup")
    }


def _selected(request, grid, can_act: bool) -> dict:
    """Return the visit or the free slot the page was asked to show in its side panel (the
    no-JavaScript path; with JavaScript the panel is filled in the page)."""
    visit_id = request.GET.get("visit", "")
    if visit_id.isdigit():
        for column in grid.columns:
            for event in column.events:
                if event.id == int(visit_id):
                    return {"selected_visit": event, "selected_column": column}
    slot, for_id = request.GET.get("slot", "")[:16], request.GET.get("for", "")
    if can_act and for_id.isdigit():
        for column in grid.columns:
            if column.practitioner_id == int(for_id):
                for free in column.slots:
                    if free.value == slot:
                        return {"selected_slot": free, "selected_column": column}
    return {}


def _awaiting_makeup(day) -> list[Appointment]:
    """Return the cancelled or missed sessions around `day` that have no make-up yet, for the
    free-slot panel (one query, whatever the clinic holds)."""
    tz = Clinic.load().tz
    start = datetime.combine(day - timedelta(days=MAKEUP_DAYS), time(), tzinfo=tz)
    end = start + timedelta(days=2 * MAKEUP_DAYS + 1)
    rebooked = Appointment.objects.active().filter(
        course_id=OuterRef("course_id"), number=OuterRef("number")
    )
    return list(
        Appointment.objects.filter(
            status__in=(Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW),
            starts_at__gte=start,
            starts_at__lt=end,
            course__status=TreatmentCourse.Status.ACTIVE,
        )
        .exclude(Exists(rebooked))
        .select_related("patient", "practitioner")
        .order_by("starts_at")[:MAKEUP_LIST]
    )
