from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from clinic.audit import audit_log, audit_log_list, changed_fields_detail
from clinic.roles import ALL_ROLES
from patients.models import Patient, tidy_name
from patients.phones import InvalidPhone, normalise_phone
from patients.selectors import patient_search, possible_duplicates


class PatientSerializer(serializers.ModelSerializer):
    sms_consent = serializers.BooleanField(required=False, default=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    confirm_new = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Register even though possible duplicates exist (answered 409 otherwise).",
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_channel",
            "sms_consent",
            "sms_consent_at",
            "sms_opted_out_at",
            "confirm_new",
        ]
        read_only_fields = ["sms_consent_at", "sms_opted_out_at"]

    def validate_date_of_birth(self, value):
        if value and not date(1900, 1, 1) <= value <= timezone.localdate():
            raise serializers.ValidationError("The date of birth is in the future or before 1900.")
        return value

    def validate_first_name(self, value: str) -> str:
        return tidy_name(value)

    def validate_last_name(self, value: str) -> str:
        return tidy_name(value)

    def validate_phone(self, value: str) -> str:
        try:
            return normalise_phone(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs):
        merged = {
            field: attrs.get(field, getattr(self.instance, field, None))
            for field in ("preferred_channel", "phone", "email", "sms_consent")
        }
        if merged["preferred_channel"] == "sms" and not merged["phone"]:
            raise serializers.ValidationError({"phone": ["A phone number is needed for texts."]})
        if merged["preferred_channel"] == "email" and not merged["email"]:
            raise serializers.ValidationError({"email": ["An email address is needed."]})
        return attrs

    def _apply_consent(self, instance: Patient, attrs: dict) -> None:
        if "sms_consent" in attrs:
            instance.set_sms_consent(attrs.pop("sms_consent"), at=timezone.now())

    def create(self, validated_data):
        validated_data.pop("confirm_new", None)
        patient = Patient(**{k: v for k, v in validated_data.items() if k != "sms_consent"})
        self._apply_consent(patient, validated_data)
        patient.save()
        return patient

    def update(self, instance, validated_data):
        validated_data.pop("confirm_new", None)
        self._apply_consent(instance, validated_data)
        return super().update(instance, validated_data)


class DuplicateSerializer(serializers.ModelSerializer):
    match = serializers.ChoiceField(choices=["phone", "email", "name"], read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "date_of_birth", "match"]


class PossibleDuplicatesSerializer(serializers.Serializer):
    detail = serializers.CharField()
    possible_duplicates = DuplicateSerializer(many=True)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("q", str, description="Name, phone or email")])
)
class PatientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PatientSerializer
    lookup_value_converter = "int"
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            return patient_search(self.request.query_params.get("q", ""))
        return Patient.objects.all()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        query = request.query_params.get("q", "").strip()
        page = request.query_params.get("page", "1")
        audit_log_list(
            user=request.user,
            model=Patient,
            request=request,
            detail=(f"list, q={query[:100]!r}" if query else "list, all patients")
            + f", page {page[:10]}, {response.data.get('count', 0)} found",
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        audit_log(user=request.user, action="view", obj=patient, request=request)
        return Response(self.get_serializer(patient).data)

    @extend_schema(
        responses={
            201: PatientSerializer,
            409: OpenApiResponse(
                PossibleDuplicatesSerializer,
                description="Someone like this is registered; send confirm_new to add anyway",
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not data.get("confirm_new"):
            matches = possible_duplicates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data.get("email", ""),
                phone=data.get("phone", ""),
            )
            if matches:
                body = {
                    "detail": "This patient may already be registered. Send "
                    '"confirm_new": true to register them anyway.',
                    "possible_duplicates": [
                        {**DuplicateSerializer(patient).data, "match": match}
                        for patient, match in matches
                    ],
                }
                return Response(body, status=status.HTTP_409_CONFLICT)
        self.perform_create(serializer)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        patient = serializer.save()
        audit_log(user=self.request.user, action="create", obj=patient, request=self.request)

    def perform_update(self, serializer):
        patient = serializer.save()
        audit_log(
            user=self.request.user,
            action="change",
            obj=patient,
            request=self.request,
            detail=changed_fields_detail(serializer.validated_data),
        )
