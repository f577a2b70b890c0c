"""Stock writes that touch no index: PostgreSQL's HOT updates.

A checkout changes each of its products' stock (and ``updated_at``). When an UPDATE
changes no indexed column and the new row version fits on the same page, PostgreSQL
writes no index entry at all (a heap-only tuple). ``product_active_stock_idx`` put
``stock`` in an index, so every stock change wrote a new entry into every index of the
product table, the search vector's GIN index among them: measured with
``pg_stat_statements``, 14 WAL records per product instead of 2, and the checkout's
stock statement ran in 251 µs instead of 148 (bench/README.md). The stock filters
(``in_stock``, ``min_stock``, the admin's low-stock list) now read rows in the order
another index gives and check the stock on each: out-of-stock products are few.

``fillfactor`` leaves 15% of each page the table writes from now on free, so the new
version of a row fits beside the old one; an existing table gets it everywhere with
``VACUUM FULL catalog_product`` at a quiet moment (README).

A stock movement's own ``product`` index is dropped too: ``movement_product_idx``
(product, -created_at) serves every lookup by product, and each movement written wrote
both. The indexes go without locking the tables (``shop.online_indexes``).
"""

import django.db.models.deletion
from django.db import migrations, models

from shop.online_indexes import drop_index

FILLFACTOR = 85


def _fillfactor(value):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            setting = f"SET (fillfactor = {value})" if value else "RESET (fillfactor)"
            schema_editor.execute(f"ALTER TABLE catalog_product {setting}")

    return run


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY (shop.online_indexes)

    dependencies = [
        ("catalog", "0004_product_search_vector"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="product",
                    name="product_active_stock_idx",
                ),
                migrations.AlterField(
                    model_name="stockmovement",
                    name="product",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="movements",
                        to="catalog.product",
                    ),
                ),
            ],
            database_operations=[
                drop_index(
                    "product_active_stock_idx",
                    "catalog_product",
                    ("is_active", "stock"),
                ),
                drop_index(
                    "catalog_stockmovement_product_id_13308dcf",
                    "catalog_stockmovement",
                    ("product_id",),
                ),
            ],
        ),
        migrations.RunPython(
            _fillfactor(FILLFACTOR), _fillfactor(None), elidable=False
        ),
    ]
