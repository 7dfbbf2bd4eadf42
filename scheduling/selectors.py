"""Who treats whom: the booking facts that decide who may read a patient's clinical record."""

from __future__ import annotations

from clinic.roles import Role, has_role
from scheduling.models import Appointment


def can_read_clinical(user, *, patient_id: int) -> bool:
    """Return whether the user may read the patient's clinical records: a manager, or a
    practitioner who treats the patient (has any appointment with them)."""
    if has_role(user, Role.MANAGER):
        return True
    if not has_role(user, Role.PRACTITIONER):
        return False
    return Appointment.objects.filter(patient_id=patient_id, practitioner__user=user).exists()
