"""The variants migration (catalog.0006, orders.0005) on data made by the old schema:
the database is taken back to catalog 0005 / orders 0004, rows are written through the
models of that state, and the migration is run forward (and back)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [
    ("catalog", "0005_stock_writes_without_index_updates"),
    ("orders", "0004_order_user_without_own_index"),
]


def migrate(targets):
    """Migrate to ``targets`` (None: every app's latest); the models of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    """The models of the schema before variants; the database is brought back to the
    latest schema afterwards, whatever the test did."""
    try:
        yield migrate(OLD)
    finally:
        migrate(None)


def old_catalog(apps):
    """Two products of the old schema, one with an image, each with stock movements,
    and an order of both."""
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("catalog", "Category")
    Product = apps.get_model("catalog", "Product")
    StockMovement = apps.get_model("catalog", "StockMovement")
    Order = apps.get_model("orders", "Order")
    OrderItem = apps.get_model("orders", "OrderItem")
    seller = User.objects.create(email="old@example.com", role="seller")
    category = Category.objects.create(name="Kitchen", slug="kitchen")
    mug = Product.objects.create(
        seller=seller, category=category, name="Blue Mug", slug="blue-mug",
        price=Decimal("12.50"), stock=7, image="products/blue-mug.png",
    )  # fmt: skip
    pan = Product.objects.create(
        seller=seller, category=category, name="Iron Pan", slug="iron-pan",
        price=Decimal("40.00"), stock=0,
    )  # fmt: skip
    for product, delta, after in ((mug, 9, 9), (mug, -2, 7), (pan, 1, 1), (pan, -1, 0)):
        StockMovement.objects.create(
            product=product, delta=delta, stock_after=after, reason="adjustment"
        )
    order = Order.objects.create(
        number="ORD-1", access_token="t" * 32, email="buyer@example.com",
        currency="USD", subtotal=Decimal("65.00"), total=Decimal("65.00"),
        shipping_name="A Buyer", shipping_address="1 Main St",
    )  # fmt: skip
    for product, quantity in ((mug, 2), (pan, 1)):
        OrderItem.objects.create(
            order=order, product=product, product_name=product.name,
            unit_price=product.price, quantity=quantity,
            line_total=product.price * quantity,
        )  # fmt: skip
    return mug.pk, pan.pk


def test_products_become_one_variant_products_and_back(old_apps):
    """Forward: each product gets a variant with the product's id, price and stock (no
    options); the ledger names it; the image is the product's first image; order items
    name the variant and its SKU; new variants get ids above the old ones. Back (0006 →
    0005): a product's stock is its variants' sum, its price their lowest, its image its
    first image, and the ledger names the product again."""
    mug_id, pan_id = old_catalog(old_apps)
    apps = migrate(None)
    Variant = apps.get_model("catalog", "Variant")
    variants = {
        v.pk: (v.product_id, v.sku, v.price, v.stock, v.options, v.is_active)
        for v in Variant.objects.all()
    }
    assert variants == {
        mug_id: (mug_id, f"BLUE-MUG-{mug_id}", Decimal("12.50"), 7, {}, True),
        pan_id: (pan_id, f"IRON-PAN-{pan_id}", Decimal("40.00"), 0, {}, True),
    }
    movements = apps.get_model("catalog", "StockMovement").objects.order_by("pk")
    assert [(m.variant_id, m.delta) for m in movements] == [
        (mug_id, 9), (mug_id, -2), (pan_id, 1), (pan_id, -1),
    ]  # fmt: skip
    images = apps.get_model("catalog", "ProductImage").objects.all()
    assert [(i.product_id, i.image.name, i.position) for i in images] == [
        (mug_id, "products/blue-mug.png", 0)
    ]
    items = apps.get_model("orders", "OrderItem").objects.order_by("pk")
    assert [(i.variant_id, i.sku, i.options) for i in items] == [
        (mug_id, f"BLUE-MUG-{mug_id}", {}),
        (pan_id, f"IRON-PAN-{pan_id}", {}),
    ]
    Product = apps.get_model("catalog", "Product")
    assert Product.objects.get(pk=mug_id).price == Decimal("12.50")
    # The sequence was reset: a new variant takes an id above the migrated ones.
    Variant.objects.filter(pk=mug_id).update(stock=3)
    large = Variant.objects.create(
        product_id=mug_id, sku="BLUE-MUG-L", options={"Size": "L"}, signature="L",
        price=Decimal("9.00"), stock=4,
    )  # fmt: skip
    assert large.pk > max(mug_id, pan_id)

    apps = migrate(OLD)
    Product = apps.get_model("catalog", "Product")
    assert {p.pk: (p.stock, p.price, p.image.name) for p in Product.objects.all()} == {
        mug_id: (7, Decimal("9.00"), "products/blue-mug.png"),
        pan_id: (0, Decimal("40.00"), ""),
    }
    movements = apps.get_model("catalog", "StockMovement").objects.order_by("pk")
    assert [m.product_id for m in movements] == [mug_id, mug_id, pan_id, pan_id]
