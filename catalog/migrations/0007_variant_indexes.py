"""Indexes of the variant filters.

- ``variant_options_gin_idx``: a GIN index (``jsonb_path_ops``) over the option values,
  on PostgreSQL only: the product list's ``option=<name>:<value>`` filter asks for
  variants whose options contain the values named (``options @> '{"Size": "M"}'``,
  ``catalog.selectors.with_option_values``), which this index answers without reading
  every variant. SQLite has no containment and gets nothing.
- ``variant_sku_upper_unique`` replaces ``variant_sku_upper_idx``: a SKU is unique
  whatever its case (``abc-1`` and ``ABC-1`` cannot both exist), and the same index still
  serves the search's ``sku__iexact``.

Both are built without locking the table (``shop.online_indexes``).
"""

import django.db.models.functions.text
from django.db import migrations, models

from shop.online_indexes import create_index

OPTIONS_GIN = create_index(
    "variant_options_gin_idx",
    "catalog_variant",
    'USING gin ("options" jsonb_path_ops)',
    postgresql_only=True,
)
SKU_UNIQUE = create_index(
    "variant_sku_upper_unique", "catalog_variant", '(UPPER("sku"))', unique=True
)
SKU_INDEX = create_index("variant_sku_upper_idx", "catalog_variant", '(UPPER("sku"))')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY (shop.online_indexes)

    dependencies = [("catalog", "0006_variants")]

    operations = [
        OPTIONS_GIN,
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="variant", name="variant_sku_upper_idx"),
                migrations.AddConstraint(
                    model_name="variant",
                    constraint=models.UniqueConstraint(
                        django.db.models.functions.text.Upper("sku"),
                        name="variant_sku_upper_unique",
                        violation_error_message="A variant with this SKU already exists.",
                    ),
                ),
            ],
            database_operations=[
                SKU_UNIQUE,
                # The plain index goes once the unique one is there (reversed: it comes
                # back before the unique one goes).
                migrations.RunPython(
                    SKU_INDEX.reverse_code, SKU_INDEX.code, elidable=False
                ),
            ],
        ),
    ]
