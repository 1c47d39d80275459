"""Writing thousands of rows in one statement, on PostgreSQL and SQLite alike.

The rows travel as ONE parameter, a JSON array of objects, which the database unpacks itself
(`jsonb_to_recordset` / `json_each`): Django's bulk_update compiles a CASE branch per row and
field, and bulk_create a placeholder per value that the driver then quotes one by one, which
costs more than the database's own work once there are thousands of rows (a regrade's batch)."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model


def _columns(model: type[Model], fields: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each field (by name or attname) as (its column, its SQL type; `jsonb` for any JSON)."""
    columns = {}
    for name in fields:
        f = model._meta.get_field(name)
        if not isinstance(f, Field):
            raise TypeError(f"{model.__name__}.{name} is not a column")
        columns[name] = (str(f.column), "jsonb" if isinstance(f, JSONField) else str(f.db_type(connection)))
    return columns


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return str(connection.ops.adapt_datetimefield_value(value))
    raise TypeError(f"{type(value).__name__} cannot be written in bulk")


def json_rows(columns: Mapping[str, str]) -> str:
    """A FROM item named `v` with the given columns (name -> the column's SQL type), read from
    one `%s` parameter: a JSON array of objects with those keys (see `rows_param`), in its
    order. A `jsonb` column takes the JSON value under its key as it is."""
    if connection.vendor == "postgresql":
        typed = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
        return f"jsonb_to_recordset(%s::jsonb) AS v({typed})"
    # json_quote keeps a JSON object or array as JSON text, and quotes a string.
    picked = ", ".join(
        f"json_quote(json_extract(value, '$.{name}')) AS {name}"
        if sql_type == "jsonb"
        else f"json_extract(value, '$.{name}') AS {name}"
        for name, sql_type in columns.items()
    )
    return f"(SELECT {picked} FROM json_each(%s)) AS v"  # noqa: S608 (column names, not input)


def rows_param(rows: Sequence[Mapping[str, Any]]) -> str:
    """The parameter of `json_rows`: decimals as text, datetimes as the database stores them."""
    return json.dumps(rows, default=_encode, separators=(",", ":"))


def update_rows(model: type[Model], rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> int:
    """Set `fields` of many rows of `model`, each row a mapping of `pk` and the fields' values
    (every row its own values), in one UPDATE. Returns how many rows it changed."""
    if not rows:
        return 0
    meta = model._meta
    columns = _columns(model, fields)
    pk = str(meta.pk.column) if meta.pk else "id"
    sets = ", ".join(f"{c} = v.{c}" for c, _ in columns.values())
    source = json_rows({"pk": "bigint", **dict(columns.values())})
    sql = f"UPDATE {meta.db_table} AS t SET {sets} FROM {source} WHERE t.{pk} = v.pk"  # noqa: S608
    data = [{"pk": r["pk"], **{c: r[f] for f, (c, _) in columns.items()}} for r in rows]
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows_param(data)])
        return int(cursor.rowcount)


def update_each(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], *, unless_set: str | None = None
) -> None:
    """Save `fields` of each instance in `objs`, each its own values: one parametrised UPDATE
    sent for all of them (executemany, which PostgreSQL pipelines), for values the JSON of
    `update_rows` cannot carry (bytes). With `unless_set` (a field), a row where that field is
    already set is left as it is."""
    if not objs:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [f for f in (meta.get_field(name) for name in fields) if isinstance(f, Field)]
    if len(columns) != len(fields):
        raise TypeError(f"{model.__name__}: not every one of {list(fields)} is a column")
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in columns)
    where = f"{quote(str(meta.pk.column) if meta.pk else 'id')} = %s"
    if unless_set is not None:
        where += f" AND {quote(_columns(model, [unless_set])[unless_set][0])} IS NULL"
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {where}"  # noqa: S608 (names, not input)
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    *,
    same: Mapping[str, Any] | None = None,
    returning: bool = False,
) -> list[int]:
    """Insert many rows of `model` in one INSERT ... SELECT: each row a mapping of `fields` to
    its values, `same` the values every row has (every other column may be NULL). With
    `returning`, the new ids in ascending order, which is the order of `rows`."""
    if not rows:
        return []
    meta = model._meta
    same = same or {}
    columns = _columns(model, fields)
    fixed = _columns(model, list(same))
    names = ", ".join(c for c, _ in [*fixed.values(), *columns.values()])
    picked = ", ".join(["%s"] * len(fixed) + [f"v.{c}" for c, _ in columns.values()])
    source = json_rows(dict(columns.values()))
    sql = f"INSERT INTO {meta.db_table} ({names}) SELECT {picked} FROM {source}"  # noqa: S608
    data = [{c: r[f] for f, (c, _) in columns.items()} for r in rows]
    params = [
        model._meta.get_field(f).get_db_prep_save(value, connection)  # type: ignore[union-attr]
        for f, value in same.items()
    ]
    params.append(rows_param(data))
    with connection.cursor() as cursor:
        if not returning:
            cursor.execute(sql, params)
            return []
        pk = str(meta.pk.column) if meta.pk else "id"
        cursor.execute(f"{sql} RETURNING {pk}", params)
        return sorted(row[0] for row in cursor.fetchall())
