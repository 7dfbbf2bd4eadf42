"""Staff roles. Each role is a Django group created by a migration; a superuser acts as manager."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import UserPassesTestMixin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    RECEPTIONIST = "receptionist", "Receptionist"
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"


ALL_ROLES = frozenset(Role.values)
CLINICAL_ROLES = frozenset({Role.PRACTITIONER, Role.MANAGER})
FRONT_DESK_ROLES = frozenset({Role.RECEPTIONIST, Role.MANAGER})


def user_roles(user) -> frozenset[str]:
    """Return the staff roles the user holds (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_clinic_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.MANAGER)
        cached = frozenset(names)
        user._clinic_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


# Django model permissions per role. The staff pages and the API check the role itself; these
# only decide what each role may do in the Django admin. No role but the manager holds a
# permission on a clinical model (session records, amendments, pain reports, reviews). Managers
# get every permission of the clinic's apps.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.RECEPTIONIST: [
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_patient",
        "clinic.view_practitioner",
        "clinic.view_room",
        "clinic.view_closure",
        "clinic.view_timeoff",
        "scheduling.view_treatmentcourse",
        "scheduling.view_appointment",
        "scheduling.change_appointment",
        "reminders.view_reminder",
    ],
    Role.PRACTITIONER: [
        "patients.view_patient",
        "clinic.view_practitioner",
        "clinic.view_room",
        "clinic.view_closure",
        "clinic.view_timeoff",
        "scheduling.view_treatmentcourse",
        "scheduling.view_appointment",
        # The point catalogue only: no clinical model. The admin cannot tell which patients a
        # practitioner treats, so clinical records are read through the staff pages, which can.
        "records.view_acupuncturepoint",
    ],
}
# Managers also run the staff accounts (auth), unlock locked-out logins (axes) and reset a lost
# authenticator (otp_totp) from the admin.
MANAGER_APPS = [
    "clinic",
    "patients",
    "scheduling",
    "records",
    "reminders",
    "auth",
    "axes",
    "otp_totp",
]


def sync_role_permissions(**kwargs) -> None:
    """Give each role group its permissions; runs after every migrate so new models are covered."""
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        if role == Role.MANAGER:
            perms = Permission.objects.filter(content_type__app_label__in=MANAGER_APPS)
        else:
            wanted = [name.split(".", 1) for name in ROLE_PERMISSIONS.get(role, [])]
            perms = [
                perm
                for perm in Permission.objects.filter(
                    codename__in=[codename for _, codename in wanted]
                ).select_related("content_type")
                if [perm.content_type.app_label, perm.codename] in wanted
            ]
        group.permissions.set(perms)


def role_required(*roles: str):
    """Let a function view in only for staff holding one of `roles`; others get the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RoleRequiredMixin(UserPassesTestMixin):
    """Let in only staff holding one of `allowed_roles`; others get a 403 page."""

    allowed_roles: frozenset[str] | set[str] = ALL_ROLES
    raise_exception = True

    def test_func(self) -> bool:
        return has_role(self.request.user, *self.allowed_roles)


class ManagerRequiredMixin(RoleRequiredMixin):
    allowed_roles = {Role.MANAGER}
