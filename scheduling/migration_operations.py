"""Migration operations that only touch PostgreSQL."""

from __future__ import annotations

from django.db.migrations.operations import AddConstraint


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
