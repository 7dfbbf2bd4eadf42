"""Reading timestamps from PostgreSQL at the speed of psycopg's C code.

Django reads every `timestamptz` through a loader written in Python (a subclass of psycopg's
pure-Python one that sets the zone), which parses each value in Python: on the staff pages and in
reminder dispatch that was the largest single cost of reading rows. When the connection works in
UTC, as Django's does with USE_TZ, psycopg's compiled loader already returns exactly those
values (aware, in `datetime.timezone.utc`), so each new connection is given that loader instead.

Django looks up the registered loader's `timezone` to decide whether a cursor needs its own, so
the class registered is a Python class carrying that attribute whose instances are the compiled
loader's. Without psycopg's compiled part (`psycopg[binary]`), nothing changes.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from psycopg.types.datetime import TimestamptzLoader

try:
    from psycopg_binary._psycopg import TimestamptzLoader as CompiledTimestamptzLoader
except ImportError:  # psycopg without its compiled part: Django's loader stays
    CompiledTimestamptzLoader = None


class UTCTimestamptzLoader(TimestamptzLoader):
    """What Django sees registered (a loader for UTC); what psycopg uses (the compiled one)."""

    timezone = UTC

    def __new__(cls, oid, context=None):
        return CompiledTimestamptzLoader(oid, context)


def use_compiled_timestamp_loader(sender, connection, **kwargs) -> None:
    """On a new PostgreSQL connection in UTC, read timestamps with the compiled loader
    (connected to Django's `connection_created` signal)."""
    if (
        CompiledTimestamptzLoader is None
        or connection.vendor != "postgresql"
        or not settings.USE_TZ
        or connection.timezone_name != "UTC"
    ):
        return
    connection.connection.adapters.register_loader("timestamptz", UTCTimestamptzLoader)
