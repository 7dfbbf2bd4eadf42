from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from patients.models import Patient
from patients.phones import InvalidPhone, normalise_phone


class PatientForm(forms.ModelForm):
    sms_consent = forms.BooleanField(
        required=False,
        label="Patient agrees to text messages",
        help_text="Only tick this when the patient has said yes to texts.",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_channel",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sms_consent"].initial = self.instance.sms_consent

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and not date(1900, 1, 1) <= born <= timezone.localdate():
            raise forms.ValidationError(
                "Check the date of birth: it is in the future or before 1900."
            )
        return born

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("preferred_channel")
        if channel == "sms" and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "A phone number is needed for text messages.")
        if channel == "sms" and not cleaned.get("sms_consent"):
            self.add_error("sms_consent", "Texts need the patient's consent.")
        if channel == "email" and not cleaned.get("email"):
            self.add_error("email", "An email address is needed for email messages.")
        return cleaned

    def save(self, commit: bool = True) -> Patient:
        self.instance.set_sms_consent(self.cleaned_data["sms_consent"])
        return super().save(commit)


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
