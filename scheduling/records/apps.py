from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_point_catalogue(using: str = "default", **kwargs) -> None:
    """Insert any catalogue point missing from the table (a data migration loads them first).

    A database flushed between transactional tests loses the migration's rows; like Django's
    own permissions, the catalogue is put back after every migrate or flush.
    """
    # Models and the catalogue can only be imported once the app registry is ready.
    from scheduling.records.models import AcupuncturePoint
    from scheduling.records.points import CATALOGUE, catalogue_rows

    points = AcupuncturePoint.objects.using(using)
    if points.count() != len(CATALOGUE):
        points.bulk_create(catalogue_rows(AcupuncturePoint), ignore_conflicts=True)


class RecordsConfig(AppConfig):
    name = "scheduling.records"
    label = "records"
    verbose_name = "Clinical records"

    def ready(self) -> None:
        post_migrate.connect(ensure_point_catalogue, sender=self)
