"""An order's ``user`` loses its own index: ``order_user_created_idx`` (user,
-created_at) serves every lookup by user, and each checkout wrote both. Dropped without
locking the tables (``shop.online_indexes``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from shop.online_indexes import drop_index


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY (shop.online_indexes)

    dependencies = [
        ("orders", "0003_order_confirmation_due_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="orders",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                drop_index(
                    "orders_order_user_id_e9b59eb1", "orders_order", ("user_id",)
                ),
            ],
        ),
    ]
