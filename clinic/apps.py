from __future__ import annotations

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic setup"

    def ready(self) -> None:
        from clinic.roles import sync_role_permissions

        # Reminders is the last of the clinic's apps to migrate: by then every permission the
        # roles name exists. The flush between transactional tests sends this signal too.
        post_migrate.connect(sync_role_permissions, sender=apps.get_app_config("reminders"))
