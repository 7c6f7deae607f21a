"""Inserting many rows at once without building a model instance per row.

The registration paths (an Excel upload of 100,000 devices, the portal sync) spend most of
their time in the ORM's per-object work when they use bulk_create. On PostgreSQL the rows are
streamed with COPY (one statement whatever their number, never one big string in memory);
elsewhere (SQLite in development) they go through bulk_create.
"""

import json
import re
from datetime import date, datetime
from itertools import islice, repeat

from django.db import connection


class Same:
    """A column value shared by every row."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def insert_rows(model, values, *, count, return_ids=False):
    """Insert `count` rows given column by column: {attribute name such as "company_id":
    a list with one value per row, or Same(value)}. Returns the new primary keys in row order."""
    if not count:
        return []
    if connection.vendor != "postgresql":
        objects = [
            model(**{name: v.value if isinstance(v, Same) else v[index] for name, v in values.items()})
            for index in range(count)
        ]
        model.objects.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]

    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk
    # As a model instance would: fields left out get their default (evaluated once).
    values = dict(values)
    for name, field in by_attname.items():
        if name not in values and field is not pk and field.has_default():
            values[name] = Same(field.get_default())
    names = list(values)
    columns = []
    for name in names:
        field, column = by_attname[name], values[name]
        is_json = field.get_internal_type() == "JSONField"
        if isinstance(column, Same):
            columns.append(_copy_text(json.dumps(column.value) if is_json and column.value is not None else column.value))
        elif len(column) != count:
            raise ValueError(f"{name}: {len(column)} values for {count} rows")
        else:
            columns.append((column, is_json))
    with connection.cursor() as cursor:
        ids = []
        if return_ids:
            # COPY cannot return the new keys: take them from the sequence first.
            # The sequence looked up once (per row, the lookup costs five times the rest), the
            # keys returned as one array rather than 100,000 rows.
            cursor.execute(
                "WITH the AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) "
                "SELECT array_agg(nextval(sequence)) FROM the, generate_series(1, %s)", [table, pk.column, count]
            )
            ids = cursor.fetchone()[0]
            names.insert(0, pk.attname)
            columns.insert(0, (ids, False))
        sql = "COPY {} ({}) FROM STDIN".format(
            quote(table), ", ".join(quote(by_attname[name].column) for name in names)
        )
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(sql, _CopySource(_copy_lines(columns, count)))
    return ids


def check_deferred_constraints():
    """Run the transaction's deferred foreign-key checks now rather than at the commit, then
    defer again. PostgreSQL checks each inserted row's keys, a second for 100,000 rows, in
    which the caller's thread waits without holding the GIL: another thread (the result
    workbook) works meanwhile. Elsewhere nothing to do here."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # every constraint Django makes is initially deferred


class _CopySource:
    """A file-like object over generated lines: COPY reads it in pieces, so the rows are never
    one big string in memory."""

    def __init__(self, lines):
        self.lines = lines
        self.buffer = ""

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.lines)
            except StopIteration:
                break
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    readline = read


def _copy_lines(columns, count):
    # Column by column: each column's values become text in one pass, then the rows are
    # joined; a column shared by every row is repeated as it is.
    texts = []
    for column in columns:
        if isinstance(column, str):
            texts.append(repeat(column, count))
        else:
            values, is_json = column
            texts.append(_json_texts(values) if is_json else _column_texts(values))
    rows = map("\t".join, zip(*texts))
    while block := list(islice(rows, 1000)):
        yield "\n".join(block) + "\n"


_SEPARATORS = re.compile(r"[\\\t\n\r]")


def _column_texts(values):
    """A column's values in COPY's text format (made as the rows are sent: 100,000 texts of
    each column at once are memory), in one pass of the kind the column holds: texts
    without a separator (nearly all of them) are used as they are, checked all at once;
    numbers and dates never hold one."""
    kinds = set(map(type, values))
    nullable = _NONE in kinds
    kinds.discard(_NONE)
    if all(issubclass(kind, str) for kind in kinds):
        if not nullable and not _SEPARATORS.search("".join(values)):
            return values
    elif kinds <= {int}:
        return (_NULL if value is None else str(value) for value in values) if nullable else map(str, values)
    elif kinds <= {date, datetime}:
        return (_NULL if value is None else value.isoformat() for value in values)
    return map(_copy_text, values)


_NONE = type(None)


def _json_texts(values):
    # Most rows share one dict object (no facts): each object is dumped once.
    dumped = {}
    for value in values:
        key = id(value)
        if key not in dumped:
            dumped[key] = _NULL if value is None else _copy_text(json.dumps(value))
        yield dumped[key]


_NULL = "\\N"


def _copy_text(value):
    """A value in COPY's text format: \\N for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else value.isoformat() if hasattr(value, "isoformat") else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text
