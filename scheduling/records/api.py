"""REST API v1 for clinical records: a session's record (`/api/v1/appointments/{id}/record/`)
and the courses API with each course's pain progress."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.audit import audit_log
from clinic.permissions import StaffRolePermission
from clinic.roles import CLINICAL_ROLES, Role
from scheduling import api as scheduling_api
from scheduling.models import Appointment, TreatmentCourse
from scheduling.records import hoos
from scheduling.records import services as record_services
from scheduling.records.models import (
    AdverseEvent,
    ExamResult,
    HipSide,
    PainSite,
    Questionnaire,
    SessionRecord,
    Technique,
)
from scheduling.records.points import UnknownPoint, normalise_points
from scheduling.records.selectors import course_outcome_for, course_questionnaires
from scheduling.selectors import can_read_clinical
from scheduling.services.errors import BookingError


class FindingsSerializer(serializers.Serializer):
    """Structured hip findings; null (or no sites) when not examined or not tested."""

    side = serializers.ChoiceField(choices=HipSide.choices, allow_null=True, required=False)
    sites = serializers.ListField(
        child=serializers.ChoiceField(choices=PainSite.choices), required=False, max_length=4
    )
    faber = serializers.ChoiceField(choices=ExamResult.choices, allow_null=True, required=False)
    fadir = serializers.ChoiceField(choices=ExamResult.choices, allow_null=True, required=False)


class SessionRecordInputSerializer(serializers.Serializer):
    pain_before = serializers.IntegerField(min_value=0, max_value=10, help_text="0-10 NRS")
    pain_after = serializers.IntegerField(min_value=0, max_value=10, help_text="0-10 NRS")
    points = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=60,
        help_text='Point codes in the order needled; aliases accepted ("SJ-14", "Tung 88.12").',
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    techniques = serializers.ListField(
        child=serializers.ChoiceField(choices=Technique.choices), required=False, max_length=10
    )
    adverse_event = serializers.ChoiceField(
        choices=AdverseEvent.choices, required=False, default=AdverseEvent.NONE
    )
    adverse_event_note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    findings = FindingsSerializer(required=False, help_text="Hip findings (optional).")

    def validate_points(self, value: list[str]) -> list[str]:
        try:
            return normalise_points(value)
        except UnknownPoint as exc:
            self.point_suggestions = [
                {"text": error.text, "suggestions": error.suggestions} for error in exc.errors
            ]
            raise serializers.ValidationError([str(error) for error in exc.errors]) from None

    def session_values(self) -> record_services.SessionValues:
        data = self.validated_data
        findings = data.get("findings") or {}
        return record_services.SessionValues(
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            points=data.get("points", []),
            techniques=data.get("techniques", []),
            notes=data.get("notes", ""),
            adverse_event=data.get("adverse_event", AdverseEvent.NONE),
            adverse_event_note=data.get("adverse_event_note", ""),
            hip_side=findings.get("side") or "",
            pain_sites=findings.get("sites") or [],
            faber=findings.get("faber") or "",
            fadir=findings.get("fadir") or "",
        )


class SessionRecordSerializer(serializers.ModelSerializer):
    points = serializers.ListField(
        child=serializers.CharField(), source="point_codes", help_text="Catalogue codes, in order."
    )
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The staff login that recorded it."
    )
    amended = serializers.BooleanField(source="is_amended", help_text="Changed after 24 hours.")
    findings = FindingsSerializer(read_only=True)

    class Meta:
        model = SessionRecord
        fields = [
            "id",
            "appointment",
            "pain_before",
            "pain_after",
            "points",
            "notes",
            "recorded_by",
            "recorded_at",
            "techniques",
            "adverse_event",
            "adverse_event_note",
            "amended",
            "amended_at",
            "findings",
        ]
        read_only_fields = fields


class PointSuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    suggestions = serializers.ListField(child=serializers.CharField())


class RecordErrorSerializer(serializers.Serializer):
    pain_before = serializers.ListField(child=serializers.CharField(), required=False)
    pain_after = serializers.ListField(child=serializers.CharField(), required=False)
    points = serializers.ListField(child=serializers.CharField(), required=False)
    appointment = serializers.ListField(child=serializers.CharField(), required=False)
    point_suggestions = PointSuggestionSerializer(many=True, required=False)


class SessionRecordAPIView(APIView):
    """Read or write the record of one session."""

    permission_classes = [StaffRolePermission]
    read_roles = CLINICAL_ROLES
    write_roles = {Role.PRACTITIONER}

    def _appointment(self, pk: int) -> Appointment:
        return get_object_or_404(
            Appointment.objects.select_related("practitioner", "patient"), pk=pk
        )

    @extend_schema(
        operation_id="appointments_record_retrieve",
        responses={
            200: SessionRecordSerializer,
            403: OpenApiResponse(description="Receptionist, or not this patient's practitioner."),
            404: OpenApiResponse(description="No such appointment, or it has no record yet."),
        },
    )
    def get(self, request, pk: int):
        """Return the session's record (practitioners of the patient and managers)."""
        appointment = self._appointment(pk)
        if not can_read_clinical(request.user, patient_id=appointment.patient_id):
            raise PermissionDenied("Only the patient's practitioner or a manager may read this.")
        record = get_object_or_404(
            SessionRecord.objects.select_related("recorded_by").prefetch_related("record_points"),
            appointment=appointment,
        )
        audit_log(user=request.user, action="view", obj=record, request=request)
        return Response(SessionRecordSerializer(record).data)

    @extend_schema(
        operation_id="appointments_record_create",
        request=SessionRecordInputSerializer,
        responses={
            201: SessionRecordSerializer,
            400: OpenApiResponse(
                RecordErrorSerializer,
                description="Pain outside 0-10, an unknown point (with suggestions), or an "
                "appointment that is cancelled, a no-show or already recorded. Nothing stored.",
            ),
            403: OpenApiResponse(description="Not the appointment's own practitioner."),
        },
        examples=[
            OpenApiExample(
                "Record a session",
                value={
                    "pain_before": 7,
                    "pain_after": 4,
                    "points": ["LI-15", "SJ-14", "GB30", "Tung 88.12"],
                    "notes": "Tolerated well.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, pk: int):
        """Record the session (its own practitioner only); the appointment becomes completed."""
        appointment = self._appointment(pk)
        if not record_services.can_write_record(request.user, appointment):
            raise PermissionDenied("Only the appointment's own practitioner may record it.")
        body = SessionRecordInputSerializer(data=request.data)
        if not body.is_valid():
            errors = dict(body.errors)
            if getattr(body, "point_suggestions", None):
                errors["point_suggestions"] = body.point_suggestions
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            record = record_services.session_record_create(
                appointment=appointment, values=body.session_values(), by=request.user
            )
        except BookingError as exc:
            raise ValidationError(exc.errors) from None
        except record_services.RecordForbidden as exc:
            raise PermissionDenied(str(exc)) from None
        record = SessionRecord.objects.prefetch_related("record_points").get(pk=record.pk)
        return Response(SessionRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class CourseViewSet(scheduling_api.CourseViewSet):
    """Plan, book, read and cancel treatment courses."""

    # The booking API's courses; a course read by a clinician also carries its pain progress
    # with hip function (HOOS, JR) beside it.
    progress_for = staticmethod(course_outcome_for)


class QuestionnaireSerializer(serializers.ModelSerializer):
    score = serializers.DecimalField(
        max_digits=6, decimal_places=3, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "instrument",
            "stage",
            "status",
            "answers",
            "score",
            "answered_at",
            "source",
        ]
        read_only_fields = fields


class QuestionnaireInputSerializer(serializers.Serializer):
    instrument = serializers.ChoiceField(
        choices=Questionnaire.Instrument.choices, default=Questionnaire.Instrument.HOOS_JR
    )
    stage = serializers.ChoiceField(choices=Questionnaire.Stage.choices)
    answers = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        allow_empty=True,
        max_length=20,
        help_text=f"{len(hoos.ITEMS)} answers 0-4 (None..Extreme), in the instrument's order.",
    )


class CourseQuestionnairesAPIView(APIView):
    """The course's HOOS, JR questionnaires; a practitioner enters answers given in the room."""

    permission_classes = [StaffRolePermission]
    read_roles = CLINICAL_ROLES
    write_roles = {Role.PRACTITIONER}

    def _course(self, request, pk: int) -> TreatmentCourse:
        course = get_object_or_404(TreatmentCourse.objects.select_related("patient"), pk=pk)
        if not can_read_clinical(request.user, patient_id=course.patient_id):
            raise PermissionDenied("Only the patient's practitioner or a manager may see this.")
        return course

    @extend_schema(
        operation_id="courses_questionnaires_list",
        responses={200: QuestionnaireSerializer(many=True)},
    )
    def get(self, request, pk: int):
        """List the course's questionnaires, oldest first."""
        course = self._course(request, pk)
        audit_log(user=request.user, action="view", obj=course, detail="questionnaires")
        return Response(QuestionnaireSerializer(course_questionnaires(course), many=True).data)

    @extend_schema(
        operation_id="courses_questionnaires_create",
        request=QuestionnaireInputSerializer,
        responses={
            201: QuestionnaireSerializer,
            400: OpenApiResponse(
                description="A missing or out-of-range item (named), an unknown stage, or a "
                "stage already answered. Nothing stored."
            ),
            403: OpenApiResponse(description="Not a practitioner treating the patient."),
        },
        examples=[
            OpenApiExample(
                "Answers given in the room",
                value={"instrument": "HOOS-JR", "stage": "baseline", "answers": [2, 3, 2, 3, 1, 1]},
                request_only=True,
            )
        ],
    )
    def post(self, request, pk: int):
        """Score and store answers given in the room or by phone."""
        course = self._course(request, pk)
        if not record_services.can_enter_questionnaire(request.user, course):
            raise PermissionDenied("Only a practitioner treating the patient may enter answers.")
        body = QuestionnaireInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            questionnaire = record_services.questionnaire_answer(
                course=course,
                instrument=body.validated_data["instrument"],
                stage=body.validated_data["stage"],
                answers=body.validated_data["answers"],
                source=Questionnaire.Source.STAFF,
                by=request.user,
            )
        except BookingError as exc:
            raise ValidationError(exc.errors) from None
        return Response(QuestionnaireSerializer(questionnaire).data, status=status.HTTP_201_CREATED)
