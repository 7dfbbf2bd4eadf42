# The clinical records and the reminders became apps of their own (`records`, `reminders`).
# Their models leave this app's state here and enter theirs in records 0001 and reminders 0001;
# the tables and every row stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_keep_reminders_of_moved_visits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="sessionrecord", name="points"),
                migrations.DeleteModel(name="SessionRecordPoint"),
                migrations.DeleteModel(name="SessionRecordAmendment"),
                migrations.DeleteModel(name="SessionRecord"),
                migrations.DeleteModel(name="PainReport"),
                migrations.DeleteModel(name="CourseReview"),
                migrations.DeleteModel(name="AcupuncturePoint"),
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="PatientLink"),
            ],
            database_operations=[],
        ),
    ]
