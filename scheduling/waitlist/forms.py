"""Front-desk forms for the wait list."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone

from clinic.models import Clinic, Practitioner
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.waitlist.services import missing_session

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class PatientPickForm(forms.Form):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.filter(courses__status__in=TreatmentCourse.OPEN_STATUSES)
        .distinct()
        .order_by("last_name", "first_name"),
        empty_label="Choose a patient",
    )


def wants_for(patient: Patient) -> list[tuple[str, str]]:
    """Return what the patient can wait for: each open course's missing session, and each
    upcoming visit to bring forward."""
    tz = Clinic.load().tz

    def when(moment) -> str:
        return f"{moment.astimezone(tz):%a %b %-d, %-I:%M %p}"

    choices = []
    for course in patient.courses.filter(status__in=TreatmentCourse.OPEN_STATUSES):
        missing = missing_session(course)
        if missing:
            choices.append(
                (
                    f"course:{course.pk}",
                    f"Make-up for visit {missing.number} of {course.sessions_planned} "
                    f"(was {when(missing.starts_at)})",
                )
            )
    upcoming = patient.appointments.filter(
        status__in=Appointment.UPCOMING_STATUSES, starts_at__gt=timezone.now()
    ).order_by("starts_at")
    for visit in upcoming:
        choices.append(
            (
                f"appointment:{visit.pk}",
                f"Earlier time for visit {visit.number} (now {when(visit.starts_at)})",
            )
        )
    return choices


class EntryForm(forms.Form):
    want = forms.ChoiceField(label="Waiting for")
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="Any practitioner",
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Days",
        help_text="Leave all unticked for any day.",
    )
    earliest_time = forms.TimeField(
        label="From", initial=time(9), widget=forms.TimeInput(attrs={"type": "time"})
    )
    latest_time = forms.TimeField(
        label="To", initial=time(19), widget=forms.TimeInput(attrs={"type": "time"})
    )
    until = forms.DateField(
        label="Wait until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day a time is worth offering.",
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["want"].choices = wants_for(patient)

    def service_arguments(self) -> dict:
        kind, _colon, pk = self.cleaned_data["want"].partition(":")
        data = self.cleaned_data
        target = {
            "course": TreatmentCourse.objects.filter(pk=pk, patient=self.patient).first(),
            "appointment": Appointment.objects.filter(pk=pk, patient=self.patient).first(),
        }
        return {
            "patient": self.patient,
            kind: target[kind],
            "practitioner": data["practitioner"],
            "weekdays": data["weekdays"],
            "earliest_time": data["earliest_time"],
            "latest_time": data["latest_time"],
            "until": data["until"],
        }


class HandOfferForm(forms.Form):
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}))

    def start(self) -> datetime:
        """Return the chosen local date and time in the clinic's zone."""
        tz = Clinic.load().tz
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["start_time"], tz)
