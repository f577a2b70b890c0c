"""Variants: what is bought becomes a variant of a product (SKU, options, price, stock,
weight, image); a product keeps what its variants share, and several images.

Every existing product becomes a product with one variant carrying its price and stock,
**with the product's id as the variant's id**: carts in Redis, whose lines were keyed by
product id, then name the same things as before, and the stock ledger's rows move to the
variant by copying a column. The id sequence is set past the ids taken. A product's
image becomes its first image. The reverse folds each product's variants back into its
stock (their sum) and its price (their lowest).
"""

from decimal import Decimal

import django.db.models.deletion
import django.db.models.functions.text
from django.core.management.color import no_style
from django.db import migrations, models
from django.db.models import F, Min, Sum

FILLFACTOR = 85  # as the product table's, catalog.0005: stock changes are HOT updates


def _sku(product) -> str:
    return f"{product.slug[:50]}-{product.pk}".upper()


def products_to_variants(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    ProductImage = apps.get_model("catalog", "ProductImage")
    StockMovement = apps.get_model("catalog", "StockMovement")
    batch = []
    images = []
    for product in Product.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            Variant(
                id=product.pk,
                product_id=product.pk,
                sku=_sku(product),
                options={},
                signature="",
                price=product.price,
                stock=product.stock,
                weight_grams=0,
                is_active=True,
                created_at=product.created_at,
                updated_at=product.updated_at,
            )
        )
        if product.image:
            images.append(ProductImage(product_id=product.pk, image=product.image.name))
        if len(batch) >= 2000:
            Variant.objects.bulk_create(batch)
            batch = []
    Variant.objects.bulk_create(batch)
    ProductImage.objects.bulk_create(images, batch_size=2000)
    StockMovement.objects.update(variant_id=F("product_id"))
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Variant]):
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE catalog_variant SET (fillfactor = {FILLFACTOR})")
    _check_foreign_keys_now(schema_editor)


def _check_foreign_keys_now(schema_editor):
    """PostgreSQL refuses to alter a table whose rows' foreign-key checks are still
    pending (they are deferred to the commit): the operations after the data's move do."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def variants_to_products(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    ProductImage = apps.get_model("catalog", "ProductImage")
    StockMovement = apps.get_model("catalog", "StockMovement")
    totals = Variant.objects.values("product_id").annotate(
        stock=Sum("stock"), price=Min("price")
    )
    for row in totals.iterator():
        Product.objects.filter(pk=row["product_id"]).update(
            stock=row["stock"], price=row["price"]
        )
    for image in ProductImage.objects.order_by("product_id", "-position", "-id"):
        Product.objects.filter(pk=image.product_id).update(image=image.image.name)
    for movement in StockMovement.objects.select_related("variant").iterator():
        StockMovement.objects.filter(pk=movement.pk).update(
            product_id=movement.variant.product_id
        )
    _check_foreign_keys_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_stock_writes_without_index_updates")]

    operations = [
        migrations.CreateModel(
            name="ProductImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("image", models.ImageField(upload_to="products/")),
                ("alt", models.CharField(blank=True, max_length=200)),
                ("position", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="images", to="catalog.product")),
            ],
            options={"ordering": ["position", "id"]},
        ),
        migrations.CreateModel(
            name="ProductOption",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50)),
                ("position", models.PositiveSmallIntegerField()),
                ("values", models.JSONField(default=list)),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="options", to="catalog.product")),
            ],
            options={
                "ordering": ["position"],
                "constraints": [
                    models.UniqueConstraint(fields=("product", "name"), name="option_name_unique_per_product"),
                    models.UniqueConstraint(fields=("product", "position"), name="option_position_unique"),
                    models.CheckConstraint(condition=models.Q(("position__lt", 3)), name="option_at_most_three"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Variant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sku", models.CharField(max_length=64, unique=True, verbose_name="SKU")),
                ("options", models.JSONField(blank=True, default=dict)),
                ("signature", models.CharField(blank=True, editable=False, max_length=255)),
                ("price", models.DecimalField(decimal_places=2, max_digits=12)),
                ("stock", models.IntegerField(default=0)),
                ("weight_grams", models.PositiveIntegerField(default=0)),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("image", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="variants", to="catalog.productimage")),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="variants", to="catalog.product")),
            ],
            options={
                "ordering": ["product_id", "id"],
                "indexes": [models.Index(django.db.models.functions.text.Upper("sku"), name="variant_sku_upper_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("product", "signature"), name="variant_options_unique"),
                    models.CheckConstraint(condition=models.Q(("price__gte", Decimal("0.01"))), name="variant_price_at_least_one_cent"),
                    models.CheckConstraint(condition=models.Q(("stock__gte", 0)), name="variant_stock_not_negative"),
                ],
            },
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="variant",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="movements", to="catalog.variant"),
        ),
        # Nullable while the ledger moves: reversed, the column comes back empty, is
        # filled from the variants, and only then is NOT NULL again.
        migrations.AlterField(
            model_name="stockmovement",
            name="product",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="movements", to="catalog.product"),
        ),
        migrations.RunPython(products_to_variants, variants_to_products),
        migrations.AlterField(
            model_name="stockmovement",
            name="variant",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="movements", to="catalog.variant"),
        ),
        migrations.RemoveIndex(model_name="stockmovement", name="movement_product_idx"),
        migrations.RemoveField(model_name="stockmovement", name="product"),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["variant", "-created_at"], name="movement_variant_idx"),
        ),
        migrations.RemoveConstraint(model_name="product", name="product_stock_not_negative"),
        migrations.RemoveField(model_name="product", name="stock"),
        migrations.RemoveField(model_name="product", name="image"),
        migrations.AlterField(
            model_name="product",
            name="price",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=12),
        ),
    ]
