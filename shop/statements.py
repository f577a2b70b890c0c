"""Two hot-path writes and reads as one PostgreSQL statement each, built from the models.

The ORM spends more Python on compiling a query and building model instances than
the database spends running it: a checkout's row lock and its order-and-items insert
cost about a third of its Python time through the ORM (bench/README.md). These
functions give the same rows and instances for a fraction of that. The SQL is built
once per process from each model's metadata, so it follows the models' fields.

Other databases (SQLite, the embedded default), and models with fields the statements
do not handle (converted on read; generated or defaulted by the database), get the plain
ORM calls. On PostgreSQL neither function sends model signals (the ORM path's ``save()``
does): use them only for models with no receivers for their saves (the callers say so).

On PostgreSQL they run as prepared statements (:func:`execute_prepared`): PostgreSQL
parses and plans each once per connection instead of once per checkout, where planning
alone cost more than running them (bench/README.md).
"""

import functools
import hashlib
import re
import time
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import NOT_PROVIDED, Model
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
    sql, types = _lock_sql(model)
    names, at = [f.attname for f in fields], fields.index(model._meta.pk)
    db = connection.alias
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, types, [pks])
        return {
            row[at]: model.from_db(db, names, row) for row in cursor.fetchall()
        }  # fmt: skip


@functools.cache
def _lock_sql(model) -> tuple[str, tuple[str, ...]]:
    # Every column, in the order of concrete_fields: the order Model.from_db expects.
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(
        f"{table}.{quote(f.column)}" for f in model._meta.concrete_fields
    )
    pk = f"{table}.{quote(model._meta.pk.column)}"
    sql = (
        f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s) "  # noqa: S608
        f"ORDER BY {pk} ASC FOR UPDATE"
    )
    return sql, (f"{base_type(model._meta.pk)}[]",)


def insert_with_children(parent: Model, children: list[Model], fk_name: str) -> None:
    """INSERT a new ``parent`` and its new ``children`` (whose foreign key ``fk_name``
    points at it), setting every primary key, as ``parent.save()`` followed by
    ``bulk_create(children)`` would: field defaults and ``auto_now`` values are taken as
    ``save()`` takes them. Children get their keys in list order."""
    if (
        connection.vendor != "postgresql"
        or not children
        or not _plain_insert(type(parent))
        or not _plain_insert(type(children[0]))
    ):
        parent.save(force_insert=True)
        for child in children:
            setattr(child, fk_name, parent)
        if children:
            type(children[0])._default_manager.bulk_create(children)
        return
    child_model = type(children[0])
    sql, types, parent_fields, child_fields = _insert_sql(
        type(parent), child_model, fk_name
    )
    # The connection itself, not the proxy ``connection``: each field reads it (its
    # ``ops``, its features) and every read through the proxy is a context-local lookup,
    # a fifth of this function's Python.
    db = connections[DEFAULT_DB_ALIAS]
    params = [f.get_db_prep_save(f.pre_save(parent, True), db) for f in parent_fields]
    params += [
        [f.get_db_prep_save(f.pre_save(child, True), db) for child in children]
        for f in child_fields
    ]
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, types, params)
        parent_pk, child_pks = cursor.fetchone()
    set_saved(parent, parent_pk)
    for child, pk in zip(children, child_pks, strict=True):
        setattr(child, fk_name, parent)
        set_saved(child, pk)


@functools.cache
def _plain_insert(model) -> bool:
    """Whether every field's value is written as Python gives it: no field generated by
    the database (it refuses a value) or defaulted by it (an expression, not a value)."""
    return not any(
        getattr(f, "generated", False) or f.db_default is not NOT_PROVIDED
        for f in model._meta.concrete_fields
    )


def set_saved(instance: Model, pk) -> None:
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
    arrays = ", ".join(f"%s::{base_type(f)}[]" for f in child_fields)
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
    # The parent's values are typed by their columns as an INSERT types them (too long a
    # string is refused, not cut): their parameters are of the base types too.
    types = tuple(base_type(f) for f in parent_fields)
    types += tuple(f"{base_type(f)}[]" for f in child_fields)
    return sql, types, parent_fields, child_fields


def base_type(field) -> str:
    """The field's column type without length or precision (varchar(200) -> varchar)."""
    return _TYPMOD.sub("", field.cast_db_type(connection))


class _Prepared(NamedTuple):
    name: str
    prepare: str  # PREPARE name (types) AS the statement, with $1, $2, ...
    execute: str  # EXECUTE name(%s::type, ...)


# Each prepared statement's SQL as written, by name: see statement_sql.
_written: dict[str, str] = {}


def statement_sql(sql: str) -> str:
    """The SQL a query ran as it was written: for an ``EXECUTE`` of a statement that
    :func:`execute_prepared` prepared, that statement (with ``%s`` placeholders); any
    other SQL as it is. For reading captured queries (tests, query logs)."""
    match = _EXECUTE.match(sql)
    return _written.get(match[1], sql) if match else sql


_EXECUTE = re.compile(r"EXECUTE (shop_[0-9a-f]+)\(")


@functools.cache
def _prepared(sql: str, types: tuple[str, ...]) -> _Prepared:
    parts = sql.split("%s")
    if len(parts) != len(types) + 1 or any("%" in part for part in parts):
        raise ValueError("One %s placeholder per type, and no other % in the SQL.")
    digest = hashlib.blake2b(f"{sql}\0{types}".encode(), digest_size=10).hexdigest()
    name = f"shop_{digest}"
    body = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
    # The arguments are cast too: EXECUTE coerces them as an assignment would, and an
    # array of NULLs (text[] as psycopg2 writes it) is not assignable to bigint[].
    args = ", ".join(f"%s::{t}" for t in types)
    _written[name] = sql
    return _Prepared(
        name,
        f"PREPARE {name} ({', '.join(types)}) AS {body}",
        f"EXECUTE {name}({args})",
    )


def execute_prepared(cursor, sql: str, types, params) -> None:
    """Run ``sql`` (``%s`` placeholders of the PostgreSQL ``types``) with ``params`` as
    a prepared statement of the cursor's connection: prepared at its first use on each
    connection, so PostgreSQL parses and plans it once per connection, not per call.

    The PREPARE is the connection's own state, as the time zone Django sets on it: it is
    sent on the driver's cursor, and a query count (``CaptureQueriesContext``) sees the
    statement once, as its EXECUTE. Prepared statements are not transactional (a
    rollback keeps them) and belong to the server session: they need session-level
    connections, as the checkout's advisory locks do (README: no transaction pooling).
    A statement prepared before a migration changed the types of the columns it reads
    is refused by PostgreSQL once, and a connection whose list of statements and the
    server's disagree mends it: see the handlers below. On a backend other than
    ``shop.postgresql`` the statement runs as it is.
    """
    db = cursor.db
    prepared = getattr(db, "prepared_statements", None)
    if prepared is None:
        cursor.execute(sql, params)
        return
    statement = _prepared(sql, tuple(types))
    if statement.name not in prepared:
        _prepare(db, statement)
    try:
        cursor.execute(statement.execute, params)
    except DatabaseError as exc:
        code = getattr(exc.__cause__, "pgcode", None)
        if code not in (RESULT_TYPE_CHANGED, NOT_PREPARED):
            raise
        # The server's statement is not the one this connection prepared: a table it
        # reads changed its columns' types (a migration ran meanwhile), or the server
        # lost it. Outside a transaction it is prepared anew and run once more; inside
        # one, the transaction is lost: the next use prepares it anew, and a statement
        # the server still holds goes with the connection at the end of the request.
        prepared.discard(statement.name)
        if db.in_atomic_block:
            if code == RESULT_TYPE_CHANGED:
                db.close_at = time.monotonic()
            raise
        if code == RESULT_TYPE_CHANGED:
            _raw(db, f"DEALLOCATE {statement.name}")
        _prepare(db, statement)
        cursor.execute(statement.execute, params)


#: SQLSTATEs of a statement the server holds otherwise than this connection prepared
#: it: "cached plan must not change result type" (feature_not_supported), "prepared
#: statement ... does not exist" (invalid_sql_statement_name), and on PREPARE,
#: "prepared statement ... already exists" (duplicate_prepared_statement).
RESULT_TYPE_CHANGED = "0A000"
NOT_PREPARED = "26000"
ALREADY_PREPARED = "42P05"


def _prepare(db, statement: _Prepared) -> None:
    """PREPARE ``statement`` and note it as this connection's, only once it is."""
    try:
        _raw(db, statement.prepare)
    except DatabaseError as exc:
        if getattr(exc.__cause__, "pgcode", None) != ALREADY_PREPARED:
            raise
        # The server holds it already, under a name that is its text's hash: the same
        # statement. Inside a transaction this failure has cost the transaction.
        db.prepared_statements.add(statement.name)
        if db.in_atomic_block:
            raise
        return
    db.prepared_statements.add(statement.name)


def _raw(db, sql: str) -> None:
    with db.wrap_database_errors, db.connection.cursor() as raw:
        raw.execute(sql)
