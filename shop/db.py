"""What the shop asks of the database beyond the ORM. PostgreSQL is the production
database; SQLite, the development default, gets the plain equivalent (or nothing where
it needs none: it has one writer at a time)."""

import json

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def database_vendor() -> str:
    """The database's kind: "postgresql" or "sqlite" (what /readyz reports)."""
    return connection.vendor


def on_postgresql() -> bool:
    return database_vendor() == "postgresql"


def advisory_xact_lock(namespace: int, key: str) -> None:
    """Wait for the transaction-level advisory lock on (``namespace``, ``key``), held until
    the current transaction ends (so it works behind PgBouncer's transaction pooling).
    A no-op on SQLite, whose transactions already run one writer at a time."""
    if on_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [namespace, key]
            )


def planner_rows(queryset: QuerySet) -> int | None:
    """How many rows PostgreSQL's planner expects ``queryset`` to return (from the
    statistics ANALYZE keeps, about a millisecond); None on other databases."""
    if not on_postgresql():
        return None
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. .none(): nothing to ask
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
