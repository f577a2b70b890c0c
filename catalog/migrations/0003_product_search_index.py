"""Full-text search of products on PostgreSQL: a GIN index over name + description.

The indexed expression is exactly the SQL of ``catalog.selectors.ProductDocument``
(change both together), so ``document @@ to_tsquery(...)`` is answered from the index.
Other databases (SQLite, the embedded default) search with ``icontains`` and get nothing.
"""

from django.db import migrations

INDEX = "product_search_gin_idx"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin "
    "(to_tsvector('english'::regconfig, ((name)::text || ' ' || description)))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
