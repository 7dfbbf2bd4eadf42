from __future__ import annotations

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class ClinicConfig(AppConfig):
    # The clinic app's own config, among the two below that rename third-party apps.
    default = True
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from clinic.roles import sync_role_permissions

        # Reminders is the last of the clinic's apps to migrate: by then every permission the
        # roles name exists. The flush between transactional tests sends this signal too.
        post_migrate.connect(sync_role_permissions, sender=apps.get_app_config("reminders"))


class LoginLockoutsConfig(AxesConfig):
    """django-axes under the name managers know it by in the admin."""

    verbose_name = "Login lockouts"


class AuthenticatorsConfig(TOTPConfig):
    """django-otp's TOTP devices under the name managers know them by in the admin."""

    verbose_name = "Two-factor authenticators"
