"""API plumbing shared by every app, and the clinic setup endpoints (manager writes, staff read)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.inputs import OffsetDateTimeField
from clinic.models import Closure, Practitioner, Room, TimeOff, WorkingHours
from clinic.roles import ALL_ROLES, Role
from scheduling.services.availability import closure_save, time_off_save


class Conflict(APIException):
    """A valid request that clashes with existing bookings: 409 with the clashing sessions."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This clashes with existing bookings."

    def __init__(self, detail: str, conflicts: list[dict]):
        super().__init__(detail)
        self.conflicts = conflicts


def exception_handler(exc, context):
    """Turn model validation and booking conflicts into the API's error shapes, never a 500."""
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Conflict) and response is not None:
        response.data = {"detail": str(exc.detail), "conflicts": exc.conflicts}
    return response


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:00",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A local wall-clock time written HH:MM (the schema's `format: time` would demand seconds
    and an offset, which the API never sends)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WorkingHoursSerializer(serializers.ModelSerializer):
    start = WallClockTimeField()
    end = WallClockTimeField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]

    def validate(self, attrs):
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": ["End time must be after start time."]})
        return attrs


class PractitionerSerializer(serializers.ModelSerializer):
    username = serializers.SlugRelatedField(
        source="user",
        slug_field="username",
        queryset=Practitioner._meta.get_field("user").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    working_hours = WorkingHoursSerializer(many=True, required=False)

    class Meta:
        model = Practitioner
        fields = ["id", "name", "email", "username", "working_hours", "active"]

    def validate_username(self, user):
        taken = Practitioner.objects.filter(user=user).exclude(
            pk=getattr(self.instance, "pk", None)
        )
        if user is not None and taken.exists():
            raise serializers.ValidationError("This login already belongs to another practitioner.")
        return user

    def create(self, validated_data):
        hours = validated_data.pop("working_hours", [])
        with transaction.atomic():
            practitioner = Practitioner.objects.create(**validated_data)
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, **row) for row in hours
            )
        return practitioner

    def update(self, instance, validated_data):
        hours = validated_data.pop("working_hours", None)
        with transaction.atomic():
            instance = super().update(instance, validated_data)
            if hours is not None:
                instance.working_hours.all().delete()
                WorkingHours.objects.bulk_create(
                    WorkingHours(practitioner=instance, **row) for row in hours
                )
        return instance


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "active"]


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "start_date", "end_date", "reason"]

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": ["A closure cannot end before it starts."]}
            )
        return attrs

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return closure_save(closure=instance)


class TimeOffSerializer(serializers.ModelSerializer):
    start = OffsetDateTimeField()
    end = OffsetDateTimeField()

    class Meta:
        model = TimeOff
        fields = ["id", "practitioner", "start", "end", "reason"]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": ["Time off must end after it starts."]})
        return attrs

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return time_off_save(time_off=instance)


class SetupViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Clinic setup: everyone on staff reads, the manager changes."""

    lookup_value_converter = "int"

    read_roles = ALL_ROLES
    write_roles = {Role.MANAGER}
    http_method_names = ["get", "post", "patch", "head", "options"]


class PractitionerViewSet(SetupViewSet):
    queryset = Practitioner.objects.select_related("user").prefetch_related("working_hours")
    serializer_class = PractitionerSerializer


class RoomViewSet(SetupViewSet):
    queryset = Room.objects.all()
    serializer_class = RoomSerializer


class ClosureViewSet(SetupViewSet):
    queryset = Closure.objects.all()
    serializer_class = ClosureSerializer


class TimeOffViewSet(SetupViewSet):
    queryset = TimeOff.objects.select_related("practitioner")
    serializer_class = TimeOffSerializer
