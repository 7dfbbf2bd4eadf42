from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from clinic.models import Clinic, Closure, OpeningHours, Practitioner, Room, TimeOff, WorkingHours
from patients.phones import InvalidPhone, normalise_phone

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ClinicForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["name", "phone", "address", "timezone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(str(exc)) from None


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]
        widgets = {"opens": TIME_INPUT, "closes": TIME_INPUT}


OpeningHoursFormSet = inlineformset_factory(
    Clinic, OpeningHours, form=OpeningHoursForm, extra=1, can_delete=True, max_num=7
)


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME_INPUT, "end": TIME_INPUT}


WorkingHoursFormSet = inlineformset_factory(
    Practitioner, WorkingHours, form=WorkingHoursForm, extra=2, can_delete=True
)


class PractitionerForm(forms.ModelForm):
    class Meta:
        model = Practitioner
        fields = ["name", "email", "user", "active"]
        labels = {"user": "Staff login"}


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "active"]


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["start_date", "end_date", "reason"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["practitioner", "start", "end", "reason"]
        widgets = {"start": DATETIME_INPUT, "end": DATETIME_INPUT}
