from __future__ import annotations

from django import forms

from clinic.inputs import MAX_ID, validate_reasonable_date
from clinic.models import Clinic, Practitioner, Weekday
from patients.models import Patient
from scheduling.models import Condition, RedFlag

WEEKDAY_CHOICES = [(d.value, d.label[:3]) for d in Weekday]
SCREENING_ANSWERS = [("no", "No"), ("yes", "Yes")]


class CourseForm(forms.Form):
    """What the receptionist asks for; the preview turns it into concrete sessions."""

    patient = forms.ModelChoiceField(queryset=Patient.objects.all(), widget=forms.HiddenInput)
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True),
        required=False,
        empty_label="Any practitioner",
    )
    condition = forms.ChoiceField(choices=[("", "Choose…"), *Condition.choices])
    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_reasonable_date]
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to let the planner spread the sessions over the week.",
    )
    time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        help_text="Local time. Leave empty for the earliest free time.",
    )
    sessions = forms.IntegerField(min_value=1, max_value=40, initial=8)
    per_week = forms.IntegerField(min_value=1, max_value=7, initial=2, label="Sessions per week")
    another_course = forms.BooleanField(
        required=False, label="Book another course alongside the active one"
    )
    another_course_reason = forms.CharField(
        required=False,
        max_length=200,
        label="Why another course",
        help_text="For example: the other hip, or a different practitioner's treatment.",
    )
    back_to_back = forms.BooleanField(
        required=False, label="Yes, back-to-back sessions for this patient are meant"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Red-flag screening: each question answered yes or no before any preview.
        for flag in RedFlag:
            self.fields[f"flag_{flag.value}"] = forms.ChoiceField(
                choices=SCREENING_ANSWERS,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                label=flag.label,
                error_messages={"required": "Ask the patient and answer yes or no."},
            )

    @property
    def screening_fields(self):
        return [self[f"flag_{flag.value}"] for flag in RedFlag]

    def red_flags(self) -> list[str]:
        """Return the red flags the patient answered yes to."""
        return [
            flag.value for flag in RedFlag if self.cleaned_data.get(f"flag_{flag.value}") == "yes"
        ]

    def red_flag_labels(self) -> list[str]:
        """Return the questions the patient answered yes to, as the receptionist asked them."""
        return [RedFlag(flag).label for flag in self.red_flags()]

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start < Clinic.load().today():
            raise forms.ValidationError("The start date is in the past.")
        return start

    def clean(self):
        cleaned = super().clean()
        weekdays = cleaned.get("weekdays") or []
        per_week = cleaned.get("per_week")
        if weekdays and per_week and per_week > len(weekdays):
            self.add_error(
                "weekdays",
                f"{per_week} sessions per week need at least {per_week} weekdays; "
                f"{len(weekdays)} chosen.",
            )
        if cleaned.get("another_course") and not cleaned.get("another_course_reason", "").strip():
            self.add_error("another_course_reason", "Say why the patient needs another course.")
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "patient": data["patient"],
            "practitioner": data["practitioner"],
            "start_date": data["start_date"],
            "weekdays": data["weekdays"] or None,
            "time": data["time"],
            "sessions": data["sessions"],
            "per_week": data["per_week"],
        }


class MoveForm(forms.Form):
    start = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 900}),
        label="New date and time",
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True),
        required=False,
        empty_label="Same practitioner",
    )

    def clean_start(self):
        # A datetime-local value is wall time in the clinic's zone, not the browser's.
        start = self.cleaned_data["start"]
        tz = Clinic.load().tz
        return start.replace(tzinfo=None).replace(tzinfo=tz) if start else start


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)


class CalendarForm(forms.Form):
    date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True), required=False
    )
    room = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, practitioners: list[Practitioner] | None = None, **kwargs):
        """`practitioners`: the active practitioners the page has read already, to choose from
        without another query."""
        super().__init__(*args, **kwargs)
        if practitioners is not None:
            self._practitioners = {p.pk: p for p in practitioners}
            self.fields["practitioner"] = forms.TypedChoiceField(
                choices=[("", "")] + [(p.pk, p.name) for p in practitioners],
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean_practitioner(self):
        value = self.cleaned_data["practitioner"]
        return self._practitioners[value] if isinstance(value, int) else value
