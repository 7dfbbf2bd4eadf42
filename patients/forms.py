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

    not_a_duplicate = forms.BooleanField(
        required=False,
        label="This is a different person with the same name and date of birth",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sms_consent"].initial = self.instance.sms_consent
        self.namesakes: list[Patient] = []
        if not self.data.get("not_a_duplicate") and not self._namesake_possible():
            del self.fields["not_a_duplicate"]

    def _namesake_possible(self) -> bool:
        """Show the "different person" box only once a namesake has been found."""
        return (
            bool(self.data)
            and Patient.objects.filter(
                first_name__iexact=self.data.get("first_name", "").strip(),
                last_name__iexact=self.data.get("last_name", "").strip(),
            )
            .exclude(pk=self.instance.pk)
            .exists()
        )

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
        self._check_for_namesakes(cleaned)
        channel = cleaned.get("preferred_channel")
        if channel == "sms" and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "A phone number is needed for text messages.")
        if channel == "sms" and not cleaned.get("sms_consent"):
            self.add_error("sms_consent", "Texts need the patient's consent.")
        if channel == "email" and not cleaned.get("email"):
            self.add_error("email", "An email address is needed for email messages.")
        return cleaned

    def _check_for_namesakes(self, cleaned) -> None:
        """Stop a second record for the same person (same names and date of birth) unless the
        receptionist confirms it is someone else: two records split one patient's history."""
        if not cleaned.get("date_of_birth") or cleaned.get("not_a_duplicate"):
            return
        self.namesakes = list(
            Patient.objects.filter(
                first_name__iexact=cleaned.get("first_name", ""),
                last_name__iexact=cleaned.get("last_name", ""),
                date_of_birth=cleaned["date_of_birth"],
            ).exclude(pk=self.instance.pk)[:5]
        )
        if self.namesakes:
            raise forms.ValidationError(
                "A patient with this name and date of birth is already registered. Open their "
                "record below, or tick the box if this is a different person."
            )

    def save(self, commit: bool = True) -> Patient:
        self.instance.set_sms_consent(self.cleaned_data["sms_consent"])
        return super().save(commit)


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
