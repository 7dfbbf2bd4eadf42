"""Each staff request reads the user with their roles and authenticators in one query; a change
of role or of authenticator shows on the very next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.roles import Role, user_roles
from clinic.security import StaffBackend, two_factor_required

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_their_roles_and_authenticators_in_one_query(
    practitioner, django_assert_num_queries
):
    user = practitioner.user
    user.groups.add(Group.objects.get_or_create(name="volunteers")[0])  # not a staff role
    TOTPDevice.objects.create(user=user, name="Old phone", confirmed=False)
    with django_assert_num_queries(1):
        loaded = StaffBackend().get_user(user.pk)
        assert user_roles(loaded) == {Role.PRACTITIONER}
        assert two_factor_required(loaded) is False  # an unconfirmed device does not count
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    loaded = StaffBackend().get_user(user.pk)
    assert user_roles(loaded) == {Role.PRACTITIONER, Role.MANAGER}
    assert two_factor_required(loaded) is True


def test_a_superuser_acts_as_manager_and_an_inactive_or_unknown_user_is_nobody(receptionist):
    receptionist.is_superuser = True
    receptionist.save()
    assert user_roles(StaffBackend().get_user(receptionist.pk)) == {
        Role.RECEPTIONIST,
        Role.MANAGER,
    }
    receptionist.is_active = False
    receptionist.save()
    assert StaffBackend().get_user(receptionist.pk) is None
    assert StaffBackend().get_user(receptionist.pk + 1000) is None


def test_a_role_taken_away_shuts_the_pages_at_the_next_request(client, receptionist):
    client.force_login(receptionist)
    assert client.get(reverse("attention")).status_code == 200
    receptionist.groups.clear()
    assert client.get(reverse("attention")).status_code == 403
