"""Staff pages for the clinic's setup (manager) and the home page."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.generic import CreateView, TemplateView, UpdateView

from clinic.forms import (
    ClinicForm,
    ClosureForm,
    OpeningHoursFormSet,
    PractitionerForm,
    RoomForm,
    TimeOffForm,
    WorkingHoursFormSet,
)
from clinic.models import Clinic, Closure, Practitioner, Room, TimeOff
from clinic.roles import ManagerRequiredMixin, Role, RoleRequiredMixin, has_role, role_required
from scheduling.schedule import (
    courses_needing_attention,
    needs_attention,
    sessions_blocked_by,
    sessions_on,
)


class HomeView(RoleRequiredMixin, TemplateView):
    """The day at a glance: today's sessions for the front desk, and what needs a call."""

    template_name = "clinic/home.html"

    def get(self, request, *args, **kwargs):
        # A practitioner's day starts from their own list of today's patients.
        if has_role(request.user, Role.PRACTITIONER) and not has_role(
            request.user, Role.RECEPTIONIST, Role.MANAGER
        ):
            return redirect("today")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if has_role(self.request.user, Role.RECEPTIONIST, Role.MANAGER):
            context["today"] = sessions_on(Clinic.load().today())
            context["now"] = timezone.now()
            context["attention_count"] = courses_needing_attention(needs_attention())
        return context


class SetupView(ManagerRequiredMixin, TemplateView):
    template_name = "clinic/setup.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            practitioners=Practitioner.objects.prefetch_related("working_hours"),
            rooms=Room.objects.all(),
            closures=Closure.objects.all(),
            time_off=TimeOff.objects.select_related("practitioner"),
            opening_hours=Clinic.load().opening_hours.all(),
        )
        return context


@role_required(Role.MANAGER)
def clinic_edit(request):
    clinic = Clinic.load()
    form = ClinicForm(request.POST or None, instance=clinic)
    hours = OpeningHoursFormSet(request.POST or None, instance=clinic, prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        with transaction.atomic():
            form.save()
            hours.save()
        messages.success(request, "Clinic details and opening hours saved.")
        return redirect("setup")
    return render(request, "clinic/clinic_form.html", {"form": form, "hours": hours})


@role_required(Role.MANAGER)
def practitioner_edit(request, pk: int | None = None):
    practitioner = get_object_or_404(Practitioner, pk=pk) if pk else Practitioner()
    form = PractitionerForm(request.POST or None, instance=practitioner)
    hours = WorkingHoursFormSet(request.POST or None, instance=practitioner, prefix="hours")
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        with transaction.atomic():
            practitioner = form.save()
            hours.instance = practitioner
            hours.save()
        messages.success(request, f"{practitioner} saved.")
        return redirect("setup")
    return render(
        request, "clinic/practitioner_form.html", {"form": form, "hours": hours, "object": pk}
    )


class SetupCreateView(ManagerRequiredMixin, CreateView):
    template_name = "clinic/setup_form.html"
    success_url = reverse_lazy("setup")
    title = ""

    def form_valid(self, form):
        messages.success(self.request, f"{self.title} saved.")
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)


class RoomCreate(SetupCreateView):
    form_class = RoomForm
    title = "Room"


class RoomUpdate(ManagerRequiredMixin, UpdateView):
    model = Room
    form_class = RoomForm
    template_name = "clinic/setup_form.html"
    success_url = reverse_lazy("setup")
    extra_context = {"title": "Room"}


class ClosureCreate(SetupCreateView):
    form_class = ClosureForm
    title = "Closure"

    def form_valid(self, form):
        response = super().form_valid(form)
        warn_about_blocked_sessions(self.request, sessions_blocked_by(closure=self.object))
        return response


class TimeOffCreate(SetupCreateView):
    form_class = TimeOffForm
    title = "Time off"

    def form_valid(self, form):
        response = super().form_valid(form)
        warn_about_blocked_sessions(self.request, sessions_blocked_by(time_off=self.object))
        return response


def warn_about_blocked_sessions(request, sessions) -> None:
    """Tell the manager which booked sessions now need moving (they show under Needs attention)."""
    sessions = list(sessions[:50])
    if sessions:
        tz = Clinic.load().tz
        listed = "; ".join(
            f"{s.patient.full_name} {s.starts_at.astimezone(tz):%a %b %-d %H:%M}" for s in sessions
        )
        messages.warning(
            request,
            f"{len(sessions)} booked {pluralize(len(sessions), 'session falls,sessions fall')} "
            f"in this time and must be moved: {listed}. "
            "They are listed under Needs attention.",
        )
