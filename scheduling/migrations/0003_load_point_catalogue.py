"""Fill the acupuncture point table from the catalogue in scheduling/records/points.py.

The catalogue module is pure data and code (no models), so importing it here is safe. It is read
as it is when this migration runs: a later change to the catalogue needs its own data migration
that adds or renames rows, since this one will not run again on existing databases.
"""

from django.db import migrations

from scheduling.records.points import catalogue_rows


def load_points(apps, schema_editor):
    AcupuncturePoint = apps.get_model("scheduling", "AcupuncturePoint")
    AcupuncturePoint.objects.bulk_create(catalogue_rows(AcupuncturePoint))


def unload_points(apps, schema_editor):
    apps.get_model("scheduling", "AcupuncturePoint").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_session_records")]

    operations = [migrations.RunPython(load_points, unload_points)]
