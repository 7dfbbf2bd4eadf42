"""The audit log: who read or changed which patient's record, when and from where.

Call ``audit_log`` from every view, API view or service that shows or changes a patient, an
appointment, a course or a session record. One call writes one ``AuditEntry``.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db import models
from django.http import HttpRequest

from clinic.models import AuditEntry
from clinic.security import client_ip
from patients.models import Patient

Action = AuditEntry.Action

# The request being served, so that services (which never see it) still record where a change
# came from. Set by AuditRequestMiddleware; empty in Celery tasks and management commands.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


class AuditRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def audit_log(
    *,
    user,
    action: str,
    obj: models.Model,
    request: HttpRequest | None = None,
    detail: str = "",
    patient=None,
) -> AuditEntry:
    """Record that `user` did `action` ("view", "create", "change" or "delete") to `obj`.

    `obj` is any saved model instance: a Patient, Appointment, TreatmentCourse, SessionRecord...
    The patient it concerns is found by itself (the object is a Patient, or has `patient`, or
    has `appointment.patient`); pass `patient=` when it cannot be. The client's IP address and
    user agent come from `request`, or else from the request being served (so services need
    not be handed it). `detail` is a short note such as the
    names of the fields changed ("changed: phone, email"); never put a condition, pain score,
    note text or any other clinical content in it.

    Examples::

        audit_log(user=request.user, action="view", obj=record, request=request)
        audit_log(user=by, action="change", obj=appointment, detail="rescheduled")
    """
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}; use one of {Action.values}")
    request = request if request is not None else current_request.get()
    meta = request.META if request is not None else {}
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        patient_id=_patient_id(obj, patient),
        ip=client_ip(request),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        detail=detail[:200],
    )


def changed_fields_detail(fields) -> str:
    """Return "changed: a, b" naming the fields (never their values) for an audit entry."""
    names = sorted(set(fields))
    return f"changed: {', '.join(names)}" if names else ""


def _patient_id(obj: models.Model, patient) -> int | None:
    if patient is not None:
        return patient.pk
    if isinstance(obj, Patient):
        return obj.pk
    if getattr(obj, "patient_id", None):
        return obj.patient_id
    appointment = getattr(obj, "appointment", None)
    return getattr(appointment, "patient_id", None)


def audit_log_list(*, user, model: type[models.Model], detail: str, request=None) -> AuditEntry:
    """Record that `user` read a list of `model` rows (one entry per request, not per row);
    `detail` names the filter, e.g. 'list, q="lopez", page 2'."""
    request = request if request is not None else current_request.get()
    meta = request.META if request is not None else {}
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=Action.VIEW,
        object_type=model._meta.label_lower,
        object_id="list",
        ip=client_ip(request),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        detail=detail[:200],
    )
