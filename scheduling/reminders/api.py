"""GET /api/v1/reminders/: the message schedule, read only, for the front desk."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from clinic.inputs import as_id
from clinic.roles import Role
from scheduling.reminders.models import Reminder


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = [
            "id",
            "appointment",
            "kind",
            "channel",
            "due_at",
            "status",
            "sent_at",
            "attempts",
            "outcome_unknown",
            "last_error",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("appointment", int),
        OpenApiParameter("patient", int),
        OpenApiParameter("status", str, enum=Reminder.Status.values),
    ]
)
class ReminderList(generics.ListAPIView):
    serializer_class = ReminderSerializer
    read_roles = {Role.RECEPTIONIST, Role.MANAGER}

    def get_queryset(self):
        queryset = Reminder.objects.order_by("due_at", "pk")
        params = self.request.query_params
        for name in ("appointment", "patient"):
            value = params.get(name)
            if value:
                if as_id(value) is None:
                    raise ValidationError({name: ["Give a whole number id."]})
                queryset = queryset.filter(**{f"{name}_id": as_id(value)})
        status = params.get("status")
        if status:
            if status not in Reminder.Status.values:
                raise ValidationError({"status": [f"One of {', '.join(Reminder.Status.values)}."]})
            queryset = queryset.filter(status=status)
        return queryset
