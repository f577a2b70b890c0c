"""Two hot-path writes and reads as one PostgreSQL statement each, built from the models.

The ORM spends more Python on compiling a query and building model instances than
the database spends running it: a checkout's row lock and its order-and-items insert
cost about a third of its Python time through the ORM (bench/README.md). These
functions give the same rows and instances for a fraction of that. The SQL is built
once per process from each model's metadata, so it follows the models' fields.

Other databases (SQLite, the embedded default) get the plain ORM calls. Neither
function sends model signals: use them only for models with no receivers for their
saves (the callers say so).
"""

import functools
import re

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError

_TYPMOD = re.compile(r"\(.*\)")  # varchar(200) -> varchar, numeric(12, 2) -> numeric


def lock_by_pk(model: type[Model], pks) -> dict:
    """The rows with these primary keys, locked FOR UPDATE in primary-key order (the
    order every locker of them uses, so two lockers never deadlock), by primary key."""
    pks = sorted(set(pks))
    fields = model._meta.concrete_fields
    # Values are taken as the driver gives them: a field that converts what it reads
    # (from_db_value: JSONField, custom fields) goes through the ORM.
    if connection.vendor != "postgresql" or any(
        hasattr(f, "from_db_value") for f in fields
    ):
        rows = model._default_manager.select_for_update().filter(pk__in=pks)
        return {row.pk: row for row in rows.order_by("pk")}
    if not connection.in_atomic_block:  # as select_for_update() refuses it
        raise TransactionManagementError(
            "lock_by_pk cannot be used outside of a transaction."
        )
    sql = _lock_sql(model)
    names, at = [f.attname for f in fields], fields.index(model._meta.pk)
    db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(sql, [pks])
        return {
            row[at]: model.from_db(db, names, row) for row in cursor.fetchall()
        }  # fmt: skip


@functools.cache
def _lock_sql(model) -> str:
    # Every column, in the order of concrete_fields: the order Model.from_db expects.
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(
        f"{table}.{quote(f.column)}" for f in model._meta.concrete_fields
    )
    pk = f"{table}.{quote(model._meta.pk.column)}"
    return (
        f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s) "  # noqa: S608
        f"ORDER BY {pk} ASC FOR UPDATE"
    )


def insert_with_children(parent: Model, children: list[Model], fk_name: str) -> None:
    """INSERT a new ``parent`` and its new ``children`` (whose foreign key ``fk_name``
    points at it), setting every primary key, as ``parent.save()`` followed by
    ``bulk_create(children)`` would: field defaults and ``auto_now`` values are taken as
    ``save()`` takes them. Children get their keys in list order."""
    if connection.vendor != "postgresql" or not children:
        parent.save(force_insert=True)
        for child in children:
            setattr(child, fk_name, parent)
        if children:
            type(children[0])._default_manager.bulk_create(children)
        return
    child_model = type(children[0])
    sql, parent_fields, child_fields = _insert_sql(type(parent), child_model, fk_name)
    params = [
        f.get_db_prep_save(f.pre_save(parent, True), connection) for f in parent_fields
    ]
    params += [
        [f.get_db_prep_save(f.pre_save(child, True), connection) for child in children]
        for f in child_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        parent_pk, child_pks = cursor.fetchone()
    _saved(parent, parent_pk)
    for child, pk in zip(children, child_pks, strict=True):
        setattr(child, fk_name, parent)
        _saved(child, pk)


def _saved(instance: Model, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


@functools.cache
def _insert_sql(parent_model, child_model, fk_name):
    quote = connection.ops.quote_name
    fk = child_model._meta.get_field(fk_name)
    parent_fields = [f for f in parent_model._meta.concrete_fields if not f.primary_key]
    child_fields = [
        f for f in child_model._meta.concrete_fields if not f.primary_key and f != fk
    ]
    parent_pk = quote(parent_model._meta.pk.column)
    child_pk = quote(child_model._meta.pk.column)
    # Arrays of the base types, without length or precision: an explicit cast to
    # varchar(200) would cut a longer string, where the column's own (assignment) cast
    # refuses it as an ORM INSERT does.
    arrays = ", ".join(
        f"%s::{_TYPMOD.sub('', f.cast_db_type(connection))}[]" for f in child_fields
    )
    names = ", ".join(f"v{i}" for i in range(len(child_fields)))
    sql = (
        f"WITH parent AS (INSERT INTO {quote(parent_model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in parent_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(parent_fields))}) RETURNING {parent_pk}), "
        f"children AS (INSERT INTO {quote(child_model._meta.db_table)} "
        f"({quote(fk.column)}, {', '.join(quote(f.column) for f in child_fields)}) "
        f"SELECT parent.{parent_pk}, {names} FROM parent, "
        f"unnest({arrays}) WITH ORDINALITY AS v({names}, n) ORDER BY n "
        f"RETURNING {child_pk}) "
        f"SELECT parent.{parent_pk}, ARRAY(SELECT {child_pk} FROM children "
        f"ORDER BY {child_pk}) FROM parent"
    )
    return sql, parent_fields, child_fields
