"""Order items name the variant they bought, with snapshots of its SKU and options.
Items of products that became one-variant products (catalog.0006: the variant has the
product's id) name that variant; their options are none."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def items_to_variants(apps, schema_editor):
    OrderItem = apps.get_model("orders", "OrderItem")
    Variant = apps.get_model("catalog", "Variant")
    items = OrderItem.objects.filter(product__isnull=False)
    items.update(variant_id=F("product_id"))
    items.update(
        sku=Subquery(Variant.objects.filter(pk=OuterRef("variant_id")).values("sku")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now: PostgreSQL refuses the index built after this
        # (deferred to the migration's end) while their checks are still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_variants"),
        ("orders", "0004_order_user_without_own_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderitem",
            name="variant",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="catalog.variant"),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="sku",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="options",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(items_to_variants, migrations.RunPython.noop),
    ]
