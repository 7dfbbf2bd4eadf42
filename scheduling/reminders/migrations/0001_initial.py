# The reminders models were created by the scheduling app (its migrations 0001-0005) and moved
# here: this migration only takes them into the reminders app's state. Their tables and rows stay
# as they were; content types, permissions and audit entries follow the models.


import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from scheduling.migration_operations import move_models_between_apps


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clinic", "0003_audit_and_calendar_feed"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0002_patient_timezone_must_exist"),
        ("scheduling", "0006_move_records_and_reminders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PatientLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=16, unique=True)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("confirm", "Confirm a visit"),
                                    ("cancel", "Cancel a visit"),
                                    ("pain", "Report pain"),
                                    ("unsubscribe", "Stop emails"),
                                    ("visits", "See upcoming visits"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("appointment_starts_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "appointment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="patient_links",
                                to="scheduling.appointment",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="patient_links",
                                to="patients.patient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_patientlink",
                        "indexes": [
                            models.Index(
                                fields=["patient", "action", "expires_at"],
                                name="scheduling__patient_849e18_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("created_at__lt", models.F("expires_at"))),
                                name="patient_link_expires_after_made",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Reminder",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("confirmation", "Booking confirmation"),
                                    ("before_visit", "Reminder before visit"),
                                    ("check_in", "Pain check-in between visits"),
                                    ("missed_visit", "Missed visit"),
                                    ("staff_alert", "Staff alert: no-show not rebooked"),
                                    ("course_end", "End-of-course review nudge"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[("email", "Email"), ("sms", "SMS"), ("staff", "Staff")],
                                max_length=8,
                            ),
                        ),
                        (
                            "offset_minutes",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="For reminders before a visit: how long before it.",
                            ),
                        ),
                        ("due_at", models.DateTimeField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("claimed", "Claimed"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("skipped", "Skipped"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "outcome_unknown",
                            models.BooleanField(
                                default=False,
                                help_text="The provider may or may not have sent it: staff should check.",
                            ),
                        ),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        ("provider_id", models.CharField(blank=True, max_length=100)),
                        (
                            "superseded",
                            models.BooleanField(
                                default=False,
                                help_text="Sent for a visit time that has since moved; kept for the record and the caps.",
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "appointment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="scheduling.appointment",
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="patients.patient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_reminder",
                        "ordering": ["due_at"],
                        "indexes": [
                            models.Index(
                                fields=["status", "due_at"], name="scheduling__status_040bd4_idx"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("superseded", False)),
                                fields=("appointment", "kind", "channel", "offset_minutes"),
                                name="one_live_reminder_per_visit_kind_channel_offset",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        move_models_between_apps("scheduling", "reminders", ["reminder", "patientlink"]),
    ]
