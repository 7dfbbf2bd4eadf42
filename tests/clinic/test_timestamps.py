"""Timestamps read from PostgreSQL through psycopg's compiled loader are the same instants, in
UTC, as Django's own loader gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from psycopg.adapt import Transformer

from clinic.db import UTCTimestamptzLoader
from clinic.models import TimeOff

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]

VALUES = [
    datetime(2027, 3, 14, 6, 59, 59, 999999, tzinfo=UTC),
    datetime(2027, 11, 7, 5, 30, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    datetime(2030, 1, 1, tzinfo=UTC),
]


def test_the_connection_reads_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    registered = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert registered is UTCTimestamptzLoader
    in_use = Transformer(connection.connection).get_loader(1184, 0)
    assert type(in_use).__module__.startswith("psycopg_binary")


def test_values_come_back_as_the_same_instants_in_utc(practitioner):
    for n, value in enumerate(VALUES):
        TimeOff.objects.create(
            practitioner=practitioner, start=value, end=value + timedelta(hours=n + 1)
        )
    read = list(TimeOff.objects.order_by("pk").values_list("start", "end"))
    assert [start for start, _ in read] == VALUES
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in read)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, now()", [VALUES[1]])
        value, now = cursor.fetchone()
    assert value == VALUES[1] and value.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)
