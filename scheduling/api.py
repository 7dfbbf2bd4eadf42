"""REST API v1 for courses and appointments, as the OpenAPI schema at /api/v1/schema/ shows."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clinic.api import Conflict
from clinic.audit import audit_log
from clinic.inputs import MAX_ID, OffsetDateTimeField, validate_reasonable_date
from clinic.models import Clinic, Practitioner
from clinic.roles import ALL_ROLES, FRONT_DESK_ROLES
from patients.models import Patient
from scheduling import services
from scheduling.models import Appointment, Condition, RedFlag, TreatmentCourse
from scheduling.selectors import can_read_clinical
from scheduling.services.errors import ActiveCourseExists, BookingConflict, BookingError


def _call(service, **kwargs):
    """Run a service, turning its errors into the API's 400 and 409 answers."""
    try:
        return service(**kwargs)
    except BookingError as exc:
        raise ValidationError(exc.errors) from None
    except BookingConflict as exc:
        raise Conflict(exc.detail, exc.conflicts) from None


class CourseInputSerializer(serializers.Serializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    practitioner = serializers.PrimaryKeyRelatedField(
        queryset=Practitioner.objects.filter(active=True), allow_null=True, required=False
    )
    start_date = serializers.DateField(validators=[validate_reasonable_date])
    weekdays = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=7,
        help_text="Monday = 0 ... Sunday = 6",
    )
    time = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM local time")
    sessions = serializers.IntegerField(default=8, min_value=1, max_value=40)
    per_week = serializers.IntegerField(default=2, min_value=1, max_value=7)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    red_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=RedFlag.choices), required=False
    )
    red_flag_override = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    slots = serializers.ListField(child=OffsetDateTimeField(), required=False, max_length=40)

    def validate_start_date(self, value):
        today = Clinic.load().today()
        if value < today:
            raise serializers.ValidationError("The start date is in the past.")
        return value

    def validate_weekdays(self, value):
        wrong = [day for day in value if not 0 <= day <= 6]
        if wrong:
            raise serializers.ValidationError(
                f"Weekdays run from 0 (Monday) to 6 (Sunday); {wrong[0]} is not one."
            )
        return value

    def validate(self, attrs):
        weekdays = attrs.get("weekdays") or []
        if len(set(weekdays)) != len(weekdays):
            raise serializers.ValidationError({"weekdays": ["A weekday is given twice."]})
        if weekdays and attrs["per_week"] > len(weekdays):
            raise serializers.ValidationError(
                {
                    "weekdays": [
                        f"{attrs['per_week']} sessions per week need at least "
                        f"{attrs['per_week']} weekdays; {len(weekdays)} given."
                    ]
                }
            )
        return attrs

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        return {
            "patient": data["patient"],
            "practitioner": data.get("practitioner"),
            "start_date": data["start_date"],
            "weekdays": data.get("weekdays") or None,
            "time": data.get("time"),
            "sessions": data["sessions"],
            "per_week": data["per_week"],
        }


class BookCourseSerializer(CourseInputSerializer):
    condition = serializers.ChoiceField(choices=Condition.choices)
    another_course = serializers.BooleanField(
        default=False,
        help_text="Book even though the patient has an active course (answered 409 otherwise).",
    )
    another_course_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Why another course."
    )
    back_to_back = serializers.BooleanField(
        default=False,
        help_text="Allow sessions that run straight on from another session of the patient.",
    )


class ExistingCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TreatmentCourse
        fields = ["id", "patient", "practitioner", "condition", "status", "created_at"]


class ExistingCourseConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    existing_course = ExistingCourseSerializer()


class PlannedSessionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.IntegerField(source="practitioner_id")
    room = serializers.IntegerField(source="room_id")
    moved_reason = serializers.CharField()


class UnfilledSerializer(serializers.Serializer):
    week_of = serializers.DateField()
    reason = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    sessions = PlannedSessionSerializer(many=True)
    unfilled = UnfilledSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = serializers.ListField(child=serializers.DictField())


# {"field": ["message", ...]} for each bad field, or {"detail": "..."} for unreadable JSON.
FIELD_ERRORS = {"type": "object", "additionalProperties": {}}
INVALID = {
    400: OpenApiResponse(FIELD_ERRORS, description="Invalid input; nothing stored"),
}
UNKNOWN = {404: OpenApiResponse(description="No such id")}
CLASH = {
    409: OpenApiResponse(
        ConflictSerializer, description="Valid, but clashes with bookings; nothing stored"
    )
}


class CourseSessionSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")

    class Meta:
        model = Appointment
        fields = ["id", "number", "start", "end", "status", "room"]


class ProgressPointSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    pain_before = serializers.IntegerField()
    pain_after = serializers.IntegerField()


def _score_field(help_text: str = "") -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7,
        decimal_places=3,
        coerce_to_string=False,
        allow_null=True,
        help_text=help_text,
    )


class HoosProgressSerializer(serializers.Serializer):
    """Hip function over the course: the HOOS, JR interval score (0-100, higher is better)."""

    baseline = _score_field("Score at the baseline questionnaire.")
    latest = _score_field("Score at the latest stage answered.")
    change = _score_field("Latest minus baseline.")
    improved = serializers.BooleanField(
        allow_null=True,
        help_text="Rose by at least the minimal important change "
        "(HOOS_JR_MIN_IMPORTANT_CHANGE); null until a later stage than the baseline is answered.",
    )


class ProgressSerializer(serializers.Serializer):
    baseline = serializers.IntegerField(allow_null=True)
    latest = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    change_pct = serializers.FloatField(allow_null=True)
    responder = serializers.BooleanField()
    series = ProgressPointSerializer(many=True, source="sessions")
    hoos_jr = HoosProgressSerializer(
        allow_null=True, required=False, help_text="Null where hip function is not measured."
    )


class CourseSerializer(serializers.ModelSerializer):
    sessions = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentCourse
        fields = ["id", "patient", "practitioner", "condition", "status", "sessions", "progress"]

    @extend_schema_field(CourseSessionSerializer(many=True))
    def get_sessions(self, course):
        appointments = course.appointments.select_related("room").order_by("starts_at")
        return CourseSessionSerializer(appointments, many=True).data

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, course):
        """Pain scores are clinical: null unless the user may read this patient's records."""
        request = self.context.get("request")
        progress_for = self.context.get("progress_for")
        if progress_for is None or request is None:
            return None
        if not can_read_clinical(request.user, patient_id=course.patient_id):
            return None
        return ProgressSerializer(progress_for(course)).data


class CourseViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plan, book, read and cancel treatment courses."""

    lookup_value_converter = "int"

    queryset = TreatmentCourse.objects.select_related("patient", "practitioner")
    serializer_class = CourseSerializer
    read_roles = ALL_ROLES
    write_roles = FRONT_DESK_ROLES
    # A course's pain progress comes from the records app, which routes a subclass of this
    # viewset that sets it (scheduling.records.api.CourseViewSet).
    progress_for = None

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "progress_for": self.progress_for}

    def retrieve(self, request, *args, **kwargs):
        course = self.get_object()
        audit_log(user=request.user, action="view", obj=course, request=request)
        return Response(self.get_serializer(course).data)

    @extend_schema(request=CourseInputSerializer, responses={200: PlanSerializer, **INVALID})
    @action(detail=False, methods=["post"])
    def plan(self, request):
        """Propose the sessions of a course; store nothing."""
        serializer = CourseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = _call(services.course_plan, **serializer.service_arguments())
        return Response(PlanSerializer(plan).data)

    @extend_schema(
        request=BookCourseSerializer,
        responses={
            201: CourseSerializer,
            **INVALID,
            409: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="BookingRefused",
                    serializers=[ConflictSerializer, ExistingCourseConflictSerializer],
                    resource_type_field_name=None,
                ),
                description="Clashes with bookings, or the patient already has an active course "
                "(unless `another_course` is true); nothing stored",
            ),
        },
    )
    def create(self, request):
        """Book every session of a course in one transaction."""
        serializer = BookCourseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            course = _call(
                services.course_book,
                **serializer.service_arguments(),
                condition=data["condition"],
                red_flags=data.get("red_flags", []),
                red_flag_override=data.get("red_flag_override", ""),
                slots=data.get("slots") or None,
                by=request.user,
                another_course=data["another_course"],
                another_course_reason=data.get("another_course_reason", ""),
                back_to_back=data["back_to_back"],
            )
        except ActiveCourseExists as exc:
            body = {
                "detail": "The patient already has an active course. Send "
                '"another_course": true to book another one anyway.',
                "existing_course": ExistingCourseSerializer(exc.course).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        body = self.get_serializer(course).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CourseSerializer, **INVALID, **UNKNOWN})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel every future session of the course and its reminders."""
        course = _call(services.course_cancel, course=self.get_object(), by=request.user)
        return Response(self.get_serializer(course).data)


class AppointmentSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")

    class Meta:
        model = Appointment
        fields = [
            "id",
            "course",
            "number",
            "patient",
            "practitioner",
            "room",
            "start",
            "end",
            "status",
        ]


class RescheduleSerializer(serializers.Serializer):
    start = OffsetDateTimeField()


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CancelResultSerializer(AppointmentSerializer):
    makeup_slots = PlannedSessionSerializer(many=True, read_only=True)

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "makeup_slots"]


class AppointmentFilterSerializer(serializers.Serializer):
    practitioner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    patient = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    date_from = serializers.DateField(required=False, validators=[validate_reasonable_date])
    date_to = serializers.DateField(required=False, validators=[validate_reasonable_date])
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)


@extend_schema_view(list=extend_schema(parameters=[AppointmentFilterSerializer]))
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List sessions and move, cancel, check in or mark them as no-shows."""

    lookup_value_converter = "int"

    serializer_class = AppointmentSerializer
    read_roles = ALL_ROLES
    write_roles = FRONT_DESK_ROLES

    def get_queryset(self):
        appointments = Appointment.objects.order_by("starts_at", "pk")
        if self.action != "list":
            return appointments
        filters = AppointmentFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        tz = Clinic.load().tz
        if "practitioner" in wanted:
            appointments = appointments.filter(practitioner_id=wanted["practitioner"])
        if "patient" in wanted:
            appointments = appointments.filter(patient_id=wanted["patient"])
        if "status" in wanted:
            appointments = appointments.filter(status=wanted["status"])
        if "date_from" in wanted:
            appointments = appointments.filter(
                starts_at__gte=_local_midnight(wanted["date_from"], tz)
            )
        if "date_to" in wanted:
            appointments = appointments.filter(
                starts_at__lt=_local_midnight(wanted["date_to"], tz, days=1)
            )
        return appointments

    def retrieve(self, request, *args, **kwargs):
        appointment = self.get_object()
        audit_log(user=request.user, action="view", obj=appointment, request=request)
        return Response(self.get_serializer(appointment).data)

    def _respond(self, appointment):
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(
        request=RescheduleSerializer,
        responses={200: AppointmentSerializer, **INVALID, **UNKNOWN, **CLASH},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        body = RescheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = _call(
            services.appointment_reschedule,
            appointment=self.get_object(),
            start=body.validated_data["start"],
            by=request.user,
        )
        return self._respond(appointment)

    @extend_schema(
        request=CancelSerializer, responses={200: CancelResultSerializer, **INVALID, **UNKNOWN}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = self.get_object()
        proposals = _call(
            services.appointment_cancel,
            appointment=appointment,
            reason=body.validated_data.get("reason", ""),
            by=request.user,
        )
        appointment.refresh_from_db()
        data = AppointmentSerializer(appointment).data
        data["makeup_slots"] = PlannedSessionSerializer(proposals, many=True).data
        return Response(data)

    @extend_schema(request=None, responses={200: AppointmentSerializer, **INVALID, **UNKNOWN})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._respond(
            _call(services.appointment_check_in, appointment=self.get_object(), by=request.user)
        )

    @extend_schema(request=None, responses={200: AppointmentSerializer, **INVALID, **UNKNOWN})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._respond(
            _call(services.appointment_mark_no_show, appointment=self.get_object(), by=request.user)
        )


def _local_midnight(day, tz, days: int = 0):
    return datetime.combine(day + timedelta(days=days), time(), tzinfo=tz)
