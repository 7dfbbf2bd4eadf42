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
from scheduling.models import Appointment
from scheduling.records import services as record_services
from scheduling.records.models import AdverseEvent, SessionRecord, Technique
from scheduling.records.points import UnknownPoint, normalise_points
from scheduling.records.selectors import course_progress_for
from scheduling.selectors import can_read_clinical
from scheduling.services.errors import BookingError


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
        return record_services.SessionValues(
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            points=data.get("points", []),
            techniques=data.get("techniques", []),
            notes=data.get("notes", ""),
            adverse_event=data.get("adverse_event", AdverseEvent.NONE),
            adverse_event_note=data.get("adverse_event_note", ""),
        )


class SessionRecordSerializer(serializers.ModelSerializer):
    points = serializers.ListField(
        child=serializers.CharField(), source="point_codes", help_text="Catalogue codes, in order."
    )
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The staff login that recorded it."
    )
    amended = serializers.BooleanField(source="is_amended", help_text="Changed after 24 hours.")

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

    # The booking API's courses; a course read by a clinician also carries its pain progress.
    progress_for = staticmethod(course_progress_for)
