"""Forms for session records, between-visit pain reports and course reviews."""

from __future__ import annotations

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.urls import reverse
from django.utils.html import format_html

from clinic.inputs import validate_reasonable_date
from scheduling.models import TreatmentCourse
from scheduling.records import hoos
from scheduling.records.models import (
    AdverseEvent,
    ExamResult,
    HipSide,
    PainReport,
    PainSite,
    Questionnaire,
    Technique,
)
from scheduling.records.points import UnknownPoint, normalise_points
from scheduling.records.services import STAGE_DECISIONS, SessionValues

PAIN_CHOICES = [(score, str(score)) for score in range(11)]
PAIN_HELP = "0 = no pain, 10 = worst possible pain."


def pain_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=PAIN_CHOICES, coerce=int, widget=forms.RadioSelect, help_text=PAIN_HELP
    )


class SessionRecordForm(forms.Form):
    pain_before = pain_field("Pain before needling")
    pain_after = pain_field("Pain after needling")
    points = forms.CharField(
        label="Points needled",
        required=False,
        max_length=1000,
        help_text="Codes separated by commas, in the order needled: LI4, SJ-14, GB30, Tung 88.12. "
        "Aliases are stored in WHO form (SJ-14 becomes TE14).",
    )
    techniques = forms.MultipleChoiceField(
        choices=Technique.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    adverse_event = forms.ChoiceField(
        label="Adverse event", choices=AdverseEvent.choices, initial=AdverseEvent.NONE
    )
    adverse_event_note = forms.CharField(
        label="Adverse event details",
        required=False,
        max_length=200,
        help_text="Required when the adverse event is “Other”.",
    )
    hip_side = forms.ChoiceField(
        label="Which hip",
        choices=[("", "Not examined"), *HipSide.choices],
        required=False,
    )
    pain_sites = forms.MultipleChoiceField(
        label="Where the pain is",
        choices=PainSite.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    faber = forms.ChoiceField(
        label="FABER", choices=[("", "Not tested"), *ExamResult.choices], required=False
    )
    fadir = forms.ChoiceField(
        label="FADIR", choices=[("", "Not tested"), *ExamResult.choices], required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    reason = forms.CharField(
        label="Reason for the amendment",
        required=False,
        max_length=200,
        help_text="Recorded more than 24 hours ago: the previous values are kept.",
    )

    def __init__(self, *args, amending: bool = False, previous_points: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.amending = amending
        self.fields["points"].widget.attrs.update(
            {
                "data-point-picker": reverse("point-search"),
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "Type a code or a name, e.g. GB30 or Huantiao",
            }
        )
        if amending:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        same = ""
        if previous_points:
            same = format_html(
                '<a href="?same_points=1" class="btn btn-sm btn-outline-secondary mb-3" '
                'data-same-points="{}">Same points as last time: {}</a>',
                previous_points,
                previous_points,
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column(
                    Field("pain_before", template="records/_pain_buttons.html"),
                    css_class="col-lg-6",
                ),
                Column(
                    Field("pain_after", template="records/_pain_buttons.html"), css_class="col-lg-6"
                ),
            ),
            Field("points", wrapper_class="mb-1 position-relative"),
            HTML(same),
            InlineCheckboxes("techniques"),
            Row(
                Column("adverse_event", css_class="col-md-4"),
                Column("adverse_event_note", css_class="col-md-8"),
            ),
            HTML('<h2 class="h6 mt-2">Hip findings</h2>'),
            Row(
                Column("hip_side", css_class="col-md-3"),
                Column(InlineCheckboxes("pain_sites"), css_class="col-md-5"),
                Column("faber", css_class="col-6 col-md-2"),
                Column("fadir", css_class="col-6 col-md-2"),
            ),
            "notes",
            *(["reason"] if amending else []),
        )

    def clean_points(self) -> list[str]:
        try:
            return normalise_points(self.cleaned_data["points"])
        except UnknownPoint as exc:
            raise forms.ValidationError([str(error) for error in exc.errors]) from None

    def session_values(self) -> SessionValues:
        data = self.cleaned_data
        return SessionValues(
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            points=data["points"],
            techniques=data["techniques"],
            notes=data["notes"],
            adverse_event=data["adverse_event"],
            adverse_event_note=data["adverse_event_note"],
            hip_side=data["hip_side"],
            pain_sites=data["pain_sites"],
            faber=data["faber"],
            fadir=data["fadir"],
        )


class PainReportForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Pain now (0-10)",
        choices=[("", "Choose…"), *PAIN_CHOICES],
        coerce=int,
        help_text=PAIN_HELP,
    )
    source = forms.ChoiceField(
        choices=[c for c in PainReport.Source.choices if c[0] != PainReport.Source.LINK],
        initial=PainReport.Source.PHONE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("score", css_class="col-sm-6"), Column("source", css_class="col-sm-6"))
        )


class OutcomesFilterForm(forms.Form):
    """The outcomes report's date range: courses that finished between two days, both included."""

    finished_from = forms.DateField(
        required=False,
        label="Finished from",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
        error_messages={"invalid": "Give the first day as a date, e.g. 2027-03-01."},
    )
    finished_to = forms.DateField(
        required=False,
        label="to",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reasonable_date],
        error_messages={"invalid": "Give the last day as a date, e.g. 2027-03-31."},
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("finished_from"), cleaned.get("finished_to")
        if first and last and last < first:
            self.add_error("finished_to", "The last day is before the first day.")
        return cleaned


class CourseReviewForm(forms.Form):
    decision = forms.ChoiceField(widget=forms.RadioSelect)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="Required when referring out: where to and why.",
    )
    stage = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, stage: str, **kwargs):
        super().__init__(*args, initial={"stage": stage}, **kwargs)
        labels = dict(TreatmentCourse.Decision.choices)
        self.fields["decision"].choices = [(d, labels[d]) for d in STAGE_DECISIONS[stage]]
        self.helper = FormHelper()
        self.helper.form_tag = False


class QuestionnaireForm(forms.Form):
    """HOOS, JR answers a patient gives in the room or by phone: one choice per item."""

    stage = forms.ChoiceField(choices=Questionnaire.Stage.choices)

    def __init__(self, *args, stage: str | None = None, **kwargs):
        super().__init__(*args, initial={"stage": stage} if stage else None, **kwargs)
        for index, (key, wording) in enumerate(hoos.ITEMS):
            self.fields[f"item_{key}"] = forms.TypedChoiceField(
                label=f"{index + 1}. {wording}",
                choices=hoos.ANSWERS,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "stage",
            HTML(
                '<p class="small text-muted mb-2">In the last week, how much hip pain going up or '
                "down stairs and walking on an uneven surface; how much difficulty with the "
                "others.</p>"
            ),
            *[InlineRadios(f"item_{key}") for key, _ in hoos.ITEMS],
        )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{key}"] for key, _ in hoos.ITEMS]
