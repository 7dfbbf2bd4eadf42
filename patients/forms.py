from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from patients.models import Patient, tidy_name
from patients.phones import InvalidPhone, normalise_phone
from patients.selectors import possible_duplicates


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
        label="This is a different person from everyone listed above",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sms_consent"].initial = self.instance.sms_consent
        # Patients who may be the same person, each with what matched; shown above the form.
        self.possible_duplicates: list[tuple[Patient, str]] = []
        if not self.data.get("not_a_duplicate"):
            del self.fields["not_a_duplicate"]

    def clean_first_name(self) -> str:
        return tidy_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return tidy_name(self.cleaned_data["last_name"])

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
        self._check_for_duplicates(cleaned)
        channel = cleaned.get("preferred_channel")
        if channel == "sms" and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "A phone number is needed for text messages.")
        if channel == "sms" and not cleaned.get("sms_consent"):
            self.add_error("sms_consent", "Texts need the patient's consent.")
        if channel == "email" and not cleaned.get("email"):
            self.add_error("email", "An email address is needed for email messages.")
        return cleaned

    def _check_for_duplicates(self, cleaned) -> None:
        """Stop a second record for the same person (same phone, same email, or the same names
        ignoring case and accents) unless the receptionist confirms it is someone else: two
        records split one patient's history."""
        if cleaned.get("not_a_duplicate") or not cleaned.get("last_name"):
            return
        changed = {"first_name", "last_name", "email", "phone"} & set(self.changed_data)
        if self.instance.pk and not changed:
            return
        self.possible_duplicates = possible_duplicates(
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
            email=cleaned.get("email", ""),
            phone=cleaned.get("phone", ""),
            exclude=self.instance,
        )
        if self.possible_duplicates:
            self.fields["not_a_duplicate"] = forms.BooleanField(
                required=False, label="This is a different person from everyone listed above"
            )
            raise forms.ValidationError(
                "This patient may already be registered (listed above). Open their record, or "
                "tick the box if this is a different person."
            )

    def save(self, commit: bool = True) -> Patient:
        self.instance.set_sms_consent(self.cleaned_data["sms_consent"])
        return super().save(commit)


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
