"""REST API v1 for the wait list (receptionist, manager): list, add and cancel entries, and
read the offers made for one."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clinic.inputs import validate_reasonable_date
from clinic.models import Practitioner
from clinic.roles import FRONT_DESK_ROLES
from patients.models import Patient
from scheduling.models import Appointment, TreatmentCourse
from scheduling.services.errors import BookingError
from scheduling.waitlist import services
from scheduling.waitlist.models import Offer, WaitlistEntry

FIELD_ERRORS = {"type": "object", "additionalProperties": {}}
INVALID = {400: OpenApiResponse(FIELD_ERRORS, description="Invalid input; nothing stored")}
UNKNOWN = {404: OpenApiResponse(description="No such id")}


class EntrySerializer(serializers.ModelSerializer):
    weekdays = serializers.ListField(child=serializers.IntegerField(), help_text="Monday = 0")
    earliest_time = serializers.TimeField(format="%H:%M")
    latest_time = serializers.TimeField(format="%H:%M")

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "patient",
            "course",
            "appointment",
            "practitioner",
            "weekdays",
            "earliest_time",
            "latest_time",
            "until",
            "status",
            "created_at",
        ]


class EntryInputSerializer(serializers.Serializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.all(),
        required=False,
        allow_null=True,
        help_text="A course's missing session",
    )
    appointment = serializers.PrimaryKeyRelatedField(
        queryset=Appointment.objects.all(),
        required=False,
        allow_null=True,
        help_text="A booked session to bring forward",
    )
    practitioner = serializers.PrimaryKeyRelatedField(
        queryset=Practitioner.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="None: any practitioner",
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        help_text="Monday = 0 ... Sunday = 6; empty: any day",
    )
    earliest_time = serializers.TimeField(help_text="HH:MM local time")
    latest_time = serializers.TimeField(help_text="HH:MM local time")
    until = serializers.DateField(validators=[validate_reasonable_date])

    def validate_weekdays(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("A weekday is given twice.")
        return value


class OfferSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")
    sent_at = serializers.DateTimeField(allow_null=True, read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "start",
            "end",
            "practitioner",
            "room",
            "sent_at",
            "expires_at",
            "status",
        ]


class EntryFilterSerializer(serializers.Serializer):
    patient = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    status = serializers.ChoiceField(choices=WaitlistEntry.Status.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("patient", int),
            OpenApiParameter("status", str, enum=WaitlistEntry.Status.values),
        ],
        responses={200: EntrySerializer(many=True), **INVALID},
    )
)
class WaitlistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The wait list, oldest entry first."""

    lookup_value_converter = "int"
    serializer_class = EntrySerializer
    read_roles = FRONT_DESK_ROLES
    write_roles = FRONT_DESK_ROLES

    def get_queryset(self):
        entries = WaitlistEntry.objects.order_by("created_at", "pk")
        if self.action != "list":
            return entries
        filters = EntryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if "patient" in wanted:
            entries = entries.filter(patient_id=wanted["patient"])
        if "status" in wanted:
            entries = entries.filter(status=wanted["status"])
        return entries

    @extend_schema(
        request=EntryInputSerializer,
        responses={201: EntrySerializer, **INVALID},
    )
    def create(self, request):
        body = EntryInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            entry = services.entry_create(**body.validated_data, by=request.user)
        except BookingError as exc:
            raise ValidationError(exc.errors) from None
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EntrySerializer, **INVALID, **UNKNOWN})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        try:
            entry = services.entry_cancel(entry=self.get_object(), by=request.user)
        except BookingError as exc:
            raise ValidationError(exc.errors) from None
        return Response(EntrySerializer(entry).data)

    @extend_schema(responses={200: OfferSerializer(many=True), **UNKNOWN})
    @action(detail=True, methods=["get"], pagination_class=None)
    def offers(self, request, pk=None):
        entry = self.get_object()
        offers = entry.offers.select_related("reminder").order_by("created_at", "pk")
        return Response(OfferSerializer(offers, many=True).data)
