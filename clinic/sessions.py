"""Staff sessions, kept in the database as Django keeps them, read with one short statement.

Every staff request reads its session before anything else. Django's database store reads it
through the ORM, whose compiling of that one-row lookup costs more than PostgreSQL spends on
it; this store reads the same row with the same condition (the key, and not yet expired) as
SQL. Everything else (creating, saving, deleting, clearing expired sessions) is Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        if not self.session_key:  # no cookie, or one Django refused as malformed
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        expires = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [self.session_key, expires],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
