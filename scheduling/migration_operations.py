"""Migration operations: PostgreSQL-only constraints, and models moving between apps."""

from __future__ import annotations

from django.db.migrations.operations import AddConstraint, RunPython


class AddConstraintOnPostgres(AddConstraint):
    """Add a PostgreSQL-only constraint (an exclusion constraint) and skip it elsewhere.

    On SQLite the booking transaction is IMMEDIATE and checks overlaps itself, so the model
    state keeps the constraint everywhere while only PostgreSQL gets it in the schema.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def move_models_between_apps(old_label: str, new_label: str, model_names: list[str]):
    """Return a RunPython that points the content types (and so the permissions) and the audit
    log's entries of models moved from `old_label` to `new_label` at their new app."""

    def forwards(apps, schema_editor):
        _relabel(apps, old_label, new_label, model_names)

    def backwards(apps, schema_editor):
        _relabel(apps, new_label, old_label, model_names)

    return RunPython(forwards, backwards)


def _relabel(apps, old_label: str, new_label: str, model_names: list[str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("clinic", "AuditEntry")
    for name in model_names:
        # A fresh database may already hold the new app's content type (post_migrate made it);
        # the old one then has nothing worth keeping.
        if ContentType.objects.filter(app_label=new_label, model=name).exists():
            ContentType.objects.filter(app_label=old_label, model=name).delete()
        else:
            ContentType.objects.filter(app_label=old_label, model=name).update(app_label=new_label)
        AuditEntry.objects.filter(object_type=f"{old_label}.{name}").update(
            object_type=f"{new_label}.{name}"
        )
