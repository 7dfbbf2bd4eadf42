"""Writing many rows in one statement on PostgreSQL, with one array parameter per column.

The SQL is the same whatever the number of rows, so it stays short: psycopg keeps it parsed,
PostgreSQL plans it quickly, and the driver never splits a statement of hundreds of
placeholders. Django's bulk_update builds a CASE per field and row, and bulk_create's compiler
costs more per row than the rest of sending a reminder; both are used on other databases.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models, transaction

# Fields whose Python value is what the driver sends: no get_db_prep_value (timezone checks
# and conversions) for every value of every row. Datetimes are aware, as the models keep them.
_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateTimeField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
)


def _arrays(model: type[models.Model], rows: Sequence[models.Model], names: Sequence[str]):
    """Return (the unnest(...) source, its column list, its parameters): one typed array per
    field, holding that field's value of every row."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    source = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    columns = ", ".join(quote(field.column) for field in fields)
    params = [
        [getattr(row, field.attname) for row in rows]
        if isinstance(field, _PLAIN_FIELDS)
        else [field.get_db_prep_value(getattr(row, field.attname), connection) for row in rows]
        for field in fields
    ]
    return f"unnest({source})", columns, params


def update_rows(
    model: type[models.Model],
    rows: Sequence[models.Model],
    fields: Sequence[str],
    *,
    only_where: dict[str, object] | None = None,
    synchronous: bool = True,
) -> None:
    """Write each row's own values of `fields` in one UPDATE; with `only_where` ({field: value}),
    only to rows whose fields still hold those values. `synchronous=False` lets the commit
    return before the write reaches the disk."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        query = model._default_manager.all()
        if only_where:
            query = query.filter(**only_where)
        query.bulk_update(rows, fields)
        return
    quote = connection.ops.quote_name
    source, columns, params = _arrays(model, rows, [model._meta.pk.name, *fields])
    pk_column = quote(model._meta.pk.column)
    assignments = ", ".join(
        f"{quote(column)} = v.{quote(column)}"
        for column in (model._meta.get_field(name).column for name in fields)
    )
    # The second condition on the key lets PostgreSQL find the rows by index: joined with the
    # arrays alone it scanned the whole table, which only grows.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS r SET {assignments} "
        f"FROM {source} AS v({columns}) WHERE r.{pk_column} = v.{pk_column} "
        f"AND r.{pk_column} = ANY(%s)"
    )
    params.append(params[0])
    for name, value in (only_where or {}).items():
        sql += f" AND r.{quote(model._meta.get_field(name).column)} = %s"
        params.append(value)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if not synchronous:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, params)


def insert_rows(
    model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Insert the rows' values of `fields` in one INSERT (their primary keys are not read
    back)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows)
        return
    source, columns, params = _arrays(model, rows, fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
        f"SELECT * FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
