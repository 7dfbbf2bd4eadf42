"""Who treats whom: the booking facts that decide who may read a patient's clinical record."""

from __future__ import annotations

from clinic.roles import Role, has_role
from scheduling.models import Appointment, TreatmentCourse

# A session that took place or is still to come makes the practitioner the patient's treating
# practitioner; a cancelled visit or a missed one does not (the patient was never in their care).
TREATING_STATUSES = (
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.COMPLETED,
)


def can_read_clinical(user, *, patient_id: int, course: TreatmentCourse | None = None) -> bool:
    """Return whether the user may read the patient's clinical records: a manager, or a
    practitioner treating the patient: a booked, confirmed, checked-in or completed session of
    theirs with the patient, or an active course of theirs. `course`, one of the patient's
    courses already read with its practitioner, answers without a query when it is the user's
    active course."""
    if has_role(user, Role.MANAGER):
        return True
    if not has_role(user, Role.PRACTITIONER):
        return False
    if (
        course is not None
        and course.patient_id == patient_id
        and course.status == TreatmentCourse.Status.ACTIVE
        and course.practitioner.user_id == user.pk
    ):
        return True
    return (
        Appointment.objects.filter(
            patient_id=patient_id, practitioner__user=user, status__in=TREATING_STATUSES
        ).exists()
        or TreatmentCourse.objects.filter(
            patient_id=patient_id, practitioner__user=user, status=TreatmentCourse.Status.ACTIVE
        ).exists()
    )
