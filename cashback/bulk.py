"""Inserting many rows at once without building a model instance per row.

The registration paths (an Excel upload of 100,000 devices, the portal sync) spend most of
their time in the ORM's per-object work when they use bulk_create. On PostgreSQL the rows go
in as one INSERT ... SELECT FROM unnest(one array per column), whatever their number; a
column with the same value in every row is sent once. Elsewhere (SQLite in development)
through bulk_create.
"""

import json

from django.db import connection


def insert_rows(model, fields, rows, *, return_ids=False):
    """Insert `rows` (tuples of values in the order of `fields`, attribute names such as
    "company_id") into the model's table; return the new primary keys in row order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(fields, row))) for row in rows]
        model.objects.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]

    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    selected, arrays, params, array_params = [], [], [], []
    for index, (name, values) in enumerate(zip(fields, zip(*rows))):
        field = by_attname[name]
        db_type = field.db_type(connection)
        if field.get_internal_type() == "JSONField":
            values = [None if value is None else json.dumps(value) for value in values]
        first = values[0]
        if all(value == first for value in values):
            selected.append(f"%s::{db_type}")
            params.append(first)
        else:
            selected.append(f"u.c{index}")
            arrays.append((f"%s::{db_type}[]", f"c{index}"))
            array_params.append(_array_literal(values))
    if arrays:
        source = "unnest({}) AS u({})".format(", ".join(a for a, _ in arrays), ", ".join(c for _, c in arrays))
    else:
        source = "generate_series(1, %s)"
        array_params = [len(rows)]
    sql = "INSERT INTO {table} ({columns}) SELECT {selected} FROM {source}{returning}".format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(by_attname[name].column) for name in fields),
        selected=", ".join(selected),
        source=source,
        returning=f" RETURNING {quote(model._meta.pk.column)}" if return_ids else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + array_params)
        # PostgreSQL returns the rows of INSERT ... SELECT FROM unnest() in insertion order;
        # Django's own bulk_create relies on the same.
        return [row[0] for row in cursor.fetchall()] if return_ids else []


def _array_literal(values):
    """A PostgreSQL array in its text form, '{"a","b",NULL}': one parameter that the server
    parses quickly, where a Python list would become a constructor with one node per value."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
            continue
        text = value if isinstance(value, str) else value.isoformat() if hasattr(value, "isoformat") else str(value)
        parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"
