from __future__ import annotations

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_migrate, pre_save
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class ClinicConfig(AppConfig):
    # The clinic app's own config, among the two below that rename third-party apps.
    default = True
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from clinic import tokens
        from clinic.db import use_compiled_timestamp_loader
        from clinic.middleware import mark_session_start
        from clinic.roles import sync_role_permissions

        # Reminders is the last of the clinic's apps to migrate: by then every permission the
        # roles name exists. The flush between transactional tests sends this signal too.
        post_migrate.connect(sync_role_permissions, sender=apps.get_app_config("reminders"))
        user_logged_in.connect(mark_session_start)
        connection_created.connect(use_compiled_timestamp_loader)
        user_model = get_user_model()
        pre_save.connect(tokens.revoke_tokens_on_account_change, sender=user_model)
        m2m_changed.connect(tokens.revoke_tokens_on_role_change, sender=user_model.groups.through)


class LoginLockoutsConfig(AxesConfig):
    """django-axes under the name managers know it by in the admin."""

    verbose_name = "Login lockouts"


class AuthenticatorsConfig(TOTPConfig):
    """django-otp's TOTP devices under the name managers know them by in the admin."""

    verbose_name = "Two-factor authenticators"
