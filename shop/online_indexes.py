"""Migration operations that drop and build indexes without blocking the table.

Django drops the index of a foreign key that stops being ``db_index`` by dropping and
re-adding the key's constraint, which re-checks every row under an exclusive lock on
both tables; a plain DROP INDEX also holds the table exclusively while it waits for the
transactions before it. On PostgreSQL these use ``DROP INDEX CONCURRENTLY`` and
``CREATE INDEX CONCURRENTLY``, which let reads and writes go on (the migration must be
``atomic = False``: they cannot run in a transaction); other databases (SQLite, the
embedded default) get the plain statements. Pair them with the model change in
``SeparateDatabaseAndState``: Django's state changes, these do the database's part.
"""

from django.db import migrations


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def _drop(name: str):
    def run(apps, schema_editor):
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {quote(name)}"
        )

    return run


def _create(name: str, table: str, columns: tuple[str, ...]):
    def run(apps, schema_editor):
        # A CREATE INDEX CONCURRENTLY that was interrupted leaves an invalid index of
        # that name (never read, still written): build it anew rather than keep it.
        _drop(name)(apps, schema_editor)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX{_concurrently(schema_editor)} {quote(name)} "
            f"ON {quote(table)} ({', '.join(quote(c) for c in columns)})"
        )

    return run


def drop_index(name: str, table: str, columns: tuple[str, ...]):
    """Drop the index ``name`` (reversed: built again on ``table``'s ``columns``)."""
    return migrations.RunPython(
        _drop(name), _create(name, table, columns), elidable=False
    )


def create_index(
    name: str,
    table: str,
    definition: str,
    *,
    unique: bool = False,
    postgresql_only: bool = False,
):
    """Build the index ``name`` on ``table`` from the SQL ``definition`` that follows the
    table's name (``(UPPER("sku"))``, ``USING gin ("options" jsonb_path_ops)``);
    reversed: dropped. ``postgresql_only``: nothing happens on other databases (an
    index of a kind only PostgreSQL has)."""

    def build(apps, schema_editor):
        if postgresql_only and schema_editor.connection.vendor != "postgresql":
            return
        _drop(name)(apps, schema_editor)  # an interrupted build left an invalid one
        schema_editor.execute(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX{_concurrently(schema_editor)} "
            f"{schema_editor.quote_name(name)} ON {schema_editor.quote_name(table)} "
            f"{definition}"
        )

    def drop(apps, schema_editor):
        if postgresql_only and schema_editor.connection.vendor != "postgresql":
            return
        _drop(name)(apps, schema_editor)

    return migrations.RunPython(build, drop, elidable=False)
