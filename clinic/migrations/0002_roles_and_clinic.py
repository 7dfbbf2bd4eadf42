from django.conf import settings
from django.db import migrations

ROLES = ["receptionist", "practitioner", "manager"]


def create_roles_and_clinic(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    Clinic = apps.get_model("clinic", "Clinic")
    if not Clinic.objects.exists():
        Clinic.objects.create(timezone=settings.TIME_ZONE)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles_and_clinic, remove_roles)]
