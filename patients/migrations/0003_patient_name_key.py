"""Add the folded name key that duplicate checks compare, and fill it for every patient."""

from django.db import migrations, models

from patients.models import name_key


def fill_name_keys(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    patients = list(Patient.objects.only("pk", "first_name", "last_name"))
    for patient in patients:
        patient.name_key = name_key(patient.first_name, patient.last_name)
    Patient.objects.bulk_update(patients, ["name_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_timezone_must_exist"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="name_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=170),
        ),
        migrations.AlterField(
            model_name="patient",
            name="phone",
            field=models.CharField(
                blank=True, help_text="Mobile number for texts, in any common form.", max_length=20
            ),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
