# The records models were created by the scheduling app (its migrations 0001-0005) and moved
# here: this migration only takes them into the records app's state. Their tables and rows stay
# as they were; content types, permissions and audit entries follow the models.


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from scheduling.migration_operations import move_models_between_apps


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clinic", "0003_audit_and_calendar_feed"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0002_patient_timezone_must_exist"),
        ("scheduling", "0006_move_records_and_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AcupuncturePoint",
                    fields=[
                        (
                            "code",
                            models.CharField(max_length=16, primary_key=True, serialize=False),
                        ),
                        (
                            "system",
                            models.CharField(
                                choices=[("WHO", "WHO standard (2008)"), ("TUNG", "Master Tung")],
                                max_length=8,
                            ),
                        ),
                        ("meridian", models.CharField(blank=True, max_length=4)),
                        ("number", models.CharField(max_length=10)),
                        ("name", models.CharField(blank=True, max_length=60)),
                        ("position", models.PositiveSmallIntegerField(unique=True)),
                    ],
                    options={
                        "db_table": "scheduling_acupuncturepoint",
                        "ordering": ["position"],
                    },
                ),
                migrations.CreateModel(
                    name="SessionRecord",
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
                            "pain_before",
                            models.PositiveSmallIntegerField(
                                help_text="0 = no pain, 10 = worst possible."
                            ),
                        ),
                        (
                            "pain_after",
                            models.PositiveSmallIntegerField(
                                help_text="0 = no pain, 10 = worst possible."
                            ),
                        ),
                        (
                            "techniques",
                            models.JSONField(
                                blank=True, default=list, help_text="Technique values."
                            ),
                        ),
                        ("notes", models.TextField(blank=True)),
                        (
                            "adverse_event",
                            models.CharField(
                                choices=[
                                    ("none", "None"),
                                    ("bruising", "Bruising"),
                                    ("soreness", "Soreness"),
                                    ("dizziness", "Dizziness"),
                                    ("fainting", "Fainting"),
                                    ("other", "Other"),
                                ],
                                default="none",
                                max_length=12,
                            ),
                        ),
                        ("adverse_event_note", models.CharField(blank=True, max_length=200)),
                        ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("amended_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "appointment",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="record",
                                to="scheduling.appointment",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_sessionrecord",
                        "ordering": ["appointment__starts_at"],
                    },
                ),
                migrations.CreateModel(
                    name="SessionRecordPoint",
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
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "point",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="records.acupuncturepoint",
                            ),
                        ),
                        (
                            "record",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="record_points",
                                to="records.sessionrecord",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_sessionrecordpoint",
                        "ordering": ["record", "position"],
                    },
                ),
                migrations.AddField(
                    model_name="sessionrecord",
                    name="points",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="records.SessionRecordPoint",
                        to="records.acupuncturepoint",
                    ),
                ),
                migrations.CreateModel(
                    name="CourseReview",
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
                            "stage",
                            models.CharField(
                                choices=[
                                    ("midpoint", "Midpoint check"),
                                    ("end", "End-of-course review"),
                                ],
                                max_length=8,
                            ),
                        ),
                        (
                            "decision",
                            models.CharField(
                                choices=[
                                    ("continue", "Continue"),
                                    ("extend", "Extend with a new course"),
                                    ("discharge", "Discharge"),
                                    ("refer", "Refer out"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("note", models.TextField(blank=True)),
                        (
                            "responder",
                            models.BooleanField(
                                help_text="Whether the patient was a responder at review."
                            ),
                        ),
                        ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reviews",
                                to="scheduling.treatmentcourse",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "next_course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="scheduling.treatmentcourse",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_coursereview",
                        "ordering": ["decided_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("course", "stage"), name="one_review_per_course_stage"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PainReport",
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
                        ("score", models.PositiveSmallIntegerField()),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("link", "Patient link"),
                                    ("phone", "Phone call"),
                                    ("staff", "In person to staff"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("reported_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="pain_reports",
                                to="scheduling.treatmentcourse",
                            ),
                        ),
                        (
                            "entered_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty when the patient reported it through a link.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="pain_reports",
                                to="patients.patient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_painreport",
                        "ordering": ["reported_at", "pk"],
                        "indexes": [
                            models.Index(
                                fields=["patient", "reported_at"],
                                name="scheduling__patient_885463_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("score__gte", 0), ("score__lte", 10)),
                                name="pain_report_score_0_to_10",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SessionRecordAmendment",
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
                        ("pain_before", models.PositiveSmallIntegerField()),
                        ("pain_after", models.PositiveSmallIntegerField()),
                        ("point_codes", models.JSONField(blank=True, default=list)),
                        ("techniques", models.JSONField(blank=True, default=list)),
                        ("notes", models.TextField(blank=True)),
                        (
                            "adverse_event",
                            models.CharField(
                                choices=[
                                    ("none", "None"),
                                    ("bruising", "Bruising"),
                                    ("soreness", "Soreness"),
                                    ("dizziness", "Dizziness"),
                                    ("fainting", "Fainting"),
                                    ("other", "Other"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("adverse_event_note", models.CharField(blank=True, max_length=200)),
                        ("reason", models.CharField(blank=True, max_length=200)),
                        ("amended_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "amended_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "record",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="amendments",
                                to="records.sessionrecord",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_sessionrecordamendment",
                        "ordering": ["amended_at", "pk"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("pain_before__gte", 0), ("pain_before__lte", 10)
                                ),
                                name="amendment_pain_before_0_to_10",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("pain_after__gte", 0), ("pain_after__lte", 10)),
                                name="amendment_pain_after_0_to_10",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="sessionrecordpoint",
                    constraint=models.UniqueConstraint(
                        fields=("record", "point"), name="record_point_once"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="sessionrecordpoint",
                    constraint=models.UniqueConstraint(
                        fields=("record", "position"), name="record_point_position"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="sessionrecord",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("pain_before__gte", 0), ("pain_before__lte", 10)),
                        name="session_pain_before_0_to_10",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="sessionrecord",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("pain_after__gte", 0), ("pain_after__lte", 10)),
                        name="session_pain_after_0_to_10",
                    ),
                ),
            ],
            database_operations=[],
        ),
        move_models_between_apps(
            "scheduling",
            "records",
            [
                "acupuncturepoint",
                "sessionrecord",
                "sessionrecordpoint",
                "sessionrecordamendment",
                "painreport",
                "coursereview",
            ],
        ),
    ]
