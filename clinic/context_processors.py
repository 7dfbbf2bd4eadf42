from __future__ import annotations

from clinic.models import Clinic
from clinic.roles import Role, user_roles


def staff_roles(request) -> dict:
    """Expose the user's roles so the navigation shows each role what it can use."""
    roles = user_roles(getattr(request, "user", None))
    return {
        "roles": roles,
        "is_receptionist": Role.RECEPTIONIST in roles,
        "is_practitioner": Role.PRACTITIONER in roles,
        "is_manager": Role.MANAGER in roles,
        "is_front_desk": bool(roles & {Role.RECEPTIONIST, Role.MANAGER}),
        "is_clinical": bool(roles & {Role.PRACTITIONER, Role.MANAGER}),
        "clinic": Clinic.of(request) if roles else None,
    }
