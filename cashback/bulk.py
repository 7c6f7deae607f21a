"""Inserting many rows at once without building a model instance per row, and the pause of
Python's cycle collector that work of that size needs.

The registration paths (an Excel upload of 100,000 devices, the portal sync) spend most of
their time in the ORM's per-object work when they use bulk_create. On PostgreSQL the rows are
streamed with COPY (one statement whatever their number, never one big string in memory;
insert_made() sends them while the caller is still deciding the next ones); elsewhere (SQLite
in development) they go through bulk_create.
"""

import gc
import json
import re
from contextlib import contextmanager
from datetime import date, datetime
from itertools import chain, islice, repeat

from django.db import connection


class Same:
    """A column value shared by every row."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


@contextmanager
def cycle_collection_paused():
    """For work that makes and keeps hundreds of thousands of small objects (an upload's rows,
    answers and decisions). Each batch of new objects makes Python's cycle collector run, and
    its full passes walk every object still alive, again and again: a third of the time of a
    100,000-row upload. Reference counting frees those objects as before; the few in cycles
    (an error kept with its traceback) wait for the first collection after this. Process-wide:
    a thread that nests this inside another's only resumes it early."""
    resume = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if resume:
            gc.enable()


def insert_rows(model, values, *, count, return_ids=False):
    """Insert `count` rows given column by column: {attribute name such as "company_id":
    a list with one value per row, or Same(value)}. Returns the new primary keys in row order."""
    if not count:
        return []
    for name, column in values.items():
        if not isinstance(column, Same) and len(column) != count:
            raise ValueError(f"{name}: {len(column)} values for {count} rows")
    if connection.vendor != "postgresql":
        return _create(model, values, count)
    return _copy(model, values, [(values, count)], key_count=count if return_ids else 0)


def insert_made(model, columns, made, *, at_most):
    """Insert rows while the caller is still making them, and return their new primary keys in
    order. `made` yields one object per row (at most `at_most` of them); `columns` says how
    each column's value is read from the object: {attribute name: function, or Same(value)}.

    On PostgreSQL the rows are sent in blocks as they come, and the database inserts each block
    on its own core while the caller makes the next: an upload's 100,000 registrations are
    decided and inserted at the same time. The keys are taken from the sequence first, for
    `at_most` rows; those left unused are skipped numbers, as after a rolled-back insert."""
    if connection.vendor != "postgresql":
        rows = list(made)
        if len(rows) > at_most:
            raise _more_than(at_most)
        return _create(model, _by_column(columns, rows), len(rows))
    made = iter(made)
    first = next(made, _NOTHING)
    if first is _NOTHING:
        return []  # no keys taken, no statement
    if at_most < 1:
        raise _more_than(at_most)
    made = chain([first], made)
    blocks = (
        (_by_column(columns, block), len(block))
        for block in iter(lambda: list(islice(made, _BLOCK)), [])
    )
    return _copy(model, columns, blocks, key_count=at_most)


_BLOCK = 2000  # rows made, converted and sent at a time
_NOTHING = object()


def _more_than(at_most):
    return ValueError(f"more than the {at_most} rows announced")


def _by_column(columns, rows):
    return {name: get if isinstance(get, Same) else list(map(get, rows)) for name, get in columns.items()}


def _create(model, values, count):
    objects = [
        model(**{name: v.value if isinstance(v, Same) else v[index] for name, v in values.items()})
        for index in range(count)
    ]
    model.objects.bulk_create(objects, batch_size=500)
    return [obj.pk for obj in objects]


def _copy(model, columns, blocks, *, key_count):
    """COPY the rows of `blocks` ((values, count) pairs, each {name: list or Same}) into the
    model's table, as they come; `columns` names them. With `key_count`, that many new primary
    keys are taken first and given to the rows in order (returned: those the rows got)."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk
    # As a model instance would: fields left out get their default (evaluated once).
    defaults = {
        name: Same(field.get_default()) for name, field in by_attname.items()
        if name not in columns and field is not pk and field.has_default()
    }
    names = [*([pk.attname] if key_count else []), *columns, *defaults]
    json_columns = {name for name in names if by_attname[name].get_internal_type() == "JSONField"}
    with connection.cursor() as cursor:
        ids = []
        if key_count:
            # COPY cannot return the new keys: take them from the sequence first.
            # The sequence looked up once (per row, the lookup costs five times the rest), the
            # keys returned as one array rather than 100,000 rows.
            cursor.execute(
                "WITH the AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) "
                "SELECT array_agg(nextval(sequence)) FROM the, generate_series(1, %s)", [table, pk.column, key_count]
            )
            ids = cursor.fetchone()[0]
        given = 0

        def lines():
            nonlocal given
            for values, count in blocks:
                if key_count:
                    if given + count > key_count:
                        raise _more_than(key_count)
                    values = {pk.attname: ids[given : given + count], **values}
                given += count
                block = []
                for name in names:
                    column = values[name] if name in values else defaults[name]
                    is_json = name in json_columns
                    block.append(_shared_text(column, is_json) if isinstance(column, Same) else (column, is_json))
                yield from _copy_lines(block, count)

        sql = "COPY {} ({}) FROM STDIN".format(
            quote(table), ", ".join(quote(by_attname[name].column) for name in names)
        )
        source = _CopySource(lines())
        try:
            with connection.wrap_database_errors:
                cursor.cursor.copy_expert(sql, source)
        except BaseException:
            if source.error is not None:
                # The rows' maker failed (the driver reports it as a database error): its own error.
                raise source.error from None
            raise
    return ids[:given]


def _shared_text(same, is_json):
    value = same.value
    return _copy_text(json.dumps(value) if is_json and value is not None else value)


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
        self.error = None

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.lines)
            except StopIteration:
                break
            except BaseException as error:  # an interrupt too: never reported as the database's
                self.error = error
                raise
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
