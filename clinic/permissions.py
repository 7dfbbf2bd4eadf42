"""API access by staff role.

Every API view names who may read (`read_roles`) and who may change (`write_roles`); an action
can narrow it further with `action_roles`. Anyone without a staff role gets nothing.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from clinic.roles import ALL_ROLES, Role, user_roles


class StaffRolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        roles = user_roles(request.user)
        if not roles:
            return False
        action_roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None)
        if action in action_roles:
            allowed = action_roles[action]
        elif request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", ALL_ROLES)
        else:
            allowed = getattr(view, "write_roles", {Role.MANAGER})
        return bool(roles & set(allowed))
