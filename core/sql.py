"""SQL the op path runs itself, with the ORM's conversions but without its query building.

Every op runs a few queries on every call, and on a busy process the ORM's
building of a query costs several times what the database takes to answer it
(benchmarks/ops.py). So the op path asks the cursor directly, for the columns
it needs: rows that become model instances go through the backend's converters
exactly as a queryset's would (`load`), and values written go through each
field's own `get_db_prep_save` (`insert_statement`, `update_statement`). Table
names are the models' own, fixed by the migrations.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
Row = tuple[Any, ...]
Statement = tuple[str, list[Any]]


# Ids are 64-bit and JSON integers are unbounded: an id no row can have is looked up as NULL,
# which matches nothing (SQLite would refuse the number), as the ORM's lookups find nothing.
_ID_RANGE = range(-(2**63), 2**63)


def _lookup(params: Sequence[Any]) -> list[Any]:
    return [None if type(value) is int and value not in _ID_RANGE else value for value in params]


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, _lookup(params))
        return cursor.fetchall()


def fetch_one(sql: str, params: Sequence[Any] = ()) -> Row | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, _lookup(params))
        return cursor.fetchone()


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def columns(model: type[Model], alias: str) -> str:
    """The select list `load` reads: every concrete column, in field order."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


@functools.cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[Any, tuple[Any, ...]], ...]:
    """Each concrete column of `model` and the converters a queryset would run on it: asked once per
    model and backend, not for every field of every row (which took half of `load`'s time)."""
    return tuple(
        (
            field.cached_col,
            tuple(connection.ops.get_db_converters(field.cached_col) + field.cached_col.get_db_converters(connection)),
        )
        for field in model._meta.concrete_fields
    )


def load(model: type[M], values: Sequence[Any]) -> M:
    """An instance from a row of `columns(model, ...)`, converted as a queryset would convert it."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    converted = []
    for (column, converters), value in zip(_converters(model, wrapper.vendor), values, strict=True):
        for converter in converters:
            value = converter(value, column, wrapper)
        converted.append(value)
    return model.from_db(wrapper.alias, None, converted)


@functools.cache
def insert_fields(model: type[Model]) -> tuple[str, ...]:
    """Every column a new row of `model` is written with: all but an automatic primary key."""
    auto = model._meta.pk if model._meta.pk.db_returning else None
    return tuple(field.attname for field in model._meta.concrete_fields if field is not auto)


def insert_statement(objs: Sequence[Model], fields: Sequence[str] | None = None) -> Statement:
    """The INSERT of new instances' `fields` (attnames; by default every column), all in one statement."""
    meta = objs[0]._meta
    fields = fields or insert_fields(type(objs[0]))
    prepared = [meta.get_field(name) for name in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = f"INSERT INTO {meta.db_table} ({', '.join(field.column for field in prepared)}) VALUES "  # noqa: S608 (model metadata only)
    params = [field.get_db_prep_save(_insert_value(obj, field), connection) for obj in objs for field in prepared]
    return sql + ", ".join([row] * len(objs)), params


def _insert_value(obj: Model, field: Any) -> Any:
    """The value set on the instance (an op's own clock.now(), say); where none was, what the ORM's
    insert would write (an auto_now_add time)."""
    value = getattr(obj, field.attname)
    return field.pre_save(obj, True) if value is None else value


def insert(objs: Sequence[Model], fields: Sequence[str] | None = None, *, returning_id: bool = False) -> None:
    """INSERT new instances; `returning_id` sets a single one's pk."""
    sql, params = insert_statement(objs, fields)
    with connection.cursor() as cursor:
        if not returning_id:
            cursor.execute(sql, params)
            return
        (obj,) = objs
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {obj._meta.pk.column}", params)
            obj.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, params)
            obj.pk = cursor.lastrowid


def execute_together(statements: Sequence[Statement]) -> None:
    """Writes whose results nobody reads, one after another, in one round trip where the backend
    allows it.

    Each runs as a statement of its own and sees the ones before it, on both backends: PostgreSQL
    gets them as one multi-statement query (psycopg's client-side binding, Django's default, sends
    it with the simple query protocol, which runs each in turn); SQLite runs in this process, so
    there one after another costs no round trips. (Data-modifying CTEs would be one statement, in
    which PostgreSQL silently keeps only one of two writes to the same row.)
    """
    if connection.vendor != "postgresql":
        for sql, params in statements:
            execute(sql, params)
        return
    execute(";\n".join(sql for sql, _ in statements), [value for _, params in statements for value in params])


def update_statement(obj: Model, fields: Sequence[str]) -> Statement:
    """The UPDATE of a loaded instance's `fields`, as `save(update_fields=...)` would write them."""
    meta = obj._meta
    prepared = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{field.column} = %s" for field in prepared)
    params = [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in prepared]
    return f"UPDATE {meta.db_table} SET {assignments} WHERE {meta.pk.column} = %s", [*params, obj.pk]  # noqa: S608 (model metadata only)


def in_workshop(model: type[M], row_id: int, workshop_id: str, condition: str = "") -> M | None:
    """The `model` row `row_id` if it is the workshop's (and meets `condition`, on alias `t`): an id
    from another workshop is as unknown as one that never existed."""
    found = fetch_one(
        f"SELECT {columns(model, 't')} FROM {model._meta.db_table} t"  # noqa: S608 (model metadata only)
        f" WHERE t.id = %s AND t.workshop_id = %s{condition}",
        [row_id, workshop_id],
    )
    return None if found is None else load(model, found)
