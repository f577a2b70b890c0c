"""Full-text search on PostgreSQL from a stored ``tsvector`` column of word prefixes.

``catalog_product.search_vector`` is a generated column (PostgreSQL computes it on every
insert and update of ``name`` or ``description``): the English lexemes of name +
description and every prefix of each (``lantern`` -> ``l``, ``la``, ..., ``lantern``),
with a GIN index. It replaces the expression index of ``catalog.0003``:

- a search that walks the newest-first index checks each row against the stored vector
  instead of re-tokenising its text, so a page of a common word stops after a few
  hundred rows;
- a prefix search is an exact lexeme match (``lan`` is in the vector of a lantern), so
  GIN needs no partial-match scan and ``ANALYZE`` gives the planner real word
  frequencies for every query (it clamps ``word:*`` estimates at 2%), which is how it
  chooses between walking by date (common words) and the GIN index (rare ones).

The model does not declare the column (Django's ``GeneratedField`` would need the same
expression on SQLite, which has no ``tsvector``); ``catalog.selectors.SearchVector``
names it. On other databases (SQLite, the embedded default) this migration does nothing
and search stays ``icontains``.
"""

from django.db import migrations

COLUMN = "search_vector"
INDEX = "product_search_vector_idx"
OLD_INDEX = "product_search_gin_idx"

FUNCTION = "catalog_search_prefixes"
# Every prefix of every lexeme (``lantern`` -> l, la, lan, ..., lantern), without positions.
CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(doc tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(u.lexeme, n.len))), ''::tsvector)
  FROM unnest(doc) AS u(lexeme, positions, weights)
  CROSS JOIN LATERAL generate_series(1, char_length(u.lexeme)) AS n(len)
$$"""

FORWARD = [
    CREATE_FUNCTION,
    f"ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
    f"GENERATED ALWAYS AS ({FUNCTION}(to_tsvector('english'::regconfig, "
    "coalesce(name, '') || ' ' || coalesce(description, '')))) STORED",
    # Finer word statistics: the planner then knows rare words are rare (a rare word
    # searched by walking the newest-first index would read the whole table).
    f"ALTER TABLE catalog_product ALTER COLUMN {COLUMN} SET STATISTICS 1000",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin ({COLUMN})",
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
]
BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON catalog_product USING gin "
    "(to_tsvector('english'::regconfig, ((name)::text || ' ' || description)))",
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE catalog_product DROP COLUMN IF EXISTS {COLUMN}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}(tsvector)",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_product_search_index")]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
